"""Reply scripts (话术): the template that fits, filled with the case's data, through the real CLI.

Golden files hold the expected text of every bundled template in both languages; set
CASEKIT_UPDATE_GOLDEN=1 to rewrite them after an intended change (and review the diff).
The cases are built by casekit itself (tests/casebuild.py), one per template.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from casebuild import Spec, at, build, check_golden
from conftest import CLI, base_environ

GOLDEN = Path(__file__).parent / "golden" / "scripts"
NOW = "2026-11-20T10:00:00+08:00"
NO_FOLLOW_UPS = {"CASEKIT_NO_FOLLOW_UPS": "1"}
COMPLAINT = {
    "category": "product-quality",
    "content": "一周前买的传真机有时无法接收传真",
    "demand": "更换一台新机",
}
# A quality claim is approved only with a received date (within 3 days) and evidence: the
# returns record one, and attach a photo before approval (both new).
RETURN = {
    "return_type": "return",
    "reason": "quality",
    "order_no": "TB20261115001",
    "sku": "SKU-1001",
    "item_name": "蓝牙耳机",
    "amount_paid": "199.00",
    "postage_amount": "12.00",
    "received_date": "2026-11-15",
}


def _complaint(name: str, channel: str = "phone") -> Spec:
    return Spec(
        name,
        "complaint",
        at(16, "09:30"),
        "li.na",
        title="传真机有时无法接收传真",
        customer="王",
        salutation="先生",
        phone="13800138000",
        channel=channel,
        fields=dict(COMPLAINT),
    )


def _callback(name: str, callback_type: str, **fields: str) -> Spec:
    return Spec(
        name,
        "callback",
        at(16, "09:30"),
        "li.na",
        title="维修后回访",
        customer="李",
        salutation="女士",
        phone="13912345678",
        channel="online",
        fields={"callback_type": callback_type, **fields},
    )


def _return(name: str, **fields: str) -> Spec:
    return Spec(
        name,
        "return",
        at(16, "09:30"),
        "li.na",
        title="蓝牙耳机左耳无声",
        customer="李",
        salutation="女士",
        phone="13912345678",
        channel="online",
        fields={**RETURN, **fields},
    )


def _investigating(spec: Spec) -> Spec:
    spec.move(at(16, "10:00"), "assessing")
    return spec.move(at(16, "11:00"), "investigating", responsible_department="售后技术部")


def _proposed(spec: Spec) -> Spec:
    _investigating(spec).update(at(17, "09:00"), root_cause="主板批次故障")
    return spec.move(at(17, "10:00"), "proposed", solution="上门更换新机，或退货全额退款")


def _implementing(spec: Spec) -> Spec:
    return _proposed(spec).move(
        at(17, "15:00"), "implementing", accepted_solution="上门更换新机", compensation="50.00"
    )


def _approved(spec: Spec) -> Spec:
    spec.attach(at(16, "10:05"), "kettle-base-leak.png", note="客户上传的故障照片")
    return spec.move(at(16, "10:10"), "approved")


def _in_transit(spec: Spec) -> Spec:
    return _approved(spec).move(at(17, "09:00"), "in_transit", return_tracking_no="SF1234567890")


def _received(spec: Spec) -> Spec:
    return _in_transit(spec).move(at(18, "14:00"), "received")


def _inspected(spec: Spec) -> Spec:
    return _received(spec).move(
        at(18, "16:00"), "inspected", inspection_result="左耳喇叭故障，确认质量问题。"
    )


# A changed-mind exchange for a dearer item (new): 229.00 for 199.00 paid, postage 12.00 each way.
CHANGED_MIND_EXCHANGE = {
    "return_type": "exchange",
    "reason": "changed-mind",
    "exchange_item": "蓝牙耳机 白色",
    "exchange_price": "229.00",
}
# An item sent by mistake (多发, new).
EXTRA_ITEM = {"return_type": "extra-item", "reason": "extra-item", "item_name": "蓝牙耳机充电盒"}


def _extra_approved(spec: Spec) -> Spec:
    """An approved 多发 case: no postage recorded until the customer has sent it back."""
    del spec.fields["postage_amount"], spec.fields["received_date"]
    return spec.move(at(16, "10:10"), "approved")


def _specs() -> dict[str, Spec]:
    """One case per bundled template, in the state (and with the data) that template fits."""
    specs = [
        _complaint("complaint-acknowledge"),
        _complaint("complaint-assess").move(at(16, "10:00"), "assessing"),
        _investigating(_complaint("complaint-investigating")),
        _investigating(_complaint("complaint-promise")).promise(at(17, "09:00"), "2026-11-21T18:00"),
        _investigating(_complaint("complaint-escalate")).escalate(
            at(17, "09:00"), "zhang.wei", "客户要求主管处理"
        ),
        _proposed(_complaint("complaint-propose")),
        _implementing(_complaint("complaint-implement")),
        _implementing(_complaint("complaint-resolved")).move(
            at(18, "10:00"), "resolved", resolution="已上门更换新机，收发正常"
        ),
        _complaint("complaint-rejected")
        .move(at(16, "10:00"), "assessing")
        .move(at(16, "15:00"), "rejected", rejection_reason="传真机经检测工作正常，是线路信号不稳定导致。"),
        _complaint("calm-down"),
        _complaint("media-intake", channel="media"),
        _investigating(_complaint("media-holding", channel="media")).promise(
            at(17, "09:00"), "2026-11-21T18:00"
        ),
        _complaint("long-wait"),
        _proposed(_complaint("de-escalate")),
        # The promised time (19 Nov) has passed by NOW (20 Nov) with no news on the case.
        _investigating(_complaint("promise-no-result"))
        .update(at(17, "09:00"), root_cause="主板批次故障")
        .promise(at(17, "10:00"), "2026-11-19T18:00"),
        _return("rules-lookup"),
        _return("history-lookup"),
        # callback types without a script of their own get the general survey
        _callback("callback-call", "vip-monthly"),
        _callback("callback-service", "after-repair", service_item="打印机维修", service_date="2026-11-12"),
        _callback(
            "callback-purchase", "after-purchase", service_item="传真机 FX-200", service_date="2026-11-09"
        ),
        _callback("callback-complaint", "after-complaint"),
        _callback("callback-return", "after-return"),
        _callback("callback-missed-call", "missed-call", missed_calls="2026-11-16T09:10"),
        _callback(
            "callback-signup",
            "new-signup",
            event_name="冬季家装节",
            event_time="2026-11-28T09:30",
            event_place="国际会展中心3号馆",
            deposit_rules="现场订金100元可抵500元",
            cancellation_rules="退订须提前3个工作日预约",
            directions="地铁2号线会展中心站A口",
            parking="B2停车场凭入场券免费",
        ),
        _callback("callback-birthday", "greeting", greeting_occasion="birthday"),
        _callback("callback-holiday", "greeting", greeting_occasion="holiday", holiday_name="元旦"),
        _callback("callback-greeting", "greeting"),
        _callback("callback-closing-greeting", "greeting", greeting_occasion="birthday").move(
            at(17, "15:00"), "completed", greeted="yes"
        ),
        _callback("callback-closing-signup", "new-signup", event_time="2026-11-28T09:30").move(
            at(17, "15:00"), "completed", will_attend="yes"
        ),
        _callback("callback-closing-satisfied", "after-complaint").move(
            at(17, "15:00"), "completed", satisfaction="satisfied"
        ),
        _callback("callback-closing-improve", "after-purchase").move(
            at(17, "15:00"), "completed", satisfaction="dissatisfied"
        ),
        # Given up as unreachable only after two failed dials an hour or more apart (new).
        _callback("callback-unreachable", "after-purchase")
        .attempt(at(16, "10:30"), "no-answer")
        .attempt(at(16, "14:30"), "busy")
        .move(at(17, "15:00"), "unreachable"),
        _return("return-request"),
        _approved(_return("return-approved")),
        _in_transit(_return("return-in-transit")),
        _received(_return("return-received")),
        _inspected(_return("return-inspected")),
        _inspected(_return("return-refunded")).move(at(19, "10:00"), "refunded", refund_amount="199.00"),
        # Re-shipping an exchange needs the price of the item sent (new: exchange_price).
        _inspected(_return("return-reshipped", return_type="exchange")).move(
            at(19, "10:00"), "reshipped", reship_tracking_no="SF9988776655", exchange_price="199.00"
        ),
        _return("return-declined", reason="changed-mind").move(
            at(16, "11:00"), "declined", decline_reason="商品已超过七天无理由退货期限。"
        ),
        # Each return type has its own scripts (new): a changed-mind exchange to a dearer item
        # owes 补差价 30.00 and 补邮费 12.00; the other types state only their own facts.
        _approved(_return("return-exchange-approved", **CHANGED_MIND_EXCHANGE)),
        _inspected(_return("return-exchange-inspected", **CHANGED_MIND_EXCHANGE)),
        _approved(_return("return-partial-approved", return_type="partial-refund", refund_amount="10.00")),
        _approved(_return("return-partial-refunded", return_type="partial-refund")).move(
            at(16, "11:00"), "refunded", refund_amount="10.00"
        ),
        _approved(_return("return-resend-approved", return_type="resend", reason="lost-parcel")),
        _approved(_return("return-resend-reshipped", return_type="resend", reason="lost-parcel")).move(
            at(16, "15:00"), "reshipped", reship_tracking_no="SF5566778899"
        ),
        _approved(_return("return-refund-only-approved", return_type="refund-only", reason="changed-mind")),
        _approved(
            _return("return-refund-only-cancelled", return_type="refund-only", reason="changed-mind")
        ).move(at(16, "14:00"), "shipment_cancelled", cancellation="parcel-recalled"),
        _approved(_return("return-refund-only-refunded", return_type="refund-only", reason="changed-mind"))
        .move(at(16, "14:00"), "shipment_cancelled", cancellation="order-cancelled")
        .move(at(17, "10:00"), "refunded", refund_amount="199.00"),
        _return("return-extra-item-request", return_type="extra-item", reason="extra-item"),
        _extra_approved(_return("return-extra-item-approved", **EXTRA_ITEM)),
        _extra_approved(_return("return-extra-item-in-transit", **EXTRA_ITEM)).move(
            at(17, "09:00"), "in_transit", return_tracking_no="YT4455667788", postage_amount="8.00"
        ),
        _extra_approved(_return("return-extra-item-received", **EXTRA_ITEM))
        .move(at(17, "09:00"), "in_transit", return_tracking_no="YT4455667788", postage_amount="8.00")
        .move(at(18, "14:00"), "received"),
        _extra_approved(_return("return-extra-item-kept", **EXTRA_ITEM)).move(at(16, "11:00"), "kept"),
        _extra_approved(_return("return-extra-item-closed", **EXTRA_ITEM))
        .move(at(17, "09:00"), "in_transit", return_tracking_no="YT4455667788", postage_amount="8.00")
        .move(at(18, "14:00"), "received")
        .move(at(19, "10:00"), "closed", postage_reimbursed="true"),
    ]
    return {spec.key: spec for spec in specs}


TEMPLATES = list(_specs())
# Templates never picked on their own (`manual: true`): rendered with --template NAME.
MANUAL = {"calm-down", "media-holding", "long-wait", "de-escalate", "rules-lookup", "history-lookup"}


@pytest.fixture(scope="module")
def scripts_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[CLI, dict[str, str]]:
    base = tmp_path_factory.mktemp("scripts")
    home = base / "home"
    home.mkdir()
    environ = base_environ(home) | {"CASEKIT_NOW": NOW}
    root = base / "repo"
    CLI(base, environ).ok("init", str(root))
    cli = CLI(root, environ)
    return cli, build(cli, list(_specs().values()))


def _script(cli: CLI, case_id: str, *args: str, **kwargs: Any) -> dict[str, Any]:
    result = cli.ok("script", case_id, "--format", "json", *args, **kwargs)
    data: dict[str, Any] = json.loads(result.out)
    return data


def _open(cli: CLI, kind: str, *args: str, now: str) -> str:
    """Open a case through casekit (no follow-ups); its ID."""
    return cli.ok("new", kind, *args, now=now, extra_env=NO_FOLLOW_UPS).out.strip()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("name", TEMPLATES)
def test_each_bundled_template_is_picked_for_its_case_and_matches_its_golden_file(
    scripts_repo: tuple[CLI, dict[str, str]], name: str, lang: str
) -> None:
    cli, ids = scripts_repo
    extra = ["--template", name] if name in MANUAL else []
    data = _script(cli, ids[name], "--lang", lang, *extra)
    assert data["template"] == name
    assert data["lang"] == lang
    assert "{{" not in data["text"] and "None" not in data["text"]
    check_golden(GOLDEN / f"{name}.{lang}.txt", data["text"])


def test_every_bundled_template_has_a_golden_case_in_both_languages() -> None:
    bundled = Path(__file__).resolve().parents[1] / "templates" / "scripts"
    for lang in ("zh", "en"):
        names = {p.stem for p in (bundled / lang).glob("*.j2")}
        assert names == set(TEMPLATES), lang


def test_scripts_use_the_recorded_salutation_and_never_guess_one(repo: CLI) -> None:
    when = at(16, "09:00")
    plain = _open(
        repo,
        "complaint",
        "--title",
        "没有称呼的客户",
        "--customer",
        "陈",
        "--phone",
        "13655556666",
        "--channel",
        "phone",
        now=when,
    )
    full = _open(
        repo,
        "complaint",
        "--title",
        "名字里带称呼",
        "--customer",
        "王先生",
        "--salutation",
        "先生",
        "--phone",
        "13655556667",
        "--channel",
        "phone",
        now=when,
    )
    zh = _script(repo, plain)["text"]
    assert zh.startswith("陈，您好") and "陈先生" not in zh and "陈女士" not in zh
    assert _script(repo, plain, "--lang", "en")["text"].startswith("Hello 陈,")
    assert (
        _script(repo, full)["text"].startswith("王先生，您好")
        and "王先生先生" not in _script(repo, full)["text"]
    )
    assert _script(repo, full, "--lang", "en")["text"].startswith("Hello Mr 王,")


def test_promise_then_escalation_then_a_move_change_the_script(repo: CLI) -> None:
    case_id = _open(
        repo,
        "complaint",
        "--title",
        "投诉",
        "--customer",
        "王",
        "--salutation",
        "先生",
        "--phone",
        "13800138000",
        "--channel",
        "phone",
        now=at(16, "09:00"),
    )
    repo.ok("move", case_id, "assessing", now=at(16, "10:00"))
    repo.ok("promise", case_id, "--by", "2026-11-20T09:00", now=at(16, "11:00"))
    # The promised time has come with no news: report on time and agree the next time.
    result = _script(repo, case_id, now=NOW)
    assert result["template"] == "promise-no-result"
    assert "今天还没有结果" in result["text"] and "2026年11月20日 09:00前给您回复" in result["text"]
    before = _script(repo, case_id, now="2026-11-19T09:00:00+08:00")
    assert "前给您回复，这个时间我们一定遵守" in before["text"]
    # Escalation outranks the promise and names the supervisor from casekit.yaml.
    repo.ok("escalate", case_id, "--to", "zhang.wei", "--note", "客户要求主管处理", now=at(17, "09:00"))
    escalated = _script(repo, case_id, now=NOW)
    assert escalated["template"] == "complaint-escalate"
    assert "客服主管张伟" in escalated["text"] and "李娜已经把情况都交接给我了" in escalated["text"]
    # A move answers both: the state's own script is back.
    repo.ok(
        "move",
        case_id,
        "investigating",
        "--set",
        "responsible_department=售后技术部",
        now="2026-11-18T09:00:00+08:00",
    )
    moved = _script(repo, case_id, now=NOW)
    assert moved["template"] == "complaint-investigating"
    listing = json.loads(repo.ok("script", case_id, "--list", "--format", "json", now=NOW).out)
    assert listing["chosen"] == "complaint-investigating"
    assert {"complaint-investigating", "complaint-promise", "complaint-escalate", "calm-down"} <= {
        r["name"] for r in listing["scripts"]
    }


def test_cases_made_through_the_cli_get_their_scripts(repo: CLI) -> None:
    case_id = repo.new("complaint", "--salutation", "先生", "--set", "content=传真机有时收不到传真")
    text = repo.ok("script", case_id).out
    assert text.startswith("王先生，您好，我是示例商城客服李娜。")
    assert "您是说：传真机有时收不到传真。" in text
    repo.ok("move", case_id, "assessing", now="2026-11-23T10:30:00+08:00")
    assert "请您给我们一点时间调查清楚" in repo.ok("script", case_id).out
    assert (
        "我是示例商城客服王芳"
        in repo.ok("script", case_id, "--template", "complaint-acknowledge", actor="wang.fang").out
    )


def test_list_shows_templates_for_a_kind_and_state(repo: CLI) -> None:
    out = repo.ok("script", "--list", "--kind", "return", "--state", "reshipped").out
    assert "return-reshipped" in out and "complaint-escalate" in out
    assert "return-refunded" not in out and "callback-call" not in out
    rows = json.loads(repo.ok("script", "--list", "--format", "json").out)["scripts"]
    assert len(rows) == len(TEMPLATES) and all(r["langs"] == ["en", "zh"] for r in rows)
    assert all(r["origin"] == "bundled" for r in rows)


def test_missing_value_names_the_variable_and_the_template_and_changes_nothing(repo: CLI) -> None:
    # An approved quality exchange: approving needs the order, the amount paid, the received
    # date and a photo (new), none of which the template reads.
    case_id = _open(
        repo,
        "return",
        "--title",
        "耳机",
        "--customer",
        "李",
        "--salutation",
        "女士",
        "--phone",
        "13912345678",
        "--channel",
        "online",
        "--set",
        "return_type=exchange",
        "--set",
        "reason=quality",
        "--set",
        "order_no=TB1",
        "--set",
        "amount_paid=199.00",
        "--set",
        "received_date=2026-11-15",
        now=at(16, "09:00"),
    )
    repo.ok(
        "attach",
        case_id,
        str(Path(__file__).resolve().parents[1] / "examples/evidence/kettle-base-leak.png"),
        now=at(16, "09:30"),
    )
    repo.ok("move", case_id, "approved", now=at(16, "10:00"))
    head = repo.head()
    result = repo.refused("script", case_id, "--template", "return-reshipped")
    assert "fields.reship_tracking_no" in result.err
    assert "(bundled) templates/scripts/zh/return-reshipped.j2:7" in result.err
    assert "--set reship_tracking_no=" in result.err
    assert result.out == ""
    # A repository template with a typo is reported the same way, with its own path and line.
    # (An approved exchange's script is return-exchange-approved: each type has its own.)
    override = repo.root / "templates" / "scripts" / "zh" / "return-exchange-approved.j2"
    override.parent.mkdir(parents=True, exist_ok=True)
    override.write_text(
        "{#\nkind: return\nstates: [approved]\n#}\n{{ customer.address }}，\n{{ custmer.name }}\n", "utf-8"
    )
    typo = repo.refused("script", case_id)
    assert "templates/scripts/zh/return-exchange-approved.j2:6 needs custmer" in typo.err
    assert repo.head() == head and repo.git("status", "--porcelain", "cases") == ""


def test_repository_template_overrides_the_bundled_one_and_can_include_it(repo: CLI) -> None:
    case_id = repo.new("complaint", "--salutation", "先生")
    folder = repo.root / "templates" / "scripts" / "zh"
    folder.mkdir(parents=True)
    (folder / "complaint-acknowledge.j2").write_text(
        "{#\nkind: complaint\nstates: [received]\nsummary: 本店版本\n#}\n"
        '{% include "default:scripts/zh/complaint-acknowledge.j2" %}\n本店专线：400-800-1234。\n',
        encoding="utf-8",
    )
    text = repo.ok("script", case_id).out
    assert text.startswith("王先生，您好") and text.rstrip().endswith("本店专线：400-800-1234。")
    rows = json.loads(repo.ok("script", "--list", "--format", "json").out)["scripts"]
    mine = next(r for r in rows if r["name"] == "complaint-acknowledge")
    assert mine["origin"] == "repository" and mine["summary"] == "本店版本"
    assert repo.ok("script", case_id, "--lang", "en").out.startswith("Hello Mr 王")  # en still bundled
    assert repo.ok("validate").code == 0


def test_compiled_templates_are_kept_and_follow_edits(repo: CLI) -> None:
    case_id = repo.new("complaint", "--salutation", "先生")
    template = repo.root / "templates" / "scripts" / "zh" / "complaint-acknowledge.j2"
    template.parent.mkdir(parents=True)
    header = "{#\nkind: complaint\nstates: [received]\n#}\n"
    template.write_text(header + "第一版：{{ customer.address }}\n", encoding="utf-8")
    assert repo.ok("script", case_id).out.startswith("第一版：王先生")
    kept = sorted((repo.root / ".git" / "casekit" / "templates").glob("*.jinja"))
    assert kept
    template.write_text(header + "第二版：{{ customer.address }}\n", encoding="utf-8")
    assert repo.ok("script", case_id).out.startswith("第二版：王先生")
    for entry in kept:
        entry.write_bytes(b"damaged")
    assert repo.ok("script", case_id).out.startswith("第二版：王先生")
    assert repo.ok("script", case_id, "--lang", "en").out.startswith("Hello Mr 王")


@pytest.mark.parametrize(
    "body",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ customer.__class__.__init__.__globals__ }}",
        "{{ cycler.__init__.__globals__.os }}",
        "{{ lipsum.__globals__['os'].system('touch pwned') }}",
        "{{ fields.update({'x': 1}) }}",
        "{% include '../../casekit.yaml' %}",
        "{% include '/etc/passwd' %}",
        "{{ range(10**9) | list | length }}",
    ],
)
def test_sandbox_stops_templates_reaching_python_or_files(repo: CLI, body: str) -> None:
    case_id = repo.new("complaint")
    folder = repo.root / "templates" / "scripts" / "zh"
    folder.mkdir(parents=True)
    (folder / "complaint-acknowledge.j2").write_text(
        "{#\nkind: complaint\nstates: [received]\n#}\n" + body + "\n", encoding="utf-8"
    )
    result = repo.refused("script", case_id)
    assert "complaint-acknowledge.j2" in result.err
    assert result.out == ""
    assert not (repo.root / "pwned").exists()


def test_case_text_is_printed_never_evaluated(repo: CLI) -> None:
    case_id = repo.new("complaint", "--set", "content={{ 7*7 }}{% if true %}x{% endif %}")
    repo.ok("update", case_id, "--set", "customer.name={{ config }}")
    text = repo.ok("script", case_id).out
    assert "{{ config }}，您好" in text
    assert "您是说：{{ 7*7 }}{% if true %}x{% endif %}。" in text and "49" not in text


def test_validate_checks_templates(repo: CLI) -> None:
    folder = repo.root / "templates" / "scripts" / "zh"
    folder.mkdir(parents=True)
    (folder / "complaint-acknowledge.j2").write_text(
        "{#\nkind: complaint\nstates: [received, pondering]\n#}\n"
        "{{ customer.address }}，这个不行。\n"
        "{{ fields.colour }}{{ labels.category }}\n"
        "{{ customr }}{{ agent.title }}\n",
        encoding="utf-8",
    )
    (folder / "broken.j2").write_text("{#\nkind: complaint\n#}\n{% if %}\n", encoding="utf-8")
    (folder / "other-kind.j2").write_text("{#\nkind: invoice\n#}\n你好\n", encoding="utf-8")
    result = repo.run("validate")
    assert result.code == 1
    lines = result.out.splitlines()
    path = "templates/scripts/zh/complaint-acknowledge.j2"
    assert f"{path}:1: unknown state 'pondering' for complaint" in lines
    assert any(line.startswith(f"{path}:5: says '不行'") for line in lines)
    assert f"{path}:6: fields.colour: 'colour' which is not a field of a complaint" in lines
    assert any(line.startswith(f"{path}:7: unknown variable 'customr'") for line in lines)
    assert any(line.startswith(f"{path}:7: agent.title: agent has login, name") for line in lines)
    assert any(line.startswith("templates/scripts/zh/broken.j2:4: template syntax") for line in lines)
    assert any(
        line.startswith("templates/scripts/zh/other-kind.j2:1: unknown kind 'invoice'") for line in lines
    )
    assert not any("labels.category" in line for line in lines)
    only = repo.run("validate", "templates/scripts/zh/broken.j2")
    assert only.code == 1 and only.out.count("\n") == 1


def test_forbidden_phrases_come_from_the_config(repo: CLI) -> None:
    config = repo.root / "casekit.yaml"
    text = config.read_text(encoding="utf-8")
    rule = "      - {phrase: 稍候, suggest: {zh: 请您稍等片刻}, source: team}\n"
    anchor = "      - {phrase: 不行,"
    assert anchor in text
    config.write_text(text.replace(anchor, rule + anchor, 1), encoding="utf-8")
    result = repo.run("validate")
    assert result.code == 1
    assert (
        "(bundled) templates/scripts/zh/complaint-escalate.j2:9: says '稍候', wording replies must "
        "never use (team); say instead: 请您稍等片刻"
    ) in result.out


def test_script_usage_mistakes(repo: CLI) -> None:
    assert repo.run("script").code == 2
    assert repo.run("script", "--list", "--template", "x").code == 2
    assert repo.run("script", "ID", "--kind", "complaint").code == 2
    assert repo.run("script", "--list", "--kind", "invoice").code == 2
    case_id = repo.new("complaint")
    assert repo.run("script", case_id, "--lang", "fr").code == 2
    unknown = repo.refused("script", case_id, "--template", "no-such")
    assert "complaint-acknowledge" in unknown.err
    wrong_kind = repo.refused("script", case_id, "--template", "return-reshipped")
    assert "is for return, not for a complaint" in wrong_kind.err


def test_help_does_not_import_jinja(repo: CLI) -> None:
    for args in (["--help"], ["list"]):
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "casekit", *args],
            cwd=repo.root,
            env=repo.environ,
            capture_output=True,
            text=True,
            check=True,
        )
        imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
        assert "casekit.cli.app" in imported
        assert not {"jinja2", "casekit.render.jinja", "casekit.features.reports.sections"} & imported, args
