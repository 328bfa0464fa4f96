"""The management report as PDF: Debian's chromium, headless, prints the HTML file.

Chromium runs with a fresh profile in a temporary folder, no network services of its own, and a
virtual time budget so that plotly has drawn every chart before the page is printed.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
)
PRINT_FLAGS = (
    "--no-pdf-header-footer",  # the report's own running header and footer (@page) instead
    "--generate-pdf-document-outline",  # bookmarks from the headings
    "--run-all-compositor-stages-before-draw",
    "--virtual-time-budget=10000",
    "--window-size=1000,1400",  # charts are drawn at this width, then the page scales to A4
)
TIMEOUT_SECONDS = 180


class PdfError(RuntimeError):
    """The PDF could not be made (no chromium, or chromium failed)."""


def find_chromium() -> str:
    for name in CHROMIUM_NAMES:
        if path := shutil.which(name):
            return path
    raise PdfError(
        "chromium is not installed, so the PDF cannot be made: "
        "install it with `apt-get install -y chromium` (the HTML report is complete without it)"
    )


def write_pdf(html: Path, pdf: Path) -> Path:
    """Print the HTML file to pdf with headless chromium; return the PDF's path."""
    html, pdf = Path(html).resolve(), Path(pdf).resolve()
    if not html.is_file():
        raise PdfError(f"{html}: no such report")
    chromium = find_chromium()
    pdf.parent.mkdir(parents=True, exist_ok=True)
    pdf.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="report-chromium-") as profile:
        command = [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            *PRINT_FLAGS,
            f"--print-to-pdf={pdf}",
            html.as_uri(),
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
            )
        except subprocess.TimeoutExpired as error:
            raise PdfError(f"chromium did not print {html} within {TIMEOUT_SECONDS} s") from error
    if done.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        tail = (done.stderr or done.stdout or "").strip().splitlines()[-3:]
        raise PdfError(
            f"chromium could not print {html} (exit {done.returncode}): " + " | ".join(tail)
        )
    return pdf
