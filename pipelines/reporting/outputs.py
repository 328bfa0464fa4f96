"""Every output of a run in reports/<run_id>/, then the same files in reports/latest/."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.datamap import DataMap
from pipelines.reporting.extract import write_extract
from pipelines.reporting.management import build_management_report
from pipelines.reporting.pdf import PdfError, find_chromium, write_pdf
from pipelines.reporting.remediation_files import write_remediation
from pipelines.reporting.ropa import write_ropa
from pipelines.rules.catalogue import Suite


@dataclass(frozen=True)
class RunOutputs:
    folder: Path
    report: Path
    pdf: Path | None
    files: list[Path]
    note: str = ""


def write_outputs(
    conn: duckdb.DuckDBPyConnection,
    data_map: DataMap,
    suites: list[Suite],
    run_id: str,
    reports_dir: Path,
    pdf: bool = True,
) -> RunOutputs:
    """Report (HTML, PDF), analyst extract and ROPA of one run; reports/latest/ follows."""
    folder = reports_dir / run_id
    folder.mkdir(parents=True, exist_ok=True)
    report = build_management_report(conn, data_map, suites, run_id, folder)
    files = [
        report,
        *write_extract(conn, data_map, run_id, folder),
        *write_ropa(conn, data_map, suites, run_id, folder),
        *write_remediation(conn, data_map, run_id, folder),
    ]
    printed, note = None, ""
    if pdf:
        try:
            find_chromium()
        except PdfError as error:
            note = f"PDF not made: {error}"
        else:
            printed = write_pdf(report, folder / "report.pdf")
            files.append(printed)
    _publish_latest(folder, reports_dir / "latest")
    return RunOutputs(folder, report, printed, files, note)


def _publish_latest(folder: Path, latest: Path) -> None:
    """Replace reports/latest/ with a copy of this run's folder (permissions kept)."""
    staging = latest.with_name(".latest.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(folder, staging)
    old = latest.with_name(".latest.old")
    shutil.rmtree(old, ignore_errors=True)
    if latest.exists():
        latest.rename(old)
    staging.rename(latest)
    shutil.rmtree(old, ignore_errors=True)
