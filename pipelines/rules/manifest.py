"""The evidence manifest of a run: exactly what was audited, by which code, by whom, where.

Every export file (name, size, SHA-256, rows read/loaded/rejected), the data map's and the rule
set's hashes, the as-of date, the code version, the user and the host. It is stored with the run
in audit.runs and shown in the report, so an auditor can later show which data produced which
findings, and check that a re-run on the same inputs gives the same findings.
"""

from __future__ import annotations

import getpass
import platform
import socket
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import duckdb


def code_version() -> str:
    """The package version, and the git commit when the code runs from a checkout."""
    try:
        release = version("privacy-audit")
    except PackageNotFoundError:
        release = "unknown"
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return release
    return f"{release} (git {commit})"


def build_manifest(
    conn: duckdb.DuckDBPyConnection, as_of: object, data_map_digest: str, rules_digest: str
) -> dict[str, object]:
    rows = conn.execute(
        "select dataset, source_file, size_bytes, sha256, status, rows_read, rows_loaded, "
        "rows_rejected from raw._loads order by dataset, source_file"
    ).fetchall()
    keys = (
        "dataset",
        "file",
        "size_bytes",
        "sha256",
        "status",
        "rows_read",
        "rows_loaded",
        "rows_rejected",
    )
    return {
        "as_of": str(as_of),
        "data_map_sha256": data_map_digest,
        "rules_sha256": rules_digest,
        "code_version": code_version(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "run_by": getpass.getuser(),
        "host": socket.gethostname(),
        "files": [dict(zip(keys, row, strict=True)) for row in rows],
    }
