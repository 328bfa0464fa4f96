"""Benchmark: generate estates, audit them, compare with DuckDB alone and with GX on pandas.

    .venv/bin/python benchmarks/run.py [--contacts 100000 1000000] [--repeat 3] [--no-peer]
    make bench ARGS="--contacts 3000000 --repeat 1 --no-peer"     # the 3M measurement

Each size's result replaces that size's entry in benchmarks/results.json and the others stay, so
the scaling table printed at the end covers every size measured so far (100,000 and 1,000,000 by
default; 3,000,000 when asked: about 15 minutes more here).

For each size, in the same run:
- rows per dataset, input MB, wall seconds of the audit (a fresh process: imports included) and of
  each stage, peak RSS of the audit process (chromium, printing the PDF, is a process of its
  own and not counted), rows/s;
- floor ratio: audit wall time / the time DuckDB alone takes to read every export file into a
  table (read_csv / read_json with the dialect its dataset declares, all columns as text, in
  memory, every core): the floor no audit can beat;
- peer ratio: the rule suite run by GX on pandas DataFrames (benchmarks/peer_pandas.py, which must
  flag exactly the audit's findings) / our run of it (the rules, GX and findings stages), both
  without importing great_expectations; and the team ratio: pandas reading every export
  (benchmarks/peer_read.py) plus that GX run / our reading them and running the rules (the
  ingest, rules, GX and findings stages), closer to what a team would really run. Typing the
  values and resolving identities are in neither: the peer's frames come from our staging;
- Spark (at 100,000 contacts; --no-spark skips it): the audit on the Spark engine, from scratch,
  once on local[1] and once on local[2], its wall time and rules stage beside DuckDB's;
- incremental: 1% more data arrives as new files, and the audit runs again on the warehouse the
  full audits left (restored before each of --repeat runs); its median / the full audit's median.
Each audit and the peer run in a child process, so a peak RSS is that process's own. Audit and
floor run --repeat times (fresh each time) and the medians are quoted: these machines are noisy.
Figures go to stdout and to benchmarks/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2026, 11, 1)
# issue 19's targets at 1,000,000 contacts on a 2-core machine
TARGET_FLOOR_RATIO, STRETCH_FLOOR_RATIO = 4.0, 3.0
TARGET_PEAK_MB = 1536
TARGET_INCREMENTAL = 0.25
RULE_STAGES = ("rules", "gx", "findings")  # our run of the rule suite, against the peer's
SPARK_CONTACTS = 100_000  # the size the Spark engine is measured at, beside DuckDB
SPARK_MASTERS = ("local[1]", "local[2]")
AUDIT = ROOT / "benchmarks" / "audit_child.py"  # one audit, in a child process


def floor_seconds(exports: Path) -> float:
    """DuckDB alone reading every export file into an in-memory table of text.

    Files in an encoding DuckDB cannot read (Windows-1252) are transcoded first, untimed.
    """
    from pipelines.datamap import load_data_map
    from pipelines.ingest.files import utf8_copy
    from pipelines.ingest.load import find_files

    data_map = load_data_map(ROOT / "data_map")
    with tempfile.TemporaryDirectory() as scratch, duckdb.connect() as conn:
        jobs = [
            (spec.files, utf8_copy(path, spec.files, Path(scratch)))
            for spec in data_map.datasets.values()
            for path in find_files(exports, spec)
        ]
        started = time.perf_counter()
        for i, (files, path) in enumerate(jobs):
            if files.format == "json":
                conn.execute(
                    f"create table t{i} as select * from "
                    "read_json($path, format = 'auto')",  # JSON lines or an API page
                    {"path": str(path)},
                )
                continue
            options = {
                "path": str(path),
                "header": files.header,
                "delim": files.delimiter,
                "quote": files.quote,
                "pad": files.pad_missing_columns,
            }
            names = ""
            if not files.header:
                names, options["names"] = ", names = $names", list(files.column_names or [])
            conn.execute(
                f"create table t{i} as select * from read_csv($path, header = $header, "
                "delim = $delim, quote = $quote, escape = $quote, all_varchar = true, "
                f"null_padding = $pad, ignore_errors = true{names})",
                options,
            )
        return time.perf_counter() - started


def run_child(args: list[str], env: dict[str, str] | None = None) -> tuple[dict, float]:
    """Run a Python child; its last stdout line (JSON) and its wall time seen from here."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, env=_env() | (env or {})
    )
    wall = time.perf_counter() - started
    lines = done.stdout.strip().splitlines()
    if not lines or not lines[-1].startswith("{"):
        raise RuntimeError(f"{args[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(lines[-1]), wall


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    return env


def audit(root: Path, engine: str = "duckdb", master: str = "") -> dict:
    env = {"PRIVACY_AUDIT_SPARK_MASTER": master} if master else None
    result, wall = run_child([str(AUDIT), str(root), str(ROOT), engine], env)
    result["process_wall"] = wall
    return result


def add_increment(root: Path, contacts: int) -> float:
    """1% more data: a small estate of new people, dropped in as new files. Its size in MB."""
    from pipelines.sample import generate_estate

    extra = root / "increment"
    shutil.rmtree(extra, ignore_errors=True)
    generate_estate(extra, max(contacts // 100, 100), 2, AS_OF)
    size = 0
    for path in sorted(p for p in extra.rglob("*") if p.is_file()):
        if path.name == "ground_truth.csv":
            continue
        target = root / "exports" / path.relative_to(extra).parent / "increment" / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        size += path.stat().st_size
        shutil.move(path, target)
    shutil.rmtree(extra)
    return size / 1e6


def fresh_audit(root: Path, engine: str = "duckdb", master: str = "") -> dict:
    """A first audit: no warehouse and no reports from an earlier run."""
    for path in root.glob("w.*"):
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    shutil.rmtree(root / "reports", ignore_errors=True)
    return audit(root, engine, master)


def spark_runs(root: Path) -> dict:
    """The Spark engine on the same estate, from scratch, once per master (issue 18)."""
    runs = {}
    for master in SPARK_MASTERS:
        run = fresh_audit(root, "spark", master)
        runs[master] = {
            "audit_s": round(run["process_wall"], 1),
            "rules_s": run["seconds"]["rules"],
            "stages_s": run["seconds"],
            "findings": run["findings"],
        }
    return runs


def median_run(runs: list[dict]) -> dict:
    """The run with the median wall time (the lower middle one of an even number)."""
    ordered = sorted(runs, key=lambda r: r["process_wall"])
    return ordered[(len(ordered) - 1) // 2]


def bench(contacts: int, work: Path, peer: bool, repeat: int, spark: bool = False) -> dict:
    from pipelines.sample import generate_estate

    root = work / f"estate-{contacts}"
    shutil.rmtree(root, ignore_errors=True)
    started = time.perf_counter()
    generate_estate(root / "exports", contacts, 1, AS_OF)
    generated = time.perf_counter() - started
    (root / "exports" / "ground_truth.csv").unlink(missing_ok=True)
    size = sum(p.stat().st_size for p in (root / "exports").rglob("*") if p.is_file())
    print(f"{contacts:,} contacts: generated in {generated:.0f} s, {size / 1e6:.0f} MB", flush=True)
    floors = [floor_seconds(root / "exports") for _ in range(repeat)]
    on_spark = spark_runs(root) if spark and contacts == SPARK_CONTACTS else None
    runs = [fresh_audit(root) for _ in range(repeat)]  # the last one's warehouse stays
    first = median_run(runs)
    floor = statistics.median(floors)
    rows = sum(first["rows"].values())
    ours = statistics.median(rule_seconds(r) for r in runs)
    result = {
        "contacts": contacts,
        "input_mb": round(size / 1e6, 1),
        "rows": first["rows"],
        "total_rows": rows,
        "generate_s": round(generated, 1),
        "runs": repeat,
        "audit_s": round(first["process_wall"], 1),
        "audit_runs_s": [round(r["process_wall"], 1) for r in runs],
        "stages_s": first["seconds"],
        "peak_rss_mb": round(max(r["peak_mb"] for r in runs)),
        "rows_per_s": round(rows / first["process_wall"]),
        "floor_s": round(floor, 1),
        "floor_runs_s": [round(f, 1) for f in floors],
        "floor_ratio": round(first["process_wall"] / floor, 2),
        "findings": first["findings"],
        "rules_s": round(ours, 1),
    }
    if peer:
        read_and_rules = statistics.median(r["seconds"]["ingest"] + rule_seconds(r) for r in runs)
        result["peer"] = run_peer(root, ours, read_and_rules)
    if on_spark:
        result["spark"] = {"rules_duckdb_s": first["seconds"]["rules"], "runs": on_spark}
    result["incremental"] = incremental(root, contacts, first, repeat)
    return result


def rule_seconds(run: dict) -> float:
    return sum(run["seconds"].get(stage, 0.0) for stage in RULE_STAGES)


def incremental(root: Path, contacts: int, full: dict, repeat: int) -> dict:
    """1% more data as new files, audited on the full audit's warehouse, --repeat times."""
    base = root / "w.base.duckdb"
    shutil.copyfile(root / "w.duckdb", base)
    added = add_increment(root, contacts)
    runs = []
    for _ in range(repeat):
        shutil.copyfile(base, root / "w.duckdb")
        runs.append(audit(root))
    base.unlink()
    again = median_run(runs)
    return {
        "added_mb": round(added, 1),
        "added_rows": sum(again["rows"].values()),
        "audit_s": round(again["process_wall"], 1),
        "audit_runs_s": [round(r["process_wall"], 1) for r in runs],
        "ratio": round(again["process_wall"] / full["process_wall"], 3),
        "stages_s": again["seconds"],
        "ingest_ratio": round(again["seconds"]["ingest"] / full["seconds"]["ingest"], 3),
        "peak_rss_mb": round(max(r["peak_mb"] for r in runs)),
    }


def run_peer(root: Path, ours: float, read_and_rules: float) -> dict:
    """GX on pandas over the audited warehouse, and pandas reading the exports: child processes."""
    try:
        peer, _ = run_child(
            ["benchmarks/peer_pandas.py", str(root / "w.duckdb"), "--as-of", AS_OF.isoformat()]
        )
        read, _ = run_child(["benchmarks/peer_read.py", str(root / "exports")])
    except (RuntimeError, MemoryError) as error:  # it did not fit, or failed: say so
        return {"error": str(error)[-500:]}
    # importing great_expectations is in neither: the peer times it apart, the audit does it on
    # a background thread while DuckDB builds staging
    validate = peer["validate_s"]
    return {
        "load_s": round(peer["load_s"], 1),
        "validate_s": round(validate, 1),
        "peak_rss_mb": round(peer["peak_rss_mb"]),
        "same_findings": not peer["mismatches"],
        "ratio": round(validate / ours, 2),
        "read_exports_s": round(read["read_s"], 1),
        "read_peak_rss_mb": read["peak_rss_mb"],
        "team_s": round(read["read_s"] + validate, 1),
        "ours_read_and_rules_s": round(read_and_rules, 1),
        "team_ratio": round((read["read_s"] + validate) / read_and_rules, 2),
    }


def print_result(r: dict) -> None:
    print(
        f"{r['contacts']:>9,} contacts  {r['total_rows']:>10,} rows  {r['input_mb']:>7} MB  "
        f"audit {r['audit_s']:>6} s  floor {r['floor_s']:>5} s  ratio {r['floor_ratio']:>5}  "
        f"peak {r['peak_rss_mb']:>5} MB  {r['rows_per_s']:>8,} rows/s"
    )
    print(f"    medians of {r['runs']}: audits {r['audit_runs_s']} s, floors {r['floor_runs_s']} s")
    print("    rows: " + ", ".join(f"{k} {v:,}" for k, v in r["rows"].items()))
    print("    stages: " + _stages(r["stages_s"]))
    if peer := r.get("peer"):
        if "error" in peer:
            print(f"    peer (GX on pandas): did not run: {peer['error']}")
        else:
            print(
                f"    peer (GX on pandas): {peer['validate_s']} s vs ours {r['rules_s']} s "
                f"(ratio {peer['ratio']}), peak {peer['peak_rss_mb']} MB, "
                f"same findings: {peer['same_findings']}"
            )
            print(
                f"    team (pandas reading the exports {peer['read_exports_s']} s + GX "
                f"{peer['validate_s']} s) {peer['team_s']} s vs our ingest and rules "
                f"{peer['ours_read_and_rules_s']} s (ratio {peer['team_ratio']})"
            )
    spark = r.get("spark") or {"runs": {}}
    for master, run in spark["runs"].items():
        print(
            f"    Spark engine, {master}: audit {run['audit_s']} s (DuckDB {r['audit_s']} s), "
            f"rules stage {run['rules_s']} s (DuckDB {spark['rules_duckdb_s']} s), "
            f"same findings: {run['findings'] == r['findings']}"
            + (f"; stages: {_stages(run['stages_s'])}" if "stages_s" in run else "")
        )
    inc = r["incremental"]
    print(
        f"    +1% ({inc['added_rows']:,} rows, {inc['added_mb']} MB): audit {inc['audit_s']} s "
        f"(runs {inc['audit_runs_s']}), {inc['ratio']:.0%} of the full audit; "
        "stages: " + _stages(inc["stages_s"]),
        flush=True,
    )


def _stages(seconds: dict[str, float]) -> str:
    return ", ".join(f"{stage} {value} s" for stage, value in seconds.items())


def print_targets(r: dict) -> None:
    """Issue 19's targets, met or not, at this size."""

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    ratio, peak, inc = r["floor_ratio"], r["peak_rss_mb"], r["incremental"]["ratio"]
    print(f"targets at {r['contacts']:,} contacts (medians of {r['runs']}):")
    stretch = " (stretch 3x met)" if ratio <= STRETCH_FLOOR_RATIO else ""
    print(
        f"    full audit {ratio}x the read floor: target <= {TARGET_FLOOR_RATIO:g}x "
        f"{verdict(ratio <= TARGET_FLOOR_RATIO)}{stretch}"
    )
    print(
        f"    peak RSS {peak} MB: target <= {TARGET_PEAK_MB} MB {verdict(peak <= TARGET_PEAK_MB)}"
    )
    print(
        f"    +1% new files {inc:.0%} of a full audit: target <= {TARGET_INCREMENTAL:.0%} "
        f"{verdict(inc <= TARGET_INCREMENTAL)}"
    )


def print_scaling(results: list[dict]) -> None:
    """Every size measured so far: does the cost grow faster than the data?"""
    results = sorted(results, key=lambda r: r["contacts"])
    smallest = results[0]
    print("scaling (each size against the smallest measured):")
    print(
        f"    {'contacts':>10} {'rows':>11} {'MB':>7} {'audit s':>8} {'floor s':>8} {'ratio':>6} "
        f"{'s/M rows':>9} {'peak MB':>8} {'data x':>7} {'time x':>7} {'+1% s':>6}  measured"
    )
    for r in results:
        data = r["total_rows"] / smallest["total_rows"]
        time_x = r["audit_s"] / smallest["audit_s"]
        print(
            f"    {r['contacts']:>10,} {r['total_rows']:>11,} {r['input_mb']:>7} {r['audit_s']:>8} "
            f"{r['floor_s']:>8} {r['floor_ratio']:>6} "
            f"{r['audit_s'] / r['total_rows'] * 1e6:>9.1f} {r['peak_rss_mb']:>8} "
            f"{data:>7.1f} {time_x:>7.1f} {r['incremental']['audit_s']:>6}  "
            f"{r.get('date', '')} x{r['runs']}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--contacts", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "pa-bench")
    parser.add_argument("--no-peer", action="store_true", help="skip GX on pandas")
    parser.add_argument(
        "--no-spark", action="store_true", help="skip the Spark engine (run at 100,000 contacts)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results.json")
    parser.add_argument(
        "--repeat", type=int, default=3, help="fresh audits (and floors) per size; medians quoted"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    results = []
    for contacts in args.contacts:
        results.append(bench(contacts, args.work, not args.no_peer, args.repeat, not args.no_spark))
        results[-1]["date"] = date.today().isoformat()
        print_result(results[-1])
        if contacts == 1_000_000:
            print_targets(results[-1])
    machine = {
        "cpus": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "memory_limit": os.environ.get("PRIVACY_AUDIT_MEMORY_LIMIT", "default"),
    }
    out = args.out
    kept = []  # the sizes not measured this time stay, with their dates
    if out.exists():
        earlier = json.loads(out.read_text())
        measured = {r["contacts"] for r in results}
        kept = [
            {"date": earlier.get("date", ""), **r}
            for r in earlier.get("results", [])
            if r["contacts"] not in measured
        ]
    everything = sorted(kept + results, key=lambda r: r["contacts"])
    print_scaling(everything)
    out.write_text(
        json.dumps(
            {
                "date": date.today().isoformat(),
                "machine": machine,
                "bench_s": round(time.perf_counter() - started),
                "results": everything,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"benchmark took {time.perf_counter() - started:.0f} s; written {out}")


if __name__ == "__main__":
    main()
