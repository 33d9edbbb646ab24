"""The repository's allowed-signers file: who may sign casekit's commits, with which key.

`.casekit/allowed_signers` (`casekit.core.tree_rules.ALLOWED_SIGNERS_FILE`) is in git's
(and `ssh-keygen`'s) allowed-signers format, one key a line:

    zhang.wei@example.com namespaces="git" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA... zhang.wei laptop

The principal is the person's email as `people` in casekit.yaml gives it, so the signer git
reports (`%GS`) is matched to the commit's author. Only a supervisor's commit may change
the file; the server reads it from a commit it trusts. Pure: text in, data out.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from casekit.core.config import Config, Person
from casekit.i18n import _

NAMESPACES = 'namespaces="git"'
KEY_TYPES = frozenset(
    {
        "ssh-ed25519",
        "ssh-rsa",
        "ssh-dss",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com",
        "sk-ecdsa-sha2-nistp256@openssh.com",
    }
)


@dataclass(frozen=True)
class PublicKey:
    """An SSH public key as a `.pub` file holds it: type, base64 body, comment."""

    key_type: str
    body: str
    comment: str = ""

    @property
    def text(self) -> str:
        """`TYPE BODY`, without the comment: what identifies the key."""
        return f"{self.key_type} {self.body}"


@dataclass(frozen=True)
class Signer:
    """One line of the allowed-signers file."""

    principals: tuple[str, ...]
    options: str
    key: PublicKey
    line: int


def parse_public_key(text: str) -> PublicKey:
    """The key in a `.pub` file's text; ValueError (one sentence) when it holds none."""
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if len(lines) != 1:
        raise ValueError(_("is not an SSH public key (expected one line: TYPE KEY [COMMENT])"))
    return _key_at(lines[0].split(None, 2), 0)


def _key_at(words: list[str], start: int) -> PublicKey:
    if len(words) < start + 2 or words[start] not in KEY_TYPES:
        raise ValueError(_("is not an SSH public key (expected one line: TYPE KEY [COMMENT])"))
    body = words[start + 1]
    try:
        base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(_("holds a key that is not base64")) from None
    comment = " ".join(words[start + 2 :]).strip()
    return PublicKey(words[start], body, comment)


def _split(line: str) -> list[str]:
    """Words separated by blanks; a double-quoted stretch (in options) is part of a word."""
    words: list[str] = []
    current = ""
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
            current += char
        elif char in " \t" and not quoted:
            if current:
                words.append(current)
            current = ""
        else:
            current += char
    if quoted:
        raise ValueError(_("has an unclosed quote"))
    if current:
        words.append(current)
    return words


def parse_allowed_signers(text: str) -> tuple[list[Signer], list[tuple[int, str]]]:
    """The file's signers, and its unreadable lines as (line number, what is wrong).
    Blank lines and `#` comments are skipped."""
    signers: list[Signer] = []
    problems: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            words = _split(line)
            if len(words) < 3:
                raise ValueError(_("is not PRINCIPALS [OPTIONS] TYPE KEY [COMMENT]"))
            options = "" if words[1] in KEY_TYPES else words[1]
            key = _key_at(words, 2 if options else 1)
        except ValueError as exc:
            problems.append((number, _("line {number} {problem}").format(number=number, problem=exc)))
            continue
        principals = tuple(p for p in words[0].strip('"').split(",") if p)
        signers.append(Signer(principals, options, key, number))
    return signers, problems


def signer_line(email: str, key: PublicKey) -> str:
    """The line that lets `email` sign casekit's commits with `key` (no newline)."""
    comment = f" {key.comment}" if key.comment else ""
    return f"{email} {NAMESPACES} {key.text}{comment}"


def with_signer(text: str, email: str, key: PublicKey) -> tuple[str, bool]:
    """The file's text with `email` allowed to sign with `key`, and whether it changed.
    A line naming only `email` with another key is replaced (one key per person: a new
    key takes the old one's place); lines of other people, comments and unreadable lines
    are kept as they are."""
    signers, _problems = parse_allowed_signers(text)
    mine = [s for s in signers if s.principals == (email,)]
    if any(s.key.text == key.text for s in mine) and len(mine) == 1:
        return text, False
    replaced = {s.line for s in mine}
    kept = [line for number, line in enumerate(text.splitlines(), 1) if number not in replaced]
    while kept and not kept[-1].strip():
        kept.pop()
    kept.append(signer_line(email, key))
    return "\n".join(kept) + "\n", True


def keys_of(text: str, email: str) -> list[PublicKey]:
    """The keys the file lets `email` sign with."""
    signers, _problems = parse_allowed_signers(text)
    return [s.key for s in signers if email in s.principals]


def person_of_principal(config: Config, principal: str) -> Person | None:
    """The person a signer (an SSH principal, or a GPG `Name <email>`) is, by email."""
    principal = principal.strip()
    if "<" in principal and principal.endswith(">"):
        principal = principal.rsplit("<", 1)[1][:-1].strip()
    if not principal:
        return None
    return next((p for p in config.people.values() if p.email and p.email == principal), None)
