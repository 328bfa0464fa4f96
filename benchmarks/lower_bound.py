"""What the audit's unavoidable work costs by itself, beside the read floor.

    .venv/bin/python benchmarks/lower_bound.py WAREHOUSE [--repeat 3]

WAREHOUSE is one a bench run left (`<work>/estate-1000000/w.duckdb`). It is opened read-only, and
everything below happens in memory, with nothing written back:
- conversions: staging's query (the typed columns, record keys and anonymisation of every
  dataset) over its raw rows, which are first copied into memory untimed;
- pattern scan: the text scan's pre-filter pattern over every exported cell of every dataset,
  counted in one pass per dataset.
The figures are medians of --repeat runs. Set them beside the floor and the stages that
results.json holds for that size: what stays for identity resolution, the rules and the reports
once a target ratio is met.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import duckdb

from pipelines.conversions import register_functions
from pipelines.datamap import load_data_map
from pipelines.detectors.patterns import SUSPICIOUS
from pipelines.ingest.raw_files import LINEAGE
from pipelines.staging.build import staging_select
from pipelines.warehouse import ident, literal, table_columns, table_exists, unordered

ROOT = Path(__file__).resolve().parents[1]


def _timed(conn: duckdb.DuckDBPyConnection, sql: str) -> float:
    started = time.perf_counter()
    conn.execute(sql).fetchall()
    return time.perf_counter() - started


def measure(warehouse: Path) -> dict[str, dict[str, float]]:
    """Seconds per dataset: {"conversions": {...}, "pattern_scan": {...}}."""
    data_map = load_data_map(ROOT / "data_map")
    found: dict[str, dict[str, float]] = {"conversions": {}, "pattern_scan": {}}
    with duckdb.connect(str(warehouse), read_only=True) as conn, unordered(conn):
        register_functions(conn)
        for spec in data_map.datasets.values():
            if not table_exists(conn, "raw", spec.name):
                continue
            columns = table_columns(conn, "raw", spec.name)
            conn.execute(
                f"create or replace temp table _rows as select * from raw.{ident(spec.name)}"
            )
            found["conversions"][spec.name] = _timed(
                conn,
                "create or replace temp table _staged as "
                + staging_select(spec, set(columns), "_rows"),
            )
            pattern = literal(SUSPICIOUS)
            counts = ", ".join(
                f"count(*) filter (where regexp_matches({ident(c)}, {pattern}))"
                for c in columns
                if c not in LINEAGE
            )
            found["pattern_scan"][spec.name] = _timed(conn, f"select {counts} from _rows")
            conn.execute("drop table _rows")
            conn.execute("drop table _staged")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not args.warehouse.is_file():
        parser.error(f"{args.warehouse}: no such warehouse (run benchmarks/run.py first)")
    runs = [measure(args.warehouse) for _ in range(args.repeat)]
    totals = {}
    for part in ("conversions", "pattern_scan"):
        print(f"{part} (median of {args.repeat}, s):")
        medians = {
            name: statistics.median(run[part][name] for run in runs) for name in runs[0][part]
        }
        for name, seconds in sorted(medians.items(), key=lambda kv: -kv[1]):
            print(f"    {name:<20} {seconds:6.2f}")
        totals[part] = round(sum(medians.values()), 2)
        print(f"    {'total':<20} {totals[part]:6.2f}")
    print(json.dumps(totals))


if __name__ == "__main__":
    main()
