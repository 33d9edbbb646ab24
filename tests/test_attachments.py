"""`casekit attach`: evidence copied, named after the customer, hashed and committed with the case."""

from __future__ import annotations

import hashlib
import subprocess

from conftest import CLI, read_case
from test_returns import open_return, photo, refused_unchanged


def committed_files(repo: CLI, rev: str = "HEAD") -> list[str]:
    return sorted(repo.git("show", "--name-only", "--format=", rev).split())


def test_attach_copies_hashes_and_commits_files_with_the_case(repo: CLI) -> None:
    case_id = open_return(repo, "return_type=exchange", "reason=quality")
    first = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40
    second = b"\x89PNG\r\n\x1a\n" + b"\x00\x01" * 3000
    count = repo.commit_count()
    result = repo.ok(
        "attach", case_id, photo(repo, "IMG_2041.JPG", first), photo(repo, "拉链特写.png", second),
        "--note", "客户提供的拉链损坏照片",
    )  # fmt: skip
    assert result.out.strip() == case_id
    assert "attached IMG_2041.JPG as attachments/" in result.err
    assert repo.commit_count() == count + 1
    folder = f"attachments/{case_id}"
    names = [f"{folder}/tb_wang-01.jpg", f"{folder}/tb_wang-02.png"]
    case_rel = str(repo.case_path(case_id).relative_to(repo.root))
    assert committed_files(repo) == sorted([*names, case_rel])
    assert repo.git("log", "-1", "--format=%s").strip() == f"{case_id}: attached 2 files"
    assert "Case-Action: attach" in repo.git("log", "-1", "--format=%B")
    assert "客户提供的拉链损坏照片" in repo.git("log", "-1", "--format=%b")
    for name, content in zip(names, [first, second], strict=True):
        assert (repo.root / name).read_bytes() == content
        shown = subprocess.run(
            ["git", "show", f"HEAD:{name}"], cwd=repo.root, capture_output=True, check=True
        )
        assert shown.stdout == content
    case = read_case(repo.case_path(case_id))
    assert case["attachments"] == [
        {
            "file": names[0],
            "sha256": hashlib.sha256(first).hexdigest(),
            "size": len(first),
            "original": "IMG_2041.JPG",
        },
        {
            "file": names[1],
            "sha256": hashlib.sha256(second).hexdigest(),
            "size": len(second),
            "original": "拉链特写.png",
        },
    ]
    entry = case["history"][-1]
    assert entry["action"] == "attach" and entry["files"] == ["tb_wang-01.jpg", "tb_wang-02.png"]
    assert repo.git("status", "--porcelain") == ""
    repo.ok("validate")
    repo.ok("audit")
    log = repo.ok("log", case_id, "--format", "json").out
    assert '"action": "attach"' in log


def test_sequence_continues_and_names_fall_back_to_the_phone(repo: CLI) -> None:
    case_id = open_return(repo, "return_type=return", "reason=courier-damage", base=False)
    repo.ok("attach", case_id, photo(repo, "a.jpeg", b"one"))
    repo.ok("attach", case_id, photo(repo, "b.JPEG", b"two"), photo(repo, "scan", b"three"))
    records = read_case(repo.case_path(case_id))["attachments"]
    assert [r["file"].rsplit("/", 1)[1] for r in records] == [
        "13800138000-01.jpeg",
        "13800138000-02.jpeg",
        "13800138000-03",
    ]
    # attachments work on any kind of case
    complaint = repo.new("complaint")
    repo.ok("attach", complaint, photo(repo, "c.jpg", b"four"))
    assert read_case(repo.case_path(complaint))["attachments"][0]["file"].endswith("13800138000-01.jpg")


def test_attach_refuses_files_over_the_size_limit_and_changes_nothing(repo: CLI) -> None:
    config = repo.root / "casekit.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("max_size_mb: 10", "max_size_mb: 0.01"), encoding="utf-8"
    )
    repo.git("commit", "--no-verify", "-qam", "small attachments only")
    case_id = open_return(repo, "return_type=return", "reason=quality")
    small = photo(repo, "small.jpg", b"x" * 10_000)
    large = photo(repo, "video.mp4", b"x" * 10_486)  # 0.01 MB is 10,485 bytes
    err = refused_unchanged(repo, case_id, "attach", case_id, small, large)
    assert "video.mp4 is 10,486 bytes, over the 10,485-byte limit" in err
    assert "attachments.max_size_mb" in err and "Git LFS" in err
    assert not (repo.root / "attachments").exists()
    repo.ok("attach", case_id, small)
    assert read_case(repo.case_path(case_id))["attachments"][0]["size"] == 10_000


def test_attach_refuses_duplicates_missing_files_and_folders(repo: CLI) -> None:
    case_id = open_return(repo, "return_type=return", "reason=quality")
    first = photo(repo, "a.jpg", b"same bytes")
    repo.ok("attach", case_id, first)
    err = refused_unchanged(repo, case_id, "attach", case_id, photo(repo, "copy.jpg", b"same bytes"))
    assert "copy.jpg is already attached as attachments/" in err
    err = refused_unchanged(
        repo, case_id, "attach", case_id, photo(repo, "x.jpg", b"n"), photo(repo, "y.jpg", b"n")
    )
    assert "x.jpg and y.jpg are the same file" in err
    err = refused_unchanged(repo, case_id, "attach", case_id, str(repo.root.parent / "nowhere.jpg"))
    assert "no such file" in err
    err = refused_unchanged(repo, case_id, "attach", case_id, str(repo.root.parent))
    assert "is not a file" in err
    assert sorted(p.name for p in (repo.root / "attachments" / case_id).iterdir()) == ["tb_wang-01.jpg"]


def test_attach_refuses_a_hand_edited_case_and_writes_no_file(repo: CLI) -> None:
    case_id = open_return(repo, "return_type=return", "reason=quality")
    path = repo.case_path(case_id)
    path.write_text(path.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    result = repo.refused("attach", case_id, photo(repo))
    assert "has uncommitted changes" in result.err
    assert not (repo.root / "attachments").exists()


def test_attach_honours_gitattributes_filters_as_git_lfs_needs(repo: CLI) -> None:
    """Git LFS works through a clean filter named in .gitattributes; casekit's commit applies
    it as `git add` would, so the repository stores what the filter makes (an LFS pointer)."""
    repo.git("config", "filter.pointer.clean", "wc -c | sed 's/^ */size /'")
    repo.git("config", "filter.pointer.smudge", "cat")
    (repo.root / ".gitattributes").write_text(
        (repo.root / ".gitattributes").read_text(encoding="utf-8") + "attachments/**/*.mp4 filter=pointer\n",
        encoding="utf-8",
    )
    repo.git("commit", "--no-verify", "-qam", "store videos as pointers")
    case_id = open_return(repo, "return_type=return", "reason=courier-damage")
    video = b"\x00\x00\x00\x18ftypmp42" * 100
    repo.ok("attach", case_id, photo(repo, "unboxing.mp4", video), photo(repo, "box.jpg", b"jpeg"))
    name = f"attachments/{case_id}/tb_wang-01.mp4"
    stored = subprocess.run(["git", "show", f"HEAD:{name}"], cwd=repo.root, capture_output=True, check=True)
    assert stored.stdout == f"size {len(video)}\n".encode()
    assert (repo.root / name).read_bytes() == video  # the work tree keeps the real file
    jpg = subprocess.run(
        ["git", "show", f"HEAD:attachments/{case_id}/tb_wang-02.jpg"],
        cwd=repo.root,
        capture_output=True,
        check=True,
    )
    assert jpg.stdout == b"jpeg"
    record = read_case(repo.case_path(case_id))["attachments"][0]
    assert record["sha256"] == hashlib.sha256(video).hexdigest()  # the hash is of the real file
    assert repo.git("status", "--porcelain") == ""


def test_validate_checks_attachment_records(repo: CLI) -> None:
    case_id = open_return(repo, "return_type=return", "reason=quality")
    repo.ok("attach", case_id, photo(repo))
    path = repo.case_path(case_id)
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("sha256: ", "sha256: zz", 1).replace("file: attachments/", "file: ../"), "utf-8"
    )
    result = repo.run("validate")
    assert result.code == 1
    assert "attachment sha256 must be 64 lower-case hex digits" in result.out
    assert f"attachment file must be a path under attachments/{case_id}/" in result.out


def test_a_failed_commit_leaves_no_attachment_behind(repo: CLI) -> None:
    case_id = open_return(repo, "return_type=return", "reason=quality")
    path = repo.case_path(case_id)
    before, head = path.read_bytes(), repo.head()
    branch = repo.git("symbolic-ref", "HEAD").strip()
    lock = repo.root / ".git" / f"{branch}.lock"
    lock.write_text("held by another git command\n")
    try:
        result = repo.run("attach", case_id, photo(repo))
    finally:
        lock.unlink()
    assert result.code == 1 and "Traceback" not in result.err
    assert path.read_bytes() == before and repo.head() == head
    assert not (repo.root / "attachments").exists()
    assert repo.git("status", "--porcelain") == ""


def test_attachments_are_stored_byte_for_byte(repo: CLI) -> None:
    repo.git("config", "core.autocrlf", "true")  # would turn CRLF into LF in text files
    case_id = open_return(repo, "return_type=return", "reason=not-as-described")
    content = "客户说明：\r\n颜色与图片不符\r\n".encode()
    repo.ok("attach", case_id, photo(repo, "说明.txt", content))
    name = f"attachments/{case_id}/tb_wang-01.txt"
    stored = subprocess.run(["git", "show", f"HEAD:{name}"], cwd=repo.root, capture_output=True, check=True)
    assert stored.stdout == content
    assert (
        read_case(repo.case_path(case_id))["attachments"][0]["sha256"] == hashlib.sha256(content).hexdigest()
    )
    assert repo.git("status", "--porcelain") == ""
