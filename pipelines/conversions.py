"""SQL that turns a raw text value into its declared type, shared by ingest (rejects) and staging.

Every expression takes the raw value as text and returns NULL for an empty value. Only a key or
required column rejects a row (its value empty, or not convertible: `rejection`); any other value
that does not convert stays as text in raw, is NULL in staging, and is counted as a data-quality
note per file and column (`not_converted`).
"""

from __future__ import annotations

import duckdb

from pipelines.datamap.models import ColumnSpec, DatasetSpec
from pipelines.staging import countries, phones
from pipelines.warehouse import ident, literal

FALLIBLE = {"integer", "decimal", "boolean", "timestamp", "date", "country"}
ARTICLES = {"integer": "an integer", "decimal": "a decimal number", "boolean": "a yes/no value"}


def register_functions(conn: duckdb.DuckDBPyConnection) -> None:
    """The Python functions conversions call: `e164` (phones) and `country_code`."""
    phones.register(conn)
    countries.register(conn)


def source_text(column: ColumnSpec, available: set[str]) -> str:
    """The raw text: the exported field(s), the part `extract` keeps, or a part of the file name."""
    if column.from_file_name:
        name = "regexp_extract(_source_file, '[^/]*$')"
        return f"nullif(regexp_extract({name}, {literal(column.from_file_name)}, 1), '')"
    present = [h for h in column.headers if h in available]
    if column.absent or not present:
        return "cast(null as varchar)"
    if column.sources:
        parts = ", ".join(f"nullif(trim({ident(h)}), '')" for h in present)
        value = f"nullif(concat_ws({literal(column.join_with)}, {parts}), '')"
    else:
        value = f"nullif(trim({ident(column.source)}), '')"
    if column.extract:
        value = f"nullif(regexp_extract({value}, {literal(column.extract)}, 1), '')"
    if column.strip_prefix:
        prefix = literal(column.strip_prefix)
        value = (
            f"case when starts_with({value}, {prefix}) "
            f"then nullif(substr({value}, {len(column.strip_prefix) + 1}), '') else {value} end"
        )
    return value


def typed(column: ColumnSpec, spec: DatasetSpec, text: str) -> str:
    """SQL converting `text` (an expression) to the column's declared type."""
    kind = column.type
    if kind in ("text", "json"):
        return text
    if kind == "email":
        return f"lower({text})"
    if kind == "phone":
        return phone(text, spec.phone_region)
    if kind == "country":
        return f"country_code({text})"
    if kind == "integer":
        return f"try_cast(replace({text}, ',', '') as bigint)"
    if kind == "decimal":
        return f"try_cast(replace({text}, ',', '') as decimal(18, 2))"
    if kind == "boolean":
        trues = ", ".join(literal(v.lower()) for v in column.true_values)
        falses = ", ".join(literal(v.lower()) for v in column.false_values)
        return (
            f"case when lower({text}) in ({trues}) then true "
            f"when lower({text}) in ({falses}) then false end"
        )
    if kind == "date":
        return _first([f"cast(try_strptime({text}, {literal(f)}) as date)" for f in column.formats])
    zone = literal(column.timezone or spec.timezone)
    return _first(
        [
            f"try_strptime({text}, {literal(f)})"
            if "%z" in f
            else f"timezone({zone}, try_strptime({text}, {literal(f)}))"
            for f in column.formats
        ]
    )


def _first(candidates: list[str]) -> str:
    return candidates[0] if len(candidates) == 1 else f"coalesce({', '.join(candidates)})"


# UK mobile numbers in their common spellings, turned into E.164 in SQL; phonenumbers (through the
# e164 function) handles everything else. tests/test_phones.py checks both agree.
UK_MOBILE = [
    (r"07\d{9}", "'+44' || substr({d}, 2)"),
    (r"\+447\d{9}", "{d}"),
    (r"447\d{9}", "'+' || {d}"),
    (r"00447\d{9}", "'+' || substr({d}, 3)"),
]


def phone(text: str, region: str) -> str:
    """E.164 phone: a SQL fast path for UK mobiles, phonenumbers for the rest."""
    slow = f"e164({text}, {literal(region)})"
    if region != "GB":
        return slow
    # the digits expression is repeated rather than bound in a subquery: a correlated subquery
    # per phone column makes DuckDB join the whole (wide) row back, ten times slower
    digits = f"regexp_replace({text}, '[ ()./-]', '', 'g')"
    cases = " ".join(
        f"when regexp_full_match({digits}, {literal(pattern)}) then {result.format(d=digits)}"
        for pattern, result in UK_MOBILE
    )
    return f"case {cases} else {slow} end"


def expected(column: ColumnSpec) -> str:
    """What a value of the column must look like, in words."""
    what = ARTICLES.get(column.type, f"a {column.type}")
    return f"{what} like {' or '.join(column.formats)}" if column.formats else what


def _label(column: ColumnSpec) -> str:
    return " + ".join(column.headers) or column.name


def rejection(column: ColumnSpec, spec: DatasetSpec, available: set[str]) -> str | None:
    """SQL giving why a row cannot be loaded for this (key or required) column, else NULL."""
    if not spec.must_load(column) or column.absent:
        return None
    text = source_text(column, available)
    label = literal(_label(column))
    empty = f"{label} || ' is empty (a required column)'"
    if column.type not in FALLIBLE:
        return f"case when {text} is null then {empty} end"
    bad = f"{label} || ' value \"' || {text} || '\" is not ' || {literal(expected(column))}"
    return (
        f"case when {text} is null then {empty} "
        f"when {typed(column, spec, text)} is null then {bad} end"
    )


def not_converted(column: ColumnSpec, spec: DatasetSpec, available: set[str]) -> str | None:
    """SQL true when a loaded row's value for this column is there but does not convert."""
    if column.type not in FALLIBLE or spec.must_load(column) or column.absent:
        return None
    if not column.from_file_name and not any(h in available for h in column.headers):
        return None
    text = source_text(column, available)
    return f"({text} is not null and {typed(column, spec, text)} is null)"


def record_key(spec: DatasetSpec, available: set[str]) -> str:
    """The record key: key columns joined with '|', or the data row number."""
    if not spec.key:
        return "cast(_row_number as varchar)"
    parts = []
    for name in spec.key:
        column = spec.column(name)
        assert column is not None  # the validator guarantees declared key columns
        value = typed(column, spec, source_text(column, available))
        parts.append(f"coalesce(cast({value} as varchar), '')")
    return " || '|' || ".join(parts)
