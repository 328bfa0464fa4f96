"""Dagster wiring only: assets per layer and resources over the plain audit functions."""

from __future__ import annotations

import dagster as dg

from pipelines.datamap import load_data_map
from pipelines.defs.assets import build_assets
from pipelines.defs.checks import suite_checks
from pipelines.defs.resources import default_resources
from pipelines.defs.schedules import weekly_audit
from pipelines.defs.sensors import new_exports_sensor
from pipelines.rules.catalogue import load_catalogue
from pipelines.settings import Settings


def build_definitions(settings: Settings | None = None) -> dg.Definitions:
    settings = settings or Settings.from_env()
    data_map = load_data_map(settings.data_map_dir)
    suites = load_catalogue(settings.expectations_dir, data_map)
    assets = build_assets(data_map, settings.engine)
    audit_job = dg.define_asset_job(
        "audit",
        selection=dg.AssetSelection.all() | dg.AssetSelection.all_asset_checks(),
        description="The whole audit: ingest, stage, resolve subjects, run every rule.",
    )
    return dg.Definitions(
        assets=assets,
        asset_checks=[suite_checks(suite) for suite in suites],
        jobs=[audit_job],
        schedules=[weekly_audit(audit_job)],
        sensors=[new_exports_sensor(audit_job, settings.exports_dir, data_map, settings.db_path)],
        resources=default_resources(settings),
        executor=dg.in_process_executor,
    )
