"""Registers, money totals, quality alerts and settlement checks computed from generated case
sets (thousands of return cases written as files and committed once), checked against
expectations worked out here independently from the generator's data."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from conftest import CLI, base_environ, read_case
from returns_gen import SHOP_PAYS, TZ, Case, Generator, background, write_and_commit
from test_returns import open_return

START = datetime(2026, 9, 1, tzinfo=TZ)
WRONG = {"wrong-item", "missing-item", "extra-item"}
PARCEL = {"courier-damage", "lost-parcel"}


@pytest.fixture(scope="module")
def big_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[CLI, list[Case]]]:
    """3,000 returns opened from September to November 2026, committed once."""
    base = tmp_path_factory.mktemp("big")
    home = base / "home"
    home.mkdir()
    environ = base_environ(home)
    root = base / "repo"
    CLI(base, environ).ok("init", str(root))
    cases = background(Generator(seed=7), 3000, START, 91)
    write_and_commit(root, cases, environ, "3000 generated returns")
    yield CLI(root, environ), cases


def register_json(repo: CLI, name: str, *extra: str) -> dict[str, Any]:
    data = json.loads(repo.ok("registers", name, "--format", "json", *extra).out)
    assert isinstance(data, dict)
    return data


def dec(text: str) -> Decimal:
    assert text.count(".") == 1 and len(text.split(".")[1]) == 2, text  # two places, as text
    return Decimal(text)


def compensation(case: Case) -> Decimal | None:
    if "refund_amount" in case.fields:
        return Decimal(case.fields["refund_amount"])
    if case.fields["return_type"] in ("resend", "exchange"):
        return Decimal(case.fields["amount_paid"])
    return None


def test_generated_cases_are_valid(big_repo: tuple[CLI, list[Case]]) -> None:
    repo, cases = big_repo
    result = repo.ok("validate")
    assert f"{len(cases)} case files checked, no problems" in result.err


def test_generated_derived_keys_are_what_casekit_writes(
    big_repo: tuple[CLI, list[Case]], tmp_path: Path
) -> None:
    """The generator computes `deadlines:`, `postage:` and `price_difference:` with casekit's
    functions; casekit recomputes them on any change (here a reassignment, which moves no
    clock), so on a copy they must come out the same, for an open case of every type."""
    repo, cases = big_repo
    root = tmp_path / "copy"
    shutil.copytree(repo.root, root, symlinks=True)
    cli = CLI(root, repo.environ)
    chosen: dict[str, Case] = {}
    for c in cases:
        if c.status not in ("closed", "declined") and len(c.history) > 1:
            chosen.setdefault(c.fields["return_type"], c)
    assert len(chosen) == 5
    for c in chosen.values():
        other = next(a for a in ("li.na", "wang.fang", "chen.jie") if a != c.assignee)
        cli.ok("assign", c.id, other, now="2026-12-01T10:00:00+08:00")
        data = read_case(cli.case_path(c.id))
        written = {k: data[k] for k in ("deadlines", "postage", "price_difference") if k in data}
        assert written == c.derived, c.id


def test_money_sums_are_exact_across_thousands_of_cases(big_repo: tuple[CLI, list[Case]]) -> None:
    repo, cases = big_repo
    live = [c for c in cases if c.status != "declined"]

    parcel = [c for c in live if c.fields["reason"] in PARCEL]
    data = register_json(repo, "parcel-claims")
    assert data["count"] == len(parcel) > 100
    want = sum((a for c in parcel if (a := compensation(c)) is not None), Decimal("0.00"))
    assert dec(data["totals"]["compensation"]) == want
    claimed = [
        Decimal(c.fields["courier_claim_amount"]) for c in parcel if "courier_claim_amount" in c.fields
    ]
    claims = sum(claimed, Decimal("0.00"))
    assert dec(data["totals"]["courier_claim"]) == claims
    assert sum(dec(r["compensation"]) for r in data["rows"] if r["compensation"]) == want

    postage = [
        c
        for c in live
        if c.fields["reason"] in SHOP_PAYS
        and c.fields["return_type"] in ("return", "exchange")
        and c.reached("in_transit")
    ]
    data = register_json(repo, "postage")
    assert data["count"] == len(postage) > 100
    assert dec(data["totals"]["amount"]) == sum(
        (Decimal(c.fields["postage_amount"]) for c in postage), Decimal(0)
    )
    outstanding = sum(
        (Decimal(c.fields["postage_amount"]) for c in postage if not c.fields.get("postage_reimbursed")),
        Decimal(0),
    )
    assert dec(data["totals"]["outstanding"]) == outstanding

    # the months add up to the whole, to the fen
    months = ["2026-09", "2026-10", "2026-11"]
    per_month = [dec(register_json(repo, "postage", "--month", m)["totals"]["amount"]) for m in months]
    assert sum(per_month) == dec(data["totals"]["amount"])
    assert all(m > 0 for m in per_month)

    # CSV carries the same amounts as text with two places
    lines = repo.ok("registers", "postage", "--format", "csv", "--no-bom").lines
    assert lines[0] == (
        "date,case_id,merchant,customer_account,customer,order_no,reason,return_tracking_no,amount,reimbursed,status"
    )
    assert len(lines) == len(postage) + 1
    assert sum(Decimal(line.split(",")[8]) for line in lines[1:]) == dec(data["totals"]["amount"])


def test_report_figures_for_a_period_are_exact(big_repo: tuple[CLI, list[Case]]) -> None:
    """The pure function a weekly report calls for its returns section: returns opened by
    type and by reason, each refund and the money refunded, each leg of postage the shop
    paid and their total; run in a subprocess on this checkout's code, checked to the fen
    against what is worked out here from the generator's data."""
    repo, cases = big_repo
    start, end = date(2026, 10, 5), date(2026, 10, 12)

    def day(moment: datetime | None) -> date | None:
        return moment.astimezone(TZ).date() if moment else None

    def inside(moment: datetime | None) -> bool:
        d = day(moment)
        return d is not None and start <= d < end

    def most_first(counts: dict[str, int]) -> dict[str, int]:
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    opened = [c for c in cases if start <= c.opened.date() < end]
    by_type: dict[str, int] = {}
    by_reason: dict[str, int] = {}
    for c in opened:
        by_type[c.fields["return_type"]] = by_type.get(c.fields["return_type"], 0) + 1
        by_reason[c.fields["reason"]] = by_reason.get(c.fields["reason"], 0) + 1
    refunds = sorted(
        (day(c.moved_at("refunded")), c.id, Decimal(c.fields["refund_amount"]))
        for c in cases
        if inside(c.moved_at("refunded"))
    )
    # The shop pays both ways for its own faults: the way back when the customer ships
    # (in_transit), the way out when it re-ships; at the case's postage, else the standard 10.00.
    legs: list[tuple[date | None, str, str, Decimal, bool]] = []
    for c in cases:
        if c.status == "declined" or c.fields["reason"] not in SHOP_PAYS:
            continue
        standard = "postage_amount" not in c.fields
        amount = Decimal("10.00") if standard else Decimal(c.fields["postage_amount"])
        ways = {"return": ["back"], "exchange": ["back", "out"], "resend": ["out"]}
        for leg in ways.get(c.fields["return_type"], []):
            moment = c.moved_at("in_transit" if leg == "back" else "reshipped")
            if inside(moment):
                legs.append((day(moment), c.id, leg, amount, standard))
    legs.sort()
    script = f"""
import json
from datetime import date
from pathlib import Path
from casekit.store.configfile import load_config
from casekit.render.output import to_json
from casekit.index.reader import read_cases
from casekit.features.returns.summary import returns_summary
root = Path({str(repo.root)!r})
docs, _ = read_cases(root)
summary = returns_summary([d.data for d in docs], load_config(root), date(2026, 10, 5), date(2026, 10, 12))
print(to_json(summary.as_json()))
"""
    out = subprocess.run(
        [sys.executable, "-c", script], env=repo.environ, capture_output=True, text=True, check=True
    ).stdout
    summary = json.loads(out)
    assert (summary["start"], summary["end"]) == ("2026-10-05", "2026-10-12")
    assert summary["opened"] == len(opened) > 0
    assert summary["by_type"] == most_first(by_type)
    assert summary["by_reason"] == most_first(by_reason)
    assert [(r["day"], r["case"], dec(r["amount"])) for r in summary["refunds"]] == [
        (d.isoformat() if d else None, i, a) for d, i, a in refunds
    ]
    assert dec(summary["money_refunded"]) == sum((a for _, _, a in refunds), Decimal("0.00")) > 0
    assert [
        (p["day"], p["case"], p["leg"], dec(p["amount"]), p["standard"]) for p in summary["shop_postage_legs"]
    ] == [(d.isoformat() if d else None, i, leg, a, s) for d, i, leg, a, s in legs]
    assert {leg for _, _, leg, _, _ in legs} == {"back", "out"}  # both ways occur in the week
    assert dec(summary["shop_postage"]) == sum((a for *_, a, _ in legs), Decimal("0.00")) > 0


def test_wrong_shipment_register_lists_confirmed_wrong_shipments(big_repo: tuple[CLI, list[Case]]) -> None:
    repo, cases = big_repo
    want = sorted(
        (
            c
            for c in cases
            if c.fields["reason"] in WRONG and c.status != "declined" and c.reached("approved")
        ),
        key=lambda c: (c.opened.isoformat(), c.id),
    )
    data = register_json(repo, "wrong-shipment")
    assert [r["case_id"] for r in data["rows"]] == [c.id for c in want]
    labels = {"wrong-item": "发错货", "missing-item": "漏发少发", "extra-item": "多发"}
    first = want[0]
    row = data["rows"][0]
    assert row["error"] == labels[first.fields["reason"]]
    assert (row["order_no"], row["sku"], row["customer_account"]) == (
        first.fields["order_no"],
        first.fields["sku"],
        first.fields["customer_account"],
    )
    assert row["date"] == first.opened.date().isoformat()
    november = register_json(repo, "wrong-shipment", "--month", "2026-11")
    assert [r["case_id"] for r in november["rows"]] == [c.id for c in want if c.opened.month == 11]
    # the Chinese desk's headers (in English: Error type...)
    table = repo.ok(
        "registers", "wrong-shipment", "--month", "2026-11", extra_env={"CASEKIT_LANG": "zh_CN"}
    ).out
    assert table.startswith("发错货登记 2026-11")
    assert "差错类型" in table and f"共 {len(november['rows'])} 条" in table


def test_quality_alerts_from_a_realistic_case_set(repo: CLI) -> None:
    gen = Generator(seed=11)
    as_of = date(2026, 11, 30)
    end = datetime(2026, 11, 30, 16, tzinfo=TZ)

    def quality(days_ago: float, customer: int, sku: tuple[str, str], batch: str, **kw: Any) -> Case:
        return gen.return_case(end - timedelta(days=days_ago), reason="quality", customer=customer, sku=sku,
                               batch=batch, return_type="exchange", **kw)  # fmt: skip

    coat, jeans = ("YR-BLK-L", "羽绒服 黑色 L"), ("NZK-BLU-30", "牛仔裤 蓝色 30")
    cases = [
        # three customers, same SKU, within 7 days: an alert
        quality(0, 1, coat, "B2611-01"),
        quality(2, 2, coat, "B2611-02"),
        quality(6, 3, coat, "B2611-03"),
        # three customers, same batch across sizes (different SKUs): a batch alert only
        quality(1, 4, ("WY-GRY-S", "卫衣 灰色 S"), "B2611-09"),
        quality(3, 5, ("WY-GRY-M", "卫衣 灰色 M"), "B2611-09"),
        quality(4, 6, ("WY-GRY-L", "卫衣 灰色 L"), "B2611-09"),
        # one customer three times: no alert
        quality(1, 7, jeans, "B2611-20"),
        quality(2, 7, jeans, "B2611-21"),
        quality(3, 7, jeans, "B2611-22"),
        # two customers plus a declined claim: no alert
        quality(1, 8, ("MY-RED-F", "毛衣 红色 均码"), "B2611-30"),
        quality(2, 9, ("MY-RED-F", "毛衣 红色 均码"), "B2611-31"),
        quality(3, 10, ("MY-RED-F", "毛衣 红色 均码"), "B2611-32", declined=True),
        # three customers but the first falls outside the window: no alert
        quality(7, 11, ("CS-WHT-XL", "衬衫 白色 XL"), "B2611-40"),
        quality(5, 12, ("CS-WHT-XL", "衬衫 白色 XL"), "B2611-41"),
        quality(1, 13, ("CS-WHT-XL", "衬衫 白色 XL"), "B2611-42"),
    ]
    # three changed-mind returns of one SKU are not a quality problem
    cases += [
        gen.return_case(
            end - timedelta(days=n),
            reason="changed-mind",
            customer=20 + n,
            sku=("XZ-01", "鞋子"),
            return_type="return",
        )
        for n in range(3)
    ]
    # background noise from earlier months, outside the window
    cases += background(gen, 300, START, 60)
    write_and_commit(repo.root, cases, repo.environ, "returns for alert checks")

    found = json.loads(repo.ok("alerts", "--as-of", as_of.isoformat(), "--format", "json").out)
    assert [(a["scope"], a["key"], a["customers"]) for a in found] == [
        ("batch", "B2611-09", 3),
        ("sku", "YR-BLK-L", 3),
    ]
    coat_alert = found[1]
    assert coat_alert["cases"] == [c.id for c in cases[:3]][::-1]  # oldest first
    assert coat_alert["items"] == ["羽绒服 黑色 L"]
    assert (coat_alert["first"], coat_alert["last"]) == ("2026-11-24", "2026-11-30")
    # a day later the oldest report leaves the window: the SKU alert ends
    later = json.loads(repo.ok("alerts", "--as-of", "2026-12-01", "--format", "json").out)
    assert ("sku", "YR-BLK-L") not in [(a["scope"], a["key"]) for a in later]
    # the default window is "now" (CASEKIT_NOW) and the table is for people
    text = repo.ok("alerts", now="2026-11-30T18:00:00+08:00").out
    assert "质量预警" in text and "B2611-09" in text and "YR-BLK-L" in text
    assert "no quality alerts" in repo.ok("alerts", "--as-of", "2026-10-01").out
    # the threshold comes from the config
    config = repo.root / "casekit.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("min_customers: 3", "min_customers: 2"), "utf-8"
    )
    keys = {a["key"] for a in json.loads(repo.ok("alerts", "--as-of", "2026-11-30", "--format", "json").out)}
    assert {"MY-RED-F", "CS-WHT-XL", "YR-BLK-L", "B2611-09"} <= keys
    assert "NZK-BLU-30" not in keys


def test_settlement_check_lists_orders_held_by_open_cases(repo: CLI) -> None:
    shop = "优品服饰旗舰店"
    complaint = repo.new("complaint", "--set", f"merchant={shop}", "--set", "order_no=TB100")
    held_return = open_return(repo, "return_type=return", "reason=changed-mind", "order_no=TB200")
    done = open_return(repo, "return_type=return", "reason=changed-mind", "order_no=TB300")
    repo.ok("move", done, "declined", "--set", "decline_reason=超出退换期限")
    other_shop = open_return(
        repo, "return_type=return", "reason=changed-mind", "order_no=TB400", "merchant=别家"
    )
    no_order = repo.new("complaint", "--set", f"merchant={shop}")

    data = json.loads(repo.ok("settlement-check", shop, "--format", "json").out)
    assert [(o["order_no"], [c["id"] for c in o["cases"]]) for o in data["blocked_orders"]] == [
        ("TB100", [complaint]),
        ("TB200", [held_return]),
    ]
    assert [c["id"] for c in data["cases_without_order"]] == [no_order]
    assert other_shop not in json.dumps(data)

    err = repo.refused("settlement-check", shop, "--order", "TB200").err
    assert f"order TB200 of {shop} cannot be settled: open {held_return} (return, requested)" in err
    assert "can be settled" in repo.ok("settlement-check", shop, "--order", "TB300").out

    text = repo.ok("settlement-check", "  优品服饰旗舰店 ").out
    assert text.startswith(f"{shop}: 2 orders cannot be settled")
    assert "TB100" in text and "(no order number)" in text

    # closing the complaint releases its order
    for target, sets in [
        ("assessing", []),
        ("rejected", ["rejection_reason=非商家责任"]),
    ]:
        repo.ok("move", complaint, target, *[a for s in sets for a in ("--set", s)])
    data = json.loads(repo.ok("settlement-check", shop, "--format", "json").out)
    assert [o["order_no"] for o in data["blocked_orders"]] == ["TB200"]
    assert "no case names the merchant 不存在的店" in repo.ok("settlement-check", "不存在的店").out


def test_registers_refuse_bad_arguments(repo: CLI) -> None:
    assert repo.run("registers", "postage", "--month", "2026-13").code == 2
    assert "write it as YYYY-MM" in repo.run("registers", "postage", "--month", "11/2026").err
    assert repo.run("registers", "refunds").code == 2
    assert repo.run("alerts", "--as-of", "yesterday").code == 2
    assert "no entries" in repo.ok("registers", "parcel-claims").out


def test_commands_have_help_with_an_example(repo: CLI) -> None:
    for command in ("attach", "registers", "alerts", "settlement-check"):
        text = repo.ok(command, "--help").out
        assert "Example: casekit " + command in text


def test_project_docs_describe_the_commands() -> None:
    text = (Path(__file__).resolve().parents[1] / "docs" / "returns.md").read_text(encoding="utf-8")
    for needle in (
        "casekit attach",
        "casekit registers",
        "casekit alerts",
        "casekit settlement-check",
        "git lfs",
    ):
        assert needle in text
