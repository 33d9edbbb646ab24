"""Read-only services behind show, list, log and validate; they return text to print."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from casekit.core.casefile import customer_of, history_of
from casekit.core.config import Config
from casekit.core.customers import CustomerMatch
from casekit.core.listview import LIST_COLUMNS, resolve_filters, select
from casekit.errors import Problem, UsageError
from casekit.i18n import N_, _, is_chinese, ngettext
from casekit.index.reader import find_case
from casekit.render.output import compact_time, short_time, table, to_csv, to_json, truncate
from casekit.service.env import Env
from casekit.store.casefiles import parse_case, relpath

if TYPE_CHECKING:
    from casekit.core.validation import CaseDoc

# the action `casekit log` shows for a commit without casekit's trailers (kept as is in JSON and CSV)
NO_TRAILERS = N_("(no trailers)")


def show_case(env: Env, reference: str, output: str) -> str:
    path = find_case(env.root, env.config, reference)
    raw = path.read_bytes()
    if output == "json":
        from casekit.render.due import deadline_status

        case = parse_case(env.root, path, raw, max_bytes=env.config.case_file_bytes)
        status = deadline_status(case, env.config, env.now(env.config.tz))
        return to_json({**case, "deadline_status": status} if status else case)
    return raw.decode("utf-8", "backslashreplace").rstrip("\n")  # bytes that are not UTF-8 shown as \xff


def show_lines(env: Env, reference: str) -> list[str]:
    """What `show` tells people beside the file, one line each, from one read of it: each
    deadline and its state now, then what casekit itself noted in the history, in the
    reader's language (the file keeps keys and values, `casekit.core.notes`): each entry's
    remark (why casekit opened the case, a merge) and each supervisor's approval and why."""
    from casekit.core.notes import REMARK_KEY, is_note, text
    from casekit.i18n import _
    from casekit.render.due import status_lines

    path = find_case(env.root, env.config, reference)
    case = parse_case(env.root, path, path.read_bytes(), max_bytes=env.config.case_file_bytes)
    lines = status_lines(case, env.config, env.now(env.config.tz))
    for position, entry in enumerate(history_of(case), 1):
        if is_note(entry.get(REMARK_KEY)):
            lines.append(
                _("history entry {position}: {remark}").format(
                    position=position, remark=text(entry[REMARK_KEY], env.config)
                )
            )
        if entry.get("approved_by") and entry.get("approval"):
            lines.append(
                _("history entry {position}: approved by {supervisor}: {reasons}").format(
                    position=position,
                    supervisor=entry["approved_by"],
                    reasons=text(entry["approval"], env.config),
                )
            )
    return lines


def list_cases(
    env: Env,
    *,
    kinds: Sequence[str] | None,
    statuses: Sequence[str] | None,
    assignees: Sequence[str] | None,
    output: str,
    overdue: bool = False,
    phone: str | None = None,
    customer: str | None = None,
    order: str | None = None,
    closed: bool = False,
) -> str:
    """The cases the filters choose, as a table, JSON or CSV; closed cases (in a terminal
    state) only with `closed` or when `statuses` names states."""
    from casekit.index.reader import CaseFilter, answer_from_listings
    from casekit.render.due import due_cell, due_mark
    from casekit.render.labels import person_name, shown, state_label

    config = env.config
    now = env.now(config.tz)
    # the keys the words name; unknown words: say so now
    wanted = resolve_filters(config, kinds=kinds, statuses=statuses, assignees=assignees)
    kinds, statuses, assignees = wanted.kinds, wanted.statuses, wanted.assignees
    customer_matches = _customer_matches(phone, customer, order)
    where = CaseFilter.of(
        kinds=kinds,
        statuses=statuses,
        assignees=assignees,
        overdue_at=now if overdue else None,
        customer=customer_matches[0] if customer_matches else None,  # the index narrows on one
    )

    # the table's labels in the user's language (the JSON and CSV `status_label` stay Chinese)
    kind_labels = {name: shown(kind.label, name) for name, kind in config.kinds.items()}
    priority_labels = {name: shown(label, name) for name, label in config.priorities.items()}

    def text(listed: list[Mapping[str, Any]]) -> str:
        # `select` and the rows' own `overdue` column apply `where` exactly (the rows judge
        # every deadline anyway): the index only narrows.
        chosen = select(listed, config, kinds=kinds, statuses=statuses, assignees=assignees)
        chosen = [case for case in chosen if all(m.matches(case) for m in customer_matches)]
        hidden = 0
        if not closed and not statuses:
            still_open = [case for case in chosen if not _is_closed(case, config)]
            hidden, chosen = len(chosen) - len(still_open), still_open
        rows = [case_row(case, config, now, count_breaches=output != "table") for case in chosen]
        if overdue:
            rows = [row for row in rows if row["overdue"]]
        if output == "json":
            return to_json(rows)
        if output == "csv":
            return to_csv(rows, LIST_COLUMNS).rstrip("\n")
        if not rows:
            if hidden and not overdue:  # an overdue case is never closed: nothing hidden matters
                return ngettext(
                    "no cases match ({count} closed case hidden; --all lists it)",
                    "no cases match ({count} closed cases hidden; --all lists them)",
                    hidden,
                ).format(count=hidden)
            return _("no cases match")

        headers = [
            _("ID"),
            _("Kind"),
            _("Status"),
            _("Priority"),
            _("Title"),
            _("Customer"),
            _("Assignee"),
            _("Opened"),
            _("Due"),
        ]
        body = [
            [
                r["id"],
                _label(kind_labels, r["kind"]),
                state_label(config, r["kind"], r["status"]),
                _label(priority_labels, r["priority"]),
                truncate(str(r["title"] or ""), 28),
                r["customer"],
                (person_name(config, r["assignee"]) if is_chinese() else r["assignee"]) or "",
                compact_time(short_time(r["opened_at"]), now.year),
                compact_time(due_cell(r), now.year),
            ]
            for r in rows
        ]
        count = ngettext("({count} case)", "({count} cases)", len(rows)).format(count=len(rows))
        marks = [due_mark(r, now) for r in rows]
        # on a narrow terminal: the opening time left out first, then the kind (the ID's
        # letter says it), then the customer; the title gives way first
        return table(body, headers, marks=marks, optional=(7, 1, 5), flexible=(4,)) + "\n" + count

    return answer_from_listings(env.root, text, where, checked=False)


def _is_closed(case: Mapping[str, Any], config: Config) -> bool:
    name = case.get("kind")
    kind = config.kinds.get(name) if isinstance(name, str) else None
    return kind is not None and kind.is_terminal(str(case.get("status", "")))


def _customer_matches(phone: str | None, customer: str | None, order: str | None) -> list[CustomerMatch]:
    """What `list --phone/--order/--customer` ask for, most selective first; a case must
    match every one. `--customer` is part of a name or an account number."""
    from casekit.core.customers import MIN_PHONE_DIGITS
    from casekit.core.fields import phone_key

    found = []
    if phone is not None:
        if len(phone_key(phone)) < MIN_PHONE_DIGITS:
            raise UsageError(
                _("--phone {phone} is not a phone number; give one such as 13800138000").format(
                    phone=repr(phone)
                )
            )
        found.append(CustomerMatch.of(phones=[phone]))
    if order is not None:
        if not order.strip():
            raise UsageError(_("--order needs an order number, such as DD20261030-1502"))
        found.append(CustomerMatch.of(orders=[order]))
    if customer is not None:
        if not customer.strip():
            raise UsageError(_("--customer needs part of a name or an account number, such as 王"))
        found.append(CustomerMatch.of(names=[customer], accounts=[customer]))
    return found


def _label(labels: Mapping[str, str], value: Any) -> Any:
    """The label of a kind or priority name; anything else (unknown, or a list
    written by hand) as it is."""
    return labels.get(value, value) if isinstance(value, str) else value


def case_log(env: Env, reference: str, output: str) -> str:
    from casekit.core.notes import REMARK_KEY, REMARK_TRAILER, read_remark
    from casekit.vcs.history import read_commits

    path = find_case(env.root, env.config, reference)
    commits = read_commits(env.root, (relpath(env.root, path),), with_files=False)
    kind = env.config.kinds.get(path.parent.parent.parent.name)  # cases/<kind>/<YYYY>/<MM>/<ID>.yaml
    rows = []
    opened_with_remark: set[str] = set()
    for c in commits:
        # a commit can change several cases: each reads its own part of it (Case-Opened...)
        action, source, target = c.action_of(path.stem)
        remark = read_remark(c.trailer(REMARK_TRAILER))
        if c.role_of(path.stem) == "opened":
            target = kind.initial if kind is not None else target
            remark = _opening_remark(env, path, REMARK_KEY)  # the commit's is the acted-on case's
            if remark is not None:
                opened_with_remark.add(c.sha)
        rows.append(
            {
                "commit": c.sha,
                "at": c.when,
                "actor": c.trailer("Case-Actor") or f"{c.author_name} <{c.author_email}>",
                "action": action,
                "from": source,
                "to": target,
                "subject": c.subject,
                "note": c.note,
                "remark": remark,
                "trailers": dict(c.trailers),
            }
        )
    if output in ("json", "csv"):
        # machine formats name a commit without trailers by a fixed word, not by null
        marked = [{**row, "action": row["action"] or NO_TRAILERS} for row in rows]
        if output == "json":
            return to_json(marked)
        columns = ["commit", "at", "actor", "action", "from", "to", "subject", "note"]
        return to_csv(marked, columns).rstrip("\n")
    from casekit.render.timeline import timeline

    # a case opened by another's commit: people read why it was opened, not that commit's note
    shown = [{**row, "note": ""} if row["commit"] in opened_with_remark else row for row in rows]
    return timeline(shown, env.config, path.parent.parent.parent.name)


def _opening_remark(env: Env, path: Path, key: str) -> Any:
    """The remark of a case's 'open' entry: why casekit opened it (None if it says nothing)."""
    case = parse_case(env.root, path, path.read_bytes(), max_bytes=env.config.case_file_bytes)
    opening = next((e for e in history_of(case) if e.get("action") == "open"), None)
    return opening.get(key) if opening is not None else None


def validate_repository(env: Env, paths: Sequence[Path] | None) -> tuple[list[Problem], int]:
    """Every problem in the config and the case files (all of them, or those given)."""
    from casekit.core.validation import check_case, validate_docs
    from casekit.index.reader import read_cases
    from casekit.store.configfile import read_config

    root = env.root
    config, problems = read_config(root)
    if config is None:
        return problems, 0
    targets: list[Path] | None = None
    if paths:
        targets = []
        inside = root.resolve()
        for path in paths:
            resolved = (env.cwd / path).resolve()
            if not resolved.exists():
                raise UsageError(_("{path}: no such file or folder").format(path=path))
            if resolved != inside and inside not in resolved.parents:
                raise UsageError(
                    _(
                        "{path}: is outside the case repository {repository}; name files or folders inside it"
                    ).format(path=path, repository=inside)
                )
            targets.append(resolved)
        if inside in targets:  # the repository itself: everything, as with no path
            targets = None
    templates = root.resolve() / "templates"
    in_templates = [t for t in targets or [] if t == templates or templates in t.parents]
    case_targets = None if targets is None else [t for t in targets if t not in in_templates]
    docs, parse_problems = read_cases(root, case_targets, warn=False)
    problems += parse_problems
    if targets is None:
        from casekit.progress import Progress

        with Progress(_("validating cases"), len(docs)) as progress:
            problems += validate_docs(docs, config, progress.update)
        problems += check_case_files(root, config, docs)
        problems += check_tree(root, config)
        problems += check_links(root)
    else:
        problems += [p for doc in docs for p in check_case(doc, config)]
        problems += check_case_files(root, config, docs)
        prefixes = [relpath(root, t) for t in targets]
        problems += [p for p in check_links(root) if _under(p.path, prefixes)]
        prefixes = [relpath(root, t) for t in in_templates]
        if prefixes:
            problems += [p for p in check_tree(root, config) if _under(p.path, prefixes)]
    return sorted(problems, key=lambda p: (p.path, p.line or 0)), len(docs)


def case_row(
    case: Mapping[str, Any], config: Config, now: datetime | None = None, *, count_breaches: bool = True
) -> dict[str, Any]:
    """A case's summary row; with `now`, also its next deadline, what is overdue then and
    (unless `count_breaches` is off: the table does not show it) how many were breached."""
    kind_name = case.get("kind")
    kind = config.kinds.get(kind_name) if isinstance(kind_name, str) else None  # a hand-written list: none
    status = str(case.get("status", ""))
    history = history_of(case)
    customer = customer_of(case)
    row = {
        "id": case.get("id"),
        "kind": case.get("kind"),
        "status": status,
        "status_label": kind.state_label(status) if kind else status,
        "priority": case.get("priority"),
        "title": case.get("title"),
        "customer": customer.get("name"),
        "phone": customer.get("phone"),
        "channel": case.get("channel"),
        "assignee": case.get("assignee"),
        "opened_at": case.get("opened_at"),
        "updated_at": history[-1].get("at") if history else case.get("opened_at"),
    }
    if now is not None:
        from casekit.render.due import list_columns

        row.update(list_columns(case, config, now, count_breaches=count_breaches))
    return row


def _under(path: str, prefixes: Sequence[str]) -> bool:
    return any(path == pre or path.startswith(pre.rstrip("/") + "/") for pre in prefixes)


def check_case_files(root: Path, config: Config, docs: Sequence[CaseDoc]) -> list[Problem]:
    """The checks features register over the files case records name (attachments, ...)."""
    from importlib import import_module

    from casekit.core.validation import CASE_FILE_CHECKS

    problems: list[Problem] = []
    for target in CASE_FILE_CHECKS:
        module_name, function_name = target.split(":")
        problems += getattr(import_module(module_name), function_name)(root, config, docs)
    return problems


# Folders casekit reads or writes, looked at even when a link in them is not committed.
LINK_FREE_FOLDERS = ("attachments", "cases", "hooks", "templates", ".casekit")


def check_links(root: Path) -> list[Problem]:
    """Symbolic links and submodules: any git's index holds, and any made by hand where
    casekit reads or writes (the folders above, and each case's attachments folder)."""
    from casekit.vcs.treediff import tracked_links

    problems = {path: Problem(path, None, _link_message(mode)) for mode, path in tracked_links(root)}
    candidates = [root / name for name in LINK_FREE_FOLDERS]
    attachments = root / "attachments"
    if attachments.is_dir() and not attachments.is_symlink():
        candidates += sorted(attachments.iterdir())
    for path in candidates:
        name = path.relative_to(root).as_posix()
        if path.is_symlink() and name not in problems:
            problems[name] = Problem(name, None, _link_message("120000"))
    return sorted(problems.values(), key=lambda p: p.path)


def _link_message(mode: str) -> str:
    if mode == "160000":
        return _(
            "is a submodule; a case repository holds no submodules: remove it (`git rm`) and "
            "commit the files themselves"
        )
    return _(
        "is a symbolic link; a case repository holds no symbolic links (one can make hooks, "
        "templates or attachments read or write files outside the repository): replace it with "
        "the file itself, or remove it (`git rm`)"
    )


def check_tree(root: Path, config: Config) -> list[Problem]:
    """The checks features register over the repository's other files (templates, ...)."""
    from importlib import import_module

    from casekit.core.validation import TREE_CHECKS

    problems: list[Problem] = []
    for target in TREE_CHECKS:
        module_name, function_name = target.split(":")
        problems += getattr(import_module(module_name), function_name)(root, config)
    return problems
