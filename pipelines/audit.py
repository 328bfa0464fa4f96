"""One audit run: its context, made once, and the CLI's way of executing the steps.

`open_run` makes the run's context (run id, as-of date pinned at the start, data map and rule
digests, suites, settings) and holds the warehouse's audit lock for as long as the run lasts;
the run owns its working copy of the warehouse and publishes it in its last step. Both
`privacy-audit run` (run_audit, below) and the Dagster job (defs/assets.py) execute the same
steps (pipelines/steps.py) on this context, so they record the same run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from pipelines.datamap import DataMap, load_data_map
from pipelines.ingest.load import DatasetLoad, Exports, LocalExports
from pipelines.progress import progress_bar
from pipelines.publish import audit_lock, discard, working_copy
from pipelines.remediation.follow_up import FollowUp
from pipelines.rules.catalogue import Suite, catalogue_digest, load_catalogue
from pipelines.rules.runs import new_run_id
from pipelines.settings import SAMPLE_CONTACTS, SAMPLE_SEED, Settings
from pipelines.warehouse import connect

if TYPE_CHECKING:
    from pipelines.steps import Step


@dataclass
class AuditSummary:
    run_id: str
    as_of: str
    data_map_digest: str
    loads: list[DatasetLoad] = field(default_factory=list)
    staged: dict[str, int] = field(default_factory=dict)
    subjects: int = 0
    findings: dict[str, int] = field(default_factory=dict)
    severities: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    report: Path | None = None
    report_note: str = ""
    outputs: list[Path] = field(default_factory=list)  # every file the run wrote
    new: dict[str, int] = field(default_factory=dict)  # per rule, since the previous run
    resolved: dict[str, int] = field(default_factory=dict)
    previous_run: str | None = None
    decided: dict[str, int] = field(default_factory=dict)  # findings per decision state
    remediation: dict[str, int] = field(default_factory=dict)  # actions planned per action
    follow_up: FollowUp | None = None  # the previous run's plan against this run's findings


class NoExports(RuntimeError):
    """Not one file of any dataset: nothing to audit (a mis-mounted export share, say)."""


@dataclass
class AuditRun:
    """Everything one run decides once; the steps read and fill it."""

    settings: Settings
    data_map: DataMap
    suites: list[Suite]
    run_id: str
    as_of: date
    started: datetime
    rules_digest: str
    summary: AuditSummary
    rule_rows: dict[str, int] = field(default_factory=dict)  # rows each rule's SQL returned
    gx_counts: dict[str, int] = field(default_factory=dict)  # rows GX saw for each rule
    published: bool = False
    # the Spark engine's session, when something else makes it (Dagster's spark resource)
    spark: Callable[[], Any] | None = None
    _conn: duckdb.DuckDBPyConnection | None = None
    _exports: Exports | None = None

    @property
    def work(self) -> Path:
        """The run's private copy of the warehouse (pipelines/publish.py)."""
        return working_copy(self.settings.db_path)

    def connection(self) -> duckdb.DuckDBPyConnection:
        """The run's connection to its working copy, opened on first use."""
        if self._conn is None:
            self._conn = connect(self.work)
        return self._conn

    def spark_session(self) -> Any:
        """The Spark engine's session: Dagster's spark resource, else our own."""
        from pipelines.spark.session import spark_session

        return (self.spark or spark_session)()

    def exports(self) -> Exports:
        """Where the run finds and reads the export files: this process (DuckDB), or Spark's
        tasks on the Spark engine (from the exports URI when the settings give one)."""
        if self._exports is None:
            settings = self.settings
            if settings.engine == "spark":
                from pipelines.spark.ingest import SparkExports

                where = settings.exports_uri or settings.exports_dir
                self._exports = SparkExports(self.spark_session(), where, settings.spark_dir)
            else:
                self._exports = LocalExports(settings.exports_dir)
        return self._exports

    def close(self) -> None:
        """Close the connection (Great Expectations opens the file itself)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    @contextmanager
    def timed(self, step: str) -> Iterator[None]:
        """Add the time spent in `step` to the run's stage timings (a step may run per dataset)."""
        started = time.perf_counter()
        try:
            yield
        finally:
            seconds = self.summary.seconds
            seconds[step] = round(seconds.get(step, 0.0) + time.perf_counter() - started, 2)


def require_exports(run: AuditRun) -> None:
    """Refuse to audit an exports folder holding no file of any dataset of the data map."""
    specs = run.data_map.datasets.values()
    exports = run.exports()
    if any(exports.names(spec) for spec in specs):
        return
    where = run.settings.exports_uri or run.settings.exports_dir
    wanted = ", ".join(f"{spec.name}/{spec.files.pattern}" for spec in specs)
    raise NoExports(
        f"no exports found in {where} for any dataset of {run.settings.data_map_dir}: {wanted}"
    )


@contextmanager
def open_run(settings: Settings) -> Iterator[AuditRun]:
    """A run's context, with the audit lock held until it ends; an unpublished working copy
    (a failed run) is removed, leaving the last good warehouse."""
    data_map = load_data_map(settings.data_map_dir)
    suites = load_catalogue(settings.expectations_dir, data_map)
    started = datetime.now(UTC)
    run_id = new_run_id(started)
    summary = AuditSummary(run_id, settings.as_of.isoformat(), data_map.digest)
    summary.severities = {r.id: r.severity for s in suites for r in s.rules}
    run = AuditRun(
        settings,
        data_map,
        suites,
        run_id,
        settings.as_of,
        started,
        catalogue_digest(settings.expectations_dir),
        summary,
    )
    require_exports(run)
    with audit_lock(settings.db_path):
        try:
            yield run
        finally:
            run.close()
            if not run.published:
                discard(settings.db_path)


def run_audit(settings: Settings) -> AuditSummary:
    """The whole audit on the exports in settings; raises on anything that prevents it."""
    from pipelines.steps import STEPS

    with open_run(settings) as run:
        for step in STEPS:
            if step.per_dataset:
                _per_dataset(run, step)
            else:
                step.run(run)
    return run.summary


def _per_dataset(run: AuditRun, step: Step) -> None:
    """A per-dataset step over every dataset, with a progress bar (by file or by dataset)."""
    specs = list(run.data_map.datasets.values())
    files = sum(len(run.exports().names(spec)) for spec in specs)
    with progress_bar() as bar:
        task = bar.add_task(step.progress, total=files if step.counts_files else len(specs))
        advance = partial(bar.advance, task)
        for spec in specs:
            bar.update(task, description=f"{step.progress} {spec.name}")
            step.run(run, spec, (lambda _: advance()) if step.counts_files else None)
            if not step.counts_files:
                advance()


def generate_sample(
    settings: Settings, contacts: int | None = None, seed: int = SAMPLE_SEED
) -> dict[str, int]:
    """Write the sample estate into the exports folder, with a progress bar on a terminal."""
    from pipelines.sample import generate_estate

    contacts = contacts or SAMPLE_CONTACTS
    with progress_bar() as bar:
        task = bar.add_task("generating sample exports", total=contacts)
        return generate_estate(
            settings.exports_dir,
            contacts,
            seed,
            settings.as_of,
            progress=lambda n: bar.advance(task, n),
        )
