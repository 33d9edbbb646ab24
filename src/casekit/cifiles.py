"""CI files `casekit init` writes into a new case repository (GitHub Actions and GitLab CI).

They validate and audit every push and pull request, and render last week's report every
Monday 08:00 Asia/Shanghai. The bundled sources live in templates/ci/; a file the
repository already has is never overwritten.
"""

from __future__ import annotations

from pathlib import Path

from casekit.resources import bundled

CI_FILES = {
    ".github/workflows/casekit.yml": "ci/github-actions.yml",
    ".gitlab-ci.yml": "ci/gitlab-ci.yml",
}


def ci_files(root: Path) -> dict[str, bytes]:
    """The CI files to add to the repository at `root`, pinned to this casekit's version."""
    from casekit import __version__

    files = {}
    for target, source in CI_FILES.items():
        if (root / target).exists():
            continue
        text = (bundled("templates") / source).read_text(encoding="utf-8")
        files[target] = text.replace("@CASEKIT_VERSION@", __version__).encode("utf-8")
    return files
