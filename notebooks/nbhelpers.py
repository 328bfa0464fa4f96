"""Small helpers shared by the analysts' notebooks in this folder.

They open the warehouse read-only, find the newest audit run, and show a dataset's records
without exposing the people in them: emails keep only their domain, phones their last 3 digits,
and only the fields that do not identify anyone (the system's own fields, dates, statuses,
preferences) are shown. Everything stays SQL inside DuckDB; values are always passed as query
parameters, and only table and column names from the data map are put into the SQL text.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.datamap import DataMap, DatasetSpec
from pipelines.datamap.models import ColumnSpec
from pipelines.reporting.masking import mask_key
from pipelines.warehouse import connect, ident, memory_limit

# Data categories shown in the clear: they describe the record, not who the person is.
CLEAR_CATEGORIES = ("system.", "user.behavior", "user.privacy_preferences")
HIDDEN = "…"


def open_warehouse(db: Path | str) -> duckdb.DuckDBPyConnection:
    """The published warehouse, opened read-only: a notebook never writes to it."""
    db = Path(db)
    if not db.is_file():
        raise FileNotFoundError(
            f"no warehouse at {db}: run the audit first (make audit) or set PRIVACY_AUDIT_DB_PATH"
        )
    try:
        return connect(db, read_only=True)
    except duckdb.InvalidInputException as error:
        # In a Jupyter kernel without ipywidgets, DuckDB refuses `set enable_progress_bar`
        # (duckdb/duckdb#7590), which pipelines.warehouse.prepare runs; the bar is off there
        # anyway, so open the file read-only with the rest of prepare's settings.
        if "progress bar" not in str(error):
            raise
    conn = duckdb.connect(str(db), read_only=True)
    conn.execute("set TimeZone = 'UTC'")
    conn.execute("set memory_limit = $limit", {"limit": memory_limit()})
    return conn


def latest_run(conn: duckdb.DuckDBPyConnection) -> tuple[str, date]:
    """(run_id, as_of) of the newest completed audit run."""
    row = conn.execute(
        "select run_id, as_of from audit.runs where status = 'completed' "
        "order by run_id desc limit 1"
    ).fetchone()
    if row is None:
        raise LookupError("the warehouse holds no completed audit run: run the audit first")
    return row[0], row[1]


def system_of(data_map: DataMap) -> dict[str, str]:
    """dataset -> the id of the system it is exported from."""
    return {name: spec.system for name, spec in data_map.datasets.items()}


def _field(column: ColumnSpec, alias: str, reveal: bool) -> str | None:
    value = f"{alias}.{ident(column.name)}"
    if reveal:
        return value
    if column.type == "email":
        return f"'{HIDDEN}@' || split_part({value}, '@', 2) as {ident(column.name)}"
    if column.type == "phone":
        return f"'{HIDDEN}' || right({value}, 3) as {ident(column.name)}"
    if column.is_identifier or not column.category.startswith(CLEAR_CATEGORIES):
        return None
    return value


def shown_fields(spec: DatasetSpec, alias: str = "s", reveal: bool = False) -> str:
    """SQL select list of a staging table's fields: masked and non-identifying unless reveal."""
    fields = [f for column in spec.columns if (f := _field(column, alias, reveal))]
    return ", ".join(fields) if fields else "null as no_fields_shown"


def mask_value(value: str | None) -> str:
    """An email as its domain only, anything else (a phone) as its last 3 characters."""
    if not value:
        return ""
    if "@" in value:
        return f"{HIDDEN}@{value.split('@', 1)[1]}"
    return f"{HIDDEN}{value[-3:]}"


def masked_keys(frame: pd.DataFrame, data_map: DataMap, reveal: bool = False) -> pd.DataFrame:
    """Replace frame.record_key (with frame.dataset) by the key as a report may show it."""
    if reveal or frame.empty:
        return frame
    frame = frame.copy()
    frame["record_key"] = [
        mask_key(data_map, dataset, key) if isinstance(key, str) else key
        for dataset, key in zip(frame["dataset"], frame["record_key"], strict=True)
    ]
    return frame
