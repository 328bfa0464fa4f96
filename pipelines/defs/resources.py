"""The run-scoped audit resource: the run's context, its lock and its working copy.

For the whole Dagster run (the in-process executor: one process, every step) the resource holds
the context `privacy-audit run` makes (pipelines/audit.py, open_run): one run id, the as-of date
pinned when the run starts (or given in the run's config: schedules and the sensor pin it), the
warehouse's audit lock (a CLI audit started meanwhile is refused, and the other way round), the
working copy the steps build in, and its publish. Assets execute the steps of pipelines/steps.py
on it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import dagster as dg
from pydantic import PrivateAttr

from pipelines.audit import AuditRun, open_run
from pipelines.settings import Settings
from pipelines.spark.session import require_spark, spark_conf, workers_python


class AuditResource(dg.ConfigurableResource):
    """Where the audit reads and writes, and the as-of date (YYYY-MM-DD; empty: the day the run
    starts). Defaults come from PRIVACY_AUDIT_* or the project layout."""

    exports_dir: str
    db_path: str
    data_map_dir: str
    expectations_dir: str
    reports_dir: str
    key_file: str
    as_of: str = ""
    engine: str = "duckdb"  # duckdb, or spark (staging, text scan, identities, rules on Spark)
    exports_uri: str = ""  # the Spark engine's exports at a URI, instead of exports_dir

    _run: AuditRun | None = PrivateAttr(default=None)

    def settings(self) -> Settings:
        return Settings(
            exports_dir=Path(self.exports_dir),
            data_map_dir=Path(self.data_map_dir),
            expectations_dir=Path(self.expectations_dir),
            db_path=Path(self.db_path),
            reports_dir=Path(self.reports_dir),
            key_file=Path(self.key_file),
            as_of=date.fromisoformat(self.as_of) if self.as_of else date.today(),
            engine=self.engine,
            exports_uri=self.exports_uri,
        )

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[AuditResource]:
        with open_run(self.settings()) as run:
            self._run = run
            try:
                yield self
            finally:
                self._run = None

    @property
    def run(self) -> AuditRun:
        if self._run is None:
            raise RuntimeError("the audit resource is used outside a Dagster run")
        return self._run


def default_resources(settings: Settings) -> dict[str, dg.ConfigurableResource]:
    return {
        "audit": AuditResource(
            exports_dir=str(settings.exports_dir),
            db_path=str(settings.db_path),
            data_map_dir=str(settings.data_map_dir),
            expectations_dir=str(settings.expectations_dir),
            reports_dir=str(settings.reports_dir),
            key_file=str(settings.key_file),
            as_of=settings.as_of.isoformat() if settings.as_of != date.today() else "",
            engine=settings.engine,
            exports_uri=settings.exports_uri,
        ),
        "spark": spark_resource(),
    }


class NoSpark(dg.ConfigurableResource):
    """The `spark` resource without the spark extra: a Spark run says what to install."""

    @property
    def spark_session(self) -> Any:
        require_spark()  # raises SparkUnavailable, naming the missing package or Java
        raise AssertionError("unreachable: NoSpark stands in only when PySpark is missing")


def spark_resource() -> dg.ConfigurableResource:
    """The Spark engine's session as a resource: dagster-pyspark's LazyPySparkResource with the
    audit's Spark settings. It starts Spark when a step first asks for the session, so a DuckDB
    run never does; the master is PRIVACY_AUDIT_SPARK_MASTER (default local[*])."""
    try:
        from dagster_pyspark import LazyPySparkResource
    except ImportError:
        return NoSpark()
    workers_python()
    return LazyPySparkResource(spark_config=spark_conf())


def pinned_as_of(day: date) -> dict:
    """Run config that pins a run's as-of date (schedules and the sensor use it)."""
    return {"resources": {"audit": {"config": {"as_of": day.isoformat()}}}}
