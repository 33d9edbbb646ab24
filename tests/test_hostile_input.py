"""Hostile text and values: each is refused with one sentence and changes nothing, or is
stored exactly as given; no input makes casekit print a traceback.

Every case runs the real CLI. One repository serves a whole test (building it costs a few
processes); after each refused input the test checks that HEAD, the working tree and
every file's bytes are as they were. The Hypothesis tests are bounded and derandomized,
so the suite runs the same inputs every time.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import CLI, Result, base_environ, read_case
from gitserver import AGENTS, clone, hand_commit, make_server, server_head

# The characters no text casekit keeps may hold (argv cannot carry NUL, so it is left out).
CONTROL = [
    *map(chr, range(0x01, 0x09)),
    *map(chr, range(0x0B, 0x20)),
    "\x7f",
    *map(chr, range(0x80, 0xA0)),
    "\u2028",
    "\u2029",
]
SAMPLE = ["\x01", "\x1b", "\x1e", "\x1f", "\x7f", "\x85", "\x9f", "\u2028", "\u2029", "\r", "\x0b", "\x0c"]
SHANGHAI = ZoneInfo("Asia/Shanghai")
SIGNED_UP = "2026-11-20T09:00:00+08:00"
FEW = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
RUNS: list[int] = []  # CLI calls made by this module, for the corpus size


class Repo(CLI):
    def run(self, *args: str, **kwargs: object) -> Result:  # type: ignore[override]
        RUNS.append(1)
        return super().run(*args, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def hostile(tmp_path: Path) -> Repo:
    """A repository with one complaint and one callback; supervisors may set any amount."""
    home = tmp_path / "home"
    home.mkdir()
    environ = base_environ(home)
    Repo(tmp_path, environ).ok("init", str(tmp_path / "repo"))
    repo = Repo(tmp_path / "repo", environ)
    config = repo.root / "casekit.yaml"
    text = config.read_text(encoding="utf-8")
    money_line = "      compensation: {type: money, zh: 补偿金额, en: Compensation}\n"
    assert money_line in text
    # an integer field, which the bundled config has none of
    config.write_text(
        text.replace(money_line, money_line + "      visits: {type: integer, zh: 上门次数, en: Visits}\n", 1),
        encoding="utf-8",
    )
    committed = hand_commit(repo, "Count visits on complaints", login="zhang.wei", verify=True)
    assert committed.returncode == 0, committed.stderr
    repo.new()
    repo.new(
        "callback", "--set", "scheduled_for=2026-12-01", "--set", "signed_up_at=2026-11-20T09:00:00+08:00"
    )
    return repo


def case_ids(repo: CLI) -> dict[str, str]:
    return {p.stem[0]: p.stem for p in (repo.root / "cases").glob("*/*/*/*.yaml")}


def state(repo: CLI) -> tuple[str, str, str]:
    """HEAD, `git status` and a digest of every file outside .git."""
    digest = hashlib.sha256()
    for path in sorted(repo.root.rglob("*")):
        if ".git" not in path.relative_to(repo.root).parts and path.is_file():
            digest.update(str(path).encode() + b"\0" + path.read_bytes())
    return repo.head(), repo.git("status", "--porcelain", "--untracked-files=all"), digest.hexdigest()


def clean(result: Result, codes: tuple[int, ...] = (0, 1, 2)) -> Result:
    """No traceback, an allowed exit code, and at most one line on stderr."""
    assert "Traceback" not in result.err, result.err
    assert result.code in codes, f"exit {result.code}:\n{result.out}\n{result.err}"
    if result.code:
        assert len(result.err.strip().splitlines()) == 1, result.err
    return result


def refused(repo: CLI, *args: str, **kwargs: object) -> str:
    """Run a command that must be refused (exit 1 or 2, one sentence) and change nothing."""
    before = state(repo)
    result = clean(repo.run(*args, **kwargs), (1, 2))  # type: ignore[arg-type]
    assert state(repo) == before, f"{args} changed the repository"
    return result.err.strip()


def first_control(text: str) -> str | None:
    return next((c for c in text if c in CONTROL), None)


def control_message(char: str) -> str:
    return f"contains a control character (U+{ord(char):04X}); remove it"


NEW = ["new", "complaint", "--channel", "phone"]
TITLED = [*NEW, "--title", "x", "--customer", "王"]

# Every option that takes free text, with the words the refusal starts with.
TEXT_OPTIONS: list[tuple[Callable[[dict[str, str], str], list[str]], str]] = [
    (lambda ids, t: [*NEW, "--title", t, "--customer", "王"], "new complaint: --title: "),
    (lambda ids, t: [*NEW, "--title", "x", "--customer", t], "new complaint: --customer: "),
    (lambda ids, t: [*TITLED, "--salutation", t], "new complaint: --salutation: "),
    (lambda ids, t: [*TITLED, "--set", f"content={t}"], "new complaint: --set content: "),
    (lambda ids, t: [*TITLED, "--note", t], "new: --note "),
    (lambda ids, t: ["update", ids["C"], "--set", f"title={t}"], "{C}: --set title: "),
    (lambda ids, t: ["update", ids["C"], "--set", f"customer.name={t}"], "{C}: --set customer.name: "),
    (lambda ids, t: ["update", ids["C"], "--set", f"order_no=A{t}1"], "{C}: --set order_no: "),
    (lambda ids, t: ["update", ids["C"], "--set", "order_no=1", "--note", t], "update: --note "),
    (lambda ids, t: ["move", ids["C"], "assessing", "--note", t], "move: --note "),
    (lambda ids, t: ["assign", ids["C"], "wang.fang", "--note", t], "assign: --note "),
    (lambda ids, t: ["note", ids["C"], f"已致电{t}客户"], "note: TEXT "),
    (lambda ids, t: ["promise", ids["C"], "--by", "2h", "--note", t], "promise: --note "),
    (lambda ids, t: ["escalate", ids["C"], "--to", "zhang.wei", "--note", t], "escalate: --note "),
    (lambda ids, t: ["attempt", ids["B"], "--outcome", "busy", "--note", t], "attempt: --note "),
    (lambda ids, t: ["attach", ids["C"], "casekit.yaml", "--note", t], "attach: --note "),
]


def test_control_characters_are_refused_in_every_text_option(hostile: Repo) -> None:
    ids = case_ids(hostile)
    for n, (build, start) in enumerate(TEXT_OPTIONS):
        for char in (SAMPLE[n % len(SAMPLE)], SAMPLE[(n + 5) % len(SAMPLE)]):
            err = refused(hostile, *build(ids, f"a{char}b"))
            assert err == f"casekit: {start.format(**ids)}{control_message(char)}", err
    err = refused(hostile, "note", ids["C"], "hi", "--actor", "Evil\x1e <e@example.com>")
    assert err == f"casekit: --actor 'Evil\\x1e <e@example.com>' {control_message(chr(0x1E))}"
    err = refused(hostile, "update", ids["C"], "--set", "ti\x1ftle=x")
    assert err == f"casekit: {ids['C']}: --set 'ti\\x1ftle': {control_message(chr(0x1F))}"


def test_bytes_that_are_not_utf8_are_refused_naming_the_byte(hostile: Repo) -> None:
    ids = case_ids(hostile)
    # Python hands a byte that is not UTF-8 over as a lone surrogate; the child gets 0xFF back
    err = refused(hostile, "note", ids["C"], "caf\udcff")
    assert err == "casekit: note: TEXT is not UTF-8 text (byte 0xFF); write it in UTF-8"
    err = refused(hostile, "update", ids["C"], "--set", "title=\udcc3(")
    assert err == f"casekit: {ids['C']}: --set title: is not UTF-8 text (byte 0xC3); write it in UTF-8"


def text_with_controls() -> st.SearchStrategy[str]:
    """Short text: half of it clean (any character but NUL and surrogates, often white
    space), half holding a control character or separator somewhere."""
    plain = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
    clean = st.text(st.one_of(plain, st.sampled_from([" ", "\t", "\n", "王", "a"])), max_size=10)
    dirty = st.tuples(clean, st.sampled_from(CONTROL), clean).map("".join)
    return st.one_of(clean, dirty)


def test_notes_are_refused_or_stored_as_given_and_log_and_audit_read_them(hostile: Repo) -> None:
    case_id = case_ids(hostile)["C"]
    path = hostile.case_path(case_id)
    accepted = 0

    # Five plain notes besides the generated ones: the accepting branch is reached whatever
    # examples a given Hypothesis version happens to draw.
    @FEW
    @given(text=text_with_controls())
    @example(text="王先生来电")
    @example(text="a王")
    @example(text=" a ")
    @example(text="王王王")
    @example(text="aaaa")
    def one(text: str) -> None:
        nonlocal accepted
        char = first_control(text)
        if char is not None:
            # after `--`, a note that starts with '-' is the note, not an option
            assert (
                refused(hostile, "note", case_id, "--", text)
                == f"casekit: note: TEXT {control_message(char)}"
            )
        elif not text.strip():
            assert "the note is empty" in refused(hostile, "note", case_id, "--", text)
        else:
            clean(hostile.run("note", case_id, "--", text), (0,))
            assert read_case(path)["history"][-1]["note"] == text.strip()
            accepted += 1

    one()
    assert accepted >= 5  # the strategy does reach the accepting branch
    log = clean(hostile.run("log", case_id), (0,))
    # the timeline: one "<time>  <who>  note" line per note, its text on the lines below
    assert sum(line.endswith("  note") for line in log.out.splitlines()) >= accepted
    audit = clean(hostile.run("audit"), (0,))
    assert "problem" not in audit.out + audit.err


def test_titles_and_customer_names_are_refused_or_stored_as_given(hostile: Repo) -> None:
    @FEW
    @given(title=text_with_controls(), name=text_with_controls())
    def one(title: str, name: str) -> None:
        args = ["new", "complaint", "--title", title, "--customer", name, "--channel", "phone"]
        char_title, char_name = first_control(title), first_control(name)
        if char_title is not None:
            assert refused(hostile, *args).endswith(f"--title: {control_message(char_title)}")
        elif not title.strip():
            assert refused(hostile, *args).endswith("--title: cannot be empty")
        elif char_name is not None:
            assert refused(hostile, *args).endswith(f"--customer: {control_message(char_name)}")
        elif not name.strip():
            assert refused(hostile, *args).endswith("--customer: cannot be empty")
        else:
            case_id = clean(hostile.run(*args), (0,)).out.strip()
            case = read_case(hostile.case_path(case_id))
            assert (case["title"], case["customer"]["name"]) == (title.strip(), name.strip())

    one()
    clean(hostile.run("list"), (0,))
    clean(hostile.run("validate"), (0,))


def _money(text: str) -> Decimal | None:
    """What the money field should hold for `text`: finite, 0 <= x < 10**12, to the fen."""
    try:
        value = Decimal(text.strip().lstrip("¥￥").replace(",", ""))
    except InvalidOperation:
        return None
    if not value.is_finite() or not 0 <= value < 10**12 or value != value.quantize(Decimal("0.01")):
        return None
    return value


def _int(text: str) -> int | None:
    return int(text) if re.fullmatch(r"-?\d{1,12}", text) and abs(int(text)) <= 10**9 else None


def _day(text: str) -> str | None:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return text if 1900 <= day.year <= 2200 else None


def _moment(text: str) -> str | None:
    try:
        moment = datetime.fromisoformat(text)
        local = moment.astimezone(SHANGHAI)
    except (ValueError, OverflowError):
        return None
    ok = 1900 <= moment.year <= 2200 and 1900 <= local.year <= 2200
    return local.isoformat(timespec="seconds") if ok else None


money_text = st.one_of(
    st.decimals(min_value=-(10**30), max_value=10**30, places=2, allow_nan=False).map(str),
    st.decimals(min_value=0, max_value=10**14, places=3, allow_nan=False).map(lambda d: f"{d:f}"),
    st.sampled_from(
        [
            "1e30",
            "1E+28",
            "10000000000000000000000000000",
            "999999999999.99",
            "1000000000000",
            "NaN",
            "-0",
            "¥12.5",
            "1,000.00",
            "Infinity",
            "1e-999999",
        ]
    ),
)
int_text = st.one_of(
    st.integers(-(10**12), 10**12).map(str), st.sampled_from(["1" * 5000, "1000000000", "-1000000001", "1.5"])
)
day_text = st.one_of(
    st.dates().map(date.isoformat), st.sampled_from(["0000-01-01", "10000-01-01", "1899-12-31", "2200-12-31"])
)
zones = st.sampled_from([timezone(timedelta(hours=h)) for h in (-12, 0, 8, 14)])
moment_text = st.one_of(
    st.datetimes(timezones=zones).map(lambda d: d.isoformat(timespec="seconds")),
    st.sampled_from(["9999-12-31T23:59:59+08:00", "0001-01-01T00:00:00+08:00", "2200-12-31T23:00:00-12:00"]),
)


@pytest.mark.parametrize(
    ("kind", "field", "values", "expected"),
    [
        ("C", "compensation", money_text, _money),
        ("C", "visits", int_text, _int),
        ("B", "scheduled_for", day_text, _day),
        ("B", "signed_up_at", moment_text, _moment),
    ],
)
def test_set_values_out_of_range_are_refused_and_good_ones_stored(
    hostile: Repo,
    kind: str,
    field: str,
    values: st.SearchStrategy[str],
    expected: Callable[[str], object],
) -> None:
    case_id = case_ids(hostile)[kind]
    path = hostile.case_path(case_id)

    @settings(FEW, max_examples=30)
    @given(text=values)
    def one(text: str) -> None:
        want = expected(text)
        args = ("update", case_id, "--set", f"{field}={text}")
        if want is None:
            assert f"--set {field}: " in refused(hostile, *args, actor="zhang.wei")
        else:
            clean(hostile.run(*args, actor="zhang.wei"), (0,))
            assert read_case(path)["fields"][field] == want

    one()
    clean(hostile.run("list"), (0,))
    clean(hostile.run("due"), (0,))


def test_times_out_of_range_are_refused_and_stored_ones_break_no_reader(hostile: Repo) -> None:
    ids = case_ids(hostile)
    for stamp in ("9999-12-31T23:59:59+08:00", "0001-01-01T00:00:00+00:00", "10000-01-01T00:00:00+08:00"):
        err = refused(hostile, "list", extra_env={"CASEKIT_NOW": stamp})
        assert err.startswith("casekit: CASEKIT_NOW: ") and (
            "out of range" in err or "not a date-time" in err
        )
        refused(hostile, "promise", ids["C"], "--by", stamp)
    # a clone that does not check wrote far-off times into a committed case
    path = hostile.case_path(ids["B"])
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"due: \S+", "due: 9999-12-31T23:59:59+08:00", text, count=1)
    text = text.replace("opened_at: 2026-11-23T10:05:00+08:00", "opened_at: 9999-12-31T23:59:59+08:00")
    text = text.replace("scheduled_for: 2026-12-01", "scheduled_for: 9999-12-31")
    text = text.replace(f"signed_up_at: {SIGNED_UP}", "signed_up_at: 0001-01-01T00:00:00+08:00")
    path.write_text(text, encoding="utf-8")
    hostile.git("commit", "-qam", "far-off times", "--no-verify")
    for args in (["list"], ["due"], ["queue"], ["show", ids["B"]], ["log", ids["B"]], ["script", ids["B"]]):
        clean(hostile.run(*args), (0,))
    problems = clean(hostile.run("validate"), (1,)).out
    assert "scheduled_for: '9999-12-31' is out of range" in problems
    assert "'0001-01-01T00:00:00+08:00' is out of range" in problems
    clean(hostile.run("report", "weekly"), (0,))
    clean(hostile.run("audit"), (0, 1))
    clean(hostile.run("attempt", ids["B"], "--outcome", "busy"), (0, 1))


def _plant_note(repo: CLI, case_id: str, note: str) -> None:
    """Commit a note as a clone that checks nothing would: the raw character in the commit
    message, the YAML-escaped one in the file."""
    repo.ok("note", case_id, "PLACEHOLDER")
    message = repo.git("log", "-1", "--format=%B").replace("PLACEHOLDER", note)
    repo.git("reset", "-q", "--soft", "HEAD~1")
    path = repo.case_path(case_id)
    escaped = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in note)
    text = path.read_text(encoding="utf-8").replace("note: PLACEHOLDER", f'note: "{escaped}"')
    path.write_text(text, encoding="utf-8")
    name, email = AGENTS["li.na"]
    env = {**repo.environ, "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email}
    env["GIT_AUTHOR_DATE"] = "2026-11-23T10:05:00+08:00"
    subprocess.run(
        ["git", "commit", "-qa", "--no-verify", "--cleanup=verbatim", "-F", "-"],
        cwd=repo.root,
        env=env,
        input=message,
        text=True,
        check=True,
    )


def test_separators_in_committed_notes_break_neither_log_nor_audit(hostile: Repo) -> None:
    case_id = case_ids(hostile)["C"]
    start = hostile.head()
    notes = ["a\x1eb", "a\x1fb\x1e", "a\x85b", "line\u2028two", "x\n\x1f\ny", "Case-Id: C-1\x1e"]
    for note in notes:
        _plant_note(hostile, case_id, note)
    log = clean(hostile.run("log", case_id), (0,))
    assert len([line for line in log.lines if line.endswith("  note")]) == len(notes)
    audit = clean(hostile.run("audit"), (0,))
    assert "problem" not in audit.out + audit.err
    clean(hostile.run("audit", "--since", start), (0,))


def test_the_server_reads_pushed_commits_whatever_their_messages_hold(hostile: Repo, tmp_path: Path) -> None:
    server = make_server(hostile, tmp_path / "server.git")
    agent = clone(server, tmp_path / "agent", hostile.environ, "li.na")
    case_id = case_ids(agent)["C"]
    for note in ["a\x1eb", "a\x1fb", "a\x85b\u2028c"]:
        _plant_note(agent, case_id, note)
    pushed = subprocess.run(
        ["git", "push", "origin", "main"], cwd=agent.root, env=agent.environ, capture_output=True, text=True
    )
    assert "Traceback" not in pushed.stderr, pushed.stderr
    assert pushed.returncode == 0, pushed.stderr
    assert server_head(server) == agent.head()


HEADER = "{#\nkind: complaint\nstates: [received]\nsummary: {zh: 受理, en: Intake}\n#}\n"


def _repo_template(repo: CLI, body: str | bytes) -> None:
    folder = repo.root / "templates" / "scripts" / "zh"
    folder.mkdir(parents=True, exist_ok=True)
    data = body if isinstance(body, bytes) else body.encode()
    (folder / "complaint-acknowledge.j2").write_bytes(HEADER.encode() + data)


TEMPLATES = [
    ("{{ 'x' * 3000000000 }}", "made a value longer than 1,000,000 characters"),
    ("{{ 'x' * 600000 + 'y' * 600000 }}", "made a value longer than 1,000,000 characters"),
    (
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        "ran longer than 5 s",
    ),
    (
        "{% for i in range(100000) %}{% for j in range(100) %}{{ j }}{% endfor %}{% endfor %}",
        "produced more than 1,000,000 characters",
    ),
    ("{% include 'scripts/zh/complaint-acknowledge.j2' %}", "includes or calls itself without end"),
    ("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}", "includes or calls itself without end"),
    ("{{ 'x'|center(3000000000) }}", "asked for a text wider than 1,000,000 characters"),
    ("{{ '%3000000000d'|format(1) }}", "asked for a text wider than 1,000,000 characters"),
    ("{{ '{:>3000000000}'.format(1) }}", "asked for a text wider than 1,000,000 characters"),
    ("{{ 'x'.ljust(3000000000) }}", "asked for a text wider than 1,000,000 characters"),
    (
        "{% set ns = namespace(s='x') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
        "made a value longer",
    ),
    ("{{ ('x' * 1000000)|replace('x', 'yy') }}", "made a value longer than 1,000,000 characters"),
    ("{{ 2 ** 100000000 }}", "raised a number to the power 100000000"),
    ("{{ range(100000)|join('x' * 100000) }}", "made a value longer than 1,000,000 characters"),
    ("{{ ('y' * 100000).join(range(100000)|map('string')) }}", "made a value longer"),
]


def test_runaway_templates_are_stopped_with_one_sentence_naming_the_template(hostile: Repo) -> None:
    case_id = case_ids(hostile)["C"]
    where = f"casekit: {case_id}: templates/scripts/zh/complaint-acknowledge.j2"
    for body, words in TEMPLATES:
        _repo_template(hostile, body)
        err = refused(hostile, "script", case_id)
        assert err.startswith(where) and words in err, (body, err)
    _repo_template(hostile, "{{ customer.address }}，您好")
    assert clean(hostile.run("script", case_id), (0,)).out == "王先生，您好\n"


def test_templates_that_are_not_utf8_are_named(hostile: Repo) -> None:
    case_id = case_ids(hostile)["C"]
    _repo_template(hostile, b"\xff{{ 1 }}")
    err = refused(hostile, "script", case_id)
    offset = len(HEADER.encode())
    assert err == (
        "casekit: templates/scripts/zh/complaint-acknowledge.j2 is not UTF-8 text "
        f"(byte 0xFF at offset {offset}); save it as UTF-8"
    )
    problems = clean(hostile.run("validate", "templates"), (1,)).out
    assert "templates/scripts/zh/complaint-acknowledge.j2: is not UTF-8 text (byte 0xFF" in problems
    _repo_template(hostile, "{% include 'parts/other.j2' %}")
    (hostile.root / "templates" / "parts").mkdir()
    (hostile.root / "templates" / "parts" / "other.j2").write_bytes(b"caf\xe9")
    err = refused(hostile, "script", case_id)
    assert err.endswith(
        "includes a template that is not UTF-8 text (byte 0xE9 at offset 3); save it as UTF-8"
    )


def test_validate_refuses_paths_outside_the_repository(hostile: Repo, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("id: x\n", encoding="utf-8")
    for given_path in (str(outside), "/etc/passwd", "..", "/"):
        err = refused(hostile, "validate", given_path)
        assert "is outside the case repository" in err, err
    clean(hostile.run("validate", "."), (0,))


@pytest.fixture
def special_files(tmp_path: Path) -> Iterator[dict[str, str]]:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    big = tmp_path / "big.jpg"
    with big.open("wb") as handle:
        handle.truncate(11 * 1024 * 1024)  # sparse: 11 MB, over the 10 MB default limit
    folder = tmp_path / "folder"
    folder.mkdir()
    yield {
        "pipe": str(fifo),
        "zero": "/dev/zero",
        "pagemap": "/proc/self/pagemap",
        "folder": str(folder),
        "big": str(big),
        "control": str(tmp_path / "a\x1bb.jpg"),
    }


def test_attach_refuses_anything_but_a_regular_file_of_bounded_size(
    hostile: Repo, special_files: dict[str, str]
) -> None:
    ids = case_ids(hostile)
    expected = {
        "pipe": "is not a regular file",
        "zero": "is not a regular file",
        "folder": "is not a file",
        "big": "over the 10.0 MB limit",
        "control": "the path contains a control character (U+001B)",
    }
    if sys.platform.startswith("linux"):
        expected["pagemap"] = "over the 10.0 MB limit"
    for name, words in expected.items():
        err = refused(hostile, "attach", ids["C"], special_files[name])
        assert words in err, (name, err)


def test_csv_import_cells_with_control_characters_are_refused(hostile: Repo, tmp_path: Path) -> None:
    sheet = tmp_path / "signups.csv"
    rows = ["name,phone,signed_up_at,customer_type,source"]
    rows += [f"王{c}先生,1380013800{n},2026-11-20,new,web" for n, c in enumerate(["\x1b", "\x85", "\u2028"])]
    rows += ["李女士,13800138009,9999-12-31,new,web", "赵先生,13800138008,2026-11-20,new,w\x1fb"]
    sheet.write_text("\n".join(rows) + "\n", encoding="utf-8")
    before = state(hostile)
    result = clean(hostile.run("callbacks", "import", str(sheet)), (1,))
    assert state(hostile) == before
    assert result.out.count("refused") == 5, result.out
    assert "control character (U+0085)" in result.out and "out of range" in result.out


def test_corpus_size(hostile: Repo) -> None:
    """Not a check: prints how many CLI calls this module made (run with -s to see it)."""
    print(f"\nhostile-input corpus: {len(RUNS)} casekit runs")
