"""What the rule SQL reads besides staging and core, written at the start of every run."""

from __future__ import annotations

from datetime import date

import duckdb

from pipelines.datamap import DataMap
from pipelines.rules import parameters
from pipelines.rules.retention_due import PeriodsEngine, build_retention_due, on_duckdb
from pipelines.staging.build import RowEngine
from pipelines.staging.text_values import build_text_scan


def prepare_rules(
    conn: duckdb.DuckDBPyConnection,
    data_map: DataMap,
    as_of: date,
    engine: RowEngine | None = None,
    periods: PeriodsEngine = on_duckdb,
) -> int:
    """Helper functions, parameter tables, audit.retention_due (its periods worked out by
    `periods`) and the text scan (run by `engine` when given); returns the number of
    suspicious values the scan kept."""
    parameters.install_functions(conn)
    parameters.write_parameters(conn, data_map, as_of)
    build_retention_due(conn, data_map, engine=periods)
    return build_text_scan(conn, data_map, engine)
