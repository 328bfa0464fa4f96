"""One audit run as plain functions: the CLI calls run_audit, the Dagster assets call the steps."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines import pseudonyms
from pipelines.datamap import DataMap, load_data_map
from pipelines.ingest.load import DatasetLoad, find_files, load_dataset
from pipelines.progress import progress_bar
from pipelines.settings import SAMPLE_CONTACTS, SAMPLE_SEED, Settings
from pipelines.staging.build import build_staging
from pipelines.staging.subjects import build_subjects
from pipelines.warehouse import connect


@dataclass
class AuditSummary:
    as_of: str
    data_map_digest: str
    loads: list[DatasetLoad] = field(default_factory=list)
    staged: dict[str, int] = field(default_factory=dict)
    subjects: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    generated_sample: bool = False


def exports_present(exports_dir: Path, data_map: DataMap) -> bool:
    return any(find_files(exports_dir, spec) for spec in data_map.datasets.values())


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


def ingest(
    conn: duckdb.DuckDBPyConnection, data_map: DataMap, exports_dir: Path
) -> list[DatasetLoad]:
    """Load every dataset's files into raw.*, one progress step per file."""
    specs = list(data_map.datasets.values())
    total = sum(len(find_files(exports_dir, spec)) for spec in specs)
    loads = []
    with progress_bar() as bar:
        task = bar.add_task("loading exports", total=total)
        for spec in specs:
            bar.update(task, description=f"loading {spec.name}")
            loads.append(load_dataset(conn, spec, exports_dir, lambda _: bar.advance(task)))
    return loads


def stage(conn: duckdb.DuckDBPyConnection, data_map: DataMap) -> dict[str, int]:
    return {name: build_staging(conn, spec) for name, spec in data_map.datasets.items()}


def resolve_subjects(conn: duckdb.DuckDBPyConnection, data_map: DataMap, key_file: Path) -> int:
    secret = pseudonyms.load_secret(key_file)
    return build_subjects(conn, list(data_map.datasets.values()), secret)


def run_audit(settings: Settings) -> AuditSummary:
    """The whole audit on the exports in settings; raises on anything that prevents it."""
    data_map = load_data_map(settings.data_map_dir)
    summary = AuditSummary(settings.as_of.isoformat(), data_map.digest)
    clock = time.perf_counter()
    if not exports_present(settings.exports_dir, data_map):
        generate_sample(settings)
        summary.generated_sample = True
        clock = _lap(summary, "generate", clock)
    with connect(settings.db_path) as conn:
        summary.loads = ingest(conn, data_map, settings.exports_dir)
        clock = _lap(summary, "ingest", clock)
        summary.staged = stage(conn, data_map)
        clock = _lap(summary, "staging", clock)
        summary.subjects = resolve_subjects(conn, data_map, settings.key_file)
        _lap(summary, "subjects", clock)
    return summary


def _lap(summary: AuditSummary, step: str, started: float) -> float:
    now = time.perf_counter()
    summary.seconds[step] = round(now - started, 2)
    return now
