"""The audit's steps, in order: the one list `privacy-audit run` and the Dagster job execute.

Each step works on the run's context (pipelines/audit.py), is timed into the run's stage
timings, and returns the metadata a Dagster asset shows. A per-dataset step runs once per
dataset of the data map (one Dagster asset each). `asset` names the Dagster asset that executes
the step; several steps may share one asset, which runs them in this order.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pipelines import parts, pseudonyms
from pipelines.audit import AuditRun
from pipelines.datamap import DatasetSpec
from pipelines.ingest import raw_files
from pipelines.ingest.load import load_dataset
from pipelines.publish import publish, start_building
from pipelines.remediation.follow_up import follow_up
from pipelines.remediation.plan import plan_remediation
from pipelines.reporting.changes import compare
from pipelines.reporting.outputs import write_outputs
from pipelines.rules import gx_duckdb
from pipelines.rules.decisions import apply_decisions
from pipelines.rules.findings import RuleError, evaluate_rules, record_findings, rule_rows_query
from pipelines.rules.inputs import prepare_rules
from pipelines.rules.runs import record_run
from pipelines.staging.build import RowEngine, build_staging
from pipelines.staging.identity import not_a_person_values, shared_identifier_warnings
from pipelines.staging.subjects import build_subjects

Metadata = dict[str, Any]
SEVERITIES = ("critical", "high", "medium", "low")


def copy_warehouse(run: AuditRun) -> Metadata:
    """A private copy of the published warehouse, which the run builds in. A DuckDB run removes
    the Parquet copies an earlier Spark run left (stale, and they hold personal data)."""
    gx_duckdb.preload()  # GX is imported on a thread while the kernel copies and DuckDB reads
    if run.settings.engine != "spark":
        shutil.rmtree(run.settings.spark_dir, ignore_errors=True)
    copy = start_building(run.settings.db_path)
    # raw files the published warehouse no longer holds (exports that changed or went)
    conn = run.connection()
    return {
        "copy": str(copy),
        "raw_files_removed": raw_files.prune(conn),
        "table_parts_removed": parts.prune(conn),
    }


def ingest(run: AuditRun, spec: DatasetSpec, tick: Callable[[Any], None] | None = None) -> Metadata:
    """Every row of the dataset's export files into raw.<dataset>, rejects beside it."""
    load = load_dataset(run.connection(), spec, run.settings.exports_dir, tick, run.exports())
    run.summary.loads.append(load)
    return {
        "files": len(load.files),
        "rows_read": sum(f.rows_read for f in load.files),
        "rows_loaded": sum(f.rows_loaded for f in load.files),
        "rows_rejected": sum(f.rows_rejected for f in load.files),
        "files_skipped": len(load.skipped),
        "audit_gaps": load.gap_messages,
    }


def _row_engine(run: AuditRun) -> RowEngine | None:
    """What runs the row-wise steps (staging, the text scan) on Spark; None on DuckDB."""
    if run.settings.engine != "spark":
        return None
    from pipelines.spark.rows import SparkRows

    return SparkRows(run.spark_session(), run.settings.spark_dir)


def stage(run: AuditRun, spec: DatasetSpec, tick: Callable[[Any], None] | None = None) -> Metadata:
    """raw.<dataset> -> staging.<dataset>: canonical names and types."""
    run.summary.staged[spec.name] = build_staging(run.connection(), spec, _row_engine(run))
    return {"rows": run.summary.staged[spec.name]}


def resolve_subjects(run: AuditRun) -> Metadata:
    """core.subjects and core.subject_records: people across all sources."""
    data_map, conn = run.data_map, run.connection()
    secret = pseudonyms.load_secret(run.settings.key_file)
    specs = list(data_map.datasets.values())
    engine = None
    if run.settings.engine == "spark":
        from pipelines.spark.subjects import OnSpark

        engine = OnSpark.engine(run.spark_session(), run.settings.spark_dir)
    skip = not_a_person_values(data_map)
    run.summary.subjects = build_subjects(conn, specs, secret, skip, engine)
    run.summary.warnings = shared_identifier_warnings(conn, data_map)
    return {"subjects": run.summary.subjects, "identity_warnings": run.summary.warnings}


def rule_inputs(run: AuditRun) -> Metadata:
    """Parameter tables, audit.retention_due and the text scan, for the run's as-of date."""
    conn = run.connection()
    if run.settings.engine == "spark":
        from pipelines.spark.retention import PeriodsOnSpark

        periods = PeriodsOnSpark(run.spark_session(), run.settings.spark_dir)
        try:
            scanned = prepare_rules(conn, run.data_map, run.as_of, _row_engine(run), periods)
        finally:
            periods.close()
    else:
        scanned = prepare_rules(conn, run.data_map, run.as_of)
    return {"as_of": run.as_of.isoformat(), "suspicious_values": scanned}


def evaluate(run: AuditRun) -> Metadata:
    """Every rule's SQL, executed once, into audit.rule_rows (by DuckDB, or by Spark)."""
    if run.settings.engine == "spark":
        from pipelines.spark.rules import evaluate_on_spark

        run.rule_rows = evaluate_on_spark(
            run.connection(), run.suites, run.settings.spark_dir, run.spark_session()
        )
    else:
        run.rule_rows = evaluate_rules(run.connection(), run.suites)
    return {"violating_rows": sum(run.rule_rows.values()), "engine": run.settings.engine}


def validate(run: AuditRun) -> Metadata:
    """Great Expectations validates each rule's rows (the suites are the rule store)."""
    run.close()  # GX opens the file itself
    for suite in run.suites:
        checks = [
            gx_duckdb.RuleCheck(
                rule.id,
                rule_rows_query(rule.id),
                rule.title,
                {"severity": rule.severity, "clauses": rule.clauses},
            )
            for rule in suite.rules
        ]
        for result in gx_duckdb.validate_suite(
            run.work, suite.suite, checks, "audit.run_parameters"
        ):
            run.gx_counts[result.rule_id] = result.unexpected_count or 0
    differing = [
        f"{rule}: GX {run.gx_counts.get(rule)}, DuckDB {rows}"
        for rule, rows in run.rule_rows.items()
        if run.gx_counts.get(rule) != rows
    ]
    if differing:
        raise RuleError(f"GX and {run.settings.engine} disagree on " + "; ".join(differing))
    return {"rules_validated": len(run.gx_counts)}


def findings(run: AuditRun) -> Metadata:
    """audit.findings from the rule rows."""
    conn = run.connection()
    run.summary.findings = record_findings(conn, run.suites, run.run_id, run.as_of)
    run.summary.decided = apply_decisions(conn, run.data_map, run.run_id, run.as_of)
    changes = compare(conn, run.run_id)  # the figures the report shows too
    run.summary.new, run.summary.resolved = changes.new, changes.resolved
    run.summary.previous_run = changes.previous_run
    found = run.summary.findings
    by_severity = {
        level: sum(n for rule, n in found.items() if run.summary.severities[rule] == level)
        for level in SEVERITIES
    }
    return {
        "run_id": run.run_id,
        "findings": sum(found.values()),
        **{f"findings_{k}": v for k, v in by_severity.items()},
        "new_since_previous_run": changes.new_total,
        "resolved_since_previous_run": changes.resolved_total,
    }


def remediation(run: AuditRun) -> Metadata:
    """audit.remediation: the actions that fix the open findings; and whether the previous
    run's actions were carried out."""
    conn = run.connection()
    run.summary.remediation = plan_remediation(conn, run.data_map, run.suites, run.run_id)
    run.summary.follow_up = done = follow_up(conn, run.run_id)
    return {
        "actions_planned": sum(run.summary.remediation.values()),
        **{f"actions_{action}": n for action, n in sorted(run.summary.remediation.items())},
        "previous_actions_carried_out": done.carried_out,
        "previous_actions_not_carried_out": done.not_carried_out,
        "findings_came_back": done.came_back_total,
    }


def record(run: AuditRun) -> Metadata:
    """The run's row in audit.runs, with the stage timings so far."""
    record_run(
        run.connection(),
        run.run_id,
        run.as_of,
        run.started,
        run.data_map.digest,
        run.rules_digest,
        run.summary.findings,
        run.summary.seconds,
    )
    return {"run_id": run.run_id}


def report(run: AuditRun) -> Metadata:
    """reports/<run>/ and reports/latest/; then the working copy is published."""
    conn = run.connection()
    outputs = write_outputs(conn, run.data_map, run.suites, run.run_id, run.settings.reports_dir)
    run.summary.report, run.summary.report_note = outputs.report, outputs.note
    run.summary.outputs = outputs.files
    run.close()
    publish(run.settings.db_path)
    run.published = True
    return {"report": str(outputs.report), "files": len(outputs.files), "note": outputs.note}


@dataclass(frozen=True)
class Step:
    name: str  # its key in the run's stage timings (audit.runs.seconds)
    function: Callable[..., Metadata]
    asset: str  # the Dagster asset executing it; {dataset} for a per-dataset step
    per_dataset: bool = False
    progress: str = ""  # the terminal's progress bar label of a per-dataset step
    counts_files: bool = False  # its progress bar counts files, not datasets

    def run(self, run: AuditRun, *args: Any) -> Metadata:
        with run.timed(self.name):
            return self.function(run, *args)


STEPS = (
    Step("working_copy", copy_warehouse, "warehouse_copy"),
    Step("ingest", ingest, "raw_{dataset}", True, "loading", counts_files=True),
    Step("staging", stage, "staging_{dataset}", True, "staging"),
    Step("subjects", resolve_subjects, "subjects"),
    Step("text_scan", rule_inputs, "rule_inputs"),
    Step("rules", evaluate, "findings"),
    Step("gx", validate, "findings"),
    Step("findings", findings, "findings"),
    Step("remediation", remediation, "findings"),
    Step("record", record, "findings"),
    Step("reports", report, "reports"),
)


def steps_of(asset: str) -> list[Step]:
    """The steps a Dagster asset executes, in order."""
    return [step for step in STEPS if step.asset == asset]
