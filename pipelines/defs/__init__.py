"""Dagster wiring only: assets per layer and resources over the plain audit functions."""

from __future__ import annotations

import dagster as dg

from pipelines.datamap import load_data_map
from pipelines.defs.assets import build_assets
from pipelines.defs.resources import default_resources
from pipelines.settings import Settings


def build_definitions(settings: Settings | None = None) -> dg.Definitions:
    settings = settings or Settings.from_env()
    data_map = load_data_map(settings.data_map_dir)
    assets = build_assets(data_map)
    audit_job = dg.define_asset_job(
        "audit",
        selection=dg.AssetSelection.all(),
        description="Ingest every export, stage it, resolve subjects.",
    )
    return dg.Definitions(
        assets=assets,
        jobs=[audit_job],
        resources=default_resources(settings),
        executor=dg.in_process_executor,
    )
