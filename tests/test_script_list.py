"""`casekit script ID --list`: every template of the case's kind, whether it fits now and why,
the one `casekit script ID` renders marked; and the scripts that depend on the case's channel,
its promise, or any kind."""

from __future__ import annotations

import json
from typing import Any

from casebuild import at
from conftest import CLI

NO_FOLLOW_UPS = {"CASEKIT_NO_FOLLOW_UPS": "1"}


def _complaint(cli: CLI, channel: str, now: str = at(16, "09:00")) -> str:
    return cli.ok(
        "new",
        "complaint",
        "--title",
        "报道中的传真机问题",
        "--customer",
        "王",
        "--salutation",
        "先生",
        "--phone",
        "13800138000",
        "--channel",
        channel,
        "--set",
        "content=一周前买的传真机有时无法接收传真",
        now=now,
        extra_env=NO_FOLLOW_UPS,
    ).out.strip()


def _listing(cli: CLI, case_id: str, *args: str, **kwargs: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        cli.ok("script", case_id, "--list", "--format", "json", *args, **kwargs).out
    )
    return data


def _row(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(r for r in data["scripts"] if r["name"] == name)


def _line(out: str, name: str) -> str:
    return next(line for line in out.splitlines() if f" {name} " in f" {line} ")


def test_a_media_complaint_gets_the_media_intake_and_the_list_says_why(repo: CLI) -> None:
    case_id = _complaint(repo, "media")
    rendered = json.loads(repo.ok("script", case_id, "--format", "json").out)
    assert rendered["template"] == "media-intake"
    assert "在核实清楚之前，我们先不下结论" in rendered["text"]
    assert "同时会把结果及时告知媒体" in rendered["text"]

    data = _listing(repo, case_id)
    assert data["chosen"] == "media-intake" and data["lang"] == "zh"
    assert data["case"] == {
        "id": case_id,
        "kind": "complaint",
        "status": "received",
        "kind_label": "投诉",
        "status_label": "已受理",
    }
    assert data["scripts"][0]["name"] == "media-intake"  # the chosen one comes first
    intake = _row(data, "media-intake")
    assert (
        intake["chosen"]
        and intake["fits"]
        and intake["source"] == "004 面对媒体投诉；002 投诉处理的基本程序（对客户的投诉表示感谢）"
    )
    assert {
        "ok": True,
        "zh": "case.channel=media：渠道为“媒体”",
        "en": "case.channel=media: channel is media",
    } in intake["why"]
    # The plain intake fits as well, and loses on priority.
    plain = _row(data, "complaint-acknowledge")
    assert plain["fits"] and not plain["chosen"]
    assert plain["why"][-1]["zh"] == "也适用，但优先级 0 低于 media-intake 的 5"
    # One for another state, with the state it needs.
    assess = _row(data, "complaint-assess")
    assert not assess["fits"] and assess["why"] == [
        {"ok": False, "zh": "状态“已受理”不在“判断中”之内", "en": "state received not in [assessing]"}
    ]
    holding = _row(data, "media-holding")
    assert holding["manual"] and not holding["fits"]
    assert holding["why"][-1]["zh"] == "手动选用：casekit script ID --template media-holding"
    # Scripts for any kind are listed; those for other kinds are not.
    names = {r["name"] for r in data["scripts"]}
    assert {"long-wait", "de-escalate", "rules-lookup", "history-lookup", "calm-down"} <= names
    assert not any(n.startswith(("return-", "callback-")) for n in names)

    out = repo.ok("script", case_id, "--list").out
    assert out.splitlines()[0] == f"{case_id}：投诉 · 已受理（complaint, received）"
    chosen = _line(out, "media-intake")
    assert chosen.startswith("*") and "采用" in chosen and "004 面对媒体投诉" in chosen
    assert "状态“已受理”不在“判断中”之内" in _line(out, "complaint-assess")
    assert not _line(out, "complaint-assess").startswith("*")
    assert f"* = `casekit script {case_id}` 采用的模板" in out
    english = repo.ok("script", case_id, "--list", "--lang", "en").out
    assert english.splitlines()[0] == f"{case_id}: Complaint · Received (complaint, received)"
    assert "state received not in [assessing]" in _line(english, "complaint-assess")


def test_a_phone_complaint_gets_the_plain_intake_and_the_media_one_names_its_channel(repo: CLI) -> None:
    case_id = _complaint(repo, "phone")
    assert repo.ok("script", case_id).out.startswith("王先生，您好")
    data = _listing(repo, case_id)
    assert data["chosen"] == "complaint-acknowledge"
    media = _row(data, "media-intake")
    assert not media["fits"]
    assert [w["zh"] for w in media["why"] if not w["ok"]] == ["case.channel=media：渠道为“电话”"]
    assert "case.channel=media：渠道为“电话”" in _line(
        repo.ok("script", case_id, "--list").out, "media-intake"
    )


def test_a_promise_due_with_no_news_gets_the_follow_up_line(repo: CLI) -> None:
    case_id = _complaint(repo, "phone")
    repo.ok("move", case_id, "assessing", now=at(16, "10:00"))
    repo.ok("promise", case_id, "--by", "2026-11-18T18:00", now=at(16, "11:00"))
    before = _listing(repo, case_id, now=at(17, "09:00"))
    assert before["chosen"] == "complaint-promise"
    assert _row(before, "promise-no-result")["why"][-1] == {
        "ok": False,
        "zh": "promise-due：承诺的回复时间2026年11月18日 18:00未到",
        "en": "promise-due: the promised time 18 Nov 2026, 18:00 has not come",
    }
    after = _listing(repo, case_id, now=at(19, "09:00"))
    assert after["chosen"] == "promise-no-result"
    assert (
        _row(after, "complaint-promise")["why"][-1]["zh"]
        == "也适用，但优先级 10 低于 promise-no-result 的 15"
    )
    text = repo.ok("script", case_id, now=at(19, "09:00")).out
    assert "我们约定在2026年11月18日 18:00前给您回复，现在向您说明进展。" in text
    assert "很抱歉，今天还没有结果。我们约定下一次回复的时间" in text
    # A note to the customer keeps the promise: the follow-up line is no longer offered.
    repo.ok("note", case_id, "已致电客户说明进展", now=at(19, "09:30"))
    assert _listing(repo, case_id, now=at(19, "10:00"))["chosen"] == "complaint-assess"


def test_a_repository_template_is_listed_as_the_repositorys_with_its_own_header(repo: CLI) -> None:
    case_id = _complaint(repo, "media")
    folder = repo.root / "templates" / "scripts" / "zh"
    folder.mkdir(parents=True)
    (folder / "media-intake.j2").write_text(
        "{#\nkind: complaint\nstates: [received]\nwhen: [case.channel=media]\npriority: 5\n"
        "summary: 本店媒体口径\nsource: 本店 媒体应对手册\n#}\n"
        '{% include "default:scripts/zh/media-intake.j2" %}\n本店公关专线：400-800-1234。\n',
        encoding="utf-8",
    )
    data = _listing(repo, case_id)
    mine = _row(data, "media-intake")
    assert mine["chosen"] and mine["origin"] == "repository"
    assert mine["summary"] == "本店媒体口径" and mine["source"] == "本店 媒体应对手册"
    assert _row(data, "complaint-acknowledge")["origin"] == "bundled"
    line = _line(repo.ok("script", case_id, "--list").out, "media-intake")
    assert "本仓库" in line and "本店 媒体应对手册" in line
    assert repo.ok("script", case_id).out.rstrip().endswith("本店公关专线：400-800-1234。")
    # The English list weighs the English file, still the bundled one.
    assert _row(_listing(repo, case_id, "--lang", "en"), "media-intake")["origin"] == "bundled"
    assert repo.ok("validate").code == 0


def test_scripts_for_any_kind_serve_a_callback(repo: CLI) -> None:
    case_id = repo.ok(
        "new",
        "callback",
        "--title",
        "维修后回访",
        "--customer",
        "李",
        "--salutation",
        "女士",
        "--phone",
        "13912345678",
        "--channel",
        "phone",
        "--set",
        "callback_type=after-repair",
        extra_env=NO_FOLLOW_UPS,
    ).out.strip()
    assert repo.ok("script", case_id, "--template", "long-wait").out == (
        "李女士，抱歉让您等候了。我是示例商城客服李娜，我能帮助您吗？\n"
    )
    data = _listing(repo, case_id)
    assert data["case"]["type"] == "after-repair" and data["case"]["type_label"] == "维修后"
    names = {r["name"] for r in data["scripts"]}
    assert {"long-wait", "de-escalate", "rules-lookup"} <= names
    assert "media-intake" not in names and "history-lookup" not in names
    refused = repo.refused("script", case_id, "--template", "media-holding")
    assert "is for complaint, not for a callback" in refused.err
    listed = repo.ok("script", "--list", "--kind", "callback").out
    assert "long-wait" in listed and "media-intake" not in listed


def test_validate_checks_case_conditions_and_the_source_key(repo: CLI) -> None:
    folder = repo.root / "templates" / "scripts" / "zh"
    folder.mkdir(parents=True)
    (folder / "radio.j2").write_text(
        "{#\nkind: complaint\nwhen: [case.channel=radio]\nsource: [004]\n#}\n"
        "{{ customer.address }}，您好。\n",
        encoding="utf-8",
    )
    result = repo.run("validate")
    assert result.code == 1
    path = "templates/scripts/zh/radio.j2"
    assert any(
        line.startswith(f"{path}:1: condition 'case.channel=radio': 'radio' is not a channel in casekit.yaml")
        for line in result.out.splitlines()
    )
    assert (
        f"{path}:1: source must be text naming the handbook and section, e.g. 004 面对媒体投诉" in result.out
    )
