"""`casekit keys setup`: sign this clone's commits with an SSH key, and propose the key
for the repository's allowed-signers file.

In the current clone it
- picks the key: `--key PATH` (a private key or its `.pub`), else `~/.ssh/id_ed25519`,
  else a new one made there by `ssh-keygen` (`--new`: always a new
  `~/.ssh/casekit_ed25519`, never over an existing file);
- sets, in the clone's own git config, `gpg.format ssh`, `user.signingkey` (the `.pub`),
  `commit.gpgsign true` (casekit's commits honour it) and `gpg.ssh.allowedSignersFile`
  (the repository's file, so `git log --show-signature` checks signatures here too);
- writes the actor's line into the work tree's `.casekit/allowed_signers`, uncommitted:
  only a supervisor's commit may change that file, so a supervisor commits it.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from casekit.core.signers import PublicKey, parse_public_key, signer_line, with_signer
from casekit.core.tree_rules import ALLOWED_SIGNERS_FILE
from casekit.core.workflow import APPROVER_ROLE
from casekit.errors import Refused
from casekit.i18n import _, is_chinese
from casekit.service.env import Env
from casekit.vcs.git import run_git

DEFAULT_KEY = "id_ed25519"
NEW_KEY = "casekit_ed25519"
COMMIT_COMMAND = f"git add {ALLOWED_SIGNERS_FILE} && git commit"


@dataclass(frozen=True)
class KeyChoice:
    """The key to sign with: its `.pub` file, the private key beside it (None when only
    the public key was named and the private one is not there, as with ssh-agent), and
    whether `ssh-keygen` has to make it first."""

    public: Path
    private: Path | None
    create: bool

    @property
    def made_at(self) -> Path:
        """Where `ssh-keygen -f` puts a key to be made (the `.pub` goes beside it)."""
        return self.public.with_name(self.public.name.removesuffix(".pub"))


@dataclass(frozen=True)
class KeySetup:
    """What `keys setup` does (or, with `--print`, would do)."""

    key: KeyChoice
    email: str
    supervisor: bool
    settings: tuple[tuple[str, str], ...]
    signers_path: Path
    signers_text: str | None  # the file's new text; None when it already holds the line
    line: str = ""


def find_ssh_keygen(environ: dict[str, str]) -> str:
    found = shutil.which("ssh-keygen", path=environ.get("PATH"))
    if found is None:
        raise Refused(
            _(
                "ssh-keygen is not installed, and git signs commits with it; "
                "install OpenSSH's client (e.g. apt-get install openssh-client)"
            )
        )
    return found


def choose_key(environ: dict[str, str], key: Path | None, new: bool) -> KeyChoice:
    """The key `keys setup` uses (see the module's docstring); nothing is created here."""
    if key is not None:
        if key.name.endswith(".pub"):
            private = key.with_name(key.name.removesuffix(".pub"))
            return KeyChoice(key, private if private.exists() else None, False)
        return KeyChoice(key.with_name(key.name + ".pub"), key, False)
    home = environ.get("HOME")
    if not home:
        raise Refused(_("HOME is not set, so there is no ~/.ssh to find a key in; pass --key PATH"))
    folder = Path(home) / ".ssh"
    if not new:
        private, public = folder / DEFAULT_KEY, folder / (DEFAULT_KEY + ".pub")
        if private.exists():
            return KeyChoice(public, private, False)
        if public.exists():  # a public key alone (its private key in ssh-agent): never written over
            return KeyChoice(public, None, False)
        return KeyChoice(public, private, True)
    number = 1
    while True:
        name = NEW_KEY if number == 1 else f"{NEW_KEY}_{number}"
        private = folder / name
        public = folder / (name + ".pub")
        if not private.exists() and not public.exists():
            return KeyChoice(public, private, True)
        number += 1


def _read_public_key(choice: KeyChoice) -> PublicKey:
    if choice.private is not None and not choice.public.exists() and choice.private.exists():
        raise Refused(
            _("{public} is missing; write it with `ssh-keygen -y -f {private} > {public}`").format(
                public=choice.public, private=choice.private
            )
        )
    if choice.private is not None and choice.private.exists():
        try:
            with open(choice.private, "rb"):
                pass
        except OSError as exc:
            raise Refused(
                _("cannot read the key {key}: {reason}").format(
                    key=choice.private, reason=exc.strerror or exc
                )
            ) from None
    try:
        text = choice.public.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise Refused(
            _("cannot read the key {key}: {reason}").format(key=choice.public, reason=reason)
        ) from None
    try:
        return parse_public_key(text)
    except ValueError as exc:
        raise Refused(f"{choice.public} {exc}") from None


def plan_setup(env: Env, *, key: Path | None = None, new: bool = False) -> KeySetup:
    """Check everything `keys setup` needs and decide what it does, changing nothing (a
    key still to be made is read once `setup_keys` has made it)."""
    find_ssh_keygen(env.environ)
    root = env.root
    actor = env.actor()
    person = env.config.person(actor.login)
    if person is None:
        raise Refused(
            _(
                "{login} is not one of the people in casekit.yaml; the allowed-signers file "
                "lists people by the email casekit.yaml gives them (set CASEKIT_ACTOR or --actor)"
            ).format(login=actor.login)
        )
    if not person.email:
        raise Refused(
            _("{login} has no email in casekit.yaml; add one, it names the key").format(login=person.login)
        )
    choice = choose_key(env.environ, (env.cwd / key) if key is not None else None, new)
    signers_path = root / ALLOWED_SIGNERS_FILE
    settings = (
        ("gpg.format", "ssh"),
        ("user.signingkey", str(choice.public)),
        ("commit.gpgsign", "true"),
        ("gpg.ssh.allowedSignersFile", str(signers_path)),
    )
    setup = KeySetup(choice, person.email, person.has_role(APPROVER_ROLE), settings, signers_path, None)
    if choice.create:
        return setup
    return _with_line(setup, _read_public_key(choice))


def _with_line(setup: KeySetup, public: PublicKey) -> KeySetup:
    try:
        current = setup.signers_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        current = ""
    except (OSError, UnicodeDecodeError) as exc:
        raise Refused(
            _("cannot read {file}: {reason}").format(file=ALLOWED_SIGNERS_FILE, reason=exc)
        ) from None
    text, changed = with_signer(current, setup.email, public)
    return replace(setup, signers_text=text if changed else None, line=signer_line(setup.email, public))


def _create_key(env: Env, setup: KeySetup) -> None:
    private = setup.key.made_at
    private.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    command = [find_ssh_keygen(env.environ), "-q", "-t", "ed25519", "-N", "", "-C", setup.email]
    proc = subprocess.run(
        [*command, "-f", str(private)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        env=env.environ,
        check=False,
    )
    if proc.returncode != 0:
        words = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = words[-1] if words else proc.returncode
        raise Refused(_("ssh-keygen could not make {key}: {reason}").format(key=private, reason=reason))


def setup_keys(env: Env, *, key: Path | None = None, new: bool = False, dry_run: bool = False) -> list[str]:
    """Run `keys setup` (or, with `dry_run`, say what it would do); returns the lines to print."""
    setup = plan_setup(env, key=key, new=new)
    lines: list[str] = []
    if setup.key.create:
        made = (
            _("would create the SSH key {key} (ed25519, no passphrase) with ssh-keygen")
            if dry_run
            else _("created the SSH key {key} (ed25519, no passphrase) with ssh-keygen")
        )
        lines.append(made.format(key=setup.key.made_at))
        if not dry_run:
            _create_key(env, setup)
            setup = _with_line(setup, _read_public_key(setup.key))
    signing = _("would sign commits with {key}") if dry_run else _("signing commits with {key}")
    lines.append(signing.format(key=setup.key.public))
    for name, value in setup.settings:
        if not dry_run:
            run_git(env.root, "config", "--local", name, value)
        ran = (
            _("would run git config --local {name} {value}")
            if dry_run
            else _("ran git config --local {name} {value}")
        )
        lines.append(ran.format(name=name, value=value))
    lines += _proposal_lines(setup, dry_run)
    return lines


def _proposal_lines(setup: KeySetup, dry_run: bool) -> Sequence[str]:
    if setup.key.create and dry_run:
        return [
            _("would add the new key for {email} to {file} (not committed)").format(
                email=setup.email, file=ALLOWED_SIGNERS_FILE
            )
        ]
    if setup.signers_text is None:
        return [
            _("{file} already lets {email} sign with this key; nothing changed").format(
                file=ALLOWED_SIGNERS_FILE, email=setup.email
            )
        ]
    if dry_run:
        return [
            _("would write to {file} (not committed): {line}").format(
                file=ALLOWED_SIGNERS_FILE, line=setup.line
            )
        ]
    setup.signers_path.parent.mkdir(parents=True, exist_ok=True)
    setup.signers_path.write_text(setup.signers_text, encoding="utf-8")
    lines = [
        _("wrote {email}'s key to {file} (not committed): {line}").format(
            email=setup.email, file=ALLOWED_SIGNERS_FILE, line=setup.line
        )
    ]
    # The next step, in Chinese for a Chinese desk; English readers get it in both languages.
    if setup.supervisor:
        chinese = f"你是主管：现在提交它即可生效：{COMMIT_COMMAND} -m '允许签名：{setup.email}'"
        shown = _(
            "You are a supervisor: commit it now to put the key in force: "
            "{command} -m 'Allowed signer: {email}'"
        ).format(command=COMMIT_COMMAND, email=setup.email)
    else:
        chinese = (
            f"只有主管的提交能修改 {ALLOWED_SIGNERS_FILE}：请主管用 `{COMMIT_COMMAND}` 提交这一行，"
            "在此之前服务器不认这把钥匙。"
        )
        shown = _(
            "Only a supervisor's commit may change {file}: a supervisor commits this line "
            "with `{command}`; until then the server does not know the key."
        ).format(file=ALLOWED_SIGNERS_FILE, command=COMMIT_COMMAND)
    return [*lines, shown] if is_chinese() else [*lines, chinese, shown]
