"""The words a person may type for a key, and the one resolver that turns a word into its key.

Pure. Every option that takes a kind, a state, a priority, a channel, an enum value or a
person accepts the key itself, its Chinese or English label from casekit.yaml, or, for a
person, the login, the display name (李娜) or the email. Latin letters match whatever
their case (and full-width letters as half-width ones); a word that names no key, or
more than one, is refused with the choices (`UnknownWord`, a ValueError).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from casekit.core.config import Config, KindSpec, Label, Person
from casekit.i18n import _, is_chinese


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


def labelled(labels: Mapping[str, Label], unknown: str) -> Vocabulary:
    """The keys of a `{key: {zh: ..., en: ...}}` table (priorities, channels, enum values)."""
    lang = _lang()
    return Vocabulary(
        words={key: (label.zh, label.en) for key, label in labels.items()},
        shown={key: label.text(lang) for key, label in labels.items()},
        unknown=unknown,
    )


def priorities(config: Config) -> Vocabulary:
    return labelled(config.priorities, _("{word} is not a priority; use one of {choices}"))


def channels(config: Config) -> Vocabulary:
    return labelled(config.channels, _("{word} is not a channel; use one of {choices}"))


def enum_values(values: Mapping[str, Label]) -> Vocabulary:
    return labelled(values, _("{word} is not one of {choices}"))


def kinds(config: Config) -> Vocabulary:
    return labelled(
        {name: kind.label for name, kind in config.kinds.items()},
        _("unknown case kind {word}; the config defines: {choices}"),
    )


def states(kinds: Iterable[KindSpec], unknown: str | None = None) -> Vocabulary:
    """The states of these kinds: a label two kinds give to different states (已拒绝:
    declined, refused) is ambiguous, one they give to the same state is not."""
    lang = _lang()
    words: dict[str, tuple[str, ...]] = {}
    shown: dict[str, str] = {}
    owners: dict[str, list[str]] = {}  # state -> the kinds it is a state of
    for kind in kinds:
        for name, state in kind.states.items():
            words[name] = (*words.get(name, ()), state.label.zh, state.label.en)
            shown.setdefault(name, state.label.text(lang))
            owners.setdefault(name, []).append(kind.label.text(lang))
    # a label shown for two states says whose states they are: 已拒绝（退换货）, 已拒绝（退订）
    keys_by_label: dict[str, list[str]] = {}
    for name, label in shown.items():
        keys_by_label.setdefault(fold(label), []).append(name)
    for same in (keys for keys in keys_by_label.values() if len(keys) > 1):
        for name in same:
            shown[name] = _("{label}, {kinds}").format(label=shown[name], kinds=_join(owners[name]))
    return Vocabulary(words, shown, unknown or _("unknown status {word}; states are {choices}"))


def kind_states(kind: KindSpec) -> Vocabulary:
    """The states of one kind, as `move` takes them."""
    named = kind.label.zh if is_chinese() else kind.name
    return states([kind], _("{word} is not a {kind} state; states are {choices}").replace("{kind}", named))


def people(persons: Mapping[str, Person]) -> Vocabulary:
    """The people of casekit.yaml: a login, a display name or an email names a person."""
    return Vocabulary(
        words={login: (p.name, p.email) for login, p in persons.items()},
        shown={login: p.name for login, p in persons.items()},
        unknown=_("{word} is not one of the people in casekit.yaml; use one of {choices}"),
    )


def person(config: Config, word: str) -> str:
    """The login of the person `word` names; any word when casekit.yaml lists no people."""
    if not config.people:
        return word.strip()
    return resolve(people(config.people), word)
