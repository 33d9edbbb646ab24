"""Text typed into a case that a script reads to the customer, checked for forbidden wording.

A field is checked when a script of the case's kind prints it (`fields.X` in a template in
effect: the repository's `templates/scripts/` first, then the bundled ones), and a note
when a script prints what it becomes (`promise.note` for `casekit promise --note`,
`escalation.note` for `casekit escalate --note`). Fields holding the customer's own words
(`scripts.customer_words`, default content and demand) are never checked.

Two places check it: every action, as a follow-up inside its transaction
(`check_typed_text`, registered in `actions.CHECKS`), naming only the wording the
action adds; and `casekit validate`, over every case file (`check_case_files`, registered
in `validation.CASE_FILE_CHECKS`). With `scripts.customer_text: warn` (the default) both
warn; with `strict` the action is refused and validate reports an error.

Templates are scanned with a regular expression, not compiled: the check runs in every
command that changes a case, which must not pay for Jinja.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from casekit.core.casefile import fields_of, history_of
from casekit.core.config import Config, KeyPath, KindSpec
from casekit.core.validation import CaseDoc, parse_doc
from casekit.core.wording import WordingHit, WordingRule, find_forbidden
from casekit.errors import Problem, Refused
from casekit.features.deadlines.facts import active_escalation, active_promise
from casekit.features.scripts.context import (
    SCRIPTS_FOLDER,
    forbidden_rules,
    parse_header,
    scripts_settings,
)
from casekit.i18n import _, is_chinese
from casekit.resources import bundled

if TYPE_CHECKING:
    from casekit.service.actions import Change, Transaction

TEMPLATES_DIR = "templates"
# History actions whose note a script prints, and the script variable it becomes.
NOTE_VARIABLES = {"promise": "promise", "escalate": "escalation"}
_NOTE_LABELS = {
    "promise": ("承诺说明", "the promise's note"),
    "escalate": ("上转说明", "the escalation's note"),
}

_COMMENT = re.compile(r"\{#.*?#\}", re.S)
_FIELD = re.compile(
    r"\bfields\s*(?:\.\s*(?P<attr>[A-Za-z_]\w*)(?P<call>\s*\(\s*['\"](?P<arg>[^'\"]+)['\"])?"
    r"|\[\s*['\"](?P<key>[^'\"]+)['\"]\s*\])"
)
_NOTE = re.compile(r"\b(?P<name>promise|escalation)\s*(?:\.\s*note\b|\[\s*['\"]note['\"]\s*\])")
_WHOLE = frozenset({"items", "values"})  # `fields.items()`: every field may be printed


@dataclass(frozen=True)
class Printed:
    """What the scripts of one kind print: field names (None: every field) and the
    history actions whose note they print."""

    fields: frozenset[str] | None
    notes: frozenset[str]


@dataclass(frozen=True)
class TextFinding:
    """Forbidden wording in one piece of typed text a script prints."""

    where: KeyPath  # in the case file, for the line number
    name: str  # the field's name, or the history action whose note it is
    is_note: bool
    text: str
    hit: WordingHit

    @property
    def key(self) -> tuple[str, bool, str, str]:
        return (self.name, self.is_note, self.text, self.hit.rule.text)


def scan_template(text: str) -> tuple[frozenset[str] | None, frozenset[str]]:
    """The fields a template's text refers to (None: all of them, as `fields.items()`) and
    the script variables whose note it prints (`promise`, `escalation`)."""
    visible = _COMMENT.sub("", text)
    names: set[str] = set()
    whole = False
    for match in _FIELD.finditer(visible):
        if match["key"]:
            names.add(match["key"])
        elif match["attr"] == "get" and match["arg"]:
            names.add(match["arg"])
        elif match["attr"] in _WHOLE:
            whole = True
        elif match["attr"]:
            names.add(match["attr"])
    notes = frozenset(m["name"] for m in _NOTE.finditer(visible))
    return (None if whole else frozenset(names)), notes


_HEADER_KIND = re.compile(r"\A\s*\{#-?(?:(?!#\}).)*?^kind:[ \t]*(?P<value>[^\n#]*)", re.S | re.M)
_SIMPLE_KINDS = re.compile(r"^(?:\[\s*[\w-]+(?:\s*,\s*[\w-]+)*\s*\]|[\w-]+)$")


def header_kinds(text: str) -> list[str]:
    """The kinds a script's header names. The usual `kind: complaint` or `kind: [a, b]` is
    read without a YAML parser (this runs at every change); anything else goes to
    `parse_header`."""
    match = _HEADER_KIND.match(text)
    value = match["value"].strip() if match else ""
    if _SIMPLE_KINDS.match(value):
        return [k.strip() for k in value.strip("[]").split(",")]
    header, _problems = parse_header(text)
    return [str(k) for k in header.get("kind") or []]


@cache
def _script_sources(root: str) -> tuple[tuple[str, str], ...]:
    """(name, text) of every script in effect: the repository's templates/scripts/ files,
    then the bundled ones they do not override. A file that is a symbolic link or not UTF-8
    is left out (`casekit validate` names it)."""
    found: dict[str, str] = {}
    bases = [bundled(TEMPLATES_DIR) / SCRIPTS_FOLDER, Path(root) / TEMPLATES_DIR / SCRIPTS_FOLDER]
    for base in bases:
        if not base.is_dir() or base.is_symlink():
            continue
        for path in sorted(base.rglob("*.j2")):
            if path.is_symlink() or not path.is_file():
                continue
            try:
                found[path.relative_to(base).as_posix()] = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
    return tuple(sorted(found.items()))


@cache
def printed_by_scripts(root: str, kind: str) -> Printed:
    """What the scripts of `kind` in effect in the repository at `root` print."""
    fields: set[str] | None = set()
    notes: set[str] = set()
    for _name, text in _script_sources(root):
        if kind not in header_kinds(text):
            continue
        names, variables = scan_template(text)
        if names is None or fields is None:
            fields = None
        else:
            fields |= names
        notes |= {action for action, variable in NOTE_VARIABLES.items() if variable in variables}
    return Printed(None if fields is None else frozenset(fields), frozenset(notes))


def field_findings(
    case: Mapping[str, Any], printed: Printed, rules: Sequence[WordingRule], skip: frozenset[str]
) -> list[TextFinding]:
    """Forbidden wording in the text fields of `case` that its scripts print."""
    findings = []
    for name, value in fields_of(case).items():
        if not isinstance(value, str) or name in skip:
            continue
        if printed.fields is not None and name not in printed.fields:
            continue
        for hit in find_forbidden(value, rules):
            findings.append(TextFinding(["fields", name], name, False, value, hit))
    return findings


def note_findings(
    entry: Mapping[str, Any], index: int, printed: Printed, rules: Sequence[WordingRule]
) -> list[TextFinding]:
    """Forbidden wording in a history entry's note, when its scripts print that note."""
    action, note = entry.get("action"), entry.get("note")
    if action not in printed.notes or not isinstance(note, str):
        return []
    return [
        TextFinding(["history", index, "note"], str(action), True, note, hit)
        for hit in find_forbidden(note, rules)
    ]


def case_findings(case: Mapping[str, Any], config: Config, root: Path) -> list[TextFinding]:
    """Forbidden wording in what the scripts print of a case as it stands: its printed
    fields, the note of the promise still to keep and of the escalation in effect."""
    kind = config.kinds.get(str(case.get("kind")))
    if kind is None:
        return []
    printed = printed_by_scripts(str(root), kind.name)
    rules = forbidden_rules(config)
    findings = field_findings(case, printed, rules, scripts_settings(config)["customer_words"])
    history = history_of(case)
    active = {"promise": active_promise(case), "escalate": active_escalation(case)}
    for action, record in active.items():
        if record is None or action not in printed.notes:
            continue
        index = max(i for i, e in enumerate(history) if e.get("action") == action)
        findings += note_findings(history[index], index, printed, rules)
    return findings


def _where(finding: TextFinding, kind: KindSpec | None) -> tuple[str, str]:
    if finding.is_note:
        zh, en = _NOTE_LABELS.get(finding.name, ("备注", "the note"))
        return zh, en
    spec = kind.fields.get(finding.name) if kind is not None else None
    label = spec.label if spec is not None else None
    zh = f"字段 {finding.name}" + (f"（{label.zh}）" if label else "")
    en = f"the field {finding.name}" + (f" ({label.en})" if label else "")
    return zh, en


def describe(case_id: str, finding: TextFinding, kind: KindSpec | None) -> tuple[str, str]:
    """What is wrong, in Chinese and in English, naming the case, the field and the wording."""
    hit = finding.hit
    where_zh, where_en = _where(finding, kind)
    source = f"（见 {hit.rule.source}）" if hit.rule.source else ""
    zh = f"{case_id}: {where_zh}含禁用语“{hit.found}”{source}"
    if suggestion := hit.rule.suggestion("zh"):
        zh += f"，建议改为：{suggestion}"
    en = f"{where_en} uses {hit.found!r}, wording replies must never use"
    if suggestion := hit.rule.suggestion("en"):
        en += f"; suggested: {suggestion}"
    return zh, en


def _advice(case: Mapping[str, Any], finding: TextFinding, kind: KindSpec | None) -> str:
    """The warning's whole line: what is wrong and, while the case can still change, how to
    change it."""
    case_id = str(case.get("id"))
    zh, en = describe(case_id, finding, kind)
    if kind is not None and kind.is_terminal(str(case.get("status"))):
        return f"{zh}。" if is_chinese() else f"{zh}。 / {en}"
    fix_zh, fix_en = _fix(case_id, finding)
    return f"{zh}（{fix_zh}）。" if is_chinese() else f"{zh}（{fix_zh}）。 / {en} ({fix_en})"


def _fix(case_id: str, finding: TextFinding) -> tuple[str, str]:
    if finding.is_note:
        command = "casekit promise" if finding.name == "promise" else "casekit escalate"
        return f"用新的 `{command} {case_id} --note ...` 改写", f"rephrase it with a new `{command} --note`"
    command = f"casekit update {case_id} --set {finding.name}=..."
    return f"可用 `{command}` 改写", f"change it with `{command}`"


def _strict(config: Config) -> bool:
    return bool(scripts_settings(config)["customer_text"] == "strict")


def check_typed_text(tx: Transaction, change: Change) -> list[str]:
    """`actions.CHECKS` entry: the wording the action adds to what scripts print (a
    field it sets, a promise's or an escalation's note), a warning each; refused under
    `scripts.customer_text: strict`. Wording the case already had is not named again."""
    staged = tx.primary
    config = staged.ctx.config
    kind = staged.ctx.kind
    rules = forbidden_rules(config)
    if not rules:
        return []
    printed = printed_by_scripts(str(tx.env.root), kind.name)
    skip = scripts_settings(config)["customer_words"]
    before: set[tuple[str, bool, str, str]] = set()
    if staged.original is not None:
        doc, _problems = parse_doc(str(staged.path), staged.original)
        if doc is not None:
            before = {f.key for f in field_findings(doc.data, printed, rules, skip)}
    found = [f for f in field_findings(staged.case, printed, rules, skip) if f.key not in before]
    history = staged.case.get("history")
    if isinstance(history, list) and history and history[-1].get("action") == change.action:
        found += note_findings(history[-1], len(history) - 1, printed, rules)
    case_id = staged.case_id
    if found and _strict(config):
        zh, en = describe(case_id, found[0], kind)
        refusal = f"{zh}；未作任何更改，请改写后重新执行命令（scripts.customer_text: strict）。"
        if not is_chinese():
            refusal += " / " + _("{en}; nothing was changed: rephrase it and run the command again").format(
                en=en
            )
        raise Refused(refusal)
    return [_("warning: {advice}").format(advice=_advice(staged.case, finding, kind)) for finding in found]


def check_case_files(root: Path, config: Config, docs: Sequence[CaseDoc]) -> list[Problem]:
    """`validation.CASE_FILE_CHECKS` entry: forbidden wording in what the scripts print of
    each case; warnings, or errors under `scripts.customer_text: strict`."""
    from casekit.codec.yamlio import locate

    if not forbidden_rules(config):
        return []
    severity = "error" if _strict(config) else "warning"
    problems = []
    for doc in docs:
        kind = config.kinds.get(str(doc.data.get("kind")))
        for finding in case_findings(doc.data, config, root):
            message = _advice(doc.data, finding, kind)
            problems.append(Problem(doc.path, locate(doc.raw, finding.where), message, severity))
    return problems
