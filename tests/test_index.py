"""The query index is a cache: every query answers the same with it, without it
(`CASEKIT_INDEX=off`), after it is deleted or damaged, and after the working tree changes
under it (casekit's own commits, hand edits, files added or removed, git checkout)."""

from __future__ import annotations

import importlib.util
import json
import os
import pickle
import random
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

from conftest import CLI, PROJECT

OFF = {"CASEKIT_INDEX": "off"}
QUERIES = (
    ("list", "--format", "json"),
    ("list", "--status", "investigating,received", "--format", "csv"),
    ("list", "--overdue", "--format", "json"),
    ("due", "--format", "json"),
    ("queue", "--all", "--format", "json"),
    ("registers", "postage", "--format", "json"),
    ("alerts", "--as-of", "2026-11-23", "--format", "json"),
    ("settlement-check", "家电旗舰店", "--format", "json"),
    ("settlement-check", "不存在的店"),
    ("list", "--kind", "callback", "--assignee", "wang.fang"),
    ("validate",),
    ("validate", "--format", "json"),
    ("audit", "--format", "json"),
)


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_generate", PROJECT / "bench" / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_generate"] = module
    spec.loader.exec_module(module)
    return module


def fill(cli: CLI, count: int, seed: int = 9) -> list[Path]:
    """Write `count` realistic cases (as casekit writes them, deadlines included) and
    commit them with git."""
    generate = _generator()
    rules = generate.read_rules(cli.root)
    rng = random.Random(seed)
    paths = []
    for opened in generate.opening_times(rng, count, 40):
        kind, case = generate.make_case(rng, opened)
        cid = case["id"]
        path = cli.root / "cases" / kind / cid[-18:-14] / cid[-14:-12] / f"{cid}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(generate.case_file(case, rules))
        paths.append(path)
    cli.git("add", "cases")
    cli.git("commit", "--no-verify", "-q", "-m", "cases for the index tests")
    return paths


@pytest.fixture
def filled(repo: CLI) -> CLI:
    fill(repo, 60)  # seed 9: among them two complaints still `received`, for the move tests
    return repo


def index_file(cli: CLI) -> Path:
    return cli.root / ".git" / "casekit" / "index.sqlite"


def same_answers(cli: CLI, *queries: tuple[str, ...]) -> None:
    """Each query prints the same and exits the same with the index as without it."""
    for args in queries or QUERIES:
        cached = cli.run(*args)
        direct = cli.run(*args, extra_env=OFF)
        assert "Traceback" not in cached.err, cached.err
        assert (cached.code, cached.out) == (direct.code, direct.out), args
        assert cached.err.splitlines()[-1:] == direct.err.splitlines()[-1:], args


def statuses(cli: CLI) -> dict[str, str]:
    return {row["id"]: row["status"] for row in json.loads(cli.ok("list", "--all", "--format", "json").out)}


def test_answers_are_the_same_with_and_without_the_index(filled: CLI) -> None:
    assert "60 case files checked, no problems" in filled.ok("validate").err  # generated cases are valid
    same_answers(filled)
    assert index_file(filled).is_file()
    assert len(statuses(filled)) == 60
    # a second round answers from a warm index
    same_answers(filled)


def test_the_index_is_never_committed_or_shown_to_git(filled: CLI) -> None:
    filled.ok("list")
    assert index_file(filled).is_file()
    assert filled.git("status", "--porcelain") == ""
    assert "index" not in filled.git("ls-files")


def test_a_move_is_seen_by_the_next_query(filled: CLI) -> None:
    before = statuses(filled)
    case_id = next(i for i, s in before.items() if s == "received" and i.startswith("C-"))
    filled.ok("move", case_id, "assessing", now="2026-11-24T09:00:00+08:00")
    after = statuses(filled)
    assert after[case_id] == "assessing"
    assert {k: v for k, v in after.items() if k != case_id} == {
        k: v for k, v in before.items() if k != case_id
    }
    same_answers(filled, ("list", "--status", "assessing", "--format", "json"))


def test_hand_edits_in_the_working_tree_are_seen_at_once(filled: CLI) -> None:
    paths = sorted((filled.root / "cases").glob("*/*/*/*.yaml"))
    filled.ok("list")  # warm
    # in place, same size, immediately after the index was written
    target = next(p for p in paths if "status: closed" in p.read_text(encoding="utf-8"))
    text = target.read_text(encoding="utf-8")
    with open(target, "r+", encoding="utf-8") as handle:
        handle.write(text.replace("status: closed", "status: xlosed", 1))
    assert statuses(filled)[target.stem] == "xlosed"
    same_answers(filled, ("validate",), ("list", "--format", "json"))
    problems = filled.run("validate").out
    assert f"{target.relative_to(filled.root)}:3: " in problems  # the line, read lazily
    # broken YAML, then repaired
    target.write_text("id: [unclosed\n", encoding="utf-8")
    same_answers(filled, ("validate",), ("list", "--format", "json"))
    assert target.stem not in statuses(filled)
    target.write_text(text, encoding="utf-8")
    assert statuses(filled)[target.stem] == "closed"
    same_answers(filled)


def test_files_added_removed_and_renamed_by_hand(filled: CLI) -> None:
    filled.ok("list")
    paths = sorted((filled.root / "cases").glob("*/*/*/*.yaml"))
    gone, copied = paths[0], paths[1]
    gone.unlink()
    clone = copied.with_name("C-20261101-AAAA-BBBB.yaml")
    clone.write_bytes(copied.read_bytes())  # untracked; its ID clashes
    new_folder = filled.root / "cases" / "complaint" / "2031" / "01"
    new_folder.mkdir(parents=True)
    (new_folder / "note.yaml").write_text("id: x\n", encoding="utf-8")
    found = statuses(filled)
    assert gone.stem not in found
    same_answers(filled)
    validate = filled.run("validate").out
    assert "C-20261101-AAAA-BBBB.yaml" in validate and "cases/complaint/2031/01/note.yaml" in validate
    # the untracked copy is edited in place: still noticed
    with open(clone, "r+", encoding="utf-8") as handle:
        text = handle.read()
        handle.seek(0)
        handle.write(text.replace("priority: ", "priority: x", 1))
    same_answers(filled, ("validate",))
    # a whole folder goes away
    import shutil

    shutil.rmtree(filled.root / "cases" / "complaint" / "2031")
    same_answers(filled)


def test_git_checkout_of_another_commit(filled: CLI) -> None:
    first = filled.head()
    case_id = next(i for i, s in statuses(filled).items() if s == "received" and i.startswith("C-"))
    filled.ok("move", case_id, "assessing", now="2026-11-24T09:00:00+08:00")
    extra = fill(filled, 5, seed=99)
    assert statuses(filled)[case_id] == "assessing"
    filled.git("checkout", "-q", first)
    now = statuses(filled)
    assert now[case_id] == "received"
    assert not any(p.stem in now for p in extra)
    same_answers(filled)
    filled.git("checkout", "-q", "-")
    assert statuses(filled)[case_id] == "assessing"
    same_answers(filled)


def test_staged_but_uncommitted_and_reset(filled: CLI) -> None:
    filled.ok("list")
    path = next(iter(sorted((filled.root / "cases").glob("complaint/*/*/*.yaml"))))
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("priority: ", "priority: z", 1), encoding="utf-8")
    filled.git("add", str(path))
    same_answers(filled, ("validate",), ("list", "--format", "json"))
    filled.git("reset", "-q", "--hard")
    same_answers(filled, ("validate",), ("list", "--format", "json"))
    assert "priority: z" not in path.read_text(encoding="utf-8")


def test_another_language_rewords_the_problems_without_reading_every_file_again(filled: CLI) -> None:
    paths = sorted((filled.root / "cases").glob("*/*/*/*.yaml"))
    target = paths[7]
    target.write_text("id: [unclosed\n", encoding="utf-8")  # a problem the index keeps, worded
    rel = str(target.relative_to(filled.root))
    english = filled.run("validate")
    assert english.code == 1 and f"{rel}:2: invalid YAML" in english.out, english.out

    with sqlite3.connect(index_file(filled)) as conn:  # note each row the index writes
        conn.execute("CREATE TABLE written (path TEXT)")
        conn.execute(
            "CREATE TRIGGER noted AFTER INSERT ON files BEGIN INSERT INTO written VALUES (new.path); END"
        )
    zh = {"CASEKIT_LANG": "zh_CN"}
    chinese = filled.run("validate", extra_env=zh)
    direct = filled.run("validate", extra_env={**zh, **OFF})
    assert (chinese.code, chinese.out) == (direct.code, direct.out)
    assert chinese.out != english.out and re.search(r"[\u4e00-\u9fff]", chinese.out), chinese.out
    with sqlite3.connect(index_file(filled)) as conn:
        written = [row[0] for row in conn.execute("SELECT path FROM written")]
    assert written == [rel]  # only the one file with a problem was read again
    # ...and English comes back the same way
    assert filled.run("validate").out == english.out


def test_a_deleted_index_is_rebuilt(filled: CLI) -> None:
    expected = filled.ok("list", "--format", "json").out
    for name in os.listdir(index_file(filled).parent):
        if name.startswith("index"):
            os.unlink(index_file(filled).parent / name)
    assert filled.ok("list", "--format", "json").out == expected
    assert index_file(filled).is_file()


@pytest.mark.parametrize("damage", ["garbage", "truncated", "bad row", "old format"])
def test_a_damaged_index_is_rebuilt(filled: CLI, damage: str) -> None:
    expected = filled.ok("list", "--format", "json").out
    db = index_file(filled)
    if damage == "garbage":
        db.write_bytes(b"this is not a database at all" * 100)
        for suffix in ("-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    elif damage == "truncated":
        with sqlite3.connect(db) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.write_bytes(db.read_bytes()[: db.stat().st_size // 3])
    else:
        with sqlite3.connect(db) as conn:
            if damage == "bad row":
                conn.execute("UPDATE files SET data = x'00112233'")
            else:
                conn.execute("UPDATE meta SET value = 'casekit-index-0' WHERE key = 'format'")
    result = filled.run("list", "--format", "json")
    assert result.code == 0 and "Traceback" not in result.err, result.err
    assert result.out == expected
    same_answers(filled)


def test_concurrent_first_queries_agree(filled: CLI) -> None:
    env = dict(filled.environ)
    command = [sys.executable, "-m", "casekit", "list", "--format", "json"]
    procs = [
        subprocess.Popen(command, cwd=filled.root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    outputs = [p.communicate() for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1] for o in outputs]
    assert len({o[0] for o in outputs}) == 1
    assert outputs[0][0].decode() == filled.run("list", "--format", "json", extra_env=OFF).out


def test_progress_goes_to_stderr_only(filled: CLI) -> None:
    quiet = filled.run("list", "--format", "json", extra_env=OFF)
    shown = filled.run("list", "--format", "json", extra_env={"CASEKIT_PROGRESS": "always"})
    assert shown.out == quiet.out
    assert "indexing cases: 60/60" in shown.err
    checked = filled.run("validate", extra_env={"CASEKIT_PROGRESS": "always"})
    assert "validating cases: 60/60" in checked.err


def test_a_plain_folder_is_read_without_an_index(tmp_path: Path) -> None:
    from casekit.index.reader import read_cases

    folder = tmp_path / "plain"
    (folder / "cases" / "complaint").mkdir(parents=True)
    (folder / "cases" / "complaint" / "a.yaml").write_text("id: a\nhistory: []\n", encoding="utf-8")
    docs, problems = read_cases(folder)
    assert [d.data["id"] for d in docs] == ["a"] and problems == []
    assert not (folder / ".git").exists()


def test_parallel_build_matches_direct_reads(filled: CLI, monkeypatch: pytest.MonkeyPatch) -> None:
    from casekit.index import cache as index
    from casekit.index.reader import read_cases

    monkeypatch.setenv("CASEKIT_INDEX", "off")
    direct = read_cases(filled.root)
    monkeypatch.setenv("CASEKIT_INDEX", "on")
    monkeypatch.setattr(index, "PARALLEL_FROM", 1)
    monkeypatch.setattr(index, "CHUNK", 7)
    cached = read_cases(filled.root, show_progress=False)
    assert [(d.path, d.data) for d in cached[0]] == [(d.path, d.data) for d in direct[0]]
    assert cached[1] == direct[1]
    assert cached[0][0].raw == direct[0][0].raw


def test_filters_match_with_and_without_the_index(filled: CLI, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import datetime, timedelta, timezone

    from casekit.index.reader import CaseFilter, final_states, open_states, read_cases
    from casekit.store.configfile import load_config

    config = load_config(filled.root)
    end = datetime(2026, 11, 23, 12, tzinfo=timezone(timedelta(hours=8)))
    filters: list[dict[str, object]] = [
        {"kinds": ["return"]},
        {"statuses": ["closed", "completed"], "assignees": ["li.na"]},
        {"states": open_states(config)},
        {"active_between": (end - timedelta(days=3), end)},
        {"ids": [d.data["id"] for d in read_cases(filled.root)[0][:5]]},
        {"unfinished": final_states(config)},
    ]
    for wanted in filters:
        monkeypatch.setenv("CASEKIT_INDEX", "off")
        where = CaseFilter.of(**wanted)  # type: ignore[arg-type]
        direct = read_cases(filled.root, where=where)
        monkeypatch.setenv("CASEKIT_INDEX", "on")
        cached = read_cases(filled.root, where=where, show_progress=False)
        assert [d.path for d in cached[0]] == [d.path for d in direct[0]], wanted
        assert direct[0], wanted


def test_racy_edit_right_after_a_query(filled: CLI) -> None:
    # An untracked file edited twice within the same second keeps its size: the index
    # must not trust its size and time until they are old enough.
    path = filled.root / "cases" / "complaint" / "2026" / "11" / "C-20261101-ZZZZ-ZZZ0.yaml"
    source = next(iter(sorted((filled.root / "cases").glob("complaint/*/*/*.yaml")))).read_text("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source.replace("priority: ", "priority: a", 1), encoding="utf-8")
    filled.ok("list")
    stat = path.stat()
    path.write_text(source.replace("priority: ", "priority: b", 1), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    time.sleep(0.01)
    same_answers(filled, ("validate",))
    assert "unknown priority 'b" in filled.run("validate").out


def test_listing_changes_finds_exactly_the_changed_entries() -> None:
    from casekit.index.cache import _listing_changes, _parse_listing

    rng = random.Random(3)

    def listing(entries: dict[str, str]) -> bytes:
        return b"".join(f"H 100644 {blob} 0\t{path}\0".encode() for path, blob in sorted(entries.items()))

    for _ in range(300):
        old = {f"cases/k/{rng.randrange(60):03d}.yaml": f"{rng.getrandbits(160):040x}" for _ in range(40)}
        new = dict(old)
        for _ in range(rng.randint(0, 4)):
            roll, path = rng.random(), f"cases/k/{rng.randrange(60):03d}.yaml"
            if roll < 0.4:
                new[path] = f"{rng.getrandbits(160):040x}"
            elif roll < 0.7:
                new.pop(path, None)
            else:
                new[path] = new.get(path, "0" * 40)
        expected = {p: new.get(p) for p in old.keys() | new.keys() if old.get(p) != new.get(p)}
        found = _listing_changes(listing(old), listing(new))
        assert found == expected
        assert _parse_listing(listing(new)) == new


def test_show_by_id_suffix_with_and_without_the_index(filled: CLI) -> None:
    ids = sorted(statuses(filled))
    suffix = ids[3][-9:]
    same_answers(filled, ("show", suffix), ("show", suffix.lower()), ("show", "ZZZZ-ZZZZ"))
    assert filled.ok("show", suffix).out.startswith(f"id: {ids[3]}")
    # a case file added by hand is found at once, even with a warm index
    source = filled.case_path(ids[3])
    twin = source.with_name(f"{ids[3][:-9]}QQQQ-QQQQ.yaml")
    twin.write_bytes(source.read_bytes())
    assert filled.ok("show", "QQQQ-QQQQ").out == source.read_text(encoding="utf-8").rstrip("\n") + "\n"
    other_folder = filled.root / "cases" / "callback" / "2030" / "01"
    other_folder.mkdir(parents=True)
    (other_folder / f"B-20300101-{suffix}.yaml").write_text("id: x\nhistory: []\n", encoding="utf-8")
    same_answers(filled, ("show", suffix))
    assert "matches several cases" in filled.run("show", suffix).err


def test_outlined_cases_are_read_whole_when_asked_for(filled: CLI, monkeypatch: pytest.MonkeyPatch) -> None:
    """A big (re)build outlines cases; each query reads whole what it needs, with the same
    answers as reading every file."""
    import sqlite3 as sql

    from casekit.index import cache as index
    from casekit.index.reader import CaseFilter, read_cases

    monkeypatch.setattr(index, "PARALLEL_FROM", 1)
    monkeypatch.setattr(index, "CHUNK", 9)
    # a hand-written case in an odd layout is read whole at once
    odd = next(iter(sorted((filled.root / "cases").glob("complaint/*/*/*.yaml"))))
    odd.write_text("# checked by hand\n" + odd.read_text(encoding="utf-8"), encoding="utf-8")

    def both(with_problems: bool = True, **wanted: object) -> None:
        where = CaseFilter.of(**wanted)  # type: ignore[arg-type]
        monkeypatch.setenv("CASEKIT_INDEX", "off")
        direct = read_cases(filled.root, where=where, with_problems=with_problems)
        monkeypatch.setenv("CASEKIT_INDEX", "on")
        cached = read_cases(filled.root, where=where, with_problems=with_problems, show_progress=False)
        assert [(d.path, d.data) for d in cached[0]] == [(d.path, d.data) for d in direct[0]], wanted
        assert cached[1] == direct[1]

    def outlined() -> int:
        with sql.connect(index_file(filled)) as conn:
            return int(conn.execute("SELECT count(*) FROM files WHERE state = 0").fetchone()[0])

    both(statuses=["investigating", "received"], with_problems=False)
    assert 30 < outlined() < 60  # most were only outlined; the matching ones were read whole
    both(kinds=["return"], assignees=["li.na", "chen.jie"], with_problems=False)
    both(ids=[p.stem for p in sorted((filled.root / "cases").glob("*/*/*/*.yaml"))[:7]], with_problems=False)
    same_answers(
        filled,
        ("list", "--status", "closed", "--format", "json"),
        ("due", "--format", "json"),
        ("audit", "--format", "json"),
    )
    both()  # everything, with every file's problems: the rest is read whole
    assert outlined() == 0


def test_overdue_and_report_queries_narrow_without_changing_answers(filled: CLI) -> None:
    """`list --overdue` and reports read only the cases their index columns allow
    (deadlines that can be overdue now; cases a report of the period can count), and
    answer exactly as a full read does, after moves and hand edits too."""
    from conftest import edit_file

    early = [filled.new(now=f"2026-11-{day:02d}T10:00:00+08:00") for day in (2, 9, 16)]
    late = filled.new(now="2026-11-23T10:04:00+08:00")
    filled.ok("move", early[0], "assessing", now="2026-11-02T10:30:00+08:00")
    queries = [
        ("list", "--overdue", "--format", "json"),
        ("report", "weekly", "--week", "2026-W45", "--format", "json"),
        ("report", "weekly", "--week", "2026-W47", "--format", "json"),
        ("report", "monthly", "--month", "2026-10", "--format", "json"),
    ]
    same_answers(filled, *queries)
    overdue = {row["id"] for row in json.loads(filled.ok("list", "--overdue", "--format", "json").out)}
    assert set(early[1:]) <= overdue and late not in overdue
    # a deadline moved into the past by hand shows at once, with and without the index
    path = filled.case_path(late)
    due = read_due(path)
    edit_file(path, f"    due: {due}", "    due: 2026-11-23T10:04:30+08:00")
    same_answers(filled, *queries)
    overdue = {row["id"] for row in json.loads(filled.ok("list", "--overdue", "--format", "json").out)}
    assert late in overdue
    # the index really narrows: it returns fewer rows than there are cases (and the
    # answers above are still those of a full read)
    from datetime import datetime, timedelta, timezone

    from casekit.core.selection import CaseFilter
    from casekit.features.reports.model import report_scope, week_period
    from casekit.index.cache import with_index
    from casekit.store.configfile import load_config

    config = load_config(filled.root)
    now = datetime(2026, 11, 23, 10, 5, tzinfo=timezone(timedelta(hours=8)))
    for where in (
        CaseFilter.of(overdue_at=now),
        CaseFilter.of(live_since=report_scope(config, week_period("2026-W45", config.tz))),
    ):
        entries = with_index(filled.root, lambda index, w=where: index.entries(w), show_progress=False)
        kept = [e.path for e in entries if e.data is not None and where.matches(e.data)]
        assert 0 < len(kept) <= len(entries) < 64, where


def test_list_views_answer_as_the_whole_case(filled: CLI) -> None:
    """What the index keeps for `list` and `due` (`casekit.core.listview.list_view`) gives the same rows
    and the same filter answers as the whole case, for generated cases and odd shapes."""
    from datetime import datetime, timedelta, timezone

    from casekit.core.listview import list_view
    from casekit.core.selection import CaseFilter, final_states
    from casekit.features.deadlines.view import due_rows
    from casekit.index.reader import read_cases
    from casekit.service.queries import case_row
    from casekit.store.configfile import load_config

    config = load_config(filled.root)
    cases = [dict(d.data) for d in read_cases(filled.root)[0]]
    odd = dict(cases[0])
    odd.update(
        customer="王先生", history="none", deadlines={"first_response": "soon", "resolve": {"due": "x"}}
    )
    bare = {key: value for key, value in cases[1].items() if key not in ("customer", "history", "deadlines")}
    missed = dict(cases[2])
    missed["deadlines"] = {
        "callback": {
            "due": "2026-11-20T18:00:00+08:00",
            "missed": [
                {"due": "2026-11-10T18:00:00+08:00"},
                "bad",
                {"due": "2026-11-12T18:00:00+08:00", "met": 1},
            ],
            "warning": "逾期",
        }
    }
    cases += [odd, bare, missed]
    zone = timezone(timedelta(hours=8))
    moments = [
        datetime(2026, 10, 1, tzinfo=zone),
        datetime(2026, 11, 23, 12, tzinfo=zone),
        datetime(2027, 1, 1, tzinfo=zone),
    ]
    some = [str(c.get("id")) for c in cases[::3]]
    filters = [
        CaseFilter.of(kinds=["return", "callback"]),
        CaseFilter.of(unfinished=final_states(config)),
        CaseFilter.of(statuses=["received", "closed"], assignees=["li.na"]),
        CaseFilter.of(ids=some),
        *(CaseFilter.of(overdue_at=moment) for moment in moments),
    ]
    views = [list_view(case) for case in cases]
    for now in moments:
        assert [case_row(v, config, now) for v in views] == [case_row(c, config, now) for c in cases]
        assert due_rows(views, config, now) == due_rows(cases, config, now)
        assert any(row["overdue"] for row in (case_row(v, config, now) for v in views)) == (now != moments[0])
    for where in filters:
        assert [where.matches(v) for v in views] == [where.matches(c) for c in cases], where
    assert all(
        len(pickle.dumps(v)) < len(pickle.dumps(c)) / 2 for v, c in zip(views, cases[:-3], strict=False)
    )
    # filters a list view cannot answer are refused, not answered wrongly
    from casekit.index.reader import answer_from_listings

    with pytest.raises(ValueError, match="activity or times"):
        answer_from_listings(filled.root, len, CaseFilter.of(active_between=(moments[0], moments[1])))
    # the table leaves the breach count out; JSON and CSV carry it
    listed = json.loads(filled.ok("list", "--format", "json").out)
    assert all(isinstance(row["breaches"], int) for row in listed) and any(row["breaches"] for row in listed)
    assert filled.ok("list", "--format", "csv").out.splitlines()[0].endswith(",overdue,breaches")


def read_due(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("    due: "):
            return line.removeprefix("    due: ")
    raise AssertionError(f"{path} has no deadline")


def test_lists_and_maps_written_by_hand_in_listed_fields(filled: CLI) -> None:
    """A case whose kind, assignee, priority or title is a list or a map is listed as it
    is, not a traceback, and filters never match it (the same with and without the index)."""
    import re

    target = sorted((filled.root / "cases").glob("complaint/*/*/*.yaml"))[0]
    text = target.read_text(encoding="utf-8")
    for field, value in (
        ("kind", "[complaint]"),
        ("assignee", "[li.na]"),
        ("priority", "{a: 1}"),
        ("title", "[x, y]"),
    ):
        text, count = re.subn(rf"(?m)^{field}: .*$", f"{field}: {value}", text, count=1)
        assert count == 1, field
    target.write_text(text, encoding="utf-8")
    queries = (
        ("list",),
        ("list", "--format", "json"),
        ("list", "--format", "csv"),
        ("list", "--kind", "complaint", "--assignee", "li.na"),
        ("list", "--overdue"),
        ("due", "--format", "json"),
    )
    same_answers(filled, *queries)
    assert target.stem in filled.ok("list").out
    assert target.stem not in filled.ok("list", "--kind", "complaint", "--assignee", "li.na").out
