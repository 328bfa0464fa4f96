"""What the rule SQL reads besides staging and core, written at the start of every run."""

from __future__ import annotations

from datetime import date

import duckdb

from pipelines.datamap import DataMap
from pipelines.rules import parameters
from pipelines.rules.retention_due import build_retention_due
from pipelines.staging.build import RowEngine
from pipelines.staging.text_values import build_text_scan


def prepare_rules(
    conn: duckdb.DuckDBPyConnection,
    data_map: DataMap,
    as_of: date,
    engine: RowEngine | None = None,
) -> int:
    """Helper functions, parameter tables, audit.retention_due and the text scan (run by
    `engine` when given); returns the number of suspicious values the scan kept."""
    parameters.install_functions(conn)
    parameters.write_parameters(conn, data_map, as_of)
    build_retention_due(conn, data_map)
    return build_text_scan(conn, data_map, engine)
