"""The data map's identity settings applied: identifiers that are no one person's, and warnings
about identifiers that look shared."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.datamap import DataMap
from pipelines.staging.phones import to_e164
from pipelines.staging.subjects import shared_identifiers


def not_a_person_values(data_map: DataMap) -> list[str]:
    """The data map's shared identifiers, normalised as staging normalises emails and phones."""
    values = []
    for entry in data_map.identity.not_a_person:
        text = entry.value.strip()
        values.append(text.lower() if "@" in text else (to_e164(text, "GB") or text))
    return values


def shared_identifier_warnings(conn: duckdb.DuckDBPyConnection, data_map: DataMap) -> list[str]:
    """One line per identifier that links implausibly many records under different names."""
    identity, known = data_map.identity, set(not_a_person_values(data_map))
    where = Path(data_map.directory or "data_map") / "identity.yaml"
    found = shared_identifiers(
        conn,
        list(data_map.datasets.values()),
        identity.shared_warning_records,
        identity.shared_warning_names,
    )
    return [
        f"{value} links {records:,} records under {names:,} different names: "
        f"probably shared (an office line or mailbox); list it under not_a_person in "
        f"{where} if it is no one person's"
        for value, records, names in found
        if value not in known
    ]
