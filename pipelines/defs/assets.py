"""Assets per layer: raw_<dataset> (ingest), staging_<dataset> (staging), subjects.

One pair of assets per dataset of the data map, so a new dataset YAML is a new pair of assets.
Each asset calls the same function `privacy-audit run` calls.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.audit import (
    check_agreement,
    resolve_subjects,
    shared_identifier_warnings,
    validate_rules,
)
from pipelines.datamap import DataMap, DatasetSpec
from pipelines.defs.resources import AuditPaths
from pipelines.ingest.load import load_dataset
from pipelines.publish import publish, start_building
from pipelines.reporting.outputs import write_outputs
from pipelines.rules.catalogue import Suite, catalogue_digest
from pipelines.rules.findings import record_findings
from pipelines.rules.inputs import prepare_rules
from pipelines.rules.runs import latest_run_id, new_run_id, record_run
from pipelines.staging.build import build_staging
from pipelines.warehouse import prepare


@dg.asset(
    name="warehouse_copy",
    group_name="ingest",
    kinds={"duckdb"},
    description="A private copy of the published warehouse that this run builds in; the "
    "reports asset publishes it by an atomic rename, so readers are never "
    "blocked and a failed run leaves the last good warehouse.",
)
def warehouse_copy(paths: AuditPaths) -> dg.MaterializeResult:
    work = start_building(paths.published)
    return dg.MaterializeResult(metadata={"copy": dg.MetadataValue.path(str(work))})


def raw_asset(spec: DatasetSpec) -> dg.AssetsDefinition:
    @dg.asset(
        name=f"raw_{spec.name}",
        deps=["warehouse_copy"],
        group_name="ingest",
        kinds={"duckdb", spec.files.format},
        description=f"{spec.description}: every row of exports/{spec.name}/ as exported, "
        f"with rejects in raw.{spec.name}__rejects.",
    )
    def _raw(warehouse: DuckDBResource, paths: AuditPaths) -> dg.MaterializeResult:
        with warehouse.get_connection() as conn:
            load = load_dataset(prepare(conn), spec, paths.exports)
        for gap in load.gap_messages:
            dg.get_dagster_logger().warning(f"audit gap: {gap}")
        return dg.MaterializeResult(
            metadata={
                "files": len(load.files),
                "rows_read": sum(f.rows_read for f in load.files),
                "rows_loaded": sum(f.rows_loaded for f in load.files),
                "rows_rejected": sum(f.rows_rejected for f in load.files),
                "files_skipped": len(load.skipped),
                "audit_gaps": len(load.gap_messages),
            }
        )

    return _raw


def staging_asset(spec: DatasetSpec) -> dg.AssetsDefinition:
    @dg.asset(
        name=f"staging_{spec.name}",
        group_name="staging",
        kinds={"duckdb"},
        deps=[f"raw_{spec.name}"],
        description=f"{spec.description}: canonical names and types, emails lower-cased, "
        "phones in E.164, timestamps in UTC.",
    )
    # paths: not read, but asking for it holds the run's audit lock (defs/resources.py)
    def _staging(warehouse: DuckDBResource, paths: AuditPaths) -> dg.MaterializeResult:
        with warehouse.get_connection() as conn:
            rows = build_staging(prepare(conn), spec)
        return dg.MaterializeResult(metadata={"rows": rows})

    return _staging


def subjects_asset(data_map: DataMap) -> dg.AssetsDefinition:
    @dg.asset(
        name="subjects",
        group_name="subjects",
        kinds={"duckdb"},
        deps=[f"staging_{name}" for name in data_map.datasets],
        description="core.subjects: one row per person across all sources, resolved on "
        "email and phone, keyed by a keyed pseudonym (subject_key).",
    )
    def _subjects(warehouse: DuckDBResource, paths: AuditPaths) -> dg.MaterializeResult:
        with warehouse.get_connection() as conn:
            count = resolve_subjects(prepare(conn), data_map, paths.key)
            for warning in shared_identifier_warnings(conn, data_map):
                dg.get_dagster_logger().warning(f"identity: {warning}")
        return dg.MaterializeResult(metadata={"subjects": count})

    return _subjects


def rule_inputs_asset(data_map: DataMap) -> dg.AssetsDefinition:
    @dg.asset(
        name="rule_inputs",
        group_name="audit",
        kinds={"duckdb"},
        deps=["subjects"],
        description="What the rule SQL reads besides staging: parameter tables from "
        "data_map/ and the as-of date, helper functions, and staging._text_values "
        "(suspicious values of every column).",
    )
    def _rule_inputs(warehouse: DuckDBResource, paths: AuditPaths) -> dg.MaterializeResult:
        with warehouse.get_connection() as conn:
            scanned = prepare_rules(prepare(conn), data_map, paths.audit_date)
        return dg.MaterializeResult(
            metadata={"as_of": str(paths.audit_date), "suspicious_values": scanned}
        )

    return _rule_inputs


def findings_asset(data_map: DataMap, suites: list[Suite]) -> dg.AssetsDefinition:
    @dg.asset(
        name="findings",
        group_name="audit",
        kinds={"duckdb"},
        deps=["rule_inputs"],
        description="audit.findings: one row per violation of every rule, with its "
        "record key, pseudonymous subject key and masked detail; audit.runs.",
    )
    def _findings(warehouse: DuckDBResource, paths: AuditPaths) -> dg.MaterializeResult:
        started = datetime.now(UTC)
        run_id = new_run_id(started)
        gx_counts = validate_rules(Path(warehouse.database), suites)
        with warehouse.get_connection() as conn:
            returned = record_findings(prepare(conn), suites, run_id, paths.audit_date)
            check_agreement(gx_counts, returned)
            found = {rule: count for rule, (_, count) in returned.items()}
            record_run(
                conn,
                run_id,
                paths.audit_date,
                started,
                data_map.digest,
                catalogue_digest(paths.expectations_dir),
                found,
                {},
            )
        severities = {r.id: r.severity for s in suites for r in s.rules}
        by_severity = {
            level: sum(n for rule, n in found.items() if severities[rule] == level)
            for level in ("critical", "high", "medium", "low")
        }
        return dg.MaterializeResult(
            metadata={
                "run_id": run_id,
                "findings": sum(found.values()),
                **{f"findings_{k}": v for k, v in by_severity.items()},
            }
        )

    return _findings


def reports_asset(data_map: DataMap, suites: list[Suite]) -> dg.AssetsDefinition:
    @dg.asset(
        name="reports",
        group_name="reports",
        kinds={"html", "pdf"},
        deps=["findings"],
        description="reports/<run_id>/ and reports/latest/: the management report (HTML, "
        "PDF), the analyst extract (CSV, Parquet) and the ROPA (CSV, XLSX); then the "
        "run's warehouse copy is published.",
    )
    def _reports(warehouse: DuckDBResource, paths: AuditPaths) -> dg.MaterializeResult:
        with warehouse.get_connection() as conn:
            conn = prepare(conn)
            outputs = write_outputs(conn, data_map, suites, latest_run_id(conn), paths.reports)
        publish(paths.published)
        if outputs.note:
            dg.get_dagster_logger().warning(outputs.note)
        return dg.MaterializeResult(
            metadata={
                "report": dg.MetadataValue.path(str(outputs.report)),
                "files": len(outputs.files),
            }
        )

    return _reports


def build_assets(data_map: DataMap, suites: list[Suite]) -> list[dg.AssetsDefinition]:
    specs = list(data_map.datasets.values())
    return [
        warehouse_copy,
        *(raw_asset(spec) for spec in specs),
        *(staging_asset(spec) for spec in specs),
        subjects_asset(data_map),
        rule_inputs_asset(data_map),
        findings_asset(data_map, suites),
        reports_asset(data_map, suites),
    ]
