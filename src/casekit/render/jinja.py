"""The Jinja environment for reply scripts and reports: sandboxed, strict, overridable.

Templates are code anyone can change in a pull request, so they render in Jinja's
`ImmutableSandboxedEnvironment` (no access to Python internals or files, and the data handed
in cannot be modified) with a strict undefined: a
value the data does not have is an error naming the variable and the template, never a blank
in front of a customer. Case text is data passed in, never template source, so a customer
name holding `{{ ... }}` is printed as written. Templates named `*.html*` are autoescaped.

Lookup: the case repository's `templates/` first, then the bundled templates; a repository
template can still reach the bundled one as `default:<name>` (to extend or include it).

Compiled templates are kept in `.git/casekit/templates/` (`TemplateCodeCache`): compiling
the report templates takes a tenth of a second, loading them a few milliseconds.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2.bccache import Bucket, FileSystemBytecodeCache
from jinja2.exceptions import SecurityError, TemplateNotFound, TemplateSyntaxError, UndefinedError
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedEnvironment, safe_range
from markupsafe import Markup

from casekit import i18n
from casekit.core.casefile import mask_phone
from casekit.core.timeutil import stored_instant
from casekit.errors import Refused
from casekit.i18n import _
from casekit.resources import bundled

TEMPLATES_DIR = "templates"
DEFAULT_PREFIX = "default:"


class Data(dict[str, Any]):
    """A mapping handed to templates that knows its name, so a missing key is reported as
    `fields.reship_tracking_no` rather than "dict object has no attribute"."""

    def __init__(self, path: str, items: Mapping[str, Any] | None = None) -> None:
        super().__init__()
        self._path = path
        for key, value in (items or {}).items():
            self[str(key)] = value if type(value) in _SCALARS else wrap(f"{path}.{key}", value)


# Values handed to templates as they are (exact types: a subclass may be a mapping or a list).
# A report holds tens of thousands of them, so they skip naming and the checks in `wrap`.
_SCALARS = frozenset({str, int, float, bool, type(None), Decimal, date, datetime})


def wrap(path: str, value: Any) -> Any:
    if type(value) in _SCALARS:
        return value
    if isinstance(value, Data | Markup):
        return value
    if isinstance(value, Mapping):
        return Data(path, value)
    if isinstance(value, list | tuple):
        return [v if type(v) in _SCALARS else wrap(f"{path}[{i}]", v) for i, v in enumerate(value)]
    return value


# What one rendering may take: a template running longer, or writing more, is stopped.
TIME_LIMIT = 5.0  # seconds of wall-clock time
OUTPUT_LIMIT = 1_000_000  # characters of output; also the most one value may grow to
_SIZED = (str, bytes, list, tuple)
# A width or precision of seven digits or more in a format (`'%9999999d'`, `'{:>9999999}'`).
_WIDE_FORMAT = re.compile(r"(?:%[-+ #0]*|\{[^{}]*:[^{}]*?)\.?\d{7}")


class OverBudget(Exception):
    """A rendering went past its time or output budget (the message says which)."""


class Budget:
    """The time one rendering may run: checked at every call, attribute and item lookup and
    every 1,000 steps of a `range` the template makes, and, in the main thread, by a
    timer (SIGALRM) that also stops a loop making none of those."""

    def __init__(self, seconds: float = TIME_LIMIT, max_chars: int = OUTPUT_LIMIT) -> None:
        self.seconds = seconds
        self.max_chars = max_chars
        self.deadline = float("inf")

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise _too_slow(self)

    def check_size(self, value: Any) -> Any:
        if isinstance(value, _SIZED) and len(value) > self.max_chars:
            raise _too_long(self)
        return value

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        self.deadline = time.monotonic() + self.seconds
        timer = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
        previous: Any = None
        if timer:

            def stop(signum: int, frame: Any) -> None:
                raise _too_slow(self)

            previous = signal.signal(signal.SIGALRM, stop)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
        try:
            yield
        finally:
            self.deadline = float("inf")
            if timer:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)


class BudgetedRange:
    """The sandbox's `range`: a range (length, indexing, `in` as usual) whose iteration
    checks the time every 1,000 steps, so nested loops stop within the budget."""

    def __init__(self, numbers: range, budget: Budget) -> None:
        self._numbers = numbers
        self._budget = budget

    def __iter__(self) -> Iterator[int]:
        return self._checked(iter(self._numbers))

    def __reversed__(self) -> Iterator[int]:
        return self._checked(reversed(self._numbers))

    def _checked(self, numbers: Iterator[int]) -> Iterator[int]:
        for n, value in enumerate(numbers):
            if n % 1000 == 999:
                self._budget.check()
            yield value

    def __len__(self) -> int:
        return len(self._numbers)

    def __getitem__(self, index: int) -> int:
        return self._numbers[index]

    def __contains__(self, value: object) -> bool:
        return value in self._numbers

    def __repr__(self) -> str:
        return repr(self._numbers)


class DataSandbox(ImmutableSandboxedEnvironment):
    """The sandbox, finding `row.id` in a Data mapping without first failing to find an
    attribute `id` (what Jinja tries first): a report looks up some 40,000 such keys.

    It also keeps a template within its `Budget`: operators that can make huge values (`*`,
    `**`, `%`) and calls of text methods are checked before they run, and the time is
    checked at every call and lookup."""

    intercepted_binops = frozenset(["*", "**", "%", "+"])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.budget = Budget()
        self.globals["range"] = self._range

    def _range(self, *args: int) -> BudgetedRange:
        return BudgetedRange(safe_range(*args), self.budget)

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is Data and attribute not in _DATA_ATTRIBUTES and attribute in obj:
            return obj[attribute]
        self.budget.check()
        return self.budget.check_size(super().getattr(obj, attribute))

    def getitem(self, obj: Any, argument: Any) -> Any:
        self.budget.check()
        return self.budget.check_size(super().getitem(obj, argument))

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        budget = __self.budget
        budget.check()
        for value in (*args, *kwargs.values()):
            budget.check_size(value)
        bound = getattr(__obj, "__wrapped__", __obj)  # the sandbox wraps str.format
        owner = getattr(bound, "__self__", None)
        if isinstance(owner, str):
            method = getattr(bound, "__name__", "")
            _refuse_wide(budget, owner if method in ("format", "format_map") else "", args, kwargs)
            if method == "replace" and len(args) >= 2:
                _refuse_replace(budget, owner, args[0], args[1])
            if method == "join" and args:
                args = (list(args[0]), *args[1:])
                _refuse_join(budget, args[0], owner)
        return budget.check_size(super().call(__context, __obj, *args, **kwargs))

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        budget = self.budget
        budget.check()
        if operator == "*":
            for sized, count in ((left, right), (right, left)):
                if (
                    isinstance(sized, _SIZED)
                    and isinstance(count, int)
                    and len(sized) * count > budget.max_chars
                ):
                    raise _too_long(budget)
        elif operator == "**":
            if isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and right > 1000:
                raise OverBudget(_("the template raised a number to the power {power}").format(power=right))
        elif operator == "%" and isinstance(left, str):
            _refuse_wide(budget, left, right if isinstance(right, tuple) else (right,), {})
        elif operator == "+" and _total_length(left, right) > budget.max_chars:
            raise _too_long(budget)
        return budget.check_size(super().call_binop(context, operator, left, right))


def _total_length(*values: Any) -> int:
    return sum(len(v) for v in values if isinstance(v, _SIZED))


def _too_long(budget: Budget) -> OverBudget:
    return OverBudget(
        _("the template made a value longer than {limit:,} characters").format(limit=budget.max_chars)
    )


def _too_slow(budget: Budget) -> OverBudget:
    return OverBudget(_("the template ran longer than {seconds:g} s").format(seconds=budget.seconds))


def _refuse_wide(budget: Budget, pattern: str, args: Any, kwargs: Mapping[str, Any]) -> None:
    """Refuse a text operation that would write more than the budget before it runs: a
    huge width as a number (`'x'.center(10**9)`, `'%*d' % (10**9, 1)`) or in the format
    `pattern` (`'{:>9999999}'`, `'%9999999d'`)."""
    numbers = [a for a in [*args, *kwargs.values()] if isinstance(a, int) and not isinstance(a, bool)]
    if any(abs(n) > budget.max_chars for n in numbers) or _WIDE_FORMAT.search(pattern):
        raise OverBudget(
            _("the template asked for a text wider than {limit:,} characters").format(limit=budget.max_chars)
        )


def _refuse_replace(budget: Budget, text: Any, old: Any, new: Any) -> None:
    if isinstance(text, str) and isinstance(old, str) and isinstance(new, str):
        count = text.count(old) if old else len(text) + 1
        if len(text) + count * len(new) > budget.max_chars:
            raise _too_long(budget)


def _refuse_join(budget: Budget, items: Any, separator: Any) -> None:
    sized = isinstance(separator, str) and hasattr(items, "__len__")
    if sized and len(items) * len(separator) > budget.max_chars:
        raise _too_long(budget)


def _bounded_filter(name: str, base: Callable[..., Any]) -> Callable[..., Any]:
    """A Jinja text filter (center, format, indent, join, replace) that refuses, before it runs,
    to write past the budget."""

    @jinja2.pass_eval_context
    def checked(eval_ctx: Any, value: Any, *args: Any, **kwargs: Any) -> Any:
        env = eval_ctx.environment
        budget = env.budget if isinstance(env, DataSandbox) else Budget()
        text = str(value) if isinstance(value, str) else ""
        _refuse_wide(budget, text if name == "format" else "", args, kwargs)
        if name == "replace" and len(args) >= 2:
            _refuse_replace(budget, text, args[0], args[1])
        if name == "join":
            value = list(value) if not hasattr(value, "__len__") else value
            _refuse_join(budget, value, args[0] if args else kwargs.get("d", ""))
        if name == "indent":
            width = args[0] if args else kwargs.get("width", 4)
            if isinstance(width, str) and len(text) + (text.count("\n") + 1) * len(width) > budget.max_chars:
                raise _too_long(budget)
        with_context = name in ("replace", "join")
        result = base(eval_ctx, value, *args, **kwargs) if with_context else base(value, *args, **kwargs)
        return budget.check_size(result)

    checked.__name__ = name
    return checked


# The names that are attributes of a Data mapping: these win over its keys, as in Jinja.
_DATA_ATTRIBUTES = frozenset([*dir(Data), "_path"])


class MissingValue(jinja2.StrictUndefined):
    """StrictUndefined that names the whole dotted path of what is missing."""

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        if self._undefined_hint:
            return self._undefined_hint
        owner = self._undefined_obj
        if owner is jinja2.utils.missing:
            return f"casekit-missing:{self._undefined_name}"
        if isinstance(owner, Data):
            return f"casekit-missing:{owner._path}.{self._undefined_name}"
        return str(super()._undefined_message)


class TemplateFailure(Refused):
    """A template could not be rendered; the message names the template and the line."""

    def __init__(self, message: str, *, template: str, line: int | None, variable: str | None = None):
        super().__init__(message)
        self.template = template
        self.line = line
        self.variable = variable


def money_text(value: Any) -> str:
    """128.5 -> '128.50' (Decimal in, two places out, thousands not grouped)."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(_("money filter needs an amount, got {type}").format(type=type(value).__name__))
    return f"{Decimal(value).quantize(Decimal('0.01')):f}"


_WEEKDAYS = {
    "zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}


def when_text(value: Any, lang: str = "zh", tz: Any = None, style: str = "full") -> str:
    """A stored date or date-time for people: '2026年11月23日 10:05' / '23 Nov 2026, 10:05'.

    style 'date' drops the time, 'short' drops the year, 'time' keeps only hours:minutes.
    """
    if isinstance(value, datetime):
        moment: datetime | None = value
    else:
        moment = stored_instant(value)
    day: date
    if moment is None:
        if isinstance(value, date):
            day = value
        else:
            try:
                day = date.fromisoformat(str(value))
            except ValueError:
                raise TypeError(_("{value} is not a date or date-time").format(value=repr(value))) from None
        return _day_text(day, lang, style)
    if tz is not None:
        moment = moment.astimezone(tz)
    clock = f"{moment:%H:%M}"
    if style == "time":
        return clock
    if style == "date":
        return _day_text(moment.date(), lang, style)
    sep = " " if lang != "en" else ", "
    return f"{_day_text(moment.date(), lang, style)}{sep}{clock}"


def _day_text(day: date, lang: str, style: str) -> str:
    if lang == "en":
        return f"{day.day} {day:%b}" if style == "short" else f"{day.day} {day:%b} {day.year}"
    if style == "short":
        return f"{day.month}月{day.day}日"
    return f"{day.year}年{day.month}月{day.day}日"


def weekday_text(value: Any, lang: str = "zh") -> str:
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return _WEEKDAYS["en" if lang == "en" else "zh"][day.weekday()]


_MD_ESCAPES = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|#"})


def md_cell(value: Any) -> str:
    """Text safe inside a Markdown table cell: one line, pipes and markup escaped."""
    text = "" if value is None else str(value)
    return " ".join(text.split()).translate(_MD_ESCAPES)


def percent(value: Any, digits: int = 0) -> str:
    if value is None:
        return "—"
    number = Decimal(str(value)) * 100
    return f"{number.quantize(Decimal(1) if digits == 0 else Decimal(10) ** -digits, ROUND_HALF_UP):f}%"


FILTERS: dict[str, Callable[..., Any]] = {
    "money": money_text,
    "mask_phone": mask_phone,
    "md": md_cell,
    "percent": percent,
    "weekday": weekday_text,
}


@jinja2.pass_context
def _when_filter(context: Any, value: Any, style: str = "full") -> str:
    lang = context.get("lang", "zh")
    return when_text(value, str(lang), context.get("tz"), style)


@jinja2.pass_context
def _weekday_filter(context: Any, value: Any) -> str:
    return weekday_text(value, str(context.get("lang", "zh")))


def _report_catalogue(context: Any) -> Any:
    return i18n.catalogue(i18n.ENGLISH if context.get("lang") == "en" else i18n.CHINESE, REPORTS_DOMAIN)


@jinja2.pass_context
def _report_text(context: Any, message: str) -> str:
    """A label of a bundled report template in the report's language: {{ _('New') }}."""
    return str(_report_catalogue(context).gettext(message))


@jinja2.pass_context
def _report_text_in(context: Any, meaning: str, message: str) -> str:
    """The same, for an English label that has two Chinese ones: {{ pgettext('rate', 'Met') }}."""
    return str(_report_catalogue(context).pgettext(meaning, message))


@jinja2.pass_context
def _tr(context: Any, zh: str, en: str) -> str:
    """Pick the text for the report's language: {{ tr('新增', 'New') }}."""
    return en if context.get("lang") == "en" else zh


# the catalogue of the bundled report templates' labels (tools/messages.py extracts it)
REPORTS_DOMAIN = "reports"


def template_roots(root: Path | None) -> list[Path]:
    """Where templates are looked up: the repository's templates/ first, then the bundled ones."""
    roots = []
    if root is not None and (root / TEMPLATES_DIR).is_dir():
        roots.append(root / TEMPLATES_DIR)
    roots.append(bundled(TEMPLATES_DIR))
    return roots


def _autoescape(name: str | None) -> bool:
    return name is not None and ".html" in name.rsplit("/", 1)[-1]


class TemplateCodeCache(FileSystemBytecodeCache):
    """Compiled templates in a folder, each entry keyed on the template's name and file and
    on the code that sets up the environment (this module: options and filters change what
    a template compiles to), and holding a checksum of the source it was compiled from, so
    an edited template is compiled again. A cache: an entry it cannot read or write is
    simply compiled, and deleting the folder changes nothing but speed."""

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return super().get_cache_key(f"{_environment_key()}|{name}", filename)

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # damaged or from other code: compile the template instead
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):  # a read-only clone: compile each time
            super().dump_bytecode(bucket)


@cache
def _environment_key() -> str:
    """What the compiled code depends on besides the source: Jinja's and casekit's
    versions and this module's file."""
    from casekit.version import __version__

    st = Path(__file__).stat()
    parts = (jinja2.__version__, __version__, __file__, st.st_mtime_ns, st.st_size)
    return hashlib.sha1(repr(parts).encode(), usedforsecurity=False).hexdigest()


def _code_cache(root: Path | None) -> TemplateCodeCache | None:
    """The compiled-template cache of the repository at `root` (in its .git folder)."""
    from casekit.vcs.git import git_dir

    if root is None or not git_dir(root).is_dir():
        return None
    folder = git_dir(root) / "casekit" / TEMPLATES_DIR
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return TemplateCodeCache(str(folder), "%s.jinja")


def linked_template(root: Path, path: Path) -> str | None:
    """The first part of `path` (a repository template, under `root`/templates) that is a
    symbolic link, repository-relative; or the path itself when it lies outside the
    templates folder. None when the file may be read."""
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        return str(path)
    current = root
    for number, part in enumerate(parts, 1):
        current = current / part
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):
            if current.is_symlink():
                return "/".join(parts[:number])
    folder = (root / TEMPLATES_DIR).resolve()
    if folder not in path.resolve().parents:
        return "/".join(parts)
    return None


def _refuse_linked(link: str, template: str) -> TemplateFailure:
    return TemplateFailure(
        _(
            "{link} is a symbolic link or lies outside {folder}/; casekit reads templates only "
            "from files inside the repository's {folder}/ folder, never through a link: "
            "replace it with the template itself"
        ).format(link=link, folder=TEMPLATES_DIR),
        template=template,
        line=None,
    )


class RepositoryLoader(jinja2.FileSystemLoader):
    """Jinja's file loader over the repository's templates/ then the bundled ones, which
    refuses (TemplateFailure) a repository template reached through a symbolic link or
    lying outside templates/: a template committed as a link would print any file the
    user can read."""

    def __init__(self, root: Path | None) -> None:
        self.root = root
        super().__init__([str(p) for p in template_roots(root)], encoding="utf-8")

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        if self.root is not None:
            own = self.root / TEMPLATES_DIR
            candidate = own.joinpath(*split_template_path(template))
            if str(own) in self.searchpath and os.path.lexists(candidate):
                link = linked_template(self.root, candidate)
                if link is not None:
                    raise _refuse_linked(link, template)
        return super().get_source(environment, template)


def make_environment(root: Path | None) -> SandboxedEnvironment:
    default = jinja2.FileSystemLoader(str(bundled(TEMPLATES_DIR)), encoding="utf-8")
    loader = jinja2.ChoiceLoader(
        [
            jinja2.PrefixLoader({DEFAULT_PREFIX.rstrip(":"): default}, delimiter=":"),
            RepositoryLoader(root),
        ]
    )
    env = DataSandbox(
        loader=loader,
        undefined=MissingValue,
        autoescape=_autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        bytecode_cache=_code_cache(root),
    )
    env.filters.update(FILTERS)
    for name in ("center", "format", "indent", "join", "replace"):
        env.filters[name] = _bounded_filter(name, env.filters[name])
    env.filters["when"] = _when_filter
    env.filters["weekday"] = _weekday_filter
    env.globals["tr"] = _tr  # for a team's own templates, which carry both texts
    env.globals["_"] = _report_text
    env.globals["pgettext"] = _report_text_in
    return env


@dataclass(frozen=True)
class Source:
    """One template file: its name (e.g. scripts/zh/complaint-acknowledge.j2), its file and
    whether a repository file overrides the bundled one."""

    name: str
    path: Path
    origin: str  # "repository" or "bundled"


def find_templates(root: Path | None, folder: str) -> dict[str, Source]:
    """Every template under `folder` (e.g. 'scripts'), repository files winning by name."""
    found: dict[str, Source] = {}
    for base, origin in reversed([(p, _origin(root, p)) for p in template_roots(root)]):
        top = base / folder
        if not top.is_dir():
            continue
        for path in sorted(top.rglob("*.j2")):
            if path.is_file() or path.is_symlink():
                name = path.relative_to(base).as_posix()
                found[name] = Source(name, path, origin)
    return dict(sorted(found.items()))


def read_source(source: Source) -> str:
    """A template file's text; TemplateFailure naming the file when it is not UTF-8, or
    when it is a repository template reached through a symbolic link."""
    if source.origin == "repository":
        root = source.path.parents[len(Path(source.name).parts)]
        link = linked_template(root, source.path)
        if link is not None:
            raise _refuse_linked(link, source.name)
    data = source.path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        shown = display_path(source)
        raise TemplateFailure(f"{shown} {_not_utf8(exc)}", template=source.name, line=None) from None


def _origin(root: Path | None, base: Path) -> str:
    return "repository" if root is not None and base == root / TEMPLATES_DIR else "bundled"


def display_path(source: Source) -> str:
    """How a template is named in messages: repository-relative, or marked as bundled."""
    if source.origin == "repository":
        return f"{TEMPLATES_DIR}/{source.name}"
    return f"(bundled) {TEMPLATES_DIR}/{source.name}"


def render(
    env: SandboxedEnvironment,
    name: str,
    context: Mapping[str, Any],
    *,
    subject: str = "",
    seconds: float = TIME_LIMIT,
    max_chars: int = OUTPUT_LIMIT,
) -> str:
    """Render one template; every failure becomes a TemplateFailure naming template and line.

    The rendering may take `seconds` and write `max_chars` characters (see `Budget`); past
    either it is stopped with a TemplateFailure saying so.
    """
    prefix = f"{subject}: " if subject else ""
    try:
        template = env.get_template(name)
    except TemplateNotFound as exc:
        raise TemplateFailure(
            prefix + _("no template {name}").format(name=exc.name), template=name, line=None
        ) from None
    except TemplateSyntaxError as exc:
        where = f"{exc.filename or name}:{exc.lineno}"
        raise TemplateFailure(f"{prefix}{where}: {exc.message}", template=name, line=exc.lineno) from None
    except UnicodeDecodeError as exc:
        raise TemplateFailure(
            f"{prefix}{_shown_name(env, name)} {_not_utf8(exc)}", template=name, line=None
        ) from None
    budget = Budget(seconds, max_chars)
    if isinstance(env, DataSandbox):
        env.budget = budget
    data = {key: wrap(key, value) for key, value in context.items()}
    try:
        with budget.running():
            return _generate(template, data, budget)
    except OverBudget as exc:
        line, shown = _template_line(exc, env, name)
        at = f"{shown}:{line}" if line else _shown_name(env, name)
        raise TemplateFailure(
            prefix + _("{at}: {problem}; simplify it").format(at=at, problem=exc), template=name, line=line
        ) from None
    except RecursionError as exc:
        line, shown = _template_line(exc, env, name)
        at = f"{shown}:{line}" if line else _shown_name(env, name)
        raise TemplateFailure(
            prefix
            + _("{at}: the template includes or calls itself without end; remove the loop").format(at=at),
            template=name,
            line=line,
        ) from None
    except MemoryError:
        raise TemplateFailure(
            prefix
            + _("{at}: the template needed more memory than there is; simplify it").format(
                at=_shown_name(env, name)
            ),
            template=name,
            line=None,
        ) from None
    except UndefinedError as exc:
        line, shown = _template_line(exc, env, name)
        message = str(exc.message or "")
        at = f"{shown}:{line}" if line else shown
        if message.startswith("casekit-missing:"):
            variable = message.split(":", 1)[1]
            raise TemplateFailure(
                prefix
                + _("{at} needs {variable}, which is missing").format(at=at, variable=variable)
                + _hint(variable),
                template=name,
                line=line,
                variable=variable,
            ) from None
        raise TemplateFailure(f"{prefix}{at}: {message}", template=name, line=line) from None
    except SecurityError as exc:
        line, shown = _template_line(exc, env, name)
        at = f"{shown}:{line}" if line else shown
        raise TemplateFailure(
            prefix + _("{at} was stopped by the template sandbox: {reason}").format(at=at, reason=exc),
            template=name,
            line=line,
        ) from None
    except TemplateNotFound as exc:
        raise TemplateFailure(
            prefix
            + _("{template} includes {included}, which is not a template").format(
                template=name, included=exc.name
            ),
            template=name,
            line=None,
        ) from None
    except UnicodeDecodeError as exc:  # an included template, read while rendering
        raise TemplateFailure(
            prefix
            + _("{template} includes a template that {problem}").format(
                template=_shown_name(env, name), problem=_not_utf8(exc)
            ),
            template=name,
            line=None,
        ) from None
    except TemplateSyntaxError as exc:
        where = f"{exc.filename or exc.name}:{exc.lineno}"
        raise TemplateFailure(f"{prefix}{where}: {exc.message}", template=name, line=exc.lineno) from None
    except (TypeError, ValueError, ArithmeticError, AttributeError, LookupError) as exc:
        line, shown = _template_line(exc, env, name)
        at = f"{shown}:{line}" if line else shown
        raise TemplateFailure(f"{prefix}{at}: {exc}", template=name, line=line) from None


def _generate(template: jinja2.Template, data: Mapping[str, Any], budget: Budget) -> str:
    """The template's output, written piece by piece and stopped past the budget."""
    pieces = []
    written = 0
    for piece in template.generate(data):
        written += len(piece)
        if written > budget.max_chars:
            raise OverBudget(
                _("the template produced more than {limit:,} characters").format(limit=budget.max_chars)
            )
        pieces.append(piece)
    return "".join(pieces)


def _not_utf8(exc: UnicodeDecodeError) -> str:
    return _("is not UTF-8 text (byte 0x{byte:02X} at offset {offset}); save it as UTF-8").format(
        byte=exc.object[exc.start], offset=exc.start
    )


def _shown_name(env: SandboxedEnvironment, name: str) -> str:
    """How a template named `name` is shown in messages (templates/x.j2 for a repository one)."""
    with contextlib.suppress(Exception):
        _, filename, _ = env.loader.get_source(env, name) if env.loader else (None, None, None)
        if filename:
            return _shorten(filename, [str(p) for p in template_roots(None)])
    return name


def _hint(variable: str) -> str:
    if variable.startswith("fields."):
        field = variable.split(".", 1)[1]
        return _(" (set it with `casekit update ID --set {field}=...`, or pick another template)").format(
            field=field
        )
    return _(" (see `casekit script --list` and docs/scripts-and-reports.md for the variables)")


def _template_line(exc: BaseException, env: SandboxedEnvironment, name: str) -> tuple[int | None, str]:
    """The template file and line an error was raised at, read from the rewritten traceback."""
    roots = [str(p) for p in template_roots(None)]
    best: tuple[int | None, str] = (None, name)
    for frame in traceback.extract_tb(exc.__traceback__):
        filename = frame.filename or ""
        if filename.endswith(".j2") and frame.lineno:
            best = (frame.lineno, _shorten(filename, roots))
    return best


def _shorten(filename: str, roots: list[str]) -> str:
    marker = f"/{TEMPLATES_DIR}/"
    if marker in filename:
        tail = filename.rsplit(marker, 1)[1]
        if any(filename.startswith(r) for r in roots):
            return f"(bundled) {TEMPLATES_DIR}/{tail}"
        return f"{TEMPLATES_DIR}/{tail}"
    return filename
