"""E.164 phone numbers with `phonenumbers`, as a vectorised DuckDB function `e164(text, region)`."""

from __future__ import annotations

import contextlib
from functools import lru_cache

import duckdb
import phonenumbers
import pyarrow as pa
from duckdb.sqltypes import VARCHAR


@lru_cache(maxsize=2_000_000)
def to_e164(value: str, region: str) -> str | None:
    """The number in E.164 form, or None when it is not a possible phone number."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _e164(values: pa.Array, regions: pa.Array) -> pa.Array:
    return pa.array(
        [
            None if v is None else to_e164(v, r or "GB")
            for v, r in zip(values.to_pylist(), regions.to_pylist(), strict=True)
        ],
        pa.string(),
    )


def register(conn: duckdb.DuckDBPyConnection) -> None:
    """Make `e164(text, region)` available on this connection (once)."""
    with contextlib.suppress(duckdb.NotImplementedException):  # already registered
        conn.create_function(
            "e164",
            _e164,
            [VARCHAR, VARCHAR],
            VARCHAR,
            type="arrow",
            null_handling="special",
            side_effects=False,
        )
