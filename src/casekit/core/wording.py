"""Wording a reply must never use (投诉处理禁区), as rules with the wording to say instead.

Pure: rules are read from the plain data of a config section (`parse_rules`) and matched
against text (`find_forbidden`). A rule is a phrase (matched ignoring case) or a regular
expression (`pattern`), with a suggested wording per language and the handbook it comes
from. `casekit.features.scripts.context` reads the `scripts:` section through it; the
template checks, the checks of text typed into a case and `casekit validate` all match
through `find_forbidden`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from casekit.core.config import Finding, KeyPath
from casekit.i18n import _

LANGS = ("zh", "en")
RULE_KEYS = ("phrase", "pattern", "suggest", "source")
_MAX_PATTERN = 200


@dataclass(frozen=True)
class WordingRule:
    """One phrase (or pattern) replies must never use, and what to say instead."""

    text: str  # the phrase, or the regular expression when `regex`
    lang: str
    regex: bool = False
    suggest: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)
    source: str | None = field(default=None, compare=False, hash=False)

    def search(self, text: str) -> str | None:
        """The words of `text` this rule finds, or None."""
        if self.regex:
            match = re.search(self.text, text, re.IGNORECASE)
            return match.group(0) if match else None
        start = text.lower().find(self.text.lower())
        return text[start : start + len(self.text)] if start >= 0 else None

    def suggestion(self, lang: str) -> str | None:
        """The suggested wording in `lang`, else in the rule's own language."""
        return self.suggest.get(lang) or self.suggest.get(self.lang) or None


@dataclass(frozen=True)
class WordingHit:
    """Words found in a text, and the rule they break."""

    rule: WordingRule
    found: str


def find_forbidden(text: str, rules: Iterable[WordingRule]) -> list[WordingHit]:
    """Every rule `text` breaks, once each (a rule given for several languages counts
    once), in the order the rules are given."""
    if isinstance(rules, tuple):
        screen = _screen_for(rules)
        if screen is not None and not screen(text):
            return []  # most text breaks no rule: one look instead of one per rule
    hits = []
    seen: set[tuple[str, bool]] = set()
    for rule in rules:
        if (rule.text, rule.regex) in seen:
            continue
        found = rule.search(text)
        if found:
            seen.add((rule.text, rule.regex))
            hits.append(WordingHit(rule, found))
    return hits


Screen = Callable[[str], bool]
_SCREENS: dict[int, tuple[tuple[WordingRule, ...], Screen | None]] = {}


def _screen_for(rules: tuple[WordingRule, ...]) -> Screen | None:
    """A test true for every text that breaks at least one of `rules` (and for few others),
    made once per rule set (the settings hold one tuple); None when the patterns cannot be
    joined into one expression (a back-reference or named group would clash)."""
    known = _SCREENS.get(id(rules))
    if known is not None and known[0] is rules:
        return known[1]
    phrases = tuple(dict.fromkeys(rule.text.lower() for rule in rules if not rule.regex))
    patterns = list(dict.fromkeys(rule.text for rule in rules if rule.regex))
    screen = None if any(_BACK_REFERENCE.search(p) for p in patterns) else _joined_screen(phrases, patterns)
    if len(_SCREENS) > 64:
        _SCREENS.clear()
    _SCREENS[id(rules)] = (rules, screen)
    return screen


_BACK_REFERENCE = re.compile(r"\\\d|\(\?P")


def _joined_screen(phrases: tuple[str, ...], patterns: list[str]) -> Screen | None:
    try:
        joined = re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE) if patterns else None
    except re.error:
        return None

    def screen(text: str) -> bool:
        lowered = text.lower()
        return any(phrase in lowered for phrase in phrases) or bool(joined and joined.search(text))

    return screen


def parse_rules(value: Any, *, where: KeyPath) -> tuple[list[WordingRule], list[Finding]]:
    """Rules from a config value and the problems in it. The value is a list of entries for
    every language, or {zh: [...], en: [...]}; an entry is a phrase, or a mapping with
    `phrase` or `pattern`, and optionally `suggest` (text, or {zh: ..., en: ...}) and
    `source` (the handbook). A bad entry is left out and named in the problems."""
    if isinstance(value, Mapping):
        rules: list[WordingRule] = []
        problems: list[Finding] = []
        for lang, entries in value.items():
            if lang not in LANGS:
                problems.append(
                    ([*where, lang], _("languages are {languages}").format(languages=_(", ").join(LANGS)))
                )
                continue
            found, wrong = _entries(entries, (str(lang),), [*where, lang])
            rules += found
            problems += wrong
        return rules, problems
    return _entries(value, LANGS, where)


def _entries(value: Any, langs: Sequence[str], where: KeyPath) -> tuple[list[WordingRule], list[Finding]]:
    if not isinstance(value, list):
        return [], [(where, _("must be a list of phrases, or {zh: [...], en: [...]}"))]
    rules: list[WordingRule] = []
    problems: list[Finding] = []
    for index, entry in enumerate(value):
        rule, problem = _entry(entry, langs[0])
        if problem is not None:
            problems.append(([*where, index], problem))
        elif rule is not None:
            rules += [WordingRule(rule.text, lang, rule.regex, rule.suggest, rule.source) for lang in langs]
    return rules, problems


def _entry(entry: Any, lang: str) -> tuple[WordingRule | None, str | None]:
    if isinstance(entry, str):
        return (WordingRule(entry, lang), None) if entry.strip() else (None, _("a phrase must not be empty"))
    if not isinstance(entry, Mapping):
        return None, _("an entry is a phrase, or {phrase: ..., suggest: {zh: ..., en: ...}, source: ...}")
    unknown = [str(k) for k in entry if k not in RULE_KEYS]
    if unknown:
        return None, _("unknown key {key!r}; an entry has {keys}").format(
            key=unknown[0], keys=_(", ").join(RULE_KEYS)
        )
    if ("phrase" in entry) == ("pattern" in entry):
        return None, _("give either phrase (words) or pattern (a regular expression), not both")
    text = entry.get("phrase", entry.get("pattern"))
    if not isinstance(text, str) or not text.strip():
        return None, _("the phrase or pattern must be non-empty text")
    regex = "pattern" in entry
    if regex:
        if len(text) > _MAX_PATTERN:
            return None, _("a pattern may have at most {count} characters").format(count=_MAX_PATTERN)
        try:
            compiled = re.compile(text, re.IGNORECASE)
        except re.error as exc:
            return None, _("pattern {pattern!r} is not a regular expression: {problem}").format(
                pattern=text, problem=exc
            )
        if compiled.search(""):
            return None, _("pattern {pattern!r} matches empty text, so it would match everything").format(
                pattern=text
            )
    suggest = entry.get("suggest")
    if isinstance(suggest, str):
        suggestions = {lang: suggest}
    elif isinstance(suggest, Mapping) and all(
        k in LANGS and isinstance(v, str) and v.strip() for k, v in suggest.items()
    ):
        suggestions = {str(k): str(v) for k, v in suggest.items()}
    elif suggest is None:
        suggestions = {}
    else:
        return None, _("suggest is the wording to use instead: text, or {zh: ..., en: ...}")
    source = entry.get("source")
    if source is not None and not isinstance(source, str | int):
        return None, _("source names the handbook the rule comes from, e.g. '004'")
    return WordingRule(text, lang, regex, suggestions, None if source is None else str(source)), None
