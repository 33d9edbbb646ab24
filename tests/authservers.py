"""Real authenticated git servers on 127.0.0.1 for tests, as a team would run them:

- `HttpServer`: lighttpd with HTTP basic auth (mod_auth, a plain user file) in front of
  `git http-backend` (mod_cgi); every request needs a login, so the server's hooks see
  REMOTE_USER on every push.
- `GitoliteServer`: gitolite3 behind the machine's sshd, started as the current user on
  its own port with its own host key; one ssh key per person, so hooks see GL_USER.

Both host the people of tests/gitserver.py AGENTS plus OUTSIDER, a login with a password
and a key but in no casekit.yaml. Each test takes its own bare repository from a seed
made with casekit (`server.new_repository(seed)`), with casekit's pre-receive installed
by `casekit hooks install --server`, and clones it as a person (`repository.clone(...)`).

A test module uses the fixtures with `pytest_plugins = ("authservers",)`:
- `http_servers` / `gitolite_servers` (session): `(environ=None) -> server`; one server per
  distinct `environ`, which is added to the environment the server gives its hooks (such
  as CASEKIT_NOW, the server's clock; it defaults to conftest.NOW, the clients' clock);
- `http_server` / `gitolite_server`: the server with the default environment;
- `auth_server`: each of the two in turn (parametrized), for tests that hold for both.
A machine without the programs skips those tests, saying which program is missing.
"""

from __future__ import annotations

import getpass
import os
import shlex
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import CLI, NOW, PROJECT, empty_git_config
from gitserver import AGENTS

OUTSIDER = "outsider"
LOGINS = (*AGENTS, OUTSIDER)
START_TIMEOUT = 15.0


def password(login: str) -> str:
    return f"pw-{login}"


class ServerStartError(RuntimeError):
    """A test server did not come up; the message carries its log."""


def _program(name: str, *fallbacks: str) -> str:
    """The path of a program, or skip the test saying which one is missing."""
    found = shutil.which(name) or next((p for p in fallbacks if os.access(p, os.X_OK)), None)
    if not found:
        pytest.skip(f"{name} is not installed (the authenticated git server tests need it)")
    return found


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    state = (
        f"exited with {process.returncode}"
        if process.poll() is not None
        else f"not answering after {START_TIMEOUT}s"
    )
    _stop(process)
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    raise ServerStartError(f"{what} on 127.0.0.1:{port} {state}; its log:\n{text}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _clean_environ(home: Path) -> dict[str, str]:
    """The test process's environment without git's or casekit's variables, HOME = `home`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CASEKIT_", "GIT_", "SSH_")) and k not in ("XDG_CONFIG_HOME", "EMAIL")
    }
    env["HOME"] = str(home)
    return env


def hook_environ(home: Path, environ: Mapping[str, str] | None) -> dict[str, str]:
    """What a server adds to its hooks' environment: no machine git config, this checkout's
    casekit (the hook's python is `casekit.python`, this interpreter), the tests' clock
    and language (English; else the hook speaks the `locale` of the server's casekit.yaml)
    unless `environ` says otherwise, and `environ`."""
    no_config = str(empty_git_config(home))
    env = {
        "HOME": str(home),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": no_config,
        "GIT_CONFIG_SYSTEM": no_config,
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": str(PROJECT / "src"),
        "CASEKIT_NOW": NOW,
        "CASEKIT_LANG": "en",
    }

    env.update(environ or {})
    return env


def _git(*args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None) -> str:
    result = subprocess.run(
        ["git", *args], cwd=cwd, env=dict(env) if env else None, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result.stdout


@dataclass
class Repository:
    """One bare repository on a server; `path` is where it lies on disk."""

    server: GitServer
    name: str
    path: Path

    def url(self, login: str) -> str:
        return self.server.url(self.name, login)

    def clone(self, login: str, path: Path, environ: Mapping[str, str], actor: str | None = None) -> CLI:
        """A clone that authenticates as `login`, with casekit's hooks, acting as `actor`
        (the login unless told). `environ` is the test's hermetic one (conftest)."""
        # a refused login fails at once instead of asking on the terminal
        env = {**environ, "CASEKIT_ACTOR": actor or login, "GIT_TERMINAL_PROMPT": "0"}
        options = [f"--config=core.sshCommand={self.server.ssh_command(login)}"] if self.server.ssh else []
        _git("clone", "-q", *options, self.url(login), str(path), env=env)
        cli = CLI(path, env)
        cli.ok("hooks", "install")
        return cli

    def git(self, *args: str) -> str:
        """What git prints for ARGS in the bare repository (read on disk)."""
        return _git(*args, cwd=self.path)

    def head(self) -> str:
        return self.git("rev-parse", "refs/heads/main").strip()

    def dump_hook_environ(self) -> Path:
        """Install a post-receive that writes the environment the server gives hooks to
        the returned file (NUL-separated, as `env -0`); read it with `hook_environ`."""
        dump = self.server.base / "hook-environ" / self.name
        dump.parent.mkdir(parents=True, exist_ok=True)
        hook = self.path / "hooks" / "post-receive"
        hook.write_text(f"#!/bin/sh\nenv -0 > {shlex.quote(str(dump))}\n", encoding="utf-8")
        hook.chmod(0o755)
        return dump

    def hook_environ(self) -> dict[str, str]:
        """The environment the last push's post-receive saw (after `dump_hook_environ`)."""
        dump = self.server.base / "hook-environ" / self.name
        records = dump.read_bytes().decode("utf-8", "replace").split("\0")
        return dict(record.split("=", 1) for record in records if "=" in record)


@dataclass
class GitServer:
    """What both servers share: a folder of their own, a port, repositories made from seeds."""

    base: Path
    environ: dict[str, str]
    kind: str = ""
    ssh: bool = False
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None
    _names: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, name: str, login: str) -> str:
        raise NotImplementedError

    def ssh_command(self, login: str, key: Path | None = None) -> str:
        """The ssh command a clone of `login` runs (`key`: another private key instead)."""
        raise NotImplementedError

    def repository_path(self, name: str) -> Path:
        raise NotImplementedError

    def _register(self, name: str) -> None:
        """Make the server serve the repository just put at `repository_path(name)`."""

    def new_repository(self, seed: CLI, name: str | None = None) -> Repository:
        """A fresh bare copy of the seed clone on this server, casekit's pre-receive in it
        (`casekit hooks install --server`, through the seed's CLI)."""
        with self._lock:
            self._names += 1
            name = name or f"cases{self._names}"
        path = self.repository_path(name)
        _git("clone", "-q", "--bare", str(seed.root), str(path), env=seed.environ)
        self._register(name)
        seed.ok("hooks", "install", "--server", str(path))
        return Repository(self, name, path)

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)


class HttpServer(GitServer):
    """lighttpd, basic auth for every request, `git http-backend` through mod_cgi."""

    def start(self) -> HttpServer:
        lighttpd = _program("lighttpd", "/usr/sbin/lighttpd")
        backend = Path(_git("--exec-path").strip()) / "git-http-backend"
        if not os.access(backend, os.X_OK):
            pytest.skip(f"{backend} is missing (the authenticated git server tests need it)")
        self.kind, self.ssh = "http", False
        (self.base / "repos").mkdir(parents=True)
        home = self.base / "home"
        users = self.base / "users"
        users.write_text("".join(f"{login}:{password(login)}\n" for login in LOGINS), encoding="utf-8")
        users.chmod(0o600)
        env = {"GIT_PROJECT_ROOT": str(self.base / "repos"), "GIT_HTTP_EXPORT_ALL": "1"}
        env.update(hook_environ(home, self.environ))
        settings = ", ".join(f"{_lit(k)} => {_lit(v)}" for k, v in env.items())
        self.log = self.base / "lighttpd.log"
        for _ in range(3):  # another process may take the free port before lighttpd binds it
            self.port = _free_port()
            config = self.base / "lighttpd.conf"
            config.write_text(
                "\n".join(
                    [
                        'server.modules += ("mod_auth", "mod_authn_file", "mod_alias", "mod_setenv", '
                        '"mod_cgi")',
                        'server.bind = "127.0.0.1"',
                        f"server.port = {self.port}",
                        f"server.document-root = {_lit(str(self.base / 'repos'))}",
                        f"server.errorlog = {_lit(str(self.log))}",
                        f"server.pid-file = {_lit(str(self.base / 'lighttpd.pid'))}",
                        'auth.backend = "plain"',
                        f"auth.backend.plain.userfile = {_lit(str(users))}",
                        'auth.require = ("/" => ("method" => "basic", "realm" => "casekit", '
                        '"require" => "valid-user"))',
                        f'alias.url = ("/" => {_lit(str(backend) + "/")})',
                        'cgi.assign = ("" => "")',
                        f"setenv.add-environment = ({settings})",
                        "",
                    ]
                ),
                encoding="utf-8",
            )
            with self.log.open("ab") as out:
                self.process = subprocess.Popen(
                    [lighttpd, "-D", "-f", str(config)],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    env=_clean_environ(home),
                )
            try:
                _wait_for_port(self.port, self.process, self.log, "lighttpd")
                return self
            except ServerStartError:
                if "Address already in use" not in self.log.read_text(encoding="utf-8", errors="replace"):
                    raise
        raise ServerStartError(f"lighttpd found no free port; its log:\n{self.log.read_text()}")

    def url(self, name: str, login: str) -> str:
        return f"http://{login}:{password(login)}@127.0.0.1:{self.port}/{name}.git"

    def repository_path(self, name: str) -> Path:
        return self.base / "repos" / f"{name}.git"


def _lit(text: str) -> str:
    """A lighttpd config string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class GitoliteServer(GitServer):
    """gitolite3 behind sshd on its own port; a key per person; RW+ on every repository."""

    gitolite: str
    user: str  # the account sshd runs as, which every ssh url logs in as
    home: Path  # gitolite's home: its rc, conf, keydir and repositories
    keys: Path  # each login's private key, `keys / login`
    conf: Path

    def start(self) -> GitoliteServer:
        sshd = _program("sshd", "/usr/sbin/sshd")
        gitolite = _program("gitolite", "/usr/share/gitolite3/gitolite")
        _program("ssh")
        keygen = _program("ssh-keygen")
        self.kind, self.ssh = "gitolite", True
        self.gitolite = gitolite
        self.user = getpass.getuser()
        self.home = self.base / "home"
        self.home.mkdir(parents=True)
        keys = self.base / "keys"
        keys.mkdir()
        for login in ("admin", *LOGINS):
            subprocess.run(
                [keygen, "-q", "-t", "ed25519", "-N", "", "-C", login, "-f", str(keys / login)], check=True
            )
        self.keys = keys
        self._gitolite("setup", "-pk", str(keys / "admin.pub"))
        keydir = self.home / ".gitolite" / "keydir"
        keydir.mkdir(exist_ok=True)
        for login in LOGINS:
            shutil.copy(keys / f"{login}.pub", keydir / f"{login}.pub")
        self.conf = self.home / ".gitolite" / "conf" / "gitolite.conf"
        with self.conf.open("a", encoding="utf-8") as conf:
            conf.write(f"\n@people = {' '.join(LOGINS)}\n")
        self._gitolite("setup")
        host_key = self.base / "host_key"
        subprocess.run([keygen, "-q", "-t", "ed25519", "-N", "", "-f", str(host_key)], check=True)
        hook_env = hook_environ(self.base / "hook-home", self.environ)
        hook_env["HOME"] = str(self.home)  # gitolite-shell finds its rc and repositories there
        hook_env.pop("GIT_CONFIG_GLOBAL")  # gitolite keeps its own git config in its home
        self.log = self.base / "sshd.log"
        for _ in range(3):
            self.port = _free_port()
            config = self.base / "sshd_config"
            config.write_text(
                "\n".join(
                    [
                        f"Port {self.port}",
                        "ListenAddress 127.0.0.1",
                        f"HostKey {host_key}",
                        f"PidFile {self.base / 'sshd.pid'}",
                        f"AuthorizedKeysFile {self.home / '.ssh' / 'authorized_keys'}",
                        "StrictModes no",
                        "UsePAM no",
                        "PubkeyAuthentication yes",
                        "PasswordAuthentication no",
                        "KbdInteractiveAuthentication no",
                        "PermitRootLogin prohibit-password",
                        "PrintMotd no",
                        "PrintLastLog no",
                        "UseDNS no",
                        "MaxStartups 100:30:200",
                        "LogLevel ERROR",
                        "SetEnv " + " ".join(f'"{k}={v}"' for k, v in hook_env.items()),
                        "",
                    ]
                ),
                encoding="utf-8",
            )
            self._privilege_separation_dir(sshd, config)
            with self.log.open("ab") as out:
                self.process = subprocess.Popen(
                    [sshd, "-D", "-e", "-f", str(config)],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    env=_clean_environ(self.home),
                )
            try:
                _wait_for_port(self.port, self.process, self.log, "sshd")
                return self
            except ServerStartError:
                if "Address already in use" not in self.log.read_text(encoding="utf-8", errors="replace"):
                    raise
        raise ServerStartError(f"sshd found no free port; its log:\n{self.log.read_text()}")

    @staticmethod
    def _privilege_separation_dir(sshd: str, config: Path) -> None:
        """sshd started as root wants its privilege separation folder, which the system's
        own service makes at boot; make it when it is missing."""
        checked = subprocess.run([sshd, "-t", "-f", str(config)], capture_output=True, text=True, check=False)
        marker = "Missing privilege separation directory:"
        if checked.returncode != 0 and marker in checked.stderr and os.geteuid() == 0:
            folder = checked.stderr.split(marker, 1)[1].split()[0]
            Path(folder).mkdir(mode=0o755, parents=True, exist_ok=True)
        elif checked.returncode != 0:
            raise ServerStartError(f"sshd refuses its config {config}:\n{checked.stderr}")

    def _gitolite(self, *args: str) -> None:
        env = _clean_environ(self.home)
        env.update(GIT_CONFIG_NOSYSTEM="1", USER=self.user)
        result = subprocess.run(
            [self.gitolite, *args], cwd=self.home, env=env, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise ServerStartError(f"gitolite {' '.join(args)} failed:\n{result.stdout}{result.stderr}")

    def ssh_command(self, login: str, key: Path | None = None) -> str:
        return (
            f"ssh -i {shlex.quote(str(key or self.keys / login))} -p {self.port} -o IdentitiesOnly=yes "
            "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR"
        )

    def url(self, name: str, login: str) -> str:
        return f"ssh://{self.user}@127.0.0.1:{self.port}/{name}"

    def repository_path(self, name: str) -> Path:
        return self.home / "repositories" / f"{name}.git"

    def _register(self, name: str) -> None:
        """Add the repository to gitolite's conf (RW+ for every person, so that casekit's
        hook, not gitolite, decides) and let gitolite compile it and link its own hooks."""
        with self._lock:
            with self.conf.open("a", encoding="utf-8") as conf:
                conf.write(f"\nrepo {name}\n    RW+ = @people\n")
            self._gitolite("setup")


def _servers(
    make: Callable[[Path, dict[str, str]], GitServer], factory: pytest.TempPathFactory
) -> Iterator[Callable[..., GitServer]]:
    started: dict[tuple[tuple[str, str], ...], GitServer] = {}

    def server(environ: Mapping[str, str] | None = None) -> GitServer:
        key = tuple(sorted((environ or {}).items()))
        if key not in started:
            started[key] = make(factory.mktemp("authserver"), dict(environ or {}))
        return started[key]

    try:
        yield server
    finally:
        for running in started.values():
            running.stop()


@pytest.fixture(scope="session")
def http_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., GitServer]]:
    """`http_servers(environ=None)`: a lighttpd + git http-backend server whose hooks also
    get `environ` (one server per distinct environ, stopped at the end of the session)."""
    yield from _servers(lambda base, env: HttpServer(base, env).start(), tmp_path_factory)


@pytest.fixture(scope="session")
def gitolite_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., GitServer]]:
    """`gitolite_servers(environ=None)`: gitolite over sshd, as `http_servers`."""
    yield from _servers(lambda base, env: GitoliteServer(base, env).start(), tmp_path_factory)


@pytest.fixture
def http_server(http_servers: Callable[..., GitServer]) -> GitServer:
    return http_servers()


@pytest.fixture
def gitolite_server(gitolite_servers: Callable[..., GitServer]) -> GitServer:
    return gitolite_servers()


@pytest.fixture(params=["http", "gitolite"])
def auth_server(request: pytest.FixtureRequest) -> GitServer:
    """Each authenticated server in turn (the test runs once per server)."""
    servers: Callable[..., GitServer] = request.getfixturevalue(f"{request.param}_servers")
    return servers()


__all__ = [
    "LOGINS",
    "OUTSIDER",
    "GitServer",
    "GitoliteServer",
    "HttpServer",
    "Repository",
    "ServerStartError",
    "auth_server",
    "gitolite_server",
    "gitolite_servers",
    "http_server",
    "http_servers",
    "password",
]
