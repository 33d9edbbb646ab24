"""Where, who and when: the repository, the acting person and the clock, built once per command."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path

from casekit.core.config import CONFIG_FILE, Config
from casekit.core.fields import control_character
from casekit.core.timeutil import parse_datetime
from casekit.errors import CasekitError, NotARepository, Refused, UsageError
from casekit.i18n import _
from casekit.store.configfile import load_config

_IDENT = re.compile(r"^\s*(?P<name>[^<>]*?)\s*<(?P<email>[^<>]*)>\s*$")


@dataclass(frozen=True)
class Actor:
    """The person a change is recorded for: `login` goes in history, name/email in git."""

    login: str
    name: str
    email: str

    @property
    def ident(self) -> str:
        return f"{self.login} <{self.email}>" if self.email else self.login


@dataclass
class Env:
    """Everything a command needs from its surroundings; tests and library callers build
    their own (`environ` gives CASEKIT_REPO, CASEKIT_ACTOR and CASEKIT_NOW; the generator
    switches are fields, which `process_env` fills for the `casekit` command)."""

    repo_flag: str | None = None
    actor_flag: str | None = None
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    cwd: Path = field(default_factory=Path.cwd)
    # False while `init --example` replays recorded history (the recorded cases already
    # contain whatever their follow-ups produced) and for the example generator, whose
    # stories make every case themselves: no automatic follow-up is run.
    follow_ups: bool = True
    # Set by the example generator and tests only: new case IDs derive their suffix from
    # this text (`casekit.core.ids.seeded_bits`), so a rerun gives the same IDs.
    id_seed: str | None = None
    _config: Config | None = field(default=None, repr=False)

    @property
    def root(self) -> Path:
        """The case repository: --repo, else CASEKIT_REPO, else the enclosing git work tree."""
        given = self.repo_flag or self.environ.get("CASEKIT_REPO")
        if given:
            root = (self.cwd / given).resolve()
            if not (root / CONFIG_FILE).is_file():
                raise NotARepository(
                    _(
                        "{root} is not a case repository (no {config}); "
                        "run `casekit init` there or point --repo at one"
                    ).format(root=root, config=CONFIG_FILE)
                )
            return root
        for candidate in (self.cwd, *self.cwd.parents):
            if (candidate / ".git").exists():
                if (candidate / CONFIG_FILE).is_file():
                    return candidate.resolve()
                break
        raise NotARepository(
            _(
                "not inside a case repository (no git work tree with casekit.yaml here); "
                "run `casekit init PATH` or pass --repo PATH"
            )
        )

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.root)
        return self._config

    def now(self, tz: tzinfo | None = None) -> datetime:
        """The current time, or CASEKIT_NOW when set (for tests and replaying a day)."""
        tz = tz or self.config.tz
        fixed = self.environ.get("CASEKIT_NOW")
        if fixed:
            try:
                return parse_datetime(fixed, tz)
            except ValueError as exc:
                raise UsageError(_("CASEKIT_NOW: {problem}").format(problem=exc)) from None
        return datetime.now(tz)

    def actor(self) -> Actor:
        """Who is acting: --actor, else CASEKIT_ACTOR, else git's user.name and user.email."""
        given = self.actor_flag or self.environ.get("CASEKIT_ACTOR")
        if given:
            return resolve_actor(given, self.config)
        name, email = _git_identity(self.root)
        if not name and not email:
            raise CasekitError(
                _("no actor: pass --actor LOGIN, set CASEKIT_ACTOR, or set git config user.name")
            )
        person = self.config.person(email) if email else None
        person = person or (self.config.person(name) if name else None)
        if person:
            return Actor(person.login, person.name, person.email or email)
        raise unknown_actor(
            self.config, f"{name} <{email}>" if name and email else name or email, name, email
        )


def process_env(repo_flag: str | None, actor_flag: str | None) -> Env:
    """The environment of a `casekit` process: its variables, read once here, including
    the two generator switches, `CASEKIT_NO_FOLLOW_UPS` and `CASEKIT_ID_SEED` (for
    reproducible example and test repositories, never for real work)."""
    environ = dict(os.environ)
    return Env(
        repo_flag=repo_flag,
        actor_flag=actor_flag,
        environ=environ,
        follow_ups=not environ.get("CASEKIT_NO_FOLLOW_UPS"),
        id_seed=environ.get("CASEKIT_ID_SEED") or None,
    )


def resolve_actor(text: str, config: Config) -> Actor:
    """An actor from 'login', 'Name <email>' or an email, matched to the config's people."""
    problem = control_character(text)
    if problem:
        raise UsageError(_("--actor {text} {problem}").format(text=repr(text), problem=problem))
    text = text.strip()
    match = _IDENT.match(text)
    name, email = (match["name"], match["email"]) if match else (text, "")
    if not match and "@" in text:
        name, email = "", text
    person = config.person(email) if email else None
    person = person or (config.person(name) if name else None)
    if person:
        return Actor(person.login, person.name, person.email or email)
    if not (name or email) or any(c in name for c in "\n<>"):
        raise UsageError(_("--actor {text} is not a login or 'Name <email>'").format(text=repr(text)))
    raise unknown_actor(config, text, name, email)


def unknown_actor(config: Config, who: str, name: str, email: str) -> Refused:
    """The refusal of someone casekit.yaml's people does not list: which logins to act as,
    or the entry that adds them (casekit records changes for listed people only, and reply
    scripts introduce the agent by the name listed there)."""
    login = _login_for(name, email)
    entry = f"{login}: {{name: {name or login}, email: {email or login + '@example.com'}, roles: [agent]}}"
    if config.people:
        return Refused(
            _(
                "{who} is not one of the people in casekit.yaml; act as one of them with "
                "--actor LOGIN or CASEKIT_ACTOR ({logins}), or add yourself under people: in "
                "casekit.yaml, e.g. {entry}, and commit it"
            ).format(who=repr(who), logins=_(", ").join(config.people), entry=entry)
        )
    return Refused(
        _("casekit.yaml lists no people; add yourself under people:, e.g. {entry}, and commit it").format(
            entry=entry
        )
    )


def _login_for(name: str, email: str) -> str:
    """A login to suggest: the email's local part, else the name in lower case with dots."""
    local = email.split("@")[0] if email else ""
    suggestion = local or ".".join(name.lower().split())
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "", suggestion).strip("._-")
    return cleaned or "your.login"


def _git_identity(root: Path) -> tuple[str, str]:
    try:
        out = subprocess.run(
            ["git", "config", "--get-regexp", r"^user\.(name|email)$"],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        ).stdout
    except OSError:
        return "", ""
    values = dict(line.split(" ", 1) for line in out.splitlines() if " " in line)
    return values.get("user.name", "").strip(), values.get("user.email", "").strip()
