"""benchmarks/run.py end to end on a small estate: the figures it promises are there and sane."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_benchmark_measures_an_audit_its_floor_and_an_incremental_run(tmp_path):
    out = tmp_path / "results.json"
    done = subprocess.run(
        [
            sys.executable,
            "benchmarks/run.py",
            "--contacts",
            "1500",
            "--repeat",
            "1",
            "--no-peer",
            "--work",
            str(tmp_path / "work"),
            "--out",
            str(out),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    [result] = json.loads(out.read_text())["results"]
    assert result["contacts"] == 1500
    assert result["total_rows"] == sum(result["rows"].values()) > 1500
    assert set(result["stages_s"]) >= {"ingest", "staging", "subjects", "gx", "findings"}
    assert result["floor_s"] > 0 and result["floor_ratio"] > 0
    assert result["peak_rss_mb"] > 50
    assert result["findings"] > 0
    incremental = result["incremental"]
    # the second audit loaded only the new files' rows
    assert 0 < incremental["added_rows"] < result["total_rows"]
    assert "floor" in done.stdout and "+1%" in done.stdout
    # the unavoidable parts, measured alone over the warehouse the bench left (read-only)
    warehouse = tmp_path / "work" / "estate-1500" / "w.duckdb"
    before = warehouse.stat().st_mtime_ns
    parts = subprocess.run(
        [sys.executable, "benchmarks/lower_bound.py", str(warehouse), "--repeat", "1"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert parts.returncode == 0, parts.stderr[-2000:]
    totals = json.loads(parts.stdout.strip().splitlines()[-1])
    assert totals["conversions"] > 0 and totals["pattern_scan"] > 0
    assert "orders" in parts.stdout and "crm_contacts" in parts.stdout
    assert warehouse.stat().st_mtime_ns == before
