"""Build a case repository through the real `casekit` CLI from small specs, in one call.

A `Spec` names a case (how it was opened) and its later steps; `build(cli, specs)` runs
every step of every spec in time order, one `casekit` process per step, with
`CASEKIT_NOW` and `CASEKIT_ACTOR` set for that step, as tools/make_examples.py does:

    fax = Spec("fax", "complaint", at(16, "09:30"), "li.na", title="传真机有时无法接收传真",
               customer="王", phone="13800138000", channel="phone", fields={"category": "product-quality"})
    fax.move(at(16, "09:50"), "assessing").promise(at(16, "10:00"), at(17, "18:00"))
    ids = build(cli, [fax])          # {"fax": "C-20261116-XXXX-XXXX"}

Each `new` runs with `CASEKIT_ID_SEED=test:<key>`, so casekit derives the ID's suffix from
the key and a rebuild gives the same IDs (golden files may contain them); every step runs
with `CASEKIT_NO_FOLLOW_UPS=1`, so a resolved complaint opens no callback by itself: each
spec is a case of its own. The files are exactly what casekit writes (deadlines, postage,
attachments, attempts...). A step casekit refuses stops the build with casekit's message.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from conftest import CLI

EVIDENCE = Path(__file__).resolve().parents[1] / "examples" / "evidence"


def at(day: int, clock: str, month: int = 11) -> str:
    """A time in 2026 (Asia/Shanghai): at(16, "09:30") -> '2026-11-16T09:30:00+08:00'."""
    return f"2026-{month:02d}-{day:02d}T{clock}:00+08:00"


def photo(name: str) -> str:
    """A sample photo from examples/evidence/ (standing in for the customer's)."""
    path = EVIDENCE / name
    assert path.is_file(), path
    return str(path)


def _sets(values: dict[str, str]) -> list[str]:
    return [arg for key, value in values.items() for arg in ("--set", f"{key}={value}")]


def _note(note: str | None) -> list[str]:
    return ["--note", note] if note else []


@dataclass
class Step:
    at: str
    by: str
    args: list[str]  # casekit's arguments; "{id}" is this case, "{other}" the linked one
    other: str | None = None  # the key of the other case of a link


@dataclass
class Spec:
    """One case: how it is opened, then its steps (each method adds one and returns self)."""

    key: str
    kind: str
    opened: str
    by: str  # who opens it (its first assignee) and, unless a step says, makes each step
    title: str
    customer: str
    phone: str
    channel: str
    salutation: str | None = None
    priority: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    open_note: str | None = None  # the opening's --note
    steps: list[Step] = field(default_factory=list)

    def opening(self) -> Step:
        args = ["new", self.kind, "--title", self.title, "--customer", self.customer]
        args += ["--phone", self.phone, "--channel", self.channel]
        if self.salutation:
            args += ["--salutation", self.salutation]
        if self.priority:
            args += ["--priority", self.priority]
        return Step(self.opened, self.by, [*args, *_sets(self.fields), *_note(self.open_note)])

    def _add(self, when: str, by: str | None, args: list[str], other: str | None = None) -> Spec:
        self.steps.append(Step(when, by or self.by, args, other))
        return self

    def move(
        self, when: str, state: str, *, by: str | None = None, note: str | None = None, **values: str
    ) -> Spec:
        return self._add(when, by, ["move", "{id}", state, *_sets(values), *_note(note)])

    def update(self, when: str, *, by: str | None = None, note: str | None = None, **values: str) -> Spec:
        return self._add(when, by, ["update", "{id}", *_sets(values), *_note(note)])

    def note(self, when: str, text: str, *, by: str | None = None) -> Spec:
        return self._add(when, by, ["note", "{id}", text])

    def assign(self, when: str, agent: str, *, by: str | None = None, note: str | None = None) -> Spec:
        return self._add(when, by, ["assign", "{id}", agent, *_note(note)])

    def promise(self, when: str, reply_by: str, *, by: str | None = None, note: str | None = None) -> Spec:
        return self._add(when, by, ["promise", "{id}", "--by", reply_by, *_note(note)])

    def escalate(self, when: str, to: str, note: str, *, major: bool = False, by: str | None = None) -> Spec:
        flag = ["--major"] if major else []
        return self._add(when, by, ["escalate", "{id}", "--to", to, "--note", note, *flag])

    def merchant_reply(
        self, when: str, replied_at: str, *, reply: str | None = None, by: str | None = None
    ) -> Spec:
        """The merchant's own reply, posted at `replied_at`, recorded at `when`."""
        text = ["--reply", reply] if reply else []
        return self._add(when, by, ["merchant-reply", "{id}", "--at", replied_at, *text])

    def on_callback(self, when: str, *args: str, by: str | None = None) -> Spec:
        """A step on the callback a trigger linked to this case, named "{callback}" in
        `args` (build with follow_ups=True)."""
        return self._add(when, by, list(args))

    def attempt(self, when: str, outcome: str, *, by: str | None = None, note: str | None = None) -> Spec:
        return self._add(when, by, ["attempt", "{id}", "--outcome", outcome, *_note(note)])

    def attach(self, when: str, *photos: str, by: str | None = None, note: str | None = None) -> Spec:
        """Attach sample photos from examples/evidence/ by name."""
        return self._add(when, by, ["attach", "{id}", *(photo(p) for p in photos), *_note(note)])

    def link(self, when: str, other: Spec, *, by: str | None = None, note: str | None = None) -> Spec:
        return self._add(when, by, ["link", "{id}", "{other}", *_note(note)], other.key)


class BuildError(AssertionError):
    """A step casekit refused: the test setup fails with casekit's own message."""


def _linked_callback(cli: CLI, case_id: str) -> str:
    """The callback most recently linked to the case (a trigger opened it)."""
    shown = json.loads(cli.ok("show", case_id, "--format", "json").out)
    linked = [str(link.get("id") if isinstance(link, dict) else link) for link in shown.get("links") or []]
    callbacks = [link for link in linked if link.startswith("B-")]
    if not callbacks:
        raise BuildError(f"{case_id} has no linked callback")
    return callbacks[-1]


def build(cli: CLI, specs: list[Spec], *, follow_ups: bool = False) -> dict[str, str]:
    """Run every spec's opening and steps in time order through `cli`; key -> case ID.

    With `follow_ups`, casekit's follow-ups run (a resolved complaint opens its callback, a
    dissatisfied survey a follow-up complaint), and a step may name "{callback}": the
    callback most recently linked to its case."""
    keys = [spec.key for spec in specs]
    if len(set(keys)) != len(keys):
        raise BuildError(f"two specs share a key: {sorted(k for k in keys if keys.count(k) > 1)}")
    queue: list[tuple[datetime, int, int, Spec, Step]] = []
    for number, spec in enumerate(specs):
        steps = [spec.opening(), *spec.steps]
        times = [datetime.fromisoformat(step.at) for step in steps]
        if times != sorted(times):
            raise BuildError(f"{spec.key}: steps are not in time order")
        for index, (moment, step) in enumerate(zip(times, steps, strict=True)):
            queue.append((moment, number, index, spec, step))
    queue.sort(key=lambda entry: entry[:3])
    ids: dict[str, str] = {}
    for _, _, index, spec, step in queue:
        env = {} if follow_ups else {"CASEKIT_NO_FOLLOW_UPS": "1"}
        if index == 0:
            env["CASEKIT_ID_SEED"] = f"test:{spec.key}"
        elif step.other is not None and step.other not in ids:
            raise BuildError(f"{spec.key}: links to {step.other}, not opened by {step.at}")
        args = [
            a.replace("{id}", ids.get(spec.key, "")).replace("{other}", ids.get(step.other or "", ""))
            for a in step.args
        ]
        if "{callback}" in args:
            callback = _linked_callback(cli, ids[spec.key])
            args = [callback if a == "{callback}" else a for a in args]
        result = cli.run(*args, now=step.at, actor=step.by, extra_env=env)
        if result.code != 0:
            raise BuildError(
                f"{spec.key}: casekit {' '.join(args)} (at {step.at}, by {step.by}) "
                f"exited {result.code}:\n{result.err}"
            )
        if index == 0:
            ids[spec.key] = result.out.strip()
    return ids


def check_golden(path: Path, text: str) -> None:
    """`text` must equal the golden file at `path`; CASEKIT_UPDATE_GOLDEN=1 rewrites it."""
    if os.environ.get("CASEKIT_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with CASEKIT_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"{path.name} differs from its golden file"


def files_at(repo: CLI, end: str) -> list[dict[str, Any]]:
    """Every case file as committed at the last commit before `end` (the repository as it
    stood then, read from git, not through casekit)."""
    from casekit.codec.yamlio import load_fast

    rev = repo.git("rev-list", "-1", f"--before={end}", "HEAD").strip()
    if not rev:
        return []
    listed = repo.git("ls-tree", "-r", "--name-only", rev, "cases/").split()
    names = [name for name in listed if name.endswith(".yaml")]
    docs = []
    for name in names:
        data = load_fast(repo.git("show", f"{rev}:{name}").encode())
        assert isinstance(data, dict)
        docs.append(data)
    return docs
