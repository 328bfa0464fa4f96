"""The rule catalogue run by Spark: each rule's SQL translated from DuckDB's dialect, once.

The rule files are written in DuckDB's SQL; `translate` (pipelines/spark/sql.py) turns a rule into
Spark SQL with sqlglot, and the helpers the rules call come from pipelines/rules/functions_spark.sql
and the detectors' patterns (`spark_functions_sql`), the Spark twins of functions_duckdb.sql and
`macros_sql`.
The rows each rule returns become audit.rule_rows exactly as on DuckDB (`execute_rule` in
pipelines/rules/findings.py): the same columns, the same checks, the same messages.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from pipelines.rules.catalogue import Rule, Suite, all_rules
from pipelines.rules.findings import RULE_ROWS_DDL, RuleError, check_clauses, check_columns
from pipelines.spark.sql import install_functions, tables_in, translate
from pipelines.spark.tables import share_tables

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


def evaluate_on_spark(
    conn: duckdb.DuckDBPyConnection, suites: list[Suite], folder: Path, spark: SparkSession
) -> dict[str, int]:
    """Every rule's SQL run once by Spark into audit.rule_rows; rows returned per rule.

    Spark reads the tables the rules read from their Parquet parts (staging), or from copies
    written from `conn` as Parquet under `folder` (replaced each run; it holds personal data, so
    it is the owner's only), and each rule's rows come back to DuckDB's audit.rule_rows, where
    the findings are made as on DuckDB.
    """
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(mode=0o700, parents=True)
    spark.sparkContext.setLogLevel("ERROR")
    share_tables(conn, spark, folder, tables_read(suites))
    install_functions(spark)
    conn.execute(RULE_ROWS_DDL)
    counts = {}
    for suite, rule in all_rules(suites):
        rows = _collect(execute_rule(spark, suite, rule), suite, rule)
        conn.register("_spark_rule_rows", rows)
        conn.execute("insert into audit.rule_rows select * from _spark_rule_rows")
        conn.unregister("_spark_rule_rows")
        check_clauses(conn, suite, rule)
        counts[rule.id] = rows.num_rows
    return counts


def _collect(frame: DataFrame, suite: Suite, rule: Rule):  # noqa: ANN202 (a pyarrow.Table)
    """The rule's rows as Arrow; a failure while Spark runs it names the rule."""
    from py4j.protocol import Py4JJavaError
    from pyspark.errors import PySparkException

    try:
        return frame.toArrow()
    except (PySparkException, Py4JJavaError) as error:
        raise _rule_error(suite, rule, error) from error


def _rule_error(suite: Suite, rule: Rule, error: Exception) -> RuleError:
    """Spark's error for a rule, named as DuckDB's are: its first line (a Java trace follows)."""
    text = str(error).strip()
    first = text.splitlines()[0] if text else repr(error)
    return RuleError(f"rule {rule.id} ({suite.suite}.yaml) on Spark: {first}")


def tables_read(suites: list[Suite]) -> list[str]:
    """Every `layer.table` the rules' SQL names (their common table expressions left out)."""
    return sorted({name for _, rule in all_rules(suites) for name in tables_in(rule.sql)})


def execute_rule(spark: SparkSession, suite: Suite, rule: Rule) -> DataFrame:
    """One rule's rows in audit.rule_rows' columns (translated, checked as DuckDB checks them)."""
    from pyspark.errors import PySparkException
    from pyspark.sql import functions as F

    try:
        rows = spark.sql(translate(rule.sql))
        columns = dict(rows.dtypes)
    except (PySparkException, ValueError) as error:
        raise _rule_error(suite, rule, error) from error
    check_columns(suite, rule, columns)
    responsible = columns.get("responsible")
    if responsible is None:
        named = F.lit(None).cast("array<string>")
    elif responsible.startswith("array"):
        named = F.expr("filter(cast(responsible as array<string>), r -> r is not null)")
    else:
        named = F.when(F.col("responsible").isNull(), None).otherwise(
            F.array(F.col("responsible").cast("string"))
        )
    clauses = (
        F.col("clause_ids").cast("array<string>")
        if "clause_ids" in columns
        else F.lit(None).cast("array<string>")
    )
    return rows.select(
        F.lit(rule.id).alias("rule_id"),
        (F.col("dataset") if rule.dataset is None else F.lit(rule.dataset)).alias("dataset"),
        F.col("record_key").cast("string").alias("record_key"),
        F.col("detail").cast("string").alias("detail"),
        named.alias("responsible"),
        clauses.alias("clause_ids"),
    )
