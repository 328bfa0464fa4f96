"""Benchmark: generate estates, audit them, and compare with DuckDB's own reading speed.

    .venv/bin/python benchmarks/run.py [--contacts 100000 1000000] [--work DIR]

For each size: rows per dataset, input MB, wall seconds per stage, peak RSS, rows/s, and the
floor ratio (full audit wall time / the time DuckDB alone takes to read every export file into a
table). Each audit runs in a child process so its peak RSS is its own. Figures go to stdout and to
benchmarks/results.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2026, 11, 1)
AUDIT = """
import json, sys, time
from pathlib import Path
from datetime import date
from pipelines.audit import run_audit
from pipelines.settings import Settings
root, repo = Path(sys.argv[1]), Path(sys.argv[2])
started = time.perf_counter()
summary = run_audit(Settings(exports_dir=root / "exports", data_map_dir=repo / "data_map",
    expectations_dir=repo / "expectations", db_path=root / "w.duckdb",
    reports_dir=root / "reports", key_file=root / "key", as_of=date(2026, 11, 1)))
print(json.dumps({"wall": time.perf_counter() - started, "seconds": summary.seconds,
    "rows": {l.dataset: sum(f.rows_read for f in l.files) for l in summary.loads},
    "findings": sum(summary.findings.values())}))
"""


def floor_seconds(exports: Path) -> float:
    """DuckDB alone: every export file read into a table of text, with the dialect its dataset
    declares (pipelines.ingest.readers, the audit's own first step), and nothing else."""
    from pipelines.datamap import load_data_map
    from pipelines.ingest.load import find_files
    from pipelines.ingest.readers import read_file

    data_map = load_data_map(ROOT / "data_map")
    started = time.perf_counter()
    with duckdb.connect() as conn:
        for spec in data_map.datasets.values():
            for i, path in enumerate(find_files(exports, spec)):
                read_file(conn, path, spec.files, f"t_{spec.name}_{i}")
    return time.perf_counter() - started


def audit(root: Path) -> tuple[dict, float]:
    """Run one audit in a child process; its result and its peak RSS in MB."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    done = subprocess.run(
        [sys.executable, "-c", AUDIT, str(root), str(ROOT)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return json.loads(done.stdout.strip().splitlines()[-1]), max(peak, before) / 1024


def bench(contacts: int, work: Path) -> dict:
    from pipelines.sample import generate_estate

    root = work / f"estate-{contacts}"
    shutil.rmtree(root, ignore_errors=True)
    started = time.perf_counter()
    generate_estate(root / "exports", contacts, 1, AS_OF)
    generated = time.perf_counter() - started
    size = sum(p.stat().st_size for p in (root / "exports").rglob("*") if p.is_file())
    floor = floor_seconds(root / "exports")
    result, peak = audit(root)
    rows = sum(result["rows"].values())
    return {
        "contacts": contacts,
        "input_mb": round(size / 1e6, 1),
        "rows": result["rows"],
        "generate_s": round(generated, 1),
        "audit_s": round(result["wall"], 1),
        "stages_s": result["seconds"],
        "peak_rss_mb": round(peak),
        "rows_per_s": round(rows / result["wall"]),
        "floor_s": round(floor, 1),
        "floor_ratio": round(result["wall"] / floor, 2),
        "findings": result["findings"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "pa-bench")
    args = parser.parse_args()
    results = []
    for contacts in args.contacts:
        results.append(bench(contacts, args.work))
        r = results[-1]
        print(
            f"{r['contacts']:>9,} contacts  {sum(r['rows'].values()):>10,} rows  "
            f"{r['input_mb']:>7} MB  audit {r['audit_s']:>6} s  floor {r['floor_s']:>5} s  "
            f"ratio {r['floor_ratio']:>5}  peak {r['peak_rss_mb']:>5} MB  "
            f"{r['rows_per_s']:>8,} rows/s",
            flush=True,
        )
        print("           stages: " + ", ".join(f"{k} {v} s" for k, v in r["stages_s"].items()))
    machine = {
        "python": platform.python_version(),
        "cpus": __import__("os").cpu_count(),
        "machine": platform.machine(),
    }
    out = ROOT / "benchmarks" / "results.json"
    out.write_text(json.dumps({"machine": machine, "results": results}, indent=2) + "\n")
    print(f"written {out}")


if __name__ == "__main__":
    main()
