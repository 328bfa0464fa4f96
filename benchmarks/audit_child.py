"""One audit in a process of its own, for benchmarks/run.py: its figures as a JSON line.

    python benchmarks/audit_child.py ROOT REPO [ENGINE]

A script file, not `python -c`: with pyspark installed, importing great_expectations ends a
process whose __main__ has no file (pyspark.sql.connect takes it for a doctest run).
"""

import json
import sys
import time

started = time.perf_counter()


def peak_mb() -> float:
    # VmHWM: this process's own peak (ru_maxrss would carry the parent's over across exec)
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


from datetime import date  # noqa: E402 (the clock starts before the imports)
from pathlib import Path  # noqa: E402

from pipelines.audit import run_audit  # noqa: E402
from pipelines.settings import Settings  # noqa: E402

root, repo = Path(sys.argv[1]), Path(sys.argv[2])
engine = sys.argv[3] if len(sys.argv) > 3 else "duckdb"
summary = run_audit(
    Settings(
        exports_dir=root / "exports",
        data_map_dir=repo / "data_map",
        expectations_dir=repo / "expectations",
        db_path=root / "w.duckdb",
        reports_dir=root / "reports",
        key_file=root / "key",
        as_of=date(2026, 11, 1),
        engine=engine,
    )
)
rows = {
    load.dataset: sum(f.rows_read for f in load.files if f.status == "loaded")
    for load in summary.loads
}
print(
    json.dumps(
        {
            "wall": time.perf_counter() - started,
            "seconds": summary.seconds,
            "rows": rows,
            "findings": sum(summary.findings.values()),
            "peak_mb": peak_mb(),
        }
    )
)
