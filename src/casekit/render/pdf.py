"""HTML to an A4 PDF through headless Chromium's print (an I/O edge).

Chromium lays the report out exactly as the HTML tests see it, honours the report's print
stylesheet (`@page { size: A4 }`), and embeds the subset of each font it uses, so the
Chinese text shows on any reader.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from casekit.errors import Refused
from casekit.i18n import _

# Where to look for the browser: CASEKIT_CHROMIUM first, then these names on PATH.
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
PRINT_SECONDS = 120


def find_browser() -> str | None:
    named = os.environ.get("CASEKIT_CHROMIUM")
    if named:
        return named if Path(named).is_file() else shutil.which(named)
    return next((found for name in BROWSERS if (found := shutil.which(name))), None)


def html_to_pdf(html: str) -> bytes:
    """The PDF Chromium prints from `html` (no header or footer lines)."""
    browser = find_browser()
    if browser is None:
        raise Refused(
            # TRANSLATORS: the English message carries its Chinese; the Chinese one needs only its half
            _(
                "PDF 报表需要 Chromium：请安装 chromium（如 apt-get install chromium），"
                "或设置 CASEKIT_CHROMIUM 为浏览器路径；也可用 --format html 在浏览器中打印 "
                "(--format pdf prints through headless Chromium: install chromium or set CASEKIT_CHROMIUM)"
            )
        )
    with tempfile.TemporaryDirectory(prefix="casekit-pdf-") as folder:
        page = Path(folder) / "report.html"
        page.write_text(html, encoding="utf-8")
        target = Path(folder) / "report.pdf"
        command = [
            browser,
            "--headless",
            "--no-sandbox",  # as root (CI containers) Chromium refuses to start with its sandbox
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            f"--user-data-dir={Path(folder) / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={target}",
            page.as_uri(),
        ]
        try:
            result = subprocess.run(
                command, capture_output=True, text=True, timeout=PRINT_SECONDS, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise Refused(_printing_failed(str(exc))) from None
        if result.returncode != 0 or not target.is_file():
            last = (result.stderr.strip().splitlines() or [_("no message")])[-1]
            raise Refused(_printing_failed(last))

        return target.read_bytes()


def _printing_failed(reason: str) -> str:
    # TRANSLATORS: the English message carries its Chinese; the Chinese one needs only its half
    return _("Chromium 未能生成 PDF (Chromium could not print the PDF: {reason})").format(reason=reason)
