"""Start an audit when new export files land in exports/.

The cursor holds every file already seen (relative path, size, modification time), so a file
starts one run, not one per tick; a changed file counts as new. The first tick (no cursor yet)
takes the files the published warehouse has already read, by content hash, as seen: starting
Dagster over an audited estate does not audit it again at once.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import dagster as dg

from pipelines.datamap import DataMap
from pipelines.defs.resources import pinned_as_of
from pipelines.ingest.load import audited_hashes, find_files, sha256_of


def export_files(exports_dir: Path, data_map: DataMap) -> dict[str, list[float]]:
    """Every export file the data map reads: relative path -> [size, mtime]."""
    files = {}
    for spec in data_map.datasets.values():
        for path in find_files(exports_dir, spec):
            stat = path.stat()
            files[path.relative_to(exports_dir).as_posix()] = [stat.st_size, stat.st_mtime]
    return files


def already_audited(
    files: dict[str, list[float]], exports_dir: Path, db_path: Path
) -> dict[str, list[float]]:
    """The files among `files` whose content the published warehouse has already read."""
    hashes = audited_hashes(db_path)
    if not hashes:
        return {}
    return {name: stamp for name, stamp in files.items() if sha256_of(exports_dir / name) in hashes}


def new_exports_sensor(
    job: dg.UnresolvedAssetJobDefinition, exports_dir: Path, data_map: DataMap, db_path: Path
) -> dg.SensorDefinition:
    @dg.sensor(
        name="new_exports",
        job=job,
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=f"Audit when new or changed files land in {exports_dir}/.",
    )
    def _sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
        now = export_files(exports_dir, data_map)
        if context.cursor:
            seen = json.loads(context.cursor)
        else:
            seen = already_audited(now, exports_dir, db_path)
        fresh = sorted(name for name, stamp in now.items() if seen.get(name) != stamp)
        if not fresh:
            return dg.SensorResult(
                skip_reason="no new export files", cursor=json.dumps(now, sort_keys=True)
            )
        run_key = hashlib.sha256(json.dumps({n: now[n] for n in fresh}).encode()).hexdigest()
        return dg.SensorResult(
            run_requests=[
                dg.RunRequest(
                    run_key=run_key,
                    run_config=pinned_as_of(date.today()),  # the day the files were seen
                    tags={"new_files": str(len(fresh))},
                )
            ],
            cursor=json.dumps(now, sort_keys=True),
        )

    return _sensor
