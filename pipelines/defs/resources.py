"""Resources: the warehouse (DuckDBResource) and where the audit reads its inputs."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.settings import Settings


class AuditPaths(dg.ConfigurableResource):
    """Folders and files of the audit; defaults come from PRIVACY_AUDIT_* or the project layout."""

    exports_dir: str
    data_map_dir: str
    key_file: str

    @property
    def exports(self) -> Path:
        return Path(self.exports_dir)

    @property
    def key(self) -> Path:
        return Path(self.key_file)


def default_resources(settings: Settings) -> dict[str, dg.ConfigurableResource]:
    return {
        "warehouse": DuckDBResource(database=str(settings.db_path)),
        "paths": AuditPaths(
            exports_dir=str(settings.exports_dir),
            data_map_dir=str(settings.data_map_dir),
            key_file=str(settings.key_file),
        ),
    }
