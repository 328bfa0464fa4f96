"""Every rule bound against the data map before any data is touched: what a rule reads must exist.

The audit's own steps build an empty warehouse in memory from the data map (staging tables with
the declared columns, the core and parameter tables), then DuckDB binds each rule's SQL there. A
column the SQL reads that the dataset does not map is reported, and added to the empty table so
that binding goes on to find the next one: every missing column of every rule, all at once.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb

from pipelines.datamap import DataMap, Problem
from pipelines.rules.inputs import prepare_rules
from pipelines.staging.build import build_staging
from pipelines.staging.subjects import build_subjects
from pipelines.warehouse import ident, prepare

MISSING_COLUMN = re.compile(
    r'Table "(?P<alias>[^"]+)" does not have a column named "(?P<column>[^"]+)"'
    r'|Referenced column "(?P<bare>[^"]+)" not found'
)
MAX_MISSING = 30


def empty_warehouse(data_map: DataMap) -> duckdb.DuckDBPyConnection:
    """An in-memory warehouse with every table the rules read, empty."""
    conn = prepare(duckdb.connect())
    for spec in data_map.datasets.values():
        build_staging(conn, spec)
    build_subjects(conn, list(data_map.datasets.values()), b"dry run")
    prepare_rules(conn, data_map, date(2000, 1, 1))
    return conn


def check_rules(suites: list, data_map: DataMap, directory: Path) -> list[Problem]:
    """What each rule reads that the data map does not give it, with file, key and fix."""
    problems = []
    with empty_warehouse(data_map) as conn:
        for suite in suites:
            path = str(directory / f"{suite.suite}.yaml")
            for rule in suite.rules:
                problems += _unknown_reads(rule, data_map, path)
                problems += _bind(conn, rule, data_map, path)
    return problems


def _unknown_reads(rule, data_map: DataMap, path: str) -> list[Problem]:
    return [
        Problem(
            path,
            f"rules.{rule.id}.reads",
            f"rule {rule.id} reads dataset '{name}', which {_datasets(data_map)}/ does not have",
            f"add {_datasets(data_map)}/{name}.yaml, or remove the rule from the catalogue",
        )
        for name in rule.reads
        if name not in data_map.datasets and name != "all datasets"
    ]


def _bind(conn: duckdb.DuckDBPyConnection, rule, data_map: DataMap, path: str) -> list[Problem]:
    """Bind the rule's SQL, adding each missing column it names to find the next one."""
    problems: list[Problem] = []
    added: list[tuple[str, str]] = []  # dropped again afterwards
    try:
        for _ in range(MAX_MISSING):
            try:
                conn.execute(f"explain {rule.sql}")
                break
            except duckdb.Error as error:
                message = str(error).splitlines()[0]
                found = MISSING_COLUMN.search(message)
                table = _table_of(rule.sql, found) if found else None
                if table is None:
                    if not added:  # else a stand-in column's type may be the cause: stop
                        problems.append(
                            Problem(path, f"rules.{rule.id}.sql", message, "correct the rule's SQL")
                        )
                    break
                column = found["column"] or found["bare"]
                problems.append(_missing(rule, table, column, path, data_map))
                conn.execute(
                    f"alter table staging.{ident(table)} add column {ident(column)} varchar"
                )
                added.append((table, column))
    finally:
        for table, column in added:
            conn.execute(f"alter table staging.{ident(table)} drop column {ident(column)}")
    return problems


def _table_of(sql: str, found: re.Match) -> str | None:
    """The staging table a missing column belongs to (by its alias, or the only one read)."""
    tables = re.findall(r"staging\.(\w+)(?:\s+(?:as\s+)?(\w+))?", sql)
    if found["alias"]:
        for table, alias in tables:
            if found["alias"] in (alias, table):
                return table
        return None
    names = {table for table, _ in tables}
    return names.pop() if len(names) == 1 else None


def _datasets(data_map: DataMap) -> str:
    return str(Path(data_map.directory or "data_map") / "datasets")


def _missing(rule, table: str, column: str, path: str, data_map: DataMap) -> Problem:
    spec = f"{_datasets(data_map)}/{table}.yaml"
    return Problem(
        path,
        f"rules.{rule.id}.sql",
        f"rule {rule.id} reads column '{column}' of staging.{table}, which {spec} does not map",
        f"declare a column named {column} in {spec} (with `absent: true` if the export has "
        "none), or correct the rule",
    )
