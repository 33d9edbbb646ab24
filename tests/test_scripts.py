"""Reply scripts (话术): the template that fits, filled with the case's data, through the real CLI.

Golden files hold the expected text of every bundled template in both languages; set
CASEKIT_UPDATE_GOLDEN=1 to rewrite them after an intended change (and review the diff).
"""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from casedata import at, case, check_golden, write_cases
from conftest import CLI, base_environ

GOLDEN = Path(__file__).parent / "golden" / "scripts"
NOW = "2026-11-20T10:00:00+08:00"
D = Decimal


def _cases() -> dict[str, dict[str, Any]]:
    """One case per bundled template, in the state (and with the data) that template fits."""
    base = {"customer": "王", "salutation": "先生", "phone": "13800138000", "channel": "phone"}
    lady = {"customer": "李", "salutation": "女士", "phone": "13912345678", "channel": "online"}
    complaint_fields = {
        "category": "product-quality",
        "content": "一周前买的传真机有时无法接收传真",
        "demand": "更换一台新机",
    }
    to_investigating = [
        ("move", at(16, "10:00"), "assessing"),
        ("move", at(16, "11:00"), "investigating", {"responsible_department": "售后技术部"}),
    ]
    to_proposed = [
        *to_investigating,
        ("set", at(17, "09:00"), {"root_cause": "主板批次故障"}),
        ("move", at(17, "10:00"), "proposed", {"solution": "上门更换新机，或退货全额退款"}),
    ]
    to_implementing = [
        *to_proposed,
        (
            "move",
            at(17, "15:00"),
            "implementing",
            {"accepted_solution": "上门更换新机", "compensation": D("50.00")},
        ),
    ]
    to_resolved = [
        *to_implementing,
        ("move", at(18, "10:00"), "resolved", {"resolution": "已上门更换新机，收发正常"}),
    ]
    to_inspected = [
        ("move", at(16, "10:10"), "approved"),
        ("move", at(17, "09:00"), "in_transit", {"return_tracking_no": "SF1234567890"}),
        ("move", at(18, "14:00"), "received"),
        ("move", at(18, "16:00"), "inspected", {"inspection_result": "左耳喇叭故障，确认质量问题。"}),
    ]
    ret = {
        "return_type": "return",
        "reason": "quality",
        "order_no": "TB20261115001",
        "sku": "SKU-1001",
        "item_name": "蓝牙耳机",
        "amount_paid": D("199.00"),
        "postage_amount": D("12.00"),
    }
    title = "传真机有时无法接收传真"
    specs: dict[str, dict[str, Any]] = {
        "complaint-acknowledge": dict(kind="complaint", fields=complaint_fields, **base),
        "complaint-assess": dict(
            kind="complaint", fields=complaint_fields, steps=to_investigating[:1], **base
        ),
        "complaint-investigating": dict(
            kind="complaint", fields=complaint_fields, steps=to_investigating, **base
        ),
        "complaint-promise": dict(
            kind="complaint",
            fields=complaint_fields,
            steps=[*to_investigating, ("promise", at(17, "09:00"), at(21, "18:00"))],
            **base,
        ),
        "complaint-escalate": dict(
            kind="complaint",
            fields=complaint_fields,
            steps=[*to_investigating, ("escalate", at(17, "09:00"), "zhang.wei", False)],
            **base,
        ),
        "complaint-propose": dict(kind="complaint", fields=complaint_fields, steps=to_proposed, **base),
        "complaint-implement": dict(kind="complaint", fields=complaint_fields, steps=to_implementing, **base),
        "complaint-resolved": dict(kind="complaint", fields=complaint_fields, steps=to_resolved, **base),
        "complaint-rejected": dict(
            kind="complaint",
            fields=complaint_fields,
            steps=[
                ("move", at(16, "10:00"), "assessing"),
                (
                    "move",
                    at(16, "15:00"),
                    "rejected",
                    {"rejection_reason": "传真机经检测工作正常，是线路信号不稳定导致。"},
                ),
            ],
            **base,
        ),
        "calm-down": dict(kind="complaint", fields=complaint_fields, **base),
        "callback-call": dict(
            kind="callback",
            fields={
                "callback_type": "after-repair",
                "service_item": "打印机维修",
                "service_date": "2026-11-12",
            },
            **lady,
        ),
        "callback-closing-satisfied": dict(
            kind="callback",
            fields={"callback_type": "after-complaint"},
            steps=[("move", at(17, "15:00"), "completed", {"satisfaction": "satisfied"})],
            **lady,
        ),
        "callback-closing-improve": dict(
            kind="callback",
            fields={"callback_type": "after-purchase"},
            steps=[("move", at(17, "15:00"), "completed", {"satisfaction": "dissatisfied"})],
            **lady,
        ),
        "callback-unreachable": dict(
            kind="callback",
            fields={"callback_type": "after-purchase"},
            steps=[("move", at(17, "15:00"), "unreachable")],
            **lady,
        ),
        "return-request": dict(kind="return", fields=ret, **lady),
        "return-approved": dict(kind="return", fields=ret, steps=to_inspected[:1], **lady),
        "return-in-transit": dict(kind="return", fields=ret, steps=to_inspected[:2], **lady),
        "return-received": dict(kind="return", fields=ret, steps=to_inspected[:3], **lady),
        "return-inspected": dict(kind="return", fields=ret, steps=to_inspected, **lady),
        "return-refunded": dict(
            kind="return",
            fields=ret,
            steps=[*to_inspected, ("move", at(19, "10:00"), "refunded", {"refund_amount": D("199.00")})],
            **lady,
        ),
        "return-reshipped": dict(
            kind="return",
            fields={**ret, "return_type": "exchange"},
            steps=[
                *to_inspected,
                ("move", at(19, "10:00"), "reshipped", {"reship_tracking_no": "SF9988776655"}),
            ],
            **lady,
        ),
        "return-declined": dict(
            kind="return",
            fields={**ret, "reason": "changed-mind"},
            steps=[
                ("move", at(16, "11:00"), "declined", {"decline_reason": "商品已超过七天无理由退货期限。"})
            ],
            **lady,
        ),
    }
    result = {}
    for serial, (name, spec) in enumerate(specs.items(), 1):
        spec = dict(spec)
        kind = spec.pop("kind")
        case_title = {"callback": "维修后回访", "return": "蓝牙耳机左耳无声"}.get(kind, title)
        result[name] = case(kind, serial, at(16, "09:30"), title=case_title, **spec)
    return result


TEMPLATES = list(_cases())


@pytest.fixture(scope="module")
def scripts_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[CLI, dict[str, str]]:
    base = tmp_path_factory.mktemp("scripts")
    home = base / "home"
    home.mkdir()
    environ = base_environ(home) | {"CASEKIT_NOW": NOW}
    root = base / "repo"
    CLI(base, environ).ok("init", str(root))
    docs = _cases()
    write_cases(root, list(docs.values()), environ)
    return CLI(root, environ), {name: doc["id"] for name, doc in docs.items()}


def _script(cli: CLI, case_id: str, *args: str) -> dict[str, Any]:
    result = cli.ok("script", case_id, "--format", "json", *args)
    data: dict[str, Any] = json.loads(result.out)
    return data


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("name", TEMPLATES)
def test_each_bundled_template_is_picked_for_its_case_and_matches_its_golden_file(
    scripts_repo: tuple[CLI, dict[str, str]], name: str, lang: str
) -> None:
    cli, ids = scripts_repo
    extra = ["--template", name] if name == "calm-down" else []
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


def test_scripts_use_the_recorded_salutation_and_never_guess_one(
    scripts_repo: tuple[CLI, dict[str, str]],
) -> None:
    cli, _ = scripts_repo
    plain = case(
        "complaint",
        101,
        at(16, "09:00"),
        title="没有称呼的客户",
        customer="陈",
        phone="13655556666",
        channel="phone",
    )
    full = case(
        "complaint",
        102,
        at(16, "09:00"),
        title="名字里带称呼",
        customer="王先生",
        salutation="先生",
        phone="13655556667",
        channel="phone",
    )
    write_cases(cli.root, [plain, full], cli.environ)
    zh = _script(cli, plain["id"])["text"]
    assert zh.startswith("陈，您好") and "陈先生" not in zh and "陈女士" not in zh
    assert _script(cli, plain["id"], "--lang", "en")["text"].startswith("Hello 陈,")
    assert (
        _script(cli, full["id"])["text"].startswith("王先生，您好")
        and "王先生先生" not in _script(cli, full["id"])["text"]
    )
    assert _script(cli, full["id"], "--lang", "en")["text"].startswith("Hello Mr 王,")


def test_promise_then_escalation_then_a_move_change_the_script(repo: CLI) -> None:
    early = case(
        "complaint",
        1,
        at(16, "09:00"),
        title="投诉",
        customer="王",
        salutation="先生",
        phone="13800138000",
        channel="phone",
        steps=[("move", at(16, "10:00"), "assessing"), ("promise", at(16, "11:00"), at(20, "09:00"))],
    )
    write_cases(repo.root, [early], repo.environ)
    case_id = early["id"]
    # The promised time has come: the honest-promise line says so.
    result = json.loads(repo.ok("script", case_id, "--format", "json", now=NOW).out)
    assert result["template"] == "complaint-promise"
    assert "现在按约定向您说明进展" in result["text"] and "2026年11月20日 09:00" in result["text"]
    before = json.loads(repo.ok("script", case_id, "--format", "json", now="2026-11-19T09:00:00+08:00").out)
    assert "前给您回复，这个时间我们一定遵守" in before["text"]
    # Escalation outranks the promise and names the supervisor from casekit.yaml.
    early["history"].append(
        {"at": at(17, "09:00"), "by": "li.na", "action": "escalate", "to_person": "zhang.wei"}
    )
    write_cases(repo.root, [early], repo.environ)
    escalated = json.loads(repo.ok("script", case_id, "--format", "json", now=NOW).out)
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
    moved = json.loads(repo.ok("script", case_id, "--format", "json", now=NOW).out)
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
    doc = case(
        "return",
        1,
        at(16, "09:00"),
        title="耳机",
        customer="李",
        salutation="女士",
        phone="13912345678",
        channel="online",
        fields={"return_type": "exchange", "reason": "quality"},
        steps=[("move", at(16, "10:00"), "approved")],
    )
    write_cases(repo.root, [doc], repo.environ)
    head = repo.head()
    result = repo.refused("script", doc["id"], "--template", "return-reshipped")
    assert "fields.reship_tracking_no" in result.err
    assert "(bundled) templates/scripts/zh/return-reshipped.j2:7" in result.err
    assert "--set reship_tracking_no=" in result.err
    assert result.out == ""
    # A repository template with a typo is reported the same way, with its own path and line.
    override = repo.root / "templates" / "scripts" / "zh" / "return-approved.j2"
    override.parent.mkdir(parents=True, exist_ok=True)
    override.write_text(
        "{#\nkind: return\nstates: [approved]\n#}\n{{ customer.address }}，\n{{ custmer.name }}\n", "utf-8"
    )
    typo = repo.refused("script", doc["id"])
    assert "templates/scripts/zh/return-approved.j2:6 needs custmer" in typo.err
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
    config.write_text(
        text.replace("zh: [不行, 不知道, 不可以]", "zh: [不行, 不知道, 不可以, 稍候]"), encoding="utf-8"
    )
    result = repo.run("validate")
    assert result.code == 1
    assert "(bundled) templates/scripts/zh/complaint-escalate.j2:8: says '稍候'" in result.out


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
