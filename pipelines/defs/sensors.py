"""Start an audit when new export files land in exports/.

The cursor holds every file already seen (relative path, size, modification time), so a file
starts one run, not one per tick; a changed file counts as new.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import dagster as dg

from pipelines.datamap import DataMap
from pipelines.ingest.load import find_files


def export_files(exports_dir: Path, data_map: DataMap) -> dict[str, list[float]]:
    """Every export file the data map reads: relative path -> [size, mtime]."""
    files = {}
    for spec in data_map.datasets.values():
        for path in find_files(exports_dir, spec):
            stat = path.stat()
            files[path.relative_to(exports_dir).as_posix()] = [stat.st_size, stat.st_mtime]
    return files


def new_exports_sensor(
    job: dg.UnresolvedAssetJobDefinition, exports_dir: Path, data_map: DataMap
) -> dg.SensorDefinition:
    @dg.sensor(
        name="new_exports",
        job=job,
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=f"Audit when new or changed files land in {exports_dir}/.",
    )
    def _sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
        seen = json.loads(context.cursor) if context.cursor else {}
        now = export_files(exports_dir, data_map)
        fresh = sorted(name for name, stamp in now.items() if seen.get(name) != stamp)
        if not fresh:
            return dg.SkipReason("no new export files")
        run_key = hashlib.sha256(json.dumps({n: now[n] for n in fresh}).encode()).hexdigest()
        return dg.SensorResult(
            run_requests=[dg.RunRequest(run_key=run_key, tags={"new_files": str(len(fresh))})],
            cursor=json.dumps(now, sort_keys=True),
        )

    return _sensor
