"""Typer's own words in the user's language: the help's headings (`Usage:`, `Arguments`,
`Options`, `Commands`), `[default: ...; required]`, the help option's `Show this message
and exit.`, and the usage errors (`Error: Missing argument 'KIND'.`, `No such option`,
`Invalid value for '--format'`, ...).

Typer writes them in English: a few through the standard library's `gettext` (which knows
no casekit catalogue), most in f-strings of its bundled Click. For a user who does not read
English, `install` makes Typer take those words from casekit's catalogue, and lays out the
help by display width (a Chinese character takes two columns) with a line break allowed
between Chinese characters. In English nothing changes. When Typer's internals differ from
what this module expects, it leaves what it cannot reach in English.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from casekit.i18n import N_, _

# Typer's own `_()` messages: the headings of the help and the words around its options.
TYPER_MESSAGES = (
    N_("Arguments"),
    N_("Options"),
    N_("Commands"),
    N_("default: {default}"),
    N_("required"),
    N_("env var: {var}"),
    N_("(dynamic)"),
    N_("Aborted!"),
    N_("Missing command."),
)

# Click's usage errors as it words them, and the catalogue's message for each; the named
# groups fill the message's placeholders. `message` and `head` are translated in turn. The
# patterns (like those below) are compiled when first used, by `re`: not at start-up.
ERRORS: tuple[tuple[str, str], ...] = (
    (r"(?P<head>.+?\.) Did you mean (?P<suggestions>.+)\?", N_("{head} Did you mean {suggestions}?")),
    (
        r"Missing (?P<kind>argument|option|parameter) (?P<name>.+?)\. Choose from:\n\t(?P<choices>.*)",
        N_("Missing {kind} {name}. Choose from:\n\t{choices}"),
    ),
    (r"No such command (?P<name>'.*')\.", N_("No such command {name}.")),
    (r"Missing argument (?P<name>.+?)\.", N_("Missing argument {name}.")),
    (r"Missing option (?P<name>.+?)\.", N_("Missing option {name}.")),
    (r"Missing parameter (?P<name>.+?)\.", N_("Missing parameter {name}.")),
    (
        r"No such option: (?P<name>\S+) \(Possible options: (?P<possible>.+)\)",
        N_("No such option: {name} (Possible options: {possible})"),
    ),
    (r"No such option: (?P<name>\S+)", N_("No such option: {name}")),
    (r"Invalid value for (?P<name>.+?): (?P<message>.+)", N_("Invalid value for {name}: {message}")),
    (r"Invalid value: (?P<message>.+)", N_("Invalid value: {message}")),
    (r"(?P<value>.+) is not one of (?P<choices>.+)\.", N_("{value} is not one of {choices}.")),
    (r"Value (?P<value>.+) is not a valid (?P<kind>\w+)\.", N_("Value {value} is not a valid {kind}.")),
    (
        r"Got unexpected extra argument\(s\) \((?P<arguments>.*)\)",
        N_("Got unexpected extra argument(s) ({arguments})"),
    ),
    (r"Option (?P<name>'.+?') requires an argument\.", N_("Option {name} requires an argument.")),
    (
        r"Option (?P<name>'.+?') requires (?P<count>\d+) arguments\.",
        N_("Option {name} requires {count} arguments."),
    ),
    (r"Option (?P<name>'.+?') does not take a value\.", N_("Option {name} does not take a value.")),
    (
        r"(?P<kind>File|Directory|Path) (?P<name>'.+') does not exist\.",
        N_("{kind} {name} does not exist."),
    ),
    (r"(?P<kind>File|Directory|Path) (?P<name>'.+') is a file\.", N_("{kind} {name} is a file.")),
    (
        r"(?P<kind>File|Directory|Path) (?P<name>'.+') is a directory\.",
        N_("{kind} {name} is a directory."),
    ),
    (
        r"(?P<kind>File|Directory|Path) (?P<name>'.+') is not readable\.",
        N_("{kind} {name} is not readable."),
    ),
    (
        r"(?P<kind>File|Directory|Path) (?P<name>'.+') is not writable\.",
        N_("{kind} {name} is not writable."),
    ),
    (
        r"Input should be greater than or equal to (?P<limit>\S+)",
        N_("Input should be greater than or equal to {limit}"),
    ),
    (
        r"Input should be less than or equal to (?P<limit>\S+)",
        N_("Input should be less than or equal to {limit}"),
    ),
    (
        r"Input should be a valid integer, unable to parse string as an integer",
        N_("Input should be a valid integer, unable to parse string as an integer"),
    ),
    (r"Value must be an iterable\.", N_("Value must be an iterable.")),
)
# what the messages name: Typer's words, not the user's values
KINDS = {
    "argument": N_("argument"),
    "option": N_("option"),
    "parameter": N_("parameter"),
    "File": N_("File"),
    "Directory": N_("Directory"),
    "Path": N_("Path"),
}
TRANSLATED_GROUPS = ("head", "message")


def translated_error(message: str) -> str:
    """Click's English usage error `message` in the user's language (else as it is)."""
    for pattern, template in ERRORS:
        match = re.fullmatch(pattern, message, re.DOTALL)
        if match:
            values = {name: _value(name, value) for name, value in match.groupdict().items()}
            return _(template).format(**values)
    return message


def _value(group: str, value: str) -> str:
    if group in TRANSLATED_GROUPS:
        return translated_error(value)
    if group == "kind" and value in KINDS:
        return _(KINDS[value])
    return value


# The pieces a line may break between: one Chinese (or other wide) character, or a run of
# other text, each with the opening punctuation before it and the closing punctuation after
# it; a bracketed note without spaces (Typer's `[必填]`) stays whole.
_WIDE = "\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
_OPENING = "（「『《“‘【〔"
_CLOSING = "）」』》”’】〕，。、；：！？)\\].,;:!?%"
_PIECE = rf"\[[^\]\s]*\][{_CLOSING}]*|[{_OPENING}]*(?:[{_WIDE}]|[^\s{_WIDE}{_OPENING}]+)[{_CLOSING}]*"
_WIDE_CHARACTER = f"[{_WIDE}]"
_SENTENCE = r".*?[。！？]"
_PAUSE = r"[，；：、]"


def display_width(text: str) -> int:
    """Columns `text` takes in a terminal: a wide (Chinese) character takes two."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


class _Measured(str):
    """A piece of text whose len() is the columns it takes, for textwrap's arithmetic."""

    columns: int

    def __new__(cls, text: str) -> _Measured:
        piece = super().__new__(cls, text)
        piece.columns = display_width(text)
        return piece

    def __len__(self) -> int:
        return self.columns


def _cut(text: str, columns: int) -> tuple[str, str]:
    """`text` split where its first part fills at most `columns` (at least one character)."""
    used = 0
    for index, char in enumerate(text):
        used += display_width(char)
        if used > columns and index:
            return text[:index], text[index:]
    return text, ""


def short_help(original: Callable[..., str]) -> Callable[..., str]:
    """Click's short help (a command's line in the list of commands), measured in columns
    and cut after the first Chinese sentence; help without wide characters as Click does."""

    def make(help: str, max_length: int = 45) -> str:
        if not re.search(_WIDE_CHARACTER, help):
            return original(help, max_length)
        text = " ".join(help.split("\n\n", 1)[0].replace("\b", " ").split())
        sentence = re.match(_SENTENCE, text)
        text = sentence.group(0) if sentence else text
        if display_width(text) <= max_length:
            return text
        cut = _cut(text, max_length - 3)[0]
        # at the last pause (，；：、) when that keeps most of the line
        pauses = [m.start() for m in re.finditer(_PAUSE, cut)]
        if pauses and display_width(cut[: pauses[-1]]) > max_length // 2:
            cut = cut[: pauses[-1]]
        elif text[len(cut) : len(cut) + 1].isascii() and text[len(cut) : len(cut) + 1].strip():
            # not in the middle of a word or a command
            cut = re.sub(r"[!-~]+$", "", cut) or cut
        return cut.rstrip() + "..."

    return make


def install() -> bool:
    """Typer's words from casekit's catalogue (module docstring), for a user who does not
    read English; False when Typer's internals differ from what this module knows."""
    from casekit.i18n import is_chinese

    if not is_chinese():
        return True
    try:
        from typer import core
        from typer._click import core as click_core
        from typer._click import exceptions, formatting
        from typer._click._compat import strip_ansi
        from typer._click._textwrap import TextWrapper
    except ImportError:  # pragma: no cover - another Typer layout: its words stay English
        return False
    typer_core: Any = core
    help_formatting: Any = formatting
    commands: Any = click_core
    typer_core._ = _
    _usage_prefix(help_formatting.HelpFormatter)
    help_formatting.HelpFormatter.write_heading = _heading
    # the help's columns measured in columns, not characters
    help_formatting.term_len = lambda text: display_width(strip_ansi(text))
    _help_option(commands.Command)
    _error_display(exceptions)
    _wrap_by_width(TextWrapper)
    if hasattr(commands, "make_default_short_help"):
        commands.make_default_short_help = short_help(commands.make_default_short_help)
    return True


def _usage_prefix(formatter: Any) -> None:
    write_usage = formatter.write_usage

    def usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        write_usage(self, prog, args, _("Usage: ") if prefix is None else prefix)

    formatter.write_usage = usage


def _heading(self: Any, heading: str) -> None:
    self.write(f"{'':>{self.current_indent}}" + _("{heading}:").format(heading=heading) + "\n")


def _help_option(command: Any) -> None:
    get_help_option = command.get_help_option
    english = "Show this message and exit."

    def help_option(self: Any, ctx: Any) -> Any:
        option = get_help_option(self, ctx)
        if option is not None and getattr(option, "help", None) == english:
            option.help = _("Show this message and exit.")
        return option

    command.get_help_option = help_option


def _error_display(exceptions: Any) -> None:
    """Click's usage errors shown as Click shows them, in the user's language."""
    echo, text_stderr = exceptions.echo, exceptions.get_text_stderr

    def show_error(self: Any, file: Any = None) -> None:
        message = _("Error: {message}").format(message=translated_error(self.format_message()))
        echo(message, file=file or text_stderr(), color=self.show_color)

    def show_usage_error(self: Any, file: Any = None) -> None:
        file = file or text_stderr()
        color = None
        ctx = self.ctx
        if ctx is not None:
            color = ctx.color
            hint = ""
            if ctx.command.get_help_option(ctx) is not None:
                command = f"{ctx.command_path} {ctx.help_option_names[0]}"
                hint = _("Try '{command}' for help.").format(command=command) + "\n"
            echo(f"{ctx.get_usage()}\n{hint}", file=file, color=color)
        message = _("Error: {message}").format(message=translated_error(self.format_message()))
        echo(message, file=file, color=color)

    exceptions.ClickException.show = show_error
    exceptions.UsageError.show = show_usage_error


def _wrap_by_width(wrapper: Any) -> None:
    """Click's text wrapper counts columns, not characters, and may break a line between
    Chinese characters (textwrap splits only at spaces and hyphens)."""
    split = wrapper._split

    def pieces(self: Any, text: str) -> list[str]:
        chunks: list[str] = []
        for chunk in split(self, text):
            found = re.findall(_PIECE, chunk) if re.search(_WIDE_CHARACTER, chunk) else []
            chunks += [_Measured(p) for p in found] if "".join(found) == chunk else [_Measured(chunk)]
        return chunks

    def long_word(
        self: Any, reversed_chunks: list[str], cur_line: list[str], cur_len: int, width: int
    ) -> None:
        cut, rest = _cut(reversed_chunks[-1], max(width - cur_len, 1))
        cur_line.append(_Measured(cut))
        reversed_chunks[-1] = _Measured(rest)

    wrapper._split = pieces
    wrapper._handle_long_word = long_word
