"""The words a person may type for a key, and the one resolver that turns a word into its key.

Pure. Every option that takes a kind, a state, a priority, a channel, an enum value or a
person accepts the key itself, its Chinese or English label from casekit.yaml, or, for a
person, the login, the display name (李娜) or the email. Latin letters match whatever
their case (and full-width letters as half-width ones); a word that names no key, or
more than one, is refused with the choices (`UnknownWord`, a ValueError). The resolver
itself is `casekit.core.resolver`; this module builds its vocabularies from the config.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from casekit.core.config import Config, KindSpec, Person
from casekit.core.resolver import (
    UnknownWord,
    Vocabulary,
    choice,
    choices,
    enum_values,
    fold,
    labelled,
    resolve,
    resolve_all,
)
from casekit.i18n import _, is_chinese

__all__ = [
    "UnknownWord",
    "Vocabulary",
    "channels",
    "choice",
    "choices",
    "enum_values",
    "fold",
    "kind_states",
    "kinds",
    "labelled",
    "people",
    "person",
    "priorities",
    "resolve",
    "resolve_all",
    "states",
]


def _lang() -> str:
    return "zh" if is_chinese() else "en"


def _join(items: list[str]) -> str:
    return _(", ").join(items)


def priorities(config: Config) -> Vocabulary:
    return labelled(config.priorities, _("{word} is not a priority; use one of {choices}"))


def channels(config: Config) -> Vocabulary:
    return labelled(config.channels, _("{word} is not a channel; use one of {choices}"))


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
