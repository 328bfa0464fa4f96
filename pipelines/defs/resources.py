"""Resources: the warehouse (DuckDBResource) and where the audit reads its inputs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.publish import audit_lock, working_copy
from pipelines.settings import Settings


class AuditPaths(dg.ConfigurableResource):
    """Folders and files of the audit; defaults come from PRIVACY_AUDIT_* or the project layout.

    A run holds the warehouse's audit lock for as long as it uses this resource (the whole run,
    with the in-process executor), so a CLI audit started meanwhile is refused instead of
    deleting this run's working copy, and the other way round. The as-of date is pinned when the
    run starts: a run over midnight audits one day throughout.
    """

    exports_dir: str
    db_path: str
    data_map_dir: str
    expectations_dir: str
    reports_dir: str
    key_file: str
    as_of: str = ""  # YYYY-MM-DD; empty means the day the run starts

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[AuditPaths]:
        with audit_lock(Path(self.db_path)):
            if self.as_of:
                yield self
            else:
                yield AuditPaths(**{**self.model_dump(), "as_of": date.today().isoformat()})

    @property
    def audit_date(self) -> date:
        return date.fromisoformat(self.as_of) if self.as_of else date.today()

    @property
    def exports(self) -> Path:
        return Path(self.exports_dir)

    @property
    def published(self) -> Path:
        return Path(self.db_path)

    @property
    def reports(self) -> Path:
        return Path(self.reports_dir)

    @property
    def key(self) -> Path:
        return Path(self.key_file)


def default_resources(settings: Settings) -> dict[str, dg.ConfigurableResource]:
    return {
        # the job builds in a copy; the reports asset publishes it (pipelines/publish.py)
        "warehouse": DuckDBResource(database=str(working_copy(settings.db_path))),
        "paths": AuditPaths(
            exports_dir=str(settings.exports_dir),
            db_path=str(settings.db_path),
            data_map_dir=str(settings.data_map_dir),
            expectations_dir=str(settings.expectations_dir),
            reports_dir=str(settings.reports_dir),
            as_of=settings.as_of.isoformat() if settings.as_of != date.today() else "",
            key_file=str(settings.key_file),
        ),
    }
