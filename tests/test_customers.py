"""The customer at the centre: finding a caller, repeat callers, the customer file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from conftest import CLI, read_case

PHONE = "13800138000"
SPELLINGS = ["138 0013 8000", "+86 13800138000", "13800138000", "0086-138-0013-8000", "(138)00138000"]


def open_case(cli: CLI, *extra: str, customer: str = "王建国", phone: str = PHONE, **kwargs: object) -> str:
    args = ["new", "complaint", "--title", "传真机无法接收传真", "--customer", customer, "--phone", phone]
    args += ["--channel", "phone", "--salutation", "先生", "--set", "category=product-quality", *extra]
    return cli.ok(*args, **kwargs).out.strip()  # type: ignore[arg-type]


@pytest.fixture
def callers(repo: CLI) -> dict[str, str]:
    """Three cases of 王建国 (two phone spellings, one with an order), one of someone else."""
    first = open_case(repo, "--set", "order_no=DD20261101-0001", now="2026-11-02T09:00:00+08:00")
    repo.ok("move", first, "assessing", "--note", "已确认故障", now="2026-11-02T09:30:00+08:00")
    second = open_case(repo, phone="+86 138 0013 8000", now="2026-11-10T10:00:00+08:00")
    other = open_case(repo, customer="李娜娜", phone="13900139000", now="2026-11-11T10:00:00+08:00")
    third = open_case(repo, phone="138-0013-8000", now="2026-11-20T11:00:00+08:00")
    return {"first": first, "second": second, "third": third, "other": other}


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_customer_finds_every_case_of_a_phone_whatever_its_spelling(
    repo: CLI, callers: dict[str, str], spelling: str
) -> None:
    found = json.loads(repo.ok("customer", "--format", "json", spelling).out)
    assert len(found["customers"]) == 1
    ids = [case["id"] for case in found["customers"][0]["cases"]]
    assert ids == [callers["third"], callers["second"], callers["first"]]  # newest first
    listed = json.loads(repo.ok("list", "--phone", spelling, "--format", "json").out)
    assert sorted(row["id"] for row in listed) == sorted(ids)


def test_customer_card_shows_state_due_and_latest_progress(repo: CLI, callers: dict[str, str]) -> None:
    found = json.loads(repo.ok("customer", "--format", "json", PHONE).out)
    first = next(c for c in found["customers"][0]["cases"] if c["id"] == callers["first"])
    assert first["status"] == "assessing" and first["status_label"] == "判断中"
    assert first["progress"] == "已确认故障"
    assert first["next_due"] is not None
    text = repo.ok("customer", "138", "0013", "8000").out  # unquoted words join into one query
    assert "王建国" in text and callers["first"] in text and "已确认故障" in text
    assert callers["other"] not in text


def test_name_part_order_and_account_find_the_customer(repo: CLI, callers: dict[str, str]) -> None:
    by_order = json.loads(repo.ok("customer", "--format", "json", "dd20261101-0001").out)
    # found by the order of one case, then every case of the same phone
    assert len(by_order["customers"][0]["cases"]) == 3
    by_name = json.loads(repo.ok("customer", "--format", "json", "建国").out)
    assert {c["id"] for g in by_name["customers"] for c in g["cases"]} == {
        callers["first"],
        callers["second"],
        callers["third"],
    }
    assert (
        json.loads(repo.ok("list", "--order", "DD20261101-0001", "--format", "json").out)[0]["id"]
        == (callers["first"])
    )
    names = json.loads(repo.ok("list", "--customer", "娜娜", "--format", "json").out)
    assert [row["id"] for row in names] == [callers["other"]]
    both = json.loads(
        repo.ok("list", "--customer", "王", "--order", "DD20261101-0001", "--format", "json").out
    )
    assert [row["id"] for row in both] == [callers["first"]]
    nothing = repo.ok("customer", "13700000000")
    assert "没有找到客户" in nothing.out


def test_answers_are_the_same_without_the_index(repo: CLI, callers: dict[str, str]) -> None:
    for args in (
        ["customer", "--format", "json", "王"],
        ["list", "--phone", "138 0013 8000", "--format", "json"],
    ):
        indexed = repo.ok(*args).out
        direct = repo.ok(*args, extra_env={"CASEKIT_INDEX": "off"}).out
        assert indexed == direct


def test_new_warns_about_a_repeat_caller_and_link_links_in_the_same_commit(
    repo: CLI, callers: dict[str, str]
) -> None:
    commits = repo.commit_count()
    warned = repo.ok(
        "new", "complaint", "--title", "又坏了", "--customer", "王建国", "--salutation", "先生",
        "--phone", "138 0013 8000", "--channel", "weibo", "--set", "category=product-quality",
        now="2026-11-24T10:00:00+08:00",
    )  # fmt: skip
    notice = [line for line in warned.err.splitlines() if "重复来电" in line]
    assert len(notice) == 1
    for key in ("first", "second", "third"):
        assert callers[key] in notice[0]
    assert callers["other"] not in notice[0] and "--link" in notice[0]
    assert read_case(repo.case_path(warned.out.strip()))["links"] == []

    linked = repo.ok(
        "new", "complaint", "--title", "第三次来电", "--customer", "王建国", "--salutation", "先生",
        "--phone", "+8613800138000", "--channel", "phone", "--set", "category=product-quality", "--link",
        now="2026-11-24T11:00:00+08:00",
    ).out.strip()  # fmt: skip
    assert repo.commit_count() == commits + 2  # one commit each
    links = read_case(repo.case_path(linked))["links"]
    assert set(links) == {callers["first"], callers["second"], callers["third"], warned.out.strip()}
    changed = repo.git("show", "--name-only", "--format=", "HEAD").split()
    assert len(changed) == 5  # the new case and the four it links, written together
    for other in links:
        assert linked in read_case(repo.case_path(other))["links"]
    repo.ok("audit")


def test_no_notice_for_a_first_time_caller_or_when_the_cases_are_old_and_closed(repo: CLI) -> None:
    first = open_case(repo, phone="13600136000", now="2026-09-01T10:00:00+08:00")
    result = repo.run(
        "new", "complaint", "--title", "t", "--customer", "赵先生", "--phone", "13500135000",
        "--channel", "phone", "--set", "category=other",
    )  # fmt: skip
    assert result.code == 0 and "重复来电" not in result.err
    # an open case always makes a repeat caller, however old
    again = repo.ok(
        "new", "complaint", "--title", "t", "--customer", "王先生", "--phone", "13600136000",
        "--channel", "phone", "--set", "category=other",
    )  # fmt: skip
    assert first in again.err


def test_customer_update_writes_the_card_as_one_audited_commit(repo: CLI, callers: dict[str, str]) -> None:
    commits = repo.commit_count()
    result = repo.ok(
        "customer", "update", "138 0013 8000", "--set", "vip_level=金卡", "--set", "notes=只接受下午回电",
        "--set", "phones=13912345678", "--note", "回访后完善客户档案",
    )  # fmt: skip
    assert "created" in result.out
    assert repo.commit_count() == commits + 1
    card = yaml.safe_load((repo.root / "customers.yaml").read_text("utf-8"))["customers"][0]
    assert card == {
        "name": "王建国",  # taken from the customer's cases
        "phone": PHONE,
        "vip_level": "金卡",
        "notes": "只接受下午回电",
        "phones": ["13912345678"],
    }
    message = repo.git("log", "-1", "--format=%B")
    assert "Customer-Action: create" in message and f"Customer-Phone: {PHONE}" in message
    assert "Customer-Set: vip_level" in message and "Customer-Actor: li.na" in message
    assert repo.git("show", "--name-only", "--format=", "HEAD").split() == ["customers.yaml"]
    # the other phone on the card finds the customer too, and the card is shown
    found = json.loads(repo.ok("customer", "--format", "json", "139 1234 5678").out)
    assert found["customers"][0]["card"]["vip_level"] == "金卡"
    assert len(found["customers"][0]["cases"]) == 3
    shown = repo.ok("customer", PHONE).out
    assert "VIP: 金卡" in shown and "只接受下午回电" in shown
    # an update of the same card: the same file, an update commit; the same values: no commit
    repo.ok("customer", "update", PHONE, "--set", "salutation=先生")
    assert "Customer-Action: update" in repo.git("log", "-1", "--format=%B")
    before = repo.commit_count()
    same = repo.ok("customer", "update", PHONE, "--set", "salutation=先生")
    assert "nothing changed" in same.out and repo.commit_count() == before
    repo.ok("validate")


@pytest.mark.parametrize(
    ("sets", "says"),
    [
        (["vip=maybe"], "vip"),
        (["favourite_colour=red"], "not a customer card field"),
        (["phones=12345"], "phone"),
        (["name="], "cannot lose its name"),
    ],
)
def test_a_refused_card_update_changes_nothing(
    repo: CLI, callers: dict[str, str], sets: list[str], says: str
) -> None:
    head = repo.head()
    refused = repo.refused("customer", "update", PHONE, *[a for s in sets for a in ("--set", s)])
    assert says in refused.err
    assert repo.head() == head and not (repo.root / "customers.yaml").exists()


def test_a_card_for_an_unknown_phone_needs_a_name(repo: CLI) -> None:
    refused = repo.refused("customer", "update", "13700137000", "--set", "vip=yes")
    assert "--set name=" in refused.err
    repo.ok("customer", "update", "13700137000", "--set", "name=周女士", "--set", "vip=yes")
    card = yaml.safe_load((repo.root / "customers.yaml").read_text("utf-8"))["customers"][0]
    assert card == {"name": "周女士", "phone": "13700137000", "vip": True}


def test_validate_checks_the_customer_file(repo: CLI) -> None:
    (repo.root / "customers.yaml").write_text(
        "customers:\n  - {name: 王先生, phone: '13800138000', vip: maybe}\n"
        "  - {name: 李女士, phone: '138 0013 8000', colour: red}\n",
        encoding="utf-8",
    )
    result = repo.run("validate")
    assert result.code == 1
    assert "customers.0.vip: must be true or false" in result.out
    assert "customers.1.colour: unknown card field" in result.out
    assert "customers.1.phone: 13800138000 is on customer 1's card too" in result.out


def test_a_completed_callback_completes_the_card_in_its_own_commit(repo: CLI) -> None:
    callback = repo.ok(
        "new", "callback", "--title", "车贷客户回访", "--customer", "陈先生", "--phone", "13700137000",
        "--channel", "phone", "--set", "callback_type=car-loan",
    ).out.strip()  # fmt: skip
    answers = [
        "q_manager_courtesy=satisfied", "q_promises_kept=satisfied", "q_manager_expertise=neutral",
        "q_inspector_courtesy=satisfied", "q_registration_service=satisfied", "q_insurance_checked=yes",
        "q_deposit_explained=yes", "q_card_given=no", "q_referral_source=朋友介绍", "q_contacts_by_sms=yes",
        "satisfaction=satisfied", "preferred_hours=19:00-20:00",
    ]  # fmt: skip
    commits = repo.commit_count()
    repo.ok("move", callback, "completed", *[a for answer in answers for a in ("--set", answer)])
    assert repo.commit_count() == commits + 1
    changed = set(repo.git("show", "--name-only", "--format=", "HEAD").split())
    assert changed == {"customers.yaml", str(repo.case_path(callback).relative_to(repo.root))}
    card = yaml.safe_load((repo.root / "customers.yaml").read_text("utf-8"))["customers"][0]
    assert card == {
        "name": "陈先生",
        "phone": "13700137000",
        "referral_source": "朋友介绍",
        "preferred_hours": "19:00-20:00",
    }
    message = repo.git("log", "-1", "--format=%B")
    assert f"Case-Id: {callback}" in message and "Customer-Phone: 13700137000" in message
    repo.ok("audit")
    repo.ok("validate")


def test_a_customer_folder_keeps_one_file_per_customer(repo: CLI, callers: dict[str, str]) -> None:
    config = repo.root / "casekit.yaml"
    text = config.read_text("utf-8")
    config.write_text(text.replace("  file: customers.yaml ", "  file: customers/     "), encoding="utf-8")
    repo.git("commit", "-qam", "customers in a folder", "--no-verify")
    repo.ok("customer", "update", PHONE, "--set", "vip=yes")
    card_file = repo.root / "customers" / f"{PHONE}.yaml"
    assert yaml.safe_load(card_file.read_text("utf-8")) == {"name": "王建国", "phone": PHONE, "vip": True}
    repo.ok("customer", "update", "+86 138 0013 8000", "--set", "notes=老客户")
    assert yaml.safe_load(card_file.read_text("utf-8"))["notes"] == "老客户"
    assert sorted(p.name for p in (repo.root / "customers").iterdir()) == [f"{PHONE}.yaml"]
    found = json.loads(repo.ok("customer", "--format", "json", PHONE).out)
    assert found["customers"][0]["card"]["notes"] == "老客户"


def test_a_big_index_build_outlines_customers_and_still_finds_them(repo: CLI, tmp_path: Path) -> None:
    """Cases only outlined by the index are found by customer without being read whole."""
    for number in range(6):
        open_case(repo, phone=f"1370013700{number}", customer=f"客户{number}")
    direct = repo.ok(
        "list", "--phone", "13700137003", "--format", "json", extra_env={"CASEKIT_INDEX": "off"}
    ).out
    assert json.loads(direct)[0]["customer"] == "客户3"
    assert repo.ok("list", "--phone", "137 0013 7003", "--format", "json").out == direct


def test_the_help_examples_work_on_the_bundled_example_cases(example_repo: CLI) -> None:
    import shlex

    examples = []
    for command in (["customer", "show"], ["customer", "update"], ["list"], ["new"]):
        text = example_repo.ok(*command, "--help").out
        examples += [line.split("Example:", 1)[1].strip() for line in text.splitlines() if "Example:" in line]
    customer_examples = [e for e in examples if e.startswith("casekit customer")]
    assert len(customer_examples) == 2
    shown = example_repo.ok(*shlex.split(customer_examples[0])[1:]).out
    assert "王建国" in shown and "C-20261120-HRRT-NFNM" in shown and "C-20261026-VSFK-4PVC" in shown
    example_repo.ok(*shlex.split(customer_examples[1])[1:])
    assert "vip_level: 金卡" in (example_repo.root / "customers.yaml").read_text("utf-8")
    # 韩梅's return is completed: listed with --all
    assert json.loads(example_repo.ok("list", "--phone", "139 1596 2048", "--format", "json").out) == []
    listed = example_repo.ok("list", "--all", "--phone", "139 1596 2048", "--format", "json").out
    assert {row["customer"] for row in json.loads(listed)} == {"韩梅"}
