"""The bundled example cases (cases/ at the top of the project) and `casekit init --example`."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from conftest import CLI, PROJECT, read_case

BUNDLED = PROJECT / "cases"
CASE_GLOB = "*/*/*/*.yaml"
FIRST_DAY = datetime.fromisoformat("2026-10-26T00:00:00+08:00")
LAST_DAY = datetime.fromisoformat("2026-11-24T00:00:00+08:00")
TRAILER_KEYS = ("Case-Id", "Case-Kind", "Case-Action", "Case-Actor")


def bundled_files() -> list[Path]:
    return sorted(BUNDLED.glob(CASE_GLOB))


def bundled_cases() -> list[dict]:  # type: ignore[type-arg]
    return [read_case(path) for path in bundled_files()]


def config_people() -> dict[str, dict]:  # type: ignore[type-arg]
    config = yaml.safe_load((PROJECT / "casekit.yaml").read_text(encoding="utf-8"))
    return dict(config["people"])


def load_generator() -> ModuleType:
    path = PROJECT / "tools" / "make_examples.py"
    spec = importlib.util.spec_from_file_location("make_examples", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_examples"] = module
    spec.loader.exec_module(module)
    return module


# --- the bundled set itself -----------------------------------------------------------


def test_bundled_examples_validate(tmp_path: Path, environ: dict[str, str]) -> None:
    result = CLI(tmp_path, environ).ok("validate", "--repo", str(PROJECT))
    assert f"{len(bundled_files())} case files checked, no problems" in result.err


def test_bundled_set_covers_all_kinds_and_most_states() -> None:
    cases = bundled_cases()
    assert len(cases) >= 24
    kinds = Counter(case["kind"] for case in cases)
    assert set(kinds) == {"complaint", "callback", "return", "cancellation", "harassment"}
    assert min(kinds[k] for k in ("complaint", "callback", "return")) >= 8, kinds
    assert kinds["harassment"] >= 2  # the same number calling twice: a repeat source
    states = {kind: {c["status"] for c in cases if c["kind"] == kind} for kind in kinds}
    assert states["complaint"] >= {
        "received",
        "assessing",
        "rejected",
        "investigating",
        "proposed",
        "implementing",
        "resolved",
        "closed",
    }
    assert states["callback"] >= {"scheduled", "completed", "unreachable", "cancelled"}
    assert states["return"] >= {
        "requested",
        "approved",
        "declined",
        "in_transit",
        "received",
        "inspected",
        "refunded",
        "reshipped",
        "closed",
    }
    assert states["cancellation"] >= {"confirmed", "settled", "refused"}
    satisfaction = {c["fields"].get("satisfaction") for c in cases if c["status"] == "completed"}
    assert satisfaction >= {"satisfied", "neutral", "dissatisfied"}


def test_bundled_set_includes_a_declined_proposal_a_reopened_case_and_links() -> None:
    moves = [
        (e.get("from"), e.get("to"))
        for c in bundled_cases()
        for e in c["history"]
        if c["kind"] == "complaint" and e["action"] == "move"
    ]
    assert ("proposed", "investigating") in moves
    assert ("resolved", "investigating") in moves
    cases = {c["id"]: c for c in bundled_cases()}
    linked = [c for c in cases.values() if c["links"]]
    assert len(linked) >= 6
    for case in linked:  # links go both ways, and callbacks follow a complaint or a return
        for other in case["links"]:
            assert case["id"] in cases[other]["links"]
        if case["kind"] == "callback":
            assert case["fields"]["callback_type"] in {"after-complaint", "after-return"}


def test_bundled_cases_read_like_real_records() -> None:
    people = config_people()
    supervisors = {login for login, p in people.items() if "supervisor" in p["roles"]}
    for path, case in zip(bundled_files(), bundled_cases(), strict=True):
        raw = path.read_text(encoding="utf-8")
        assert "\\u" not in raw, path  # Chinese written as is
        customer = case["customer"]
        if case["kind"] != "harassment":  # a harassment caller gives no name (未知来电)
            assert customer["salutation"] in {"先生", "女士"}, path
        assert re.search(r"[\u4e00-\u9fff]", customer["name"]), path
        assert isinstance(customer["phone"], str), path
        assert re.search(r"[\u4e00-\u9fff]", case["title"]), path
        opened = datetime.fromisoformat(case["opened_at"])
        assert FIRST_DAY <= opened < LAST_DAY, path
        assert case["opened_at"].endswith("+08:00"), path
        assert 8 <= opened.hour < 19, path  # opened in working hours
        history = case["history"]
        assert 2 <= len(history) <= 9, path
        stamps = [datetime.fromisoformat(e["at"]) for e in history]
        assert stamps == sorted(stamps), path
        assert case["assignee"] in people, path
        for entry in history:
            assert entry["by"] in people, path
            if entry.get("note"):
                assert re.search(r"[\u4e00-\u9fff]", entry["note"]), path
            if entry.get("to") == "closed" and case["kind"] == "complaint":
                assert entry["by"] in supervisors, path  # the supervisor signs off the summary


def test_generator_stories_match_the_bundled_set() -> None:
    """tools/make_examples.py is the source of cases/: a story edited without rerunning it fails here."""
    generator = load_generator()
    generator.check_stories(generator.STORIES)

    # a harassment log is named by the line called (its title is made from it)
    def named(command: list[str]) -> str:
        return command[command.index("--title" if "--title" in command else "--line") + 1]

    stories = {(s.kind, s.steps[0].at, named(s.steps[0].command)) for s in generator.STORIES}
    bundled = {
        (c["kind"], c["opened_at"], c["fields"]["call_line"] if c["kind"] == "harassment" else c["title"])
        for c in bundled_cases()
    }
    assert stories == bundled
    entries = sum(len(s.steps) for s in generator.STORIES)
    assert entries == sum(len(c["history"]) for c in bundled_cases())


# --- init --example --------------------------------------------------------------------


def test_init_example_makes_one_commit_per_action_in_time_order(example_repo: CLI) -> None:
    cases = bundled_cases()
    entries = sum(len(c["history"]) for c in cases)
    links = sum(1 for c in cases for e in c["history"] if e["action"] == "link")
    # a case opened with links (`new --link`): its commit holds the link entries of the others
    opens = [e for c in cases for e in c["history"] if e["action"] == "open"]
    opened_links = sum(len(e.get("links") or []) for e in opens)
    assert opened_links >= 2  # the repeat caller's case
    merges = sum(1 for c in cases for e in c["history"] if e["action"] == "merged-from")
    assert merges >= 1  # the duplicate Weibo complaint merged into the phone one
    # one commit per history entry, except a link and a merge: one commit holds both cases' entries
    assert example_repo.commit_count() == entries - opened_links - (links - opened_links) // 2 - merges + 1

    log = example_repo.git("log", "--reverse", "--format=%aI%x09%s").splitlines()
    assert log[0].split("\t")[1] == "casekit: new case repository"
    stamps = [datetime.fromisoformat(line.split("\t")[0]) for line in log]
    assert stamps == sorted(stamps)
    earliest = min(datetime.fromisoformat(e["at"]) for c in cases for e in c["history"])
    assert stamps[0] == earliest

    recorded = Counter((c["id"], e["action"], e["at"], e["by"]) for c in cases for e in c["history"])
    committed: Counter[tuple[str, str, str, str]] = Counter()
    raw = example_repo.git("log", "--format=%aI%x1f%(trailers:unfold,separator=%x1e)%x1d")
    for record in raw.split("\x1d"):
        record = record.strip()
        if not record or "\x1f" not in record:
            continue
        stamp, trailer_text = record.split("\x1f")
        if not trailer_text:
            continue  # the initial commit
        pairs = [tuple(t.split(": ", 1)) for t in trailer_text.split("\x1e")]
        trailers = dict(pairs)
        assert all(key in trailers for key in TRAILER_KEYS), trailers
        login = trailers["Case-Actor"].split(" <")[0]
        moment = datetime.fromisoformat(stamp).isoformat()
        committed[(trailers["Case-Id"], trailers["Case-Action"], moment, login)] += 1
        for key, value in pairs:  # one per case linked: several for a case opened with links
            if key == "Case-Linked":
                committed[(value, "link", moment, login)] += 1
        if "Case-Survivor" in trailers:
            committed[(trailers["Case-Survivor"], "merged-from", moment, login)] += 1
    assert committed == recorded


def test_replayed_case_files_equal_the_bundled_ones(example_repo: CLI) -> None:
    replayed = sorted(
        p.relative_to(example_repo.root / "cases") for p in (example_repo.root / "cases").glob(CASE_GLOB)
    )
    assert replayed == [p.relative_to(BUNDLED) for p in bundled_files()]
    for rel in replayed:
        assert read_case(example_repo.root / "cases" / rel) == read_case(BUNDLED / rel), rel
        assert (example_repo.root / "cases" / rel).read_bytes() == (BUNDLED / rel).read_bytes(), rel


def test_replayed_attachments_equal_the_bundled_evidence(example_repo: CLI) -> None:
    bundled = PROJECT / "attachments"
    files = sorted(p.relative_to(bundled) for p in bundled.rglob("*") if p.is_file())
    assert files, "the quality claims attach the customer's photos"
    replayed = example_repo.root / "attachments"
    assert sorted(p.relative_to(replayed) for p in replayed.rglob("*") if p.is_file()) == files
    recorded = {
        record["file"]: record["sha256"]
        for case in bundled_cases()
        for record in case.get("attachments") or []
    }
    assert sorted(recorded) == sorted(f"attachments/{rel.as_posix()}" for rel in files)
    for rel in files:
        data = (replayed / rel).read_bytes()
        assert data == (bundled / rel).read_bytes(), rel
        assert hashlib.sha256(data).hexdigest() == recorded[f"attachments/{rel.as_posix()}"], rel


def test_replayed_repository_validates_and_audits_clean(example_repo: CLI) -> None:
    validated = example_repo.ok("validate")
    assert f"{len(bundled_files())} case files checked, no problems" in validated.err
    audited = example_repo.ok("audit")
    assert "history and commits agree" in audited.out + audited.err
    assert "disagree" not in audited.out + audited.err
    assert example_repo.git("status", "--porcelain") == ""


def test_list_shows_every_example(example_repo: CLI) -> None:
    listed = json.loads(example_repo.ok("list", "--all", "--format", "json").out)
    assert sorted(row["id"] for row in listed) == sorted(c["id"] for c in bundled_cases())
    table = example_repo.ok("list", "--all", extra_env={"CASEKIT_LANG": "zh_CN"}).out
    assert f"（{len(bundled_files())} 个工单）" in table
    assert "传真机有时无法接收传真" in table
    assert "已结案" in table and "寄回中" in table and "未接通" in table


def test_log_shows_an_examples_trail(example_repo: CLI) -> None:
    fax = next(c for c in bundled_cases() if c["title"].startswith("传真机"))
    trail = json.loads(example_repo.ok("log", fax["id"], "--format", "json").out)
    assert [(t["action"], t["to"], t["at"]) for t in trail] == [
        (e["action"], e.get("to"), e["at"]) for e in fax["history"]
    ]
    assert [t["note"] for t in trail] == [e.get("note", "") for e in fax["history"]]
    table = example_repo.ok("log", fax["id"], extra_env={"CASEKIT_LANG": "zh_CN"}).out
    assert "状态 已受理 → 判断中" in table and "状态 已解决 → 已结案" in table
    assert "张伟" in table


def test_examples_can_be_worked_on_after_replay(example_repo: CLI) -> None:
    scheduled = next(c for c in bundled_cases() if c["kind"] == "callback" and c["status"] == "scheduled")
    before = example_repo.commit_count()
    example_repo.ok(
        "move", scheduled["id"], "completed", "--set", "satisfaction=satisfied", actor=scheduled["assignee"]
    )
    assert example_repo.commit_count() == before + 1
    assert read_case(example_repo.case_path(scheduled["id"]))["status"] == "completed"


# --- reproducible IDs for the generator --------------------------------------------------


@pytest.mark.parametrize("kind", ["complaint", "return"])
def test_id_seed_gives_the_same_id_in_two_repositories(
    tmp_path: Path, environ: dict[str, str], kind: str
) -> None:
    ids = []
    for name in ("one", "two"):
        CLI(tmp_path, environ).ok("init", str(tmp_path / name))
        cli = CLI(tmp_path / name, environ)
        ids.append(cli.new(kind, extra_env={"CASEKIT_ID_SEED": "example:fax"}))
    assert ids[0] == ids[1]
    assert ids[0].startswith(("C-20261123-", "R-20261123-"))


def test_id_seed_clash_in_one_repository_takes_the_next_id(repo: CLI) -> None:
    seeded = {"CASEKIT_ID_SEED": "example:same"}
    first = repo.new(extra_env=seeded)
    second = repo.new(extra_env=seeded)
    unseeded = repo.new()
    assert len({first, second, unseeded}) == 3
    assert repo.commit_count() == 4
