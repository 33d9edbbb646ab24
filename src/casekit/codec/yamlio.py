"""YAML in and out.

Writing always goes through ruamel.yaml's round-trip mode, so comments, blank lines and
key order a person wrote survive a rewrite. Reading for queries and validation uses
PyYAML's C loader, taught the same YAML 1.2 rules ruamel applies, so both give identical
values: timestamps and dates stay the ISO strings written in the file, floats become
`Decimal` (money is never a float), and `yes`/`no`/`10:30` stay strings.

Both readers first pass the text through `screen`, which refuses what casekit's files
never need and what makes YAML dangerous to read: aliases and anchors (an "alias bomb"
of a few hundred bytes expands to billions of values), explicit tags (`!tag`, `!!str`),
duplicate keys (which YAML readers silently resolve, each its own way), keys that are not
scalars, and nesting deeper than the file's layout allows (`CASE_DEPTH` for a case file,
`CONFIG_DEPTH` for casekit.yaml), before any recursion can run out of stack.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import cache
from io import StringIO
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from ruamel.yaml import YAML

from casekit.i18n import _

_TIMESTAMP = re.compile(
    r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
    |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
    (?:[Tt]|[ \t]+)[0-9][0-9]?
    :[0-9][0-9] :[0-9][0-9] (?:\.[0-9]*)?
    (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""",
    re.X,
)
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_FLOAT = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)
_INT = re.compile(
    r"""^(?:[-+]?0b[0-1_]+
    |[-+]?0o?[0-7_]+
    |[-+]?[0-9_]+
    |[-+]?0x[0-9a-fA-F_]+)$""",
    re.X,
)
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")

_TAG = "tag:yaml.org,2002:"


# How deep mappings and sequences may nest (the top-level mapping is level 1). A case file
# needs 5 (`deadlines` -> clock -> `missed` -> item; a history entry's `set` holding a
# list); casekit.yaml needs 7 (`kinds` -> kind -> `transitions` -> state -> target ->
# `when` -> values). The bounds leave room for hand-written files, and refuse anything
# near where a reader's recursion would run out of stack.
CASE_DEPTH = 8
CONFIG_DEPTH = 12

# Python refuses to convert longer digit strings (sys.int_info.default_max_str_digits).
_MAX_DIGITS = 4000


class BadNumber(ValueError):
    """A scalar that looks like a number YAML 1.2 reads, but no number can hold."""


def yaml_int(text: str) -> int:
    """An integer as YAML 1.2 reads it (underscores allowed, 0b/0o/0x prefixes);
    BadNumber when it has too many digits to convert, or none (`0x_`)."""
    if len(text) > _MAX_DIGITS:
        raise BadNumber(_("the number {number}... has too many digits").format(number=text[:20]))
    cleaned = text.replace("_", "")
    sign = -1 if cleaned.startswith("-") else 1
    digits = cleaned.lstrip("+-")
    base = {"0b": 2, "0x": 16, "0o": 8}.get(digits[:2], 10)
    try:
        return sign * int(digits[2:] if base != 10 else digits, base)
    except ValueError:
        raise BadNumber(_("{number} is not a number").format(number=text)) from None


def yaml_decimal(text: str) -> Decimal:
    """A YAML float read exactly, as a Decimal; BadNumber when no Decimal can hold it."""
    cleaned = text.replace("_", "").lower()
    if cleaned.endswith(".inf"):
        return Decimal("-Infinity") if cleaned.startswith("-") else Decimal("Infinity")
    if cleaned == ".nan":
        return Decimal("NaN")
    try:
        return Decimal(cleaned)
    except ArithmeticError:  # decimal.InvalidOperation: an exponent past what Decimal holds
        raise BadNumber(_("the number {number} is out of range").format(number=text[:20])) from None


N = TypeVar("N", int, Decimal)


def _number(read: Callable[[str], N], text: str, node: Any, error: type[Exception]) -> N:
    """A number scalar read by `read`; a BadNumber becomes the loader's own error at the node."""
    try:
        return read(text)
    except BadNumber as exc:
        raise error(None, None, str(exc), node.start_mark) from None


def decimal_text(value: Decimal) -> str:
    """How a Decimal is written: plain digits, always with a point so it reads back as one."""
    if not value.is_finite():
        return ".nan" if value.is_nan() else ("-.inf" if value < 0 else ".inf")
    text = format(value, "f")
    return text if "." in text else text + ".0"


# PyYAML is imported the first time a file is parsed with it: most commands never need it
# (casekit.codec.quickload reads casekit's own layout without it).
@cache
def _fast_loader() -> Any:
    """PyYAML's C loader with the YAML 1.2 implicit types ruamel.yaml uses."""
    import yaml

    class Resolver12(yaml.resolver.BaseResolver):
        pass

    for tag, regex, first in (
        ("bool", _BOOL, "tTfF"),
        ("float", _FLOAT, "-+0123456789."),
        ("int", _INT, "-+0123456789"),
        ("null", _NULL, "~nN\0"),
        ("timestamp", _TIMESTAMP, "0123456789"),
    ):
        Resolver12.add_implicit_resolver(_TAG + tag, regex, [None if c == "\0" else c for c in first])

    class Constructor(yaml.constructor.SafeConstructor):
        def _scalar(self, node: Any) -> str:
            return str(self.construct_scalar(node))

        def construct_timestamp_text(self, node: Any) -> str:
            return self._scalar(node)

        def construct_exact_decimal(self, node: Any) -> Decimal:
            return _number(yaml_decimal, self._scalar(node), node, yaml.constructor.ConstructorError)

        def construct_yaml12_int(self, node: Any) -> int:
            return _number(yaml_int, self._scalar(node), node, yaml.constructor.ConstructorError)

        def construct_yaml12_bool(self, node: Any) -> bool:
            return self._scalar(node).lower() == "true"

    Constructor.add_constructor(_TAG + "timestamp", Constructor.construct_timestamp_text)  # type: ignore[type-var]
    Constructor.add_constructor(_TAG + "float", Constructor.construct_exact_decimal)  # type: ignore[type-var]
    Constructor.add_constructor(_TAG + "int", Constructor.construct_yaml12_int)  # type: ignore[type-var]
    Constructor.add_constructor(_TAG + "bool", Constructor.construct_yaml12_bool)  # type: ignore[type-var]

    if yaml.__with_libyaml__:
        parser: Any = yaml.cyaml.CParser  # type: ignore[attr-defined]

        class FastLoader(parser, Constructor, Resolver12):  # type: ignore[misc]
            def __init__(self, stream: str | bytes) -> None:
                parser.__init__(self, stream)
                Constructor.__init__(self)
                Resolver12.__init__(self)

        return FastLoader

    class PureLoader(  # pragma: no cover - libyaml ships in PyYAML's wheels
        yaml.reader.Reader,
        yaml.scanner.Scanner,
        yaml.parser.Parser,
        yaml.composer.Composer,
        Constructor,
        Resolver12,
    ):
        def __init__(self, stream: str | bytes) -> None:
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            yaml.composer.Composer.__init__(self)
            Constructor.__init__(self)
            Resolver12.__init__(self)

    return PureLoader


def __getattr__(name: str) -> Any:
    if name == "FastLoader":  # the loader class, built on first use
        return _fast_loader()
    raise AttributeError(name)


class YamlSyntaxError(ValueError):
    """Text casekit will not read as YAML; `line` is 1-based when known, `fix` says what
    to do about it (a clause to follow the message after a semicolon)."""

    def __init__(self, message: str, line: int | None, fix: str | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.fix = _("fix the YAML syntax") if fix is None else fix

    def sentence(self) -> str:
        """The message and what to do, as one sentence."""
        return _("{message}; {fix}").format(message=self, fix=self.fix)


def _syntax_error(exc: Exception) -> YamlSyntaxError:
    """A PyYAML or ruamel.yaml error as a YamlSyntaxError with its line."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else None
    problem = getattr(exc, "problem", None) or getattr(exc, "context", None) or str(exc)
    first = problem.strip().splitlines()[0] if problem.strip() else _("unreadable")
    # one line: the rest is where (PyYAML's own words, in English)
    return YamlSyntaxError(_("invalid YAML: {problem}").format(problem=first), line)


def _plain_key(text: str) -> Any:
    """The value a plain (unquoted) scalar key reads as, so that `1` and `0x1`, or `true`
    and `True`, count as the same key, as they would once read into a mapping. Like the
    loader's resolver, each type is tried only for the first characters it registers."""
    first = text[:1]
    try:
        if first in _BOOL_FIRST and _BOOL.match(text):
            return text.lower() == "true"
        if first in _NUMBER_FIRST and _FLOAT.match(text):
            return yaml_decimal(text)
        if first in _NUMBER_FIRST and first != "." and _INT.match(text):
            return yaml_int(text)
    except BadNumber:
        return text
    if (not first or first in "~nN") and _NULL.match(text):
        return None
    return text


_BOOL_FIRST = frozenset("tTfF")
_NUMBER_FIRST = frozenset("-+0123456789.")


def screen(text: str | bytes, max_depth: int = CASE_DEPTH) -> None:
    """Refuse, as a YamlSyntaxError naming the line, what casekit never reads: aliases and
    anchors, explicit tags, duplicate keys, keys that are not scalars, and mappings or
    sequences nested deeper than `max_depth`. Reads the parser's events only, so it stops
    at the first such thing and builds nothing; it also raises on text that is not YAML."""
    import yaml

    # For each open collection: None for a sequence; for a mapping, the keys seen (key ->
    # line) and whether the next event is a key.
    open_: list[tuple[dict[Any, int | None], list[bool]] | None] = []
    try:
        for event in yaml.parse(text, Loader=_fast_loader()):
            line = event.start_mark.line + 1 if event.start_mark is not None else None
            frame = open_[-1] if open_ else None
            is_key = frame is not None and frame[1][0]
            if frame is not None and isinstance(event, yaml.NodeEvent):
                frame[1][0] = not is_key
            if isinstance(event, yaml.AliasEvent):
                raise YamlSyntaxError(
                    _("a YAML alias (*{anchor}) is not allowed in casekit files").format(anchor=event.anchor),
                    line,
                    _("write the value out in full"),
                )
            if isinstance(event, yaml.CollectionEndEvent):
                open_.pop()
                continue
            if not isinstance(event, yaml.NodeEvent):
                continue
            if event.anchor is not None:
                raise YamlSyntaxError(
                    _("a YAML anchor (&{anchor}) is not allowed in casekit files").format(
                        anchor=event.anchor
                    ),
                    line,
                    _("remove it, and write its value out in full wherever *{anchor} repeats it").format(
                        anchor=event.anchor
                    ),
                )
            tag = getattr(event, "tag", None)
            if tag is not None:
                shown = tag.replace(_TAG, "!!") if tag.startswith(_TAG) else tag
                raise YamlSyntaxError(
                    _("a YAML tag ({tag}) is not allowed in casekit files").format(tag=shown),
                    line,
                    _("remove the tag"),
                )
            if isinstance(event, yaml.ScalarEvent):
                if is_key and frame is not None:
                    key = _plain_key(event.value) if event.implicit[0] else event.value
                    if key in frame[0]:
                        first = frame[0][key]
                        raise YamlSyntaxError(
                            _("the key {key!r} appears twice in one mapping (also on line {line})").format(
                                key=event.value, line=first
                            ),
                            line,
                            _("keep only one of them"),
                        )
                    frame[0][key] = line
                continue
            if is_key:
                raise YamlSyntaxError(
                    _("a mapping key must be a plain value, not a list or mapping"),
                    line,
                    _("rewrite the key"),
                )
            if len(open_) >= max_depth:
                raise _too_deep(max_depth, line)
            open_.append(({}, [True]) if isinstance(event, yaml.MappingStartEvent) else None)
    except yaml.YAMLError as exc:
        # PyYAML from 6.0.4 on stops deep flow nesting in its scanner, before the events
        # reach the check above: the same file gets the same message either way.
        if "nesting depth" in str(getattr(exc, "problem", "") or ""):
            mark = getattr(exc, "problem_mark", None)
            raise _too_deep(max_depth, mark.line + 1 if mark is not None else None) from None
        raise _syntax_error(exc) from None


def _too_deep(max_depth: int, line: int | None) -> YamlSyntaxError:
    return YamlSyntaxError(
        _(
            "mappings and lists nest more than {depth} levels deep, deeper than casekit's files ever need"
        ).format(depth=max_depth),
        line,
        _("flatten the file"),
    )


def load_fast(text: str | bytes, max_depth: int = CASE_DEPTH) -> Any:
    """Parse one YAML document quickly into plain Python values, after `screen`."""
    import yaml

    screen(text, max_depth)
    try:
        return yaml.load(text, Loader=_fast_loader())
    except yaml.YAMLError as exc:
        raise _syntax_error(exc) from None


def locate(text: str | bytes, key_path: Sequence[str | int]) -> int | None:
    """The 1-based line of the value at `key_path` (the deepest part of it that exists)."""
    import yaml

    try:
        node = yaml.compose(text, Loader=_fast_loader())
    except yaml.YAMLError:
        return None
    if node is None:
        return None
    line: int = node.start_mark.line + 1
    for key in key_path:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(key):
                    child = value_node
                    line = key_node.start_mark.line + 1
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
            child = node.value[key]
            line = child.start_mark.line + 1
        if child is None:
            return line
        node = child
    return line


@cache
def round_trip() -> YAML:
    """The ruamel.yaml instance used to read a file that will be rewritten, and to write."""
    from ruamel.yaml import YAML
    from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
    from ruamel.yaml.representer import RoundTripRepresenter

    class Constructor(RoundTripConstructor):
        pass

    def timestamp_text(self: Constructor, node: Any) -> str:
        return str(self.construct_scalar(node))

    def exact_decimal(self: Constructor, node: Any) -> Decimal:
        return _number(yaml_decimal, str(self.construct_scalar(node)), node, ConstructorError)

    def yaml12_int(self: Constructor, node: Any) -> int:
        return _number(yaml_int, str(self.construct_scalar(node)), node, ConstructorError)

    Constructor.add_constructor(_TAG + "timestamp", timestamp_text)
    Constructor.add_constructor(_TAG + "float", exact_decimal)
    Constructor.add_constructor(_TAG + "int", yaml12_int)

    class Representer(RoundTripRepresenter):
        def ignore_aliases(self, data: Any) -> bool:
            # A value shared by `fields` and a history entry is written twice, never as
            # an anchor and alias: people read these files.
            return True

    def represent_str(self: Representer, data: str) -> Any:
        if _TIMESTAMP.match(data):
            return self.represent_scalar(_TAG + "timestamp", str(data))
        return RoundTripRepresenter.represent_str(self, data)

    def represent_decimal(self: Representer, data: Decimal) -> Any:
        return self.represent_scalar(_TAG + "float", decimal_text(data))

    Representer.add_representer(str, represent_str)
    Representer.add_representer(Decimal, represent_decimal)

    rt = YAML()
    rt.Constructor = Constructor
    rt.Representer = Representer
    rt.allow_unicode = True
    rt.width = 4096
    rt.preserve_quotes = True
    rt.indent(mapping=2, sequence=4, offset=2)
    return rt


def load_round_trip(text: str, max_depth: int = CASE_DEPTH) -> Any:
    """Read a file that will be rewritten (comments and layout kept), after `screen`."""
    from ruamel.yaml.error import YAMLError

    screen(text, max_depth)
    try:
        return round_trip().load(text)
    except YAMLError as exc:
        raise _syntax_error(exc) from None


def dump_round_trip(data: Any) -> str:
    out = StringIO()
    round_trip().dump(data, out)
    return out.getvalue()


def flow_map(items: dict[str, Any]) -> Any:
    """A mapping written on one line, as history entries are."""
    from ruamel.yaml.comments import CommentedMap

    mapping = CommentedMap({key: _flow_safe(value) for key, value in items.items()})
    mapping.fa.set_flow_style()
    return mapping


def _flow_safe(value: Any) -> Any:
    """`value` with every text that cannot stand unquoted inside a flow mapping quoted:
    ruamel writes `{note: :0}` (valid YAML 1.2), which YAML 1.1 readers, libyaml among
    them, refuse, since a plain scalar there cannot start with `:` or `?`."""
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    if isinstance(value, str) and value[:1] in (":", "?"):
        return DoubleQuotedScalarString(value)
    if type(value) is dict:
        return {key: _flow_safe(item) for key, item in value.items()}
    if type(value) is list:
        return [_flow_safe(item) for item in value]
    return value


def block_map(items: dict[str, Any]) -> Any:
    from ruamel.yaml.comments import CommentedMap

    return CommentedMap(items)
