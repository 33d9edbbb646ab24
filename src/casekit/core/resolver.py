"""The resolver behind `casekit.core.words`: a vocabulary of keys and the other words for
each, and a word turned into its key or into a refusal listing the choices.

Pure and plain data: it knows nothing of casekit.yaml (`casekit.core.words` builds the
vocabularies from the config), so the field parser can use it too.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from casekit.i18n import _, is_chinese


class Labels(Protocol):
    """A key's Chinese and English label (`casekit.core.config.Label`)."""

    @property
    def zh(self) -> str: ...

    @property
    def en(self) -> str: ...


@dataclass(frozen=True)
class Vocabulary:
    """The keys a word may name, each with its other words (labels, names, emails) and the
    label shown beside it in a list of choices; `unknown` words the refusal of a word that
    names none, with `{word}` (quoted) and `{choices}` (already translated)."""

    words: Mapping[str, tuple[str, ...]]
    shown: Mapping[str, str]
    unknown: str

    @property
    def keys(self) -> list[str]:
        return list(self.words)


class UnknownWord(ValueError):
    """A word that names no key of a vocabulary (`matches` empty) or several (`matches`
    holds them); the message lists the choices."""

    def __init__(self, message: str, word: str, matches: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.word = word
        self.matches = tuple(matches)


def fold(word: str) -> str:
    """A word as compared: full-width forms as half-width ones, case folded, no spaces around."""
    return unicodedata.normalize("NFKC", word).strip().casefold()


def resolve(vocabulary: Vocabulary, word: str) -> str:
    """The key `word` names: the key itself, else the one key whose key or other word it is
    (whatever the letter case), else UnknownWord naming the word and listing the choices."""
    text = word.strip()
    if text in vocabulary.words:
        return text
    wanted = fold(text)
    by_key = [key for key in vocabulary.words if fold(key) == wanted]
    matches = by_key or [
        key for key, others in vocabulary.words.items() if any(fold(w) == wanted for w in others if w)
    ]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise UnknownWord(
            _("{word} could mean {matches}; type one of these keys").format(
                word=repr(text), matches=_join([choice(vocabulary, key) for key in matches])
            ),
            text,
            matches,
        )
    raise UnknownWord(vocabulary.unknown.format(word=repr(text), choices=choices(vocabulary)), text)


def resolve_all(vocabulary: Vocabulary, words: Iterable[str]) -> list[str]:
    """The keys of several words, in order, each once."""
    return list(dict.fromkeys(resolve(vocabulary, word) for word in words))


def choice(vocabulary: Vocabulary, key: str) -> str:
    """One choice as listed: the key, with its label in the user's language beside it."""
    shown = vocabulary.shown.get(key, "")
    if not shown or fold(shown) == fold(key):
        return key
    return _("{key} ({label})").format(key=key, label=shown)


def choices(vocabulary: Vocabulary) -> str:
    """Every choice, as listed in a refusal."""
    return _join([choice(vocabulary, key) for key in vocabulary.words])


def _join(items: Sequence[str]) -> str:
    return _(", ").join(items)


def _lang() -> str:
    return "zh" if is_chinese() else "en"


def labelled(labels: Mapping[str, Labels], unknown: str) -> Vocabulary:
    """The keys of a `{key: {zh: ..., en: ...}}` table (priorities, channels, enum values)."""
    lang = _lang()
    return Vocabulary(
        words={key: (label.zh, label.en) for key, label in labels.items()},
        shown={key: label.en if lang == "en" else label.zh for key, label in labels.items()},
        unknown=unknown,
    )


def enum_values(values: Mapping[str, Labels]) -> Vocabulary:
    """The values of an enum field (`fields.<name>.values` in casekit.yaml)."""
    return labelled(values, _("{word} is not one of {choices}"))
