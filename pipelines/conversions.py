"""SQL that turns a raw text value into its declared type, shared by ingest (rejects) and staging.

Every expression takes the raw value as text and returns NULL for an empty value. `converts_badly`
is true when a non-empty value cannot be converted: the row is rejected at load time.
"""

from __future__ import annotations

from pipelines.datamap.models import ColumnSpec, DatasetSpec
from pipelines.warehouse import ident, literal

FALLIBLE = {"integer", "decimal", "boolean", "timestamp", "date"}


def source_text(column: ColumnSpec, available: set[str]) -> str:
    """The column's raw text: the exported field, the part `extract` keeps, or a file-name part."""
    if column.from_file_name:
        name = "regexp_extract(_source_file, '[^/]*$')"
        return f"nullif(regexp_extract({name}, {literal(column.from_file_name)}, 1), '')"
    if column.source not in available:
        return "cast(null as varchar)"
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


def rejection(column: ColumnSpec, spec: DatasetSpec, available: set[str]) -> str | None:
    """SQL giving the reason a row's value for this column cannot be loaded, else NULL."""
    if column.type not in FALLIBLE or column.from_file_name or column.source not in available:
        return None
    text = source_text(column, available)
    expected = (
        f"a {column.type} in format {' or '.join(column.formats)}"
        if column.formats
        else f"a {column.type}"
    )
    reason = literal(f"{column.source}: ") + f" || {text} || " + literal(f" is not {expected}")
    return f"case when {text} is not null and {typed(column, spec, text)} is null then {reason} end"


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
