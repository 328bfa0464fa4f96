"""The GX-free half of running audit rules through Great Expectations: the checks, their results.

What a caller hands gx_duckdb.validate_suite (RuleCheck) and gets back (CheckResult, or
ValidationError when the run fails), and the plain Python, SQL and SQLAlchemy work around the GX
run: the checks on a suite's rule ids and batch table name, the DuckDB URL and session settings of
GX's connection, the expectation query a rule becomes, and the reading of GX's validation results
(through their public attributes) into CheckResults. Nothing here imports great_expectations or
touches GX's non-public parts; those stay in gx_duckdb.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RULE_ID_META_KEY = "rule_id"
_SQLALCHEMY_BACKGROUND = re.compile(r"\s*\(Background on this error at: [^)]*\)")


@dataclass(frozen=True)
class RuleCheck:
    rule_id: str
    sql: str  # DuckDB SQL returning the violating rows
    description: str
    meta: dict  # free-form, copied into the expectation meta (severity, clauses, ...)


@dataclass(frozen=True)
class CheckResult:
    rule_id: str
    success: bool  # True: no violating rows
    unexpected_count: int | None
    error: str | None  # GX exception_info message when the expectation errored, else None


class ValidationError(RuntimeError):
    """The GX run failed: an expectation errored, or GX could not be set up or run.

    An erroring expectation is a failed audit run, never a finding or a pass. `results` holds
    every rule's result when the run got that far (empty otherwise); `rule_ids` the rules whose
    expectation errored.
    """

    def __init__(self, message: str, results: tuple[CheckResult, ...] = ()) -> None:
        super().__init__(message)
        self.results = results
        self.rule_ids = tuple(result.rule_id for result in results if result.error is not None)


def check_rule_ids(checks: list[RuleCheck]) -> None:
    seen: set[str] = set()
    for check in checks:
        if check.rule_id in seen:
            raise ValueError(f"rule {check.rule_id} appears twice in the suite")
        seen.add(check.rule_id)


def split_table(name: str) -> tuple[str | None, str]:
    schema, _, table = name.rpartition(".")
    if not table:
        raise ValueError(f"batch table {name!r}: expected schema.table")
    return schema or None, table


def connection_string(db_path: Path) -> str:
    from sqlalchemy import URL

    url = URL.create("duckdb", database=str(db_path.resolve()))
    return url.render_as_string(hide_password=False)


def open_connection(engine: Any) -> Any:
    """A connection with the warehouse's session settings (UTC timestamps, its memory limit)."""
    from pipelines.warehouse import literal, memory_limit

    connection = engine.connect()
    try:
        # TimeZone cannot go in the connect config (icu is not loaded yet when it is applied).
        connection.exec_driver_sql("set TimeZone = 'UTC'")
        connection.exec_driver_sql("set enable_progress_bar = false")
        connection.exec_driver_sql(f"set memory_limit = {literal(memory_limit())}")
        connection.commit()
    except Exception:
        connection.close()
        raise
    return connection


def expectation_query(check: RuleCheck) -> str:
    """The UnexpectedRowsExpectation query for a rule: its SQL, made to mention `{batch}`.

    The rule SQL does not read the batch; the always-true count over it only satisfies GX. The
    SQL goes on lines of its own (a trailing `--` comment cannot swallow the closing parenthesis),
    its braces are doubled (GX fills `{batch}` with str.format) and a comment naming the rule
    keeps two rules with the same SQL from being merged into one expectation by the suite.
    """
    sql = check.sql.strip().rstrip(";").rstrip()
    rule_id = check.rule_id.replace("*/", "* /")
    return (
        _escape_braces(
            _escape_binds(f"/* audit rule {rule_id} */\nselect * from (\n{sql}\n) as rule_rows\n")
        )
        + "where (select count(*) from {batch}) >= 0"
    )


def _escape_braces(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


# SQLAlchemy's text() reads `:name` as a bind parameter (its own pattern); GX runs the query
# through text(), so a regex like `(?:cvv)` must have its colon escaped as `\:`.
_BIND_PARAMETER = re.compile(r"(?<![:\w\x5c]):(\w+)(?!:)", re.UNICODE)


def _escape_binds(text: str) -> str:
    return _BIND_PARAMETER.sub(lambda m: "\\:" + m.group(1), text)


def check_results(checks: list[RuleCheck], gx_results: list[Any]) -> list[CheckResult]:
    """A CheckResult per check, in the order of `checks`, from GX's validation results."""
    by_rule: dict[str, Any] = {}
    for gx_result in gx_results:
        meta = gx_result.expectation_config.meta or {}
        by_rule[meta.get(RULE_ID_META_KEY)] = gx_result
    results = []
    for check in checks:
        gx_result = by_rule.get(check.rule_id)
        if gx_result is None:
            results.append(
                CheckResult(check.rule_id, False, None, "no result for this rule in the GX run")
            )
            continue
        count = (gx_result.result or {}).get("observed_value")
        count = count if isinstance(count, int) and not isinstance(count, bool) else None
        error = _exception_message(gx_result.exception_info)
        if error is None and count is None:
            error = "GX returned no unexpected row count"
        if error is None and bool(gx_result.success) != (count == 0):
            error = f"GX reported success={gx_result.success} with {count} unexpected rows"
        success = bool(gx_result.success) and error is None
        results.append(CheckResult(check.rule_id, success, count, error))
    return results


def _exception_message(exception_info: Any) -> str | None:
    """The message(s) of GX's exception_info: one dict, or one per failed metric."""
    if not exception_info:
        return None
    if "raised_exception" in exception_info:
        entries = [exception_info]
    else:
        entries = [entry for entry in exception_info.values() if isinstance(entry, dict)]
    messages: list[str] = []
    for entry in entries:
        if entry.get("raised_exception"):
            message = _short_message(str(entry.get("exception_message") or "unknown error"))
            if message not in messages:
                messages.append(message)
    return "; ".join(messages) or None


def _short_message(message: str) -> str:
    """The database's error without SQLAlchemy's echo of the wrapped query and its help link."""
    short = message.split("\n[SQL: ", 1)[0]
    short = _SQLALCHEMY_BACKGROUND.sub("", short).strip()
    return short or message
