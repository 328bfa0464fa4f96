"""The staged values a remediation needs (a recording's file name, a member's email), and the SQL
of remediation.yaml's column sources.

audit.remediation_values holds, for the records a run's plan acts on only, the columns its targets
and its systems' layouts name (long format: dataset, record key, column, value). It holds
personal data (emails), like the staging layer it comes from, and stays in the warehouse.
"""

from __future__ import annotations

import duckdb

from pipelines.datamap import DataMap
from pipelines.warehouse import ident, literal

VALUES_DDL = """
create table if not exists audit.remediation_values (
    run_id varchar, dataset varchar, record_key varchar, name varchar, value varchar
)
"""
ROW_VALUES = ("system", "dataset", "record_key", "target", "field", "action", "detail", "reference")


def needed_columns(data_map: DataMap) -> dict[str, list[str]]:
    """Per dataset, the staged columns some target or layout of its system names."""
    plan = data_map.remediation
    needed: dict[str, set[str]] = {}
    for spec in data_map.datasets.values():
        sources = [plan.targets.get(spec.name, "record_key")] + [
            source
            for layout in plan.layouts.get(spec.system, [])
            for source in layout.columns.values()
        ]
        columns = {s.split(" ")[1] for s in sources if " " in s and not s.startswith("'")}
        needed[spec.name] = sorted(c for c in columns if spec.column(c))
    return needed


def attach_values(
    conn: duckdb.DuckDBPyConnection, data_map: DataMap, run_id: str, plan: str
) -> None:
    """The needed staged values of the records in `plan` (a table of remediation rows)."""
    conn.execute(VALUES_DDL)
    conn.execute("delete from audit.remediation_values where run_id = ?", [run_id])
    for dataset, columns in needed_columns(data_map).items():
        for column in columns:
            conn.execute(
                f"""
                insert into audit.remediation_values
                select $run, $dataset, s.record_key, $column,
                       cast(any_value(s.{ident(column)}) as varchar)
                from staging.{ident(dataset)} s
                semi join {plan} r on r.dataset = $dataset and r.record_key = s.record_key
                group by s.record_key
                """,
                {"run": run_id, "dataset": dataset, "column": column},
            )


def source_sql(source: str, row: str = "r") -> str:
    """SQL for a column source of remediation.yaml, over a remediation row `row`."""
    if source.startswith("'"):
        return literal(source[1:-1])
    if source == "rules":
        return f"array_to_string({row}.rules, ';')"
    if source in ROW_VALUES:
        return f"{row}.{source}"
    kind, column = source.split(" ")
    value = (
        "(select v.value from audit.remediation_values v where v.run_id = "
        f"{row}.run_id and v.dataset = {row}.dataset and v.record_key = {row}.record_key "
        f"and v.name = {literal(column)})"
    )
    if kind == "subscriber_hash":
        return f"md5(lower(trim({value})))"
    if kind == "sha256":
        return f"sha256(lower(trim({value})))"
    return value


def target_sql(data_map: DataMap, row: str = "r") -> str:
    """What the system acts on: the field for a redaction, else the dataset's target."""
    cases = " ".join(
        f"when {literal(dataset)} then {source_sql(source, row)}"
        for dataset, source in sorted(data_map.remediation.targets.items())
    )
    by_dataset = (
        f"case {row}.dataset {cases} else {row}.record_key end" if cases else f"{row}.record_key"
    )
    return f"case when {row}.action = 'redact_field' then {row}.field else {by_dataset} end"
