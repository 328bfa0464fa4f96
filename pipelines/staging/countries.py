"""`country_code(text)`: a DuckDB function giving a country's ISO 3166-1 alpha-2 code."""

from __future__ import annotations

import contextlib

import duckdb
import pyarrow as pa
from duckdb.sqltypes import VARCHAR

from pipelines.countries import country_code


def _codes(values: pa.Array) -> pa.Array:
    return pa.array([country_code(v) for v in values.to_pylist()], pa.string())


def register(conn: duckdb.DuckDBPyConnection) -> None:
    """Make `country_code(text)` available on this connection (once)."""
    with contextlib.suppress(duckdb.NotImplementedException):  # already registered
        conn.create_function(
            "country_code",
            _codes,
            [VARCHAR],
            VARCHAR,
            type="arrow",
            null_handling="special",
            side_effects=False,
        )
