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
literal) and on the shape of `exception_info` (read by gx_checks.check_results). Every import of
GX and every non-public name of it stays in this module; the GX-free half (the checks, their
results, the expectation query) is in gx_checks.py. Re-check both (tests/test_gx_duckdb.py) before
moving the pin.

`great_expectations` takes seconds to import, so it is imported inside the functions: importing
this module stays cheap.
"""

from __future__ import annotations

import sys
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pipelines.rules.gx_checks import (
    RULE_ID_META_KEY,
    CheckResult,
    RuleCheck,
    ValidationError,
    check_results,
    check_rule_ids,
    connection_string,
    expectation_query,
    open_connection,
    split_table,
)

if TYPE_CHECKING:
    from great_expectations.core import ExpectationSuite

RESULT_FORMAT = "SUMMARY"  # success and the observed row count; no row is copied into the result

__all__ = ["CheckResult", "RuleCheck", "ValidationError", "suite_json", "validate_suite"]


def preload() -> None:
    """Start importing great_expectations on a background thread (it takes seconds).

    The audit calls this first thing, so the import (about 4 s of CPU, mostly holding the GIL)
    overlaps with copying the warehouse and loading the exports, which spend their time in the
    kernel and inside DuckDB. Started later it slowed what it met: staging, which calls Python per
    phone and country value, or identity resolution (+1% at 1M contacts: 27.5 s started here,
    29.4-34.1 s started at identity resolution, 30.8 s at staging); the first
    validate_suite then finds GX imported, or waits for the import to finish (Python's lock).
    A failed import here is ignored: the import in validate_suite raises it again where it can be
    reported.
    """
    if "great_expectations" in sys.modules:
        return
    if "sqlalchemy" in sys.modules:
        # a process already using SQLAlchemy (Dagster's storage) must not see sqlalchemy.orm half
        # imported by the thread: inspect() then fails inside orm/base.py (a run failed so)
        import sqlalchemy.orm  # noqa: F401
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
    check_rule_ids(checks)
    if not checks:
        return []
    db_path = Path(db_path)
    if not db_path.is_file():
        raise FileNotFoundError(f"{db_path}: no such DuckDB file")
    schema_name, table_name = split_table(batch_table)

    import great_expectations as gx

    _duckdb_datasource_type()  # registers `add_duckdb` on the context's data sources
    context = gx.get_context(mode="ephemeral", project_config=_context_config())
    datasource = None
    try:
        datasource = context.data_sources.add_duckdb(
            name="audit_warehouse",
            connection_string=connection_string(db_path),
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

    results = check_results(checks, run.results)
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
    check_rule_ids(checks)
    return _build_suite(suite_name, checks).to_json_dict()


# --- GX internals (pinned to great-expectations==1.24.1, see the module docstring) ---

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
                    self._connection = open_connection(self.engine)
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
