"""Assets over the audit's steps: warehouse_copy, raw_<dataset> and staging_<dataset> per dataset
of the data map, subjects, rule_inputs, findings, reports.

Each asset executes its steps of pipelines/steps.py on the run's context (the `audit` resource),
so the Dagster job and `privacy-audit run` execute the same steps and record the same run. A new
dataset YAML is a new pair of assets.
"""

from __future__ import annotations

from typing import Any

import dagster as dg

from pipelines.datamap import DataMap
from pipelines.defs.resources import AuditResource
from pipelines.steps import STEPS, Metadata, steps_of

DESCRIPTIONS = {
    "warehouse_copy": "A private copy of the published warehouse that this run builds in; the "
    "reports asset publishes it by an atomic rename, so readers are never blocked and a failed "
    "run leaves the last good warehouse.",
    "subjects": "core.subjects: one row per person across all sources, resolved on email and "
    "phone, keyed by a keyed pseudonym (subject_key).",
    "rule_inputs": "What the rule SQL reads besides staging: parameter tables from data_map/ and "
    "the as-of date, audit.retention_due, helper functions, and staging._text_values "
    "(suspicious values of every column; scanned by Spark with --engine spark).",
    "findings": "Every rule's SQL executed once into audit.rule_rows (by DuckDB, or by Spark "
    "over the warehouse's Parquet copy with --engine spark), validated by Great "
    "Expectations; audit.findings (one row per violation, with record key, pseudonymous subject "
    "key and masked detail) and the run's row in audit.runs.",
    "reports": "reports/<run_id>/ and reports/latest/: the management report (HTML, PDF), the "
    "analyst extract (CSV, Parquet) and the ROPA (CSV, XLSX); then the run's warehouse copy is "
    "published.",
}
GROUPS = {"warehouse_copy": "ingest", "subjects": "subjects", "reports": "reports"}


def _log(metadata: Metadata) -> dict[str, Any]:
    """Warnings to the run's log; the rest as asset metadata."""
    logger = dg.get_dagster_logger()
    for gap in metadata.pop("audit_gaps", []):
        logger.warning(f"audit gap: {gap}")
    for warning in metadata.pop("identity_warnings", []):
        logger.warning(f"identity: {warning}")
    if note := metadata.pop("note", ""):
        logger.warning(note)
    return {
        key: dg.MetadataValue.path(value) if key in ("copy", "report") else value
        for key, value in metadata.items()
    }


ON_SPARK = {"staging", "subjects", "rule_inputs", "findings"}  # the assets Spark runs


def _kinds(layer: str, engine: str, kinds: set[str]) -> set[str]:
    return kinds | {"spark"} if engine == "spark" and layer in ON_SPARK else kinds


def dataset_asset(
    template: str, data_map: DataMap, name: str, engine: str = "duckdb"
) -> dg.AssetsDefinition:
    spec = data_map.datasets[name]
    steps = steps_of(template)
    first = STEPS.index(steps[0])
    upstream = STEPS[first - 1].asset
    layer = template.split("_")[0]

    @dg.asset(
        name=template.format(dataset=name),
        deps=[upstream.format(dataset=name)],
        group_name="ingest" if layer == "raw" else "staging",
        kinds={"duckdb", spec.files.format}
        if layer == "raw"
        else _kinds(layer, engine, {"duckdb"}),
        description=f"{spec.description}: "
        + (
            f"every row of exports/{name}/ as exported, with rejects in raw.{name}__rejects."
            if layer == "raw"
            else "canonical names and types, emails lower-cased, phones in E.164, timestamps "
            "in UTC" + (" (converted by Spark)." if engine == "spark" else ".")
        ),
    )
    def _asset(audit: AuditResource, spark: dg.ResourceParam[Any]) -> dg.MaterializeResult:
        run = audit.run
        run.spark = lambda: spark.spark_session  # lazy: only the Spark engine's steps ask
        metadata: Metadata = {}
        for step in steps:
            metadata |= step.run(run, run.data_map.datasets[name])
        return dg.MaterializeResult(metadata=_log(metadata))

    return _asset


def run_asset(name: str, deps: list[str], engine: str) -> dg.AssetsDefinition:
    steps = steps_of(name)
    kinds = _kinds(name, engine, {"html", "pdf"} if name == "reports" else {"duckdb"})

    @dg.asset(
        name=name,
        deps=deps,
        group_name=GROUPS.get(name, "audit"),
        kinds=kinds,
        description=DESCRIPTIONS[name],
    )
    def _asset(audit: AuditResource, spark: dg.ResourceParam[Any]) -> dg.MaterializeResult:
        run = audit.run
        run.spark = lambda: spark.spark_session  # lazy: only the Spark engine's steps ask
        metadata: Metadata = {}
        for step in steps:
            metadata |= step.run(run)
        return dg.MaterializeResult(metadata=_log(metadata))

    return _asset


def build_assets(data_map: DataMap, engine: str = "duckdb") -> list[dg.AssetsDefinition]:
    """One asset per distinct `asset` of the steps, per dataset where the step is."""
    names = list(data_map.datasets)
    assets, previous = [], []
    for template in dict.fromkeys(step.asset for step in STEPS):
        if "{dataset}" in template:
            made = [dataset_asset(template, data_map, name, engine) for name in names]
            previous = [template.format(dataset=name) for name in names]
        else:
            made = [run_asset(template, previous, engine)]
            previous = [template]
        assets += made
    return assets
