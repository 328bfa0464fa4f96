"""The SQL fast path for UK mobiles gives exactly what phonenumbers gives."""

from __future__ import annotations

import random

import duckdb

from pipelines.conversions import phone
from pipelines.staging import phones


def _spellings(rng: random.Random) -> list[str]:
    values = []
    for _ in range(300):
        national = "7" + "".join(rng.choice("0123456789") for _ in range(9))
        a, b = national[:4], national[4:]
        values += [
            f"0{national}",
            f"0{a} {b}",
            f"(0{a}) {b}",
            f"+44 {a} {b}",
            f"+44{national}",
            f"0044 {a} {b}",
            f"44{national}",
            f"+44 (0){a} {b}",
            f"0{a}-{b}",
        ]
    values += ["01908 123456", "020 7946 0000", "+1 415 555 0100", "n/a", "", "123", "0770090012"]
    return values


def test_fast_path_agrees_with_phonenumbers() -> None:
    values = _spellings(random.Random(5))
    conn = duckdb.connect()
    phones.register(conn)
    conn.execute("create table t (v varchar)")
    conn.executemany("insert into t values (?)", [(v,) for v in values])
    expression = phone("nullif(trim(v), '')", "GB")
    rows = conn.execute(f"select v, {expression} from t").fetchall()
    assert len(rows) == len(values)
    for value, normalised in rows:
        expected = phones.to_e164(value, "GB") if value.strip() else None
        assert normalised == expected, value
    assert phones.to_e164("0044 7700 900123", "GB") == "+447700900123"
