"""Assets per layer: raw_<dataset> (ingest), staging_<dataset> (staging), subjects.

One pair of assets per dataset of the data map, so a new dataset YAML is a new pair of assets.
Each asset calls the same function `privacy-audit run` calls.
"""

from __future__ import annotations

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.audit import resolve_subjects
from pipelines.datamap import DataMap, DatasetSpec
from pipelines.defs.resources import AuditPaths
from pipelines.ingest.load import load_dataset
from pipelines.staging.build import build_staging
from pipelines.warehouse import prepare


def raw_asset(spec: DatasetSpec) -> dg.AssetsDefinition:
    @dg.asset(
        name=f"raw_{spec.name}",
        group_name="ingest",
        kinds={"duckdb", spec.files.format},
        description=f"{spec.description}: every row of exports/{spec.name}/ as exported, "
        f"with rejects in raw.{spec.name}__rejects.",
    )
    def _raw(warehouse: DuckDBResource, paths: AuditPaths) -> dg.MaterializeResult:
        with warehouse.get_connection() as conn:
            load = load_dataset(prepare(conn), spec, paths.exports)
        for skipped in load.skipped:
            dg.get_dagster_logger().warning(skipped.message)
        return dg.MaterializeResult(
            metadata={
                "files": len(load.files),
                "rows_read": sum(f.rows_read for f in load.files),
                "rows_loaded": sum(f.rows_loaded for f in load.files),
                "rows_rejected": sum(f.rows_rejected for f in load.files),
                "files_skipped": len(load.skipped),
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
    def _staging(warehouse: DuckDBResource) -> dg.MaterializeResult:
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
        return dg.MaterializeResult(metadata={"subjects": count})

    return _subjects


def build_assets(data_map: DataMap) -> list[dg.AssetsDefinition]:
    specs = list(data_map.datasets.values())
    return [
        *(raw_asset(spec) for spec in specs),
        *(staging_asset(spec) for spec in specs),
        subjects_asset(data_map),
    ]
