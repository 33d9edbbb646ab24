"""`casekit attach`: evidence files (photos) copied into the repository and committed with the case.

Files go to `attachments/<case ID>/<customer>-<NN><ext>`, named after the customer's account
(买家ID, the `customer_account` field), else their phone, else the case ID, and a sequence
number (the handbooks file photos under the customer's ID). The case records each file's
path, SHA-256, size and original name; the files and the case file are one commit.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from casekit.core.casefile import set_top_level
from casekit.core.config import Config, Finding
from casekit.errors import Problem, Refused, UsageError
from casekit.i18n import _
from casekit.store.inputfiles import read_input_file

if TYPE_CHECKING:
    from casekit.core.validation import CaseDoc
    from casekit.service.actions import Outcome
    from casekit.service.env import Env

ATTACHMENTS_DIR = "attachments"
SECTION = "attachments"
DEFAULT_MAX_MB = Decimal(10)
_UNSAFE = re.compile(r"[^\w.-]+")
_SEQUENCE = re.compile(r"-(\d+)(?:\.[^./]*)?$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Source:
    """A file to attach, as read from disk."""

    original: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def max_bytes(config: Config) -> int:
    """The size limit for one attachment, from `attachments.max_size_mb` (default 10)."""
    section = config.section(SECTION)
    value = section.get("max_size_mb") if isinstance(section, Mapping) else None
    if isinstance(value, int | Decimal) and not isinstance(value, bool) and value > 0:
        return int(Decimal(value) * 1024 * 1024)
    return int(DEFAULT_MAX_MB * 1024 * 1024)


def check_section(value: Any, config: Config) -> list[Finding]:
    """Problems in the `attachments:` section (config.SECTION_CHECKS)."""
    if not isinstance(value, Mapping):
        return [([], _("must be a mapping such as {max_size_mb: 10}"))]
    problems: list[Finding] = []
    for key in value:
        if key != "max_size_mb":
            problems.append(([key], _("unknown key; the only key is max_size_mb")))
    size = value.get("max_size_mb")
    if size is not None and (not isinstance(size, int | Decimal) or isinstance(size, bool) or size <= 0):
        problems.append((["max_size_mb"], _("must be a size in megabytes greater than 0, such as 10")))
    return problems


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size} bytes"


def read_sources(paths: Sequence[Path], limit: int, cwd: Path) -> list[Source]:
    """Read the files to attach; refuse a missing, non-regular or too large one.

    A file is looked at (stat) before it is read, and never more than `limit` + 1 bytes of
    it are read: a device, a FIFO, /proc/self/pagemap or a file growing while it is read is
    refused, not read without end.
    """
    if not paths:
        raise UsageError(_("name at least one file to attach, e.g. casekit attach R-... photo.jpg"))
    return [_read_source(given, cwd / given, limit) for given in paths]


def _read_source(given: Path, path: Path, limit: int) -> Source:
    def too_large(size: int, more: bool) -> NoReturn:
        _refuse_size(given, size, limit, more=more)

    data = read_input_file(
        path, limit, what="the photo or document to attach", too_large=too_large, shown=given
    )
    return Source(path.name, data)


def _refuse_size(given: Path, size: int, limit: int, *, more: bool = False) -> NoReturn:
    """Refuse a file over the limit: `size` is its size, or with `more` what was read of it."""
    this, most = human_size(size), human_size(limit)
    if this == most and not more:
        this, most = f"{size:,} bytes", f"{limit:,}-byte"
    advice = _(
        "(attachments.max_size_mb in casekit.yaml); send a smaller photo, or track large media "
        "with Git LFS and raise the limit (docs/returns.md)"
    )
    if more:
        refusal = _("{given} is over the {most} limit for one attachment {advice}")
    else:
        refusal = _("{given} is {size}, over the {most} limit for one attachment {advice}")
    raise Refused(refusal.format(given=given, size=this, most=most, advice=advice))


def file_stem(case: Mapping[str, Any]) -> str:
    """The customer part of attachment names: account, else phone, else the case ID."""
    fields = case.get("fields") if isinstance(case.get("fields"), Mapping) else {}
    customer = case.get("customer") if isinstance(case.get("customer"), Mapping) else {}
    for candidate in (
        (fields or {}).get("customer_account"),
        (customer or {}).get("phone"),
        case.get("id"),
    ):
        if isinstance(candidate, str) and candidate.strip():
            cleaned = _UNSAFE.sub("_", candidate.strip()).strip("._")
            if cleaned:
                return cleaned
    return "attachment"


def extension(original: str) -> str:
    suffix = Path(original).suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else ""


def next_sequence(recorded: Sequence[Mapping[str, Any]], on_disk: Sequence[str]) -> int:
    """The next free sequence number, after every recorded file and every file on disk."""
    numbers = [0]
    for name in [str(r.get("file", "")) for r in recorded] + list(on_disk):
        match = _SEQUENCE.search(name.rsplit("/", 1)[-1])
        if match:
            numbers.append(int(match.group(1)))
    return max(numbers) + 1


def plan_names(case: Mapping[str, Any], sources: Sequence[Source], on_disk: Sequence[str]) -> list[str]:
    """Repository-relative paths for the new files, in the order given."""
    recorded = recorded_attachments(case)
    stem = file_stem(case)
    first = next_sequence(recorded, on_disk)
    folder = f"{ATTACHMENTS_DIR}/{case.get('id')}"
    return [f"{folder}/{stem}-{first + n:02d}{extension(s.original)}" for n, s in enumerate(sources)]


def recorded_attachments(case: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    value = case.get("attachments")
    return [a for a in value if isinstance(a, Mapping)] if isinstance(value, list) else []


def refuse_duplicates(case: Mapping[str, Any], sources: Sequence[Source]) -> None:
    known = {str(r.get("sha256")): str(r.get("file")) for r in recorded_attachments(case)}
    seen: dict[str, str] = {}
    for source in sources:
        digest = source.sha256
        if digest in known:
            raise Refused(
                _("{case_id}: {original} is already attached as {known}").format(
                    case_id=case.get("id"), original=source.original, known=known[digest]
                )
            )
        if digest in seen:
            raise Refused(
                _("{case_id}: {seen} and {original} are the same file").format(
                    case_id=case.get("id"), seen=seen[digest], original=source.original
                )
            )
        seen[digest] = source.original


def check_attachments(case: Mapping[str, Any]) -> list[tuple[list[str | int], str]]:
    """Findings for a case's `attachments` list (for validation)."""
    value = case.get("attachments")
    if value is None:
        return []
    if not isinstance(value, list):
        return [(["attachments"], _("attachments must be a list of {file, sha256, size, original}"))]
    findings: list[tuple[list[str | int], str]] = []
    prefix = f"{ATTACHMENTS_DIR}/{case.get('id')}/"
    for index, record in enumerate(value):
        where: list[str | int] = ["attachments", index]
        if not isinstance(record, Mapping):
            findings.append((where, _("an attachment must be a mapping {file, sha256, size, original}")))
            continue
        name = record.get("file")
        if not isinstance(name, str) or not name.startswith(prefix) or ".." in name:
            findings.append((where, _("attachment file must be a path under {prefix}").format(prefix=prefix)))
        if not isinstance(record.get("sha256"), str) or not _SHA256.match(record["sha256"]):
            findings.append((where, _("attachment sha256 must be 64 lower-case hex digits")))
        size = record.get("size")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            findings.append((where, _("attachment size must be a whole number of bytes")))
    return findings


def refuse_linked_folder(root: Path, folder: str) -> None:
    """Refuse to write into `folder` (relative to `root`) when a part of it is a symbolic
    link or it lies outside the repository: the files would land wherever the link points."""
    from casekit.store.treefiles import linked_part, outside

    link = linked_part(root, folder)
    if link is not None:
        raise Refused(
            _(
                "{link} is a symbolic link; casekit writes attachments only into folders "
                "inside the repository, never through a link: remove the link (`git rm` it if "
                "it is committed) and attach again"
            ).format(link=link)
        )
    if outside(root, folder):
        raise Refused(
            _(
                "{folder} lies outside the repository {root}; casekit writes attachments only inside it"
            ).format(folder=folder, root=root)
        )


def recorded_files(case: Mapping[str, Any]) -> list[tuple[int, str, str]]:
    """(index, file, sha256) of each attachment record well formed enough to check on disk."""
    prefix = f"{ATTACHMENTS_DIR}/{case.get('id')}/"
    found = []
    for index, record in enumerate(case.get("attachments") or []):
        if not isinstance(record, Mapping):
            continue
        name, digest = record.get("file"), record.get("sha256")
        parts = name.split("/") if isinstance(name, str) else []
        if (
            isinstance(name, str)
            and name.startswith(prefix)
            and not {"", ".", ".."} & set(parts)
            and isinstance(digest, str)
            and _SHA256.match(digest)
        ):
            found.append((index, name, digest))
    return found


def check_attachment_files(root: Path, config: Config, docs: Sequence[CaseDoc]) -> list[Problem]:
    """Every recorded attachment is in the work tree with the SHA-256 its case records
    (validation.CASE_FILE_CHECKS). A Git LFS pointer left on disk counts as the file it
    names. Long work shows a progress bar on stderr."""
    from casekit.codec.yamlio import locate
    from casekit.progress import Progress

    work = [
        (doc, index, name, digest)
        for doc in docs
        if isinstance(doc.data.get("attachments"), list)
        for index, name, digest in recorded_files(doc.data)
    ]
    problems: list[Problem] = []
    with Progress("checking attachments", len(work)) as progress:
        for number, (doc, index, name, recorded) in enumerate(work, 1):
            message = _file_problem(root, name, recorded)
            if message is not None:
                where = f"{doc.data.get('id')}: attachments[{index}]: "
                problems.append(Problem(doc.path, locate(doc.raw, ["attachments", index]), where + message))
            progress.update(number)
    return problems


def _file_problem(root: Path, name: str, recorded: str) -> str | None:
    """What is wrong with one recorded attachment on disk, None when it is as recorded."""
    from casekit.store.treefiles import file_digest, linked_part

    link = linked_part(root, name)
    if link is not None:
        return (
            f"{link} is a symbolic link; attachments are files inside the repository: "
            f"restore {name} as it was attached (`git log -- {name}` shows its commit)"
        )
    path = root / name
    try:
        if not path.is_file():
            if path.exists():
                return (
                    f"{name} is not a file; restore it as it was attached "
                    f"(`git log -- {name}` shows its commit)"
                )
            return (
                f"{name} is missing; the case records it, so restore it "
                f"(`git checkout HEAD -- {name}`, or `git log -- {name}` shows the commit that attached it)"
            )
        actual = file_digest(path)
    except OSError as exc:
        return f"{name} cannot be read ({exc.strerror or exc}); check its permissions"
    if actual != recorded:
        return (
            f"{name} is altered: its SHA-256 is {actual[:12]}…, the case records {recorded[:12]}…; "
            f"restore the file as it was attached (`git log -- {name}` shows its commit)"
        )
    return None


def attach_files(env: Env, reference: str, paths: Sequence[Path], *, note: str | None = None) -> Outcome:
    """Copy files into attachments/<ID>/, record them on the case, one commit for all."""
    from casekit.codec.yamlio import flow_map
    from casekit.service.actions import Change, Context, change_case, history_entry

    sources = read_sources(paths, max_bytes(env.config), env.cwd)

    def mutate(case: MutableMapping[str, Any], ctx: Context) -> Change:
        case_id = str(case["id"])
        refuse_linked_folder(ctx.env.root, f"{ATTACHMENTS_DIR}/{case_id}")
        refuse_duplicates(case, sources)
        folder = ctx.env.root / ATTACHMENTS_DIR / case_id
        on_disk = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
        names = plan_names(case, sources, on_disk)
        for name in names:
            refuse_linked_folder(ctx.env.root, name)
        records = [
            flow_map({"file": name, "sha256": s.sha256, "size": len(s.data), "original": s.original})
            for name, s in zip(names, sources, strict=True)
        ]
        existing = case.get("attachments")
        if isinstance(existing, list):
            existing.extend(records)
        else:
            set_top_level(case, "attachments", records)
        short = [name.rsplit("/", 1)[-1] for name in names]
        count = f"{len(names)} file{'s' if len(names) != 1 else ''}"
        change = Change(
            "attach",
            f"{case_id}: attached {count}",
            note=note,
            files=tuple((name, s.data) for name, s in zip(names, sources, strict=True)),
        )
        case["history"].append(history_entry(ctx, change, {"files": short}))
        return change

    outcome = change_case(env, reference, mutate)
    added = recorded_attachments(outcome.case)[-len(sources) :]
    for record in added:
        outcome.messages.append(
            _("attached {original} as {file} (sha256 {digest}…)").format(
                original=record["original"], file=record["file"], digest=record["sha256"][:12]
            )
        )
    return outcome
