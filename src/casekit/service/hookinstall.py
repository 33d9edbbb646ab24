"""`casekit hooks install`: put the repository's hooks/ into a clone (or a server's bare
repository) and wire up the merge driver for case files.

A clone gets pre-commit and commit-msg, copied from the case repository's own `hooks/`
folder (casekit's bundled copies when it has none) into git's hooks folder, plus these
settings in the clone's git config:
- `casekit.python`: this Python, which the hook scripts run (`python -m casekit.githooks`);
- `merge.casekit.driver`: the merge driver that `.gitattributes` names for case files;
- `core.hooksPath` is respected: hooks go wherever git looks for them.
A server (`--server PATH`, a bare repository) gets pre-receive and `casekit.python`.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from casekit.errors import Refused
from casekit.i18n import _
from casekit.resources import bundled
from casekit.vcs.git import git_dir, run_git

HOOKS_DIR = "hooks"
CLIENT_HOOKS = ("pre-commit", "commit-msg")
SERVER_HOOKS = ("pre-receive",)
MARKER = b"casekit-hook"
MERGE_ATTRIBUTE = "cases/**/*.yaml merge=casekit"
DRIVER_NAME = "casekit case files: histories merged by time, replayed through the workflow"


def hook_source(root: Path | None, name: str) -> bytes:
    """The hook script: the case repository's own copy if it has one, else casekit's. A
    copy reached through a symbolic link (the file or the hooks/ folder) is refused: a
    link could install any file of the machine as a hook."""
    if root is not None:
        from casekit.store.treefiles import linked_part, outside

        relpath = f"{HOOKS_DIR}/{name}"
        link = linked_part(root, relpath)
        if link is not None:
            raise Refused(
                _(
                    "{link} is a symbolic link; casekit installs hooks only from files in the "
                    "repository's {folder}/ folder, never through a link: replace the link with "
                    "the hook itself, or remove it to install casekit's own hooks"
                ).format(link=link, folder=HOOKS_DIR)
            )
        if (root / relpath).is_file():
            if outside(root, relpath):
                raise Refused(
                    _(
                        "{path} lies outside the repository {root}; casekit installs hooks only from it"
                    ).format(path=relpath, root=root)
                )
            return (root / relpath).read_bytes()
    return (bundled(HOOKS_DIR) / name).read_bytes()


def _write_hook(
    folder: Path, name: str, content: bytes, force: bool, keep_foreign: bool = False
) -> Path | None:
    target = folder / name
    if target.exists() and not force:
        current = target.read_bytes()
        if current != content and MARKER not in current:
            if keep_foreign:
                return None
            raise Refused(
                _(
                    "{hook} is a hook that is not casekit's; move it aside (or merge it into "
                    "casekit's), or pass --force to replace it"
                ).format(hook=target)
            )
    folder.mkdir(parents=True, exist_ok=True)
    if target.is_symlink():  # replace the link itself, never the file it points to
        target.unlink()
    target.write_bytes(content)
    target.chmod(0o755)
    return target


def driver_command(python: str | None = None) -> str:
    return f"{shlex.quote(python or sys.executable)} -m casekit.githooks merge-driver %O %A %B %P"


def configure_merge_driver(root: Path) -> None:
    """Set git's merge.casekit.* for this clone, and the attribute where the repository lacks it."""
    run_git(root, "config", "merge.casekit.name", DRIVER_NAME)
    run_git(root, "config", "merge.casekit.driver", driver_command())
    attributes = root / ".gitattributes"
    text = attributes.read_text(encoding="utf-8") if attributes.is_file() else ""
    if "merge=casekit" not in text:
        info = git_dir(root) / "info" / "attributes"
        info.parent.mkdir(parents=True, exist_ok=True)
        current = info.read_text(encoding="utf-8") if info.is_file() else ""
        if MERGE_ATTRIBUTE not in current:
            info.write_text(
                current + ("" if current.endswith("\n") or not current else "\n") + MERGE_ATTRIBUTE + "\n"
            )


def merge_driver_configured(root: Path) -> bool:
    return bool(run_git(root, "config", "--get", "merge.casekit.driver", check=False).strip())


def hooks_folder(git_path_root: Path, *git_args: str) -> Path:
    out = run_git(git_path_root, *git_args, "rev-parse", "--git-path", "hooks").decode().strip()
    folder = Path(out)
    return folder if folder.is_absolute() else (git_path_root / folder)


def install_hooks(root: Path, *, force: bool = False, keep_foreign: bool = False) -> list[Path]:
    """Install the client hooks and the merge driver into the clone at `root`. A hook that
    is not casekit's is refused (`force` replaces it; `keep_foreign`, for `casekit init`
    in an existing repository, leaves it in place)."""
    folder = hooks_folder(root)
    written = [
        _write_hook(folder, name, hook_source(root, name), force, keep_foreign) for name in CLIENT_HOOKS
    ]
    installed = [path for path in written if path is not None]
    run_git(root, "config", "casekit.python", sys.executable)
    configure_merge_driver(root)
    return installed


def install_server_hooks(repository: Path, *, force: bool = False) -> list[Path]:
    """Install pre-receive into a (bare) repository that clones push to."""
    repository = repository.resolve()
    if not repository.is_dir():
        raise Refused(
            _("{repository} does not exist; give the path of the server's bare repository").format(
                repository=repository
            )
        )
    probe = run_git(repository, "rev-parse", "--git-dir", check=False).strip()
    if not probe:
        raise Refused(_("{repository} is not a git repository").format(repository=repository))

    gdir = Path(probe.decode())
    gdir = gdir if gdir.is_absolute() else repository / gdir
    folder = hooks_folder(gdir, f"--git-dir={gdir}")
    written = [_write_hook(folder, name, hook_source(None, name), force) for name in SERVER_HOOKS]
    installed = [path for path in written if path is not None]
    run_git(gdir, f"--git-dir={gdir}", "config", "casekit.python", sys.executable)
    return installed
