"""The Spark engine: the audit's SQL run by Apache Spark over the warehouse as Parquet tables.

DuckDB is the default engine; Spark is for estates past one machine (DESIGN.md section 7). The
rule files are the same on both: each rule's SQL is translated from DuckDB's dialect by sqlglot
(`translate`), and the helper functions the rules call exist once per engine
(pipelines/rules/functions_duckdb.sql and functions_spark.sql). Importing this package does not
import pyspark: it is the optional `spark` extra.
"""
