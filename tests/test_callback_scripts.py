"""Callback scripts follow the callback type, greetings complete without a survey, and a
customer without a salutation is never asked "请问您是刘吗" (through the real CLI)."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from casekit.features.scripts.context import parse_header
from conftest import CLI, read_case

SURVEY_ZH = "满意吗"


def open_callback(
    cli: CLI,
    callback_type: str,
    *sets: str,
    customer: str = "李",
    salutation: str | None = "女士",
    phone: str = "13900139000",
) -> str:
    args = ["new", "callback", "--title", "回访", "--customer", customer, "--phone", phone]
    args += ["--channel", "phone", "--set", f"callback_type={callback_type}"]
    args += [a for s in sets for a in ("--set", s)]
    if salutation:
        args += ["--salutation", salutation]
    return cli.ok(*args).out.strip()


def script(cli: CLI, case_id: str, lang: str = "zh") -> dict[str, Any]:
    data: dict[str, Any] = json.loads(cli.ok("script", case_id, "--format", "json", "--lang", lang).out)
    return data


def snapshot(cli: CLI) -> tuple[str, dict[str, bytes]]:
    files = {str(p.relative_to(cli.root)): p.read_bytes() for p in (cli.root / "cases").rglob("*.yaml")}
    return cli.head(), files


def test_each_callback_type_is_worded_as_what_it_follows(repo: CLI) -> None:
    purchase = open_callback(
        repo, "after-purchase", "service_item=传真机 FX-200", "service_date=2026-11-16", phone="13900000001"
    )
    repair = open_callback(
        repo, "after-repair", "service_item=打印机维修", "service_date=2026-11-12", phone="13900000002"
    )
    complaint = open_callback(repo, "after-complaint", phone="13900000003")
    returned = open_callback(repo, "after-return", phone="13900000004")
    missed = open_callback(repo, "missed-call", "missed_calls=2026-11-23T09:40", phone="13900000005")
    signup = open_callback(
        repo,
        "new-signup",
        "event_name=冬季家装节",
        "event_place=国际会展中心3号馆",
        "deposit_rules=订金100元抵500元",
        "parking=B2停车场免费",
        phone="13900000006",
    )
    birthday = open_callback(repo, "greeting", "greeting_occasion=birthday", phone="13900000007")
    holiday = open_callback(
        repo, "greeting", "greeting_occasion=holiday", "holiday_name=国庆节", phone="13900000008"
    )

    text = script(repo, purchase)
    assert text["template"] == "callback-purchase"
    body = text["text"]
    assert "您在2026年11月16日购买的传真机 FX-200，使用情况如何" in body
    assert "服务项目" not in body and "恭喜" not in body
    en = script(repo, purchase, "en")["text"]
    assert "you bought from us on 16 Nov 2026" in en and "Congratulations" not in en

    body = script(repo, repair)["text"]
    assert "恭喜您在2026年11月12日完成了打印机维修服务项目" in body and "购买" not in body

    body = script(repo, complaint)["text"]
    assert "您之前反映的问题我们已经处理完毕" in body and "退换货" not in body

    body = script(repo, returned)["text"]
    # the callback does not hold the return's type: neutral wording, no refund or re-send claimed
    assert "退换货申请我们已经处理完毕" in body
    assert "退款" not in body and "换货已" not in body and "服务项目" not in body

    body = script(repo, missed)["text"]
    assert "您在11月23日 09:40来电，我们没有接到" in body and "请问有什么可以帮您" in body

    data = script(repo, signup)
    body = data["text"]
    assert data["template"] == "callback-signup"
    assert "冬季家装节" in body and "活动地点：国际会展中心3号馆" in body
    assert "订金规则：订金100元抵500元" in body and "停车提示：B2停车场免费" in body
    assert "请问您到时候可以到场吗" in body
    # only the facts the case holds: no time, 退订 rules or directions were recorded
    assert "活动时间" not in body and "退订规则" not in body and "交通线路" not in body
    assert "满意" not in body

    body = script(repo, birthday)["text"]
    assert "生日快乐" in body and "节日快乐" not in body and "满意" not in body
    assert "satisf" not in script(repo, birthday, "en")["text"].lower()

    body = script(repo, holiday)["text"]
    assert "国庆节快乐" in body and "生日" not in body and "满意" not in body
    assert "happy holiday" in script(repo, holiday, "en")["text"]


def test_planned_greetings_record_their_occasion(repo: CLI) -> None:
    (repo.root / "customers.yaml").write_text(
        "customers:\n  - name: 王芳\n    phone: '13800138000'\n    birthday: 1985-12-28\n",
        encoding="utf-8",
    )
    repo.git("add", "customers.yaml")
    repo.git("commit", "-qm", "Customer list")
    repo.ok("callbacks", "plan", "--until", "2027-01-01")
    planned = [
        read_case(repo.case_path(c["id"]))
        for c in json.loads(repo.ok("list", "--kind", "callback", "--format", "json").out)
    ]
    by_key = {c["fields"]["plan_key"].split(":")[0]: c for c in planned}
    birthday, holiday = by_key["birthday"], by_key["holiday"]
    assert birthday["fields"]["callback_type"] == "greeting"
    assert birthday["fields"]["greeting_occasion"] == "birthday"
    assert "holiday_name" not in birthday["fields"]
    assert holiday["fields"]["greeting_occasion"] == "holiday"
    assert holiday["fields"]["holiday_name"] == "元旦"
    assert "生日快乐" in script(repo, birthday["id"])["text"]
    body = script(repo, holiday["id"])["text"]
    assert "元旦快乐" in body and "生日" not in body
    # no salutation in the customer file: the full name, never a bare surname and 吗
    assert "请问是王芳您本人吗" in body and "王吗" not in body


def test_a_greeting_completes_with_greeted_and_every_survey_still_needs_satisfaction(repo: CLI) -> None:
    greeting = open_callback(repo, "greeting", "greeting_occasion=birthday", phone="13900000011")
    before = snapshot(repo)
    refused = repo.refused("move", greeting, "completed")
    assert "greeted（已送达问候）" in refused.err and "satisfaction" not in refused.err
    assert snapshot(repo) == before
    not_delivered = repo.refused("move", greeting, "completed", "--set", "greeted=no")
    assert "unreachable" in not_delivered.err and "cancelled" in not_delivered.err
    assert snapshot(repo) == before
    repo.ok("move", greeting, "completed", "--set", "greeted=yes")
    done = read_case(repo.case_path(greeting))
    assert done["status"] == "completed" and done["fields"]["greeted"] is True
    assert "satisfaction" not in done["fields"]
    closing = script(repo, greeting)
    assert closing["template"] == "callback-closing-greeting" and "再次祝您生日快乐" in closing["text"]

    signup = open_callback(repo, "new-signup", phone="13900000012")
    refused = repo.refused("move", signup, "completed")
    assert "will_attend（是否到场）" in refused.err and "satisfaction" not in refused.err
    repo.ok("move", signup, "completed", "--set", "will_attend=no")
    assert "期待您的到来" not in script(repo, signup)["text"]

    for number, callback_type in enumerate(
        ["after-purchase", "after-repair", "after-complaint", "after-return", "missed-call", "returning"]
    ):
        survey = open_callback(repo, callback_type, phone=f"1390000002{number}")
        before = snapshot(repo)
        refused = repo.refused("move", survey, "completed", "--set", "greeted=yes")
        assert "satisfaction（满意度）" in refused.err, callback_type
        assert snapshot(repo) == before
    repo.ok("move", survey, "completed", "--set", "satisfaction=satisfied")


def test_without_a_salutation_the_scripts_use_the_full_name_and_never_a_bare_surname_question(
    repo: CLI,
) -> None:
    full = open_callback(repo, "after-purchase", customer="刘伟", salutation=None, phone="13900000031")
    bare = open_callback(repo, "greeting", customer="刘", salutation=None, phone="13900000032")
    named = open_callback(repo, "after-purchase", customer="刘", salutation="先生", phone="13900000033")
    body = script(repo, full)["text"]
    assert "请问是刘伟您本人吗？" in body and "您是刘伟吗" not in body
    body = script(repo, bare)["text"]
    assert "刘吗" not in body and "请问您是刘" not in body
    assert "请问您是刘先生吗？" in script(repo, named)["text"]
    repo.ok("attempt", full, "--outcome", "no-answer")
    repo.ok("attempt", full, "--outcome", "busy")
    repo.ok("move", full, "unreachable")
    assert script(repo, full)["text"].startswith("刘伟您好")


def _run_new(
    cli: CLI, *extra: str, stdin: int | None = subprocess.DEVNULL
) -> subprocess.CompletedProcess[str]:
    args = ["new", "complaint", "--title", "传真机无法接收传真", "--phone", "13800138000", *extra]
    return subprocess.run(
        [sys.executable, "-m", "casekit", *args],
        cwd=cli.root,
        env=cli.environ,
        stdin=stdin,
        capture_output=True,
        text=True,
        check=False,
    )


def test_new_without_a_salutation_says_so_on_stderr(repo: CLI) -> None:
    plain = _run_new(repo, "--customer", "刘伟", "--channel", "phone")
    assert plain.returncode == 0
    case_id = plain.stdout.strip()
    (hint,) = plain.stderr.strip().splitlines()
    assert hint.startswith(f"{case_id}: 未记录称呼") and "--salutation 先生/女士" in hint
    assert "salutation" not in read_case(repo.case_path(case_id))["customer"]

    for extra in (["--customer", "刘伟", "--salutation", "先生"], ["--customer", "王先生"]):
        given = _run_new(repo, *extra, "--channel", "phone")
        assert given.returncode == 0 and "未记录称呼" not in given.stderr, extra
    given = _run_new(repo, "--customer", "刘伟", "--set", "customer.salutation=女士", "--channel", "phone")
    assert given.returncode == 0 and "未记录称呼" not in given.stderr

    # a refused `new` says only why
    refused = _run_new(repo, "--customer", "刘伟", "--channel", "pigeon")
    assert refused.returncode == 1 and len(refused.stderr.strip().splitlines()) == 1
    assert "未记录称呼" not in refused.stderr


def _new_at_terminal(cli: CLI, answer: bytes) -> tuple[subprocess.CompletedProcess[str], str]:
    """`casekit new` with its stdin on a terminal, answering the salutation prompt."""
    master, slave = pty.openpty()
    env = dict(cli.environ, PYTHONUTF8="1", PYTHONIOENCODING="utf-8")
    args = ["new", "complaint", "--title", "传真机无法接收传真", "--customer", "刘伟"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "casekit", *args, "--phone", "13800138000", "--channel", "phone"],
        cwd=cli.root,
        env=env,
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    os.close(slave)
    os.write(master, answer)  # the terminal holds it until the prompt reads it
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if select.select([master], [], [], 0.2)[0]:
            try:
                os.read(master, 4096)  # the terminal's echo
            except OSError:
                break
    out, err = proc.communicate(timeout=60)
    os.close(master)
    return subprocess.CompletedProcess(proc.args, proc.returncode or 0, out, err), err


def test_new_at_a_terminal_asks_for_the_salutation(repo: CLI) -> None:
    done, err = _new_at_terminal(repo, "女士\n".encode())
    assert done.returncode == 0, err
    assert "Salutation" in err and "未记录称呼" not in err
    case = read_case(repo.case_path(done.stdout.strip()))
    assert case["customer"]["salutation"] == "女士"

    skipped, err = _new_at_terminal(repo, b"\n")
    assert skipped.returncode == 0, err
    assert "未记录称呼" in err
    assert "salutation" not in read_case(repo.case_path(skipped.stdout.strip()))["customer"]


def test_bundled_callback_templates_name_their_handbook_source() -> None:
    bundled = Path(__file__).resolve().parents[1] / "templates" / "scripts"
    for lang in ("zh", "en"):
        for path in (bundled / lang).glob("callback-*.j2"):
            header, problems = parse_header(path.read_text(encoding="utf-8"))
            assert not problems, (path, problems)
            assert re.match(r"00[0-4] ", header.get("source", "")), (path, header.get("source"))
