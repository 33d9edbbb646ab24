"""Signing keys: the allowed-signers file (`casekit.core.signers`), signatures checked
against it (`read_signatures`), and `casekit keys setup`, with real SSH keys and commits."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import CLI

needs_ssh_keygen = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")

SIGNERS = ".casekit/allowed_signers"
KEY = "AAAAC3NzaC1lZDI1NTE5AAAAIDxF1WXrKHUqGV6upLiOiwYbmpuDIF8TwZtQBk0Ss3hv"
OTHER = "AAAAC3NzaC1lZDI1NTE5AAAAIPDv9AKUDZyuBCpjYkVd9xRXm8Qq9ZiZA0p4ZnMxpbD1"


def _keygen(folder: Path, name: str) -> Path:
    """A new ed25519 key pair; returns the private key's path."""
    folder.mkdir(parents=True, exist_ok=True)
    key = folder / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True)
    return key


# --- the file, pure ------------------------------------------------------------------


def test_the_one_home_of_the_path() -> None:
    from casekit.core.tree_rules import ALLOWED_SIGNERS_FILE

    assert ALLOWED_SIGNERS_FILE == SIGNERS


def test_allowed_signers_lines_are_read_with_options_comments_and_bad_lines() -> None:
    from casekit.core.signers import parse_allowed_signers

    text = (
        "# who may sign\n"
        "\n"
        f'zhang.wei@example.com namespaces="git" ssh-ed25519 {KEY} zhang.wei laptop\n'
        f"li.na@example.com,li@example.com ssh-ed25519 {OTHER}\n"
        'wang.fang@example.com namespaces="git,file" ssh-ed25519\n'
        "chen.jie@example.com ssh-ed25519 not*base64\n"
        'bad namespaces="git ssh-ed25519 AAAA\n'
    )
    signers, problems = parse_allowed_signers(text)
    assert [(s.principals, s.options, s.key.key_type, s.key.comment, s.line) for s in signers] == [
        (("zhang.wei@example.com",), 'namespaces="git"', "ssh-ed25519", "zhang.wei laptop", 3),
        (("li.na@example.com", "li@example.com"), "", "ssh-ed25519", "", 4),
    ]
    assert signers[0].key.text == f"ssh-ed25519 {KEY}"
    assert [number for number, _ in problems] == [5, 6, 7]
    assert "not base64" in problems[1][1] and "unclosed quote" in problems[2][1]


def test_a_public_key_is_one_line() -> None:
    from casekit.core.signers import parse_public_key

    key = parse_public_key(f"ssh-ed25519 {KEY} li.na@example.com\n")
    assert (key.key_type, key.body, key.comment) == ("ssh-ed25519", KEY, "li.na@example.com")
    for text in ("", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n", f"ssh-foo {KEY}\n"):
        with pytest.raises(ValueError, match="not an SSH public key"):
            parse_public_key(text)


def test_with_signer_adds_replaces_and_leaves_alone() -> None:
    from casekit.core.signers import parse_public_key, signer_line, with_signer

    mine = parse_public_key(f"ssh-ed25519 {KEY} laptop")
    other = parse_public_key(f"ssh-ed25519 {OTHER}")
    assert (
        signer_line("li.na@example.com", mine)
        == f'li.na@example.com namespaces="git" ssh-ed25519 {KEY} laptop'
    )

    text, changed = with_signer("", "li.na@example.com", mine)
    assert changed and text == signer_line("li.na@example.com", mine) + "\n"
    assert with_signer(text, "li.na@example.com", mine) == (text, False)

    team = f"# team\nzhang.wei@example.com ssh-ed25519 {OTHER}\nli.na@example.com ssh-ed25519 {OTHER}\n\n"
    replaced, changed = with_signer(team, "li.na@example.com", mine)
    assert changed
    assert replaced == (
        f"# team\nzhang.wei@example.com ssh-ed25519 {OTHER}\n{signer_line('li.na@example.com', mine)}\n"
    )
    # the same key for someone else is their line, not this person's
    assert with_signer(team, "wang.fang@example.com", other)[1]


def test_a_principal_is_found_by_email(repo: CLI) -> None:
    from casekit.core.signers import person_of_principal
    from casekit.store.configfile import load_config

    config = load_config(repo.root)
    found = person_of_principal(config, "zhang.wei@example.com")
    assert found is not None and found.login == "zhang.wei"
    gpg = person_of_principal(config, "张伟 <zhang.wei@example.com>")
    assert gpg is not None and gpg.login == "zhang.wei"
    assert person_of_principal(config, "zhang.wei") is None  # a principal is an email, not a login
    assert person_of_principal(config, "nobody@example.com") is None


# --- signatures checked against the file ------------------------------------------------


@needs_ssh_keygen
def test_read_signatures_checks_ssh_signatures_against_the_given_file(tmp_path: Path) -> None:
    from casekit.vcs.history import read_signatures

    listed, unlisted = _keygen(tmp_path / "keys", "listed"), _keygen(tmp_path / "keys", "unlisted")
    root = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    shas = {}
    identity = ["git", "-c", "user.name=Zhang", "-c", "user.email=zhang.wei@example.com"]
    for name, key in (("listed", listed), ("unlisted", unlisted), ("unsigned", None)):
        signing = ["-c", "gpg.format=ssh", "-c", f"user.signingkey={key}.pub"] if key else []
        subprocess.run(
            [*identity, *signing, "commit", "-q", "--allow-empty", *(["-S"] if key else []), "-m", name],
            cwd=root,
            check=True,
        )
        shas[name] = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
    content = (
        f'zhang.wei@example.com namespaces="git" {(tmp_path / "keys" / "listed.pub").read_text()}'.encode()
    )

    found = read_signatures(root, list(shas.values()), allowed_signers=content)
    assert found[shas["listed"]] == ("G", "zhang.wei@example.com")
    assert found[shas["unlisted"]][0] == "U"
    assert found[shas["unsigned"]] == ("N", "")

    # without the content, git's own config decides: here it names no file, so nothing verifies
    plain = read_signatures(root, [shas["listed"]])
    assert plain[shas["listed"]][0] != "G"
    # ... and a file the server's config names is still used when no content is given
    server_file = tmp_path / "server_signers"
    server_file.write_bytes(content)
    subprocess.run(["git", "config", "gpg.ssh.allowedSignersFile", str(server_file)], cwd=root, check=True)
    assert read_signatures(root, [shas["listed"]])[shas["listed"]][0] == "G"
    # content given wins over the config: an empty list trusts no key
    assert read_signatures(root, [shas["listed"]], allowed_signers=b"")[shas["listed"]][0] != "G"
    assert read_signatures(root, []) == {}


# --- casekit keys setup -----------------------------------------------------------------


def _home(cli: CLI) -> Path:
    return Path(cli.environ["HOME"])


@needs_ssh_keygen
def test_keys_setup_makes_a_key_and_casekit_commits_are_signed(repo: CLI) -> None:
    supervisor = CLI(repo.root, {**repo.environ, "CASEKIT_ACTOR": "zhang.wei"})
    private = _home(repo) / ".ssh" / "id_ed25519"
    result = supervisor.ok("keys", "setup")
    assert f"created the SSH key {private}" in result.out
    assert private.is_file() and (private.parent / "id_ed25519.pub").is_file()
    assert oct(private.parent.stat().st_mode & 0o777) == "0o700"
    for name, value in (
        ("gpg.format", "ssh"),
        ("user.signingkey", f"{private}.pub"),
        ("commit.gpgsign", "true"),
        ("gpg.ssh.allowedSignersFile", str(repo.root / SIGNERS)),
    ):
        assert repo.git("config", "--local", "--get", name).strip() == value
    public = (private.parent / "id_ed25519.pub").read_text().split()
    line = f'zhang.wei@example.com namespaces="git" {public[0]} {public[1]} zhang.wei@example.com'
    assert (repo.root / SIGNERS).read_text() == line + "\n"
    assert "(not committed)" in result.out and "You are a supervisor: commit it now" in result.out
    assert result.out.index("你是主管") < result.out.index("You are a supervisor")
    assert repo.git("status", "--porcelain", "--untracked-files=all").strip() == f"?? {SIGNERS}"

    supervisor.git("add", SIGNERS)
    env = {**repo.environ, "GIT_AUTHOR_NAME": "张伟", "GIT_AUTHOR_EMAIL": "zhang.wei@example.com"}
    subprocess.run(["git", "commit", "-q", "-m", "Allowed signer"], cwd=repo.root, env=env, check=True)
    case_id = supervisor.new()
    supervisor.ok("note", case_id, "已致电客户", now="2026-11-23T10:15:00+08:00")
    supervisor.ok("validate")
    supervisor.ok("audit")
    log = repo.git("log", "-3", "--format=%G? %GS %s").splitlines()
    assert log == [
        f"G zhang.wei@example.com {case_id}: note",
        f"G zhang.wei@example.com {case_id}: opened",
        "G zhang.wei@example.com Allowed signer",
    ]
    again = supervisor.ok("keys", "setup")
    assert "created" not in again.out and "nothing changed" in again.out
    assert repo.git("status", "--porcelain").strip() == ""


@needs_ssh_keygen
def test_keys_setup_print_changes_nothing(repo: CLI) -> None:
    result = repo.ok("keys", "setup", "--print")
    assert "would create the SSH key" in result.out
    assert "would run git config --local commit.gpgsign true" in result.out
    assert not (_home(repo) / ".ssh").exists() and not (repo.root / SIGNERS).exists()
    assert (
        subprocess.run(
            ["git", "config", "--local", "--get", "gpg.format"], cwd=repo.root, env=repo.environ, check=False
        ).returncode
        == 1
    )


@needs_ssh_keygen
def test_keys_setup_uses_the_key_named_or_found_and_new_never_overwrites(repo: CLI, tmp_path: Path) -> None:
    named = _keygen(tmp_path / "elsewhere", "work")
    result = repo.ok("keys", "setup", "--key", str(named))
    assert "created" not in result.out
    assert repo.git("config", "--get", "user.signingkey").strip() == f"{named}.pub"
    text = (repo.root / SIGNERS).read_text()
    assert text.startswith('li.na@example.com namespaces="git" ssh-ed25519 ') and text.count("\n") == 1
    # li.na is an agent: a supervisor has to commit the line
    assert "a supervisor commits this line" in result.out and "只有主管的提交" in result.out
    assert "You are a supervisor" not in result.out

    ssh = _home(repo) / ".ssh"
    existing = _keygen(ssh, "id_ed25519")
    found = repo.ok("keys", "setup")
    assert "created" not in found.out and f"signing commits with {existing}.pub" in found.out
    # one line per person: the new key took the old one's place
    assert (repo.root / SIGNERS).read_text().count("li.na@example.com") == 1
    assert (existing.parent / "id_ed25519.pub").read_text().split()[1] in (repo.root / SIGNERS).read_text()

    (ssh / "casekit_ed25519").write_text("not mine to overwrite")
    new = repo.ok("keys", "setup", "--new")
    assert f"created the SSH key {ssh / 'casekit_ed25519_2'}" in new.out
    assert (ssh / "casekit_ed25519").read_text() == "not mine to overwrite"
    assert repo.git("config", "--get", "user.signingkey").strip() == str(ssh / "casekit_ed25519_2.pub")

    # a public key alone at the default place (its private key in ssh-agent) is used, not written over
    other_home = tmp_path / "other-home"
    (other_home / ".ssh").mkdir(parents=True)
    shutil.copy(f"{named}.pub", other_home / ".ssh" / "id_ed25519.pub")
    alone = repo.ok("keys", "setup", extra_env={"HOME": str(other_home)})
    assert "created" not in alone.out and not (other_home / ".ssh" / "id_ed25519").exists()
    assert (other_home / ".ssh" / "id_ed25519.pub").read_text() == Path(f"{named}.pub").read_text()

    pub_only = tmp_path / "agent" / "key.pub"
    pub_only.parent.mkdir()
    shutil.copy(f"{named}.pub", pub_only)
    assert repo.ok("keys", "setup", "--key", str(pub_only)).code == 0  # the private key may be in ssh-agent


@needs_ssh_keygen
def test_keys_setup_refuses_clearly(repo: CLI, tmp_path: Path) -> None:
    outsider = repo.refused("keys", "setup", actor="Someone Else <someone@example.org>")
    assert "not one of the people in casekit.yaml" in outsider.err
    missing = repo.refused("keys", "setup", "--key", str(tmp_path / "nope.pub"))
    assert "cannot read the key" in missing.err and "nope.pub" in missing.err
    junk = tmp_path / "junk.pub"
    junk.write_text("hello\n")
    assert "is not an SSH public key" in repo.refused("keys", "setup", "--key", str(junk)).err
    lonely = tmp_path / "lonely"
    lonely.write_text("private")
    assert "lonely.pub is missing" in repo.refused("keys", "setup", "--key", str(lonely)).err
    if os.geteuid() != 0:
        locked = _keygen(tmp_path / "locked", "key")
        locked.chmod(0)
        assert "cannot read the key" in repo.refused("keys", "setup", "--key", str(locked)).err

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    git_path = shutil.which("git")
    assert git_path is not None
    (bin_dir / "git").symlink_to(git_path)
    no_keygen = repo.refused("keys", "setup", extra_env={"PATH": str(bin_dir)})
    assert "ssh-keygen is not installed" in no_keygen.err
    assert repo.run("keys", "setup", "--new", "--key", str(junk)).code == 2
    assert not (repo.root / SIGNERS).exists()
    assert not (_home(repo) / ".ssh").exists()


def test_init_asks_for_signatures_on_supervisor_only_changes(repo: CLI) -> None:
    from casekit.service.syncconfig import sync_settings
    from casekit.store.configfile import load_config

    assert sync_settings(load_config(repo.root)).signed == "supervisor"
    repo.ok("validate")
