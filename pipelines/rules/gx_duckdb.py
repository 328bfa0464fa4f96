"""Run audit rules as Great Expectations expectations inside DuckDB, and give back per-rule results.

Each rule is SQL (DuckDB dialect) returning the violating rows. It becomes a GX
`UnexpectedRowsExpectation` (a subclass asking for the row count only: the stock one also fetches
up to 200 rows and then drops them from a SUMMARY result) whose query wraps the rule SQL; GX pushes
it down to DuckDB (no pandas copy) and reports per expectation whether it passed and how many rows
the query returned. The findings themselves come from running the rule SQL in DuckDB
(pipelines.rules.findings), every row, no cap.

Why a data source of our own: GX 1.24.1 through its generic SQL data source (duckdb-engine) fails
every expectation on DuckDB, silently (`success=False`, the error only in `exception_info`):
after each query GX closes the SQLAlchemy connection, the close rolls back, and that rollback
replaces the result DuckDB still has pending, so GX fetches nothing. Pool options do not help.
The fix below, without patching GX, is a data source type "duckdb" (a `SQLDatasource` subclass)
whose execution engine keeps one connection open for the whole run, and rolls it back when a
query fails; without that rollback one bad rule aborts the transaction and every later rule
errors too.

GX IS PINNED TO 1.24.1 BECAUSE OF THIS MODULE: it subclasses `SQLDatasource` and
`SqlAlchemyExecutionEngine` and relies on non-public parts of them (the engine's `_connection`
attribute, `get_connection()` being the one place queries get their connection, `close()`,
the data source's `execution_engine_type`, registration of a data source class by its `type`
literal) and on the shape of `exception_info`. Every use of GX stays in this module; re-check it
(tests/test_gx_duckdb.py) before moving the pin.

`great_expectations` takes seconds to import, so it is imported inside the functions: importing
this module stays cheap.
"""

from __future__ import annotations

import re
import sys
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

if TYPE_CHECKING:
    from great_expectations.core import ExpectationSuite

RESULT_FORMAT = "SUMMARY"  # success and the observed row count; no row is copied into the result
RULE_ID_META_KEY = "rule_id"

__all__ = ["CheckResult", "RuleCheck", "ValidationError", "suite_json", "validate_suite"]


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


def preload() -> None:
    """Start importing great_expectations on a background thread (it takes seconds).

    The audit calls this once the exports are loaded, so the import overlaps with staging and
    identity resolution, which spend their time inside DuckDB (the GIL released); the first
    validate_suite then finds GX imported, or waits for the import to finish (Python's lock).
    A failed import here is ignored: the import in validate_suite raises it again where it can be
    reported.
    """
    if "great_expectations" in sys.modules:
        return
    threading.Thread(target=_import_gx, name="import-great-expectations", daemon=True).start()


def _import_gx() -> None:
    # no warnings.catch_warnings() here: it swaps the process-wide filter list and would race
    # with the main thread's own use of it
    with suppress(Exception):
        import great_expectations  # noqa: F401


def validate_suite(
    db_path: Path,
    suite_name: str,
    checks: list[RuleCheck],
    batch_table: str = "audit.run_parameters",
) -> list[CheckResult]:
    """Run one GX suite of UnexpectedRowsExpectations against the DuckDB file at db_path.

    Data source -> table asset -> batch definition -> validation definition, in an ephemeral GX
    context (nothing written). The file is opened read-only and released before returning, so
    the caller must have closed its own connection to it first. `batch_table` ("schema.table")
    only has to exist: the rule SQL does not read the batch. Results come back in the order of
    `checks`. Raises ValidationError naming every rule whose expectation errored.
    """
    _check_rule_ids(checks)
    if not checks:
        return []
    db_path = Path(db_path)
    if not db_path.is_file():
        raise FileNotFoundError(f"{db_path}: no such DuckDB file")
    schema_name, table_name = _split_table(batch_table)

    import great_expectations as gx

    _duckdb_datasource_type()  # registers `add_duckdb` on the context's data sources
    context = gx.get_context(mode="ephemeral", project_config=_context_config())
    datasource = None
    try:
        datasource = context.data_sources.add_duckdb(
            name="audit_warehouse",
            connection_string=_connection_string(db_path),
            kwargs={"connect_args": {"read_only": True}},
        )
        with warnings.catch_warnings():
            # Deprecated since GX 1.14 in favour of a schema in the connection configuration,
            # which a DuckDB URL does not have; still how 1.24.1 (pinned) names the schema.
            warnings.filterwarnings(
                "ignore", message="`schema_name` is deprecated", category=DeprecationWarning
            )
            asset = datasource.add_table_asset(
                name="batch", table_name=table_name, schema_name=schema_name
            )
        batch_definition = asset.add_batch_definition_whole_table("whole_table")
        suite = context.suites.add(_build_suite(suite_name, checks))
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=suite_name, data=batch_definition, suite=suite)
        )
        run = definition.run(result_format=RESULT_FORMAT)
    except Exception as error:
        raise ValidationError(
            f"suite {suite_name}: Great Expectations could not run on {db_path}: {error}"
        ) from error
    finally:
        if datasource is not None:
            _release(datasource)

    results = _check_results(checks, run.results)
    errored = [result for result in results if result.error is not None]
    if errored:
        listed = "; ".join(f"{result.rule_id}: {result.error}" for result in errored)
        raise ValidationError(
            f"suite {suite_name}: {len(errored)} expectation(s) errored ({listed})",
            tuple(results),
        )
    return results


def suite_json(suite_name: str, checks: list[RuleCheck]) -> dict:
    """The GX ExpectationSuite as a JSON-able dict (suite.to_json_dict()), for writing to disk."""
    _check_rule_ids(checks)
    return _build_suite(suite_name, checks).to_json_dict()


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


# --- GX internals (pinned to great-expectations==1.24.1, see the module docstring) ---

_SQLALCHEMY_BACKGROUND = re.compile(r"\s*\(Background on this error at: [^)]*\)")
_types_lock = threading.Lock()
_types: dict[str, type] = {}


def _duckdb_datasource_type() -> type:
    """Define (once per process) the "duckdb" data source type and its execution engine."""
    with _types_lock:
        if "datasource" in _types:
            return _types["datasource"]

        from great_expectations.datasource.fluent import SQLDatasource
        from great_expectations.execution_engine import SqlAlchemyExecutionEngine

        class DuckDBExecutionEngine(SqlAlchemyExecutionEngine):
            """One connection for the whole run, rolled back when a query fails."""

            @contextmanager
            def get_connection(self) -> Iterator[Any]:
                if self._connection is None or self._connection.closed:
                    self._connection = _open_connection(self.engine)
                connection = self._connection
                try:
                    yield connection
                except Exception:
                    self._roll_back()
                    raise
                # Deliberately no close here: GX 1.24.1 closes after each query, and the
                # rollback of that close discards the result DuckDB still has pending.

            def _roll_back(self) -> None:
                connection = self._connection
                if connection is None:
                    return
                try:
                    connection.rollback()
                except Exception:
                    # Not recoverable: drop it, the next query opens a fresh connection.
                    self._connection = None
                    with suppress(Exception):
                        connection.close()

            def close(self) -> None:
                connection, self._connection = self._connection, None
                if connection is not None:
                    with suppress(Exception):
                        connection.close()
                super().close()

        class DuckDBDatasource(SQLDatasource):
            """GX's SQL data source on DuckDB with DuckDBExecutionEngine."""

            type: Literal["duckdb"] = "duckdb"

            @property
            def execution_engine_type(self) -> type[SqlAlchemyExecutionEngine]:
                return DuckDBExecutionEngine

        _types["engine"] = DuckDBExecutionEngine
        _types["datasource"] = DuckDBDatasource
        return DuckDBDatasource


def _rule_expectation_type() -> type:
    """GX's UnexpectedRowsExpectation asking DuckDB for the count of violating rows only.

    The stock expectation runs the query twice, once for the count and once to fetch up to 200
    rows, which its SUMMARY result then drops; at a million contacts that second run is seconds
    per rule. Declaring the metrics an expectation needs is how GX's custom expectations work;
    the result (success and observed_value, the count) is the stock SUMMARY result.
    """
    with _types_lock:
        if "expectation" in _types:
            return _types["expectation"]

        from great_expectations.expectations import UnexpectedRowsExpectation

        class UnexpectedRowCountExpectation(UnexpectedRowsExpectation):
            """The rule's query returns the violating rows; they must be none."""

            metric_dependencies: ClassVar[tuple[str, ...]] = ("unexpected_rows_query.row_count",)

            def _validate(
                self,
                metrics: dict,
                runtime_configuration: dict | None = None,
                execution_engine: Any = None,
            ) -> dict:
                count = metrics["unexpected_rows_query.row_count"]
                return {"success": count == 0, "result": {"observed_value": count}}

        _types["expectation"] = UnexpectedRowCountExpectation
        return UnexpectedRowCountExpectation


def _open_connection(engine: Any) -> Any:
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


def _release(datasource: Any) -> None:
    """Close the run's connection and dispose both engines, so the DuckDB file is free again."""
    try:
        datasource.get_execution_engine().close()
    finally:
        # The data source's own engine served GX's connection tests (datasource and asset).
        datasource.get_engine().dispose()


def _context_config() -> Any:
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    return DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        progress_bars=ProgressBarsConfig(globally=False),
    )


def _build_suite(suite_name: str, checks: list[RuleCheck]) -> ExpectationSuite:
    import great_expectations as gx

    # Expectations go in through the constructor: add_expectation() would consult whichever GX
    # context was created last (GX's global project manager) and save into it.
    expectation_type = _rule_expectation_type()
    expectations = [
        expectation_type(
            unexpected_rows_query=expectation_query(check),
            description=check.description,
            meta={**check.meta, RULE_ID_META_KEY: check.rule_id},
        )
        for check in checks
    ]
    suite = gx.ExpectationSuite(name=suite_name, expectations=expectations)
    if len(suite.expectations) != len(checks):
        raise ValueError(f"suite {suite_name}: GX dropped an expectation it found invalid")
    return suite


def _check_results(checks: list[RuleCheck], gx_results: list[Any]) -> list[CheckResult]:
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


def _check_rule_ids(checks: list[RuleCheck]) -> None:
    seen: set[str] = set()
    for check in checks:
        if check.rule_id in seen:
            raise ValueError(f"rule {check.rule_id} appears twice in the suite")
        seen.add(check.rule_id)


def _split_table(name: str) -> tuple[str | None, str]:
    schema, _, table = name.rpartition(".")
    if not table:
        raise ValueError(f"batch table {name!r}: expected schema.table")
    return schema or None, table


def _connection_string(db_path: Path) -> str:
    from sqlalchemy import URL

    url = URL.create("duckdb", database=str(db_path.resolve()))
    return url.render_as_string(hide_password=False)


def _escape_braces(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


# SQLAlchemy's text() reads `:name` as a bind parameter (its own pattern); GX runs the query
# through text(), so a regex like `(?:cvv)` must have its colon escaped as `\:`.
_BIND_PARAMETER = re.compile(r"(?<![:\w\x5c]):(\w+)(?!:)", re.UNICODE)


def _escape_binds(text: str) -> str:
    return _BIND_PARAMETER.sub(lambda m: "\\:" + m.group(1), text)
