"""DuckDB's SQL as Spark SQL: sqlglot's translation, with the rewrites it lacks, and the
helper functions the translated SQL calls (pipelines/rules/functions_spark.sql and the
detectors' patterns, the Spark twins of functions_duckdb.sql and `macros_sql`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.detectors.patterns import spark_functions_sql

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

FUNCTIONS = Path(__file__).parents[1] / "rules" / "functions_spark.sql"


def translate(sql: str) -> str:
    """DuckDB SQL as Spark SQL (sqlglot, plus `_distinct_lists` and `_sorted_lists`)."""
    import sqlglot

    tree = sqlglot.parse_one(sql, read="duckdb")
    return tree.transform(_distinct_lists).transform(_sorted_lists).sql(dialect="spark")


def _distinct_lists(node):  # noqa: ANN001, ANN202 (sqlglot's expression types)
    """string_agg(distinct x, sep order by x) as array_join(array_sort(collect_set(x)), sep).

    sqlglot writes it as Spark's LISTAGG(DISTINCT x) WITHIN GROUP (ORDER BY x), which Spark 4.3
    plans but fails to run (a ClassCastException in ListAgg); the two give the same text: the
    distinct values, nulls left out, in ascending order of the same bytes.
    """
    from sqlglot import exp

    if not isinstance(node, exp.GroupConcat) or not isinstance(node.this, exp.Order):
        return node
    order, distinct = node.this, node.this.this
    if not isinstance(distinct, exp.Distinct) or len(distinct.expressions) != 1:
        return node
    [value] = distinct.expressions
    [by] = order.expressions if len(order.expressions) == 1 else [None]
    if by is None or by.this != value or by.args.get("desc"):
        return node
    values = exp.Anonymous(this="array_sort", expressions=[exp.ArrayUniqueAgg(this=value.copy())])
    separator = node.args.get("separator") or exp.Literal.string(",")
    return exp.Anonymous(this="array_join", expressions=[values, separator.copy()])


def _sorted_lists(node):  # noqa: ANN001, ANN202 (sqlglot's expression types)
    """list(x order by x) as array_sort(collect_list(x)).

    sqlglot drops the ORDER BY (Spark's collect_list takes none), which would leave the list in
    whatever order the rows came; sorted by the values themselves, the two are the same (nulls,
    which DuckDB's list keeps last, are left out by collect_list: only non-null columns use it).
    """
    from sqlglot import exp

    if not isinstance(node, exp.ArrayAgg) or not isinstance(node.this, exp.Order):
        return node
    order = node.this
    [by] = order.expressions if len(order.expressions) == 1 else [None]
    if by is None or by.this != order.this or by.args.get("desc"):
        raise ValueError(f"no Spark translation for {node.sql('duckdb')}: order by the value")
    collected = exp.Anonymous(this="collect_list", expressions=[order.this.copy()])
    return exp.Anonymous(this="array_sort", expressions=[collected])


def install_functions(spark: SparkSession) -> None:
    """The helper functions the rule SQL calls, as Spark temporary functions."""
    statements = [s.strip() for s in FUNCTIONS.read_text().split(";\n")]
    for statement in statements + spark_functions_sql():
        body = "\n".join(line for line in statement.splitlines() if not line.startswith("--"))
        if body.strip():
            spark.sql(body.strip().rstrip(";"))


def tables_in(sql: str) -> list[str]:
    """Every `layer.table` a query in DuckDB's dialect names (its CTEs left out)."""
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(sql, read="duckdb")
    return sorted({f"{t.db}.{t.name}" for t in tree.find_all(exp.Table) if t.db})
