"""reports/<run>/remediation/: the run's planned actions, for all systems and per system.

remediation.csv has one row per action (system, dataset, record_key, action, rules, target,
detail), the same rows as audit.remediation (remediation/plan.py). Each system's files follow the
layouts of remediation.yaml (its own import or API: a HubSpot GDPR-delete list, a Mailchimp
unsubscribe import); an action a system's layouts do not take goes to <system>-other-actions.csv,
so every row of remediation.csv is in some system's file. Lists, never commands. The files hold
record keys and, in some layouts, emails: the folder and its files are owner-only. Cells a
spreadsheet would read as a formula are neutralised, as in the extract.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import duckdb

from pipelines.datamap import DataMap
from pipelines.datamap.remediation import LayoutFile
from pipelines.private import write_private
from pipelines.remediation.values import source_sql
from pipelines.reporting.extract import FORMULA_STARTS
from pipelines.warehouse import literal, text_list

FOLDER = "remediation"
COLUMNS = ("system", "dataset", "record_key", "action", "rules", "target", "detail")
ORDER = "order by r.system, r.dataset, r.action, r.record_key"


def write_remediation(
    conn: duckdb.DuckDBPyConnection, data_map: DataMap, run_id: str, out_dir: Path
) -> list[Path]:
    """remediation.csv and the per-system files of the run; their paths."""
    folder = Path(out_dir) / FOLDER
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    everything = LayoutFile(
        name="remediation.csv", description="every action", actions=["review"],
        columns={c: c for c in COLUMNS},
    )  # fmt: skip
    paths = [_write(conn, folder, everything, run_id, "true")]
    layouts = data_map.remediation.layouts
    systems = [s for (s,) in conn.execute(
        "select distinct system from audit.remediation where run_id = ? order by 1", [run_id]
    ).fetchall()]  # fmt: skip
    for system in systems:
        files = layouts.get(system, [])
        taken = sorted({a for f in files for a in f.actions})
        for layout in files:
            actions = text_list(layout.actions)
            where = f"r.system = {literal(system)} and list_contains({actions}, r.action)"
            paths.append(_write(conn, folder, layout, run_id, where))
        other = everything.model_copy(update={"name": f"{system}-other-actions.csv"})
        where = f"r.system = {literal(system)} and not list_contains({text_list(taken)}, r.action)"
        paths.append(_write(conn, folder, other, run_id, where))
    return [p for p in paths if p is not None]


def _write(
    conn: duckdb.DuckDBPyConnection, folder: Path, layout: LayoutFile, run_id: str, where: str
) -> Path | None:
    """The layout's file from the run's rows matching `where`; None when there are none."""
    columns = ", ".join(source_sql(source) for source in layout.columns.values())
    rows = conn.execute(
        f"select {columns} from audit.remediation r where r.run_id = ? and {where} {ORDER}",
        [run_id],
    ).fetchall()
    if not rows:
        return None
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if layout.header:
        writer.writerow(layout.columns)
    writer.writerows([_cell(value) for value in row] for row in rows)
    return write_private(folder / layout.name, buffer.getvalue())


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
