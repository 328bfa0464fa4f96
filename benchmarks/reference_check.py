"""Compare the audit's findings with the independent reference on larger generated estates.

    .venv/bin/python benchmarks/reference_check.py --contacts 100000 --seeds 1 2 3

Generates each estate in a temporary folder, audits it, runs tests/reference/rules.py on the
warehouse and prints, per estate, the findings per rule and every disagreement (exit 1 if any).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from reference.rules import reference_findings  # noqa: E402
from test_reference import audit_findings, disagreements  # noqa: E402

from pipelines.audit import run_audit  # noqa: E402
from pipelines.sample import generate_estate  # noqa: E402
from pipelines.settings import Settings  # noqa: E402


def check(contacts: int, seed: int, as_of: date, root: Path) -> bool:
    started = time.perf_counter()
    generate_estate(root / "exports", contacts, seed, as_of)
    settings = Settings(
        exports_dir=root / "exports",
        data_map_dir=REPO / "data_map",
        expectations_dir=REPO / "expectations",
        db_path=root / "w.duckdb",
        reports_dir=root / "reports",
        key_file=root / "key",
        as_of=as_of,
    )
    run_audit(settings)
    sql = audit_findings(settings.db_path)
    reference = reference_findings(settings.db_path, settings.data_map_dir, as_of)
    differ = disagreements(sql, reference)
    seconds = time.perf_counter() - started
    print(
        f"{contacts:,} contacts, seed {seed}, as of {as_of}: {len(sql):,} findings, "
        f"{len(reference):,} by the reference, {len(differ)} rules disagree ({seconds:.0f} s)"
    )
    for rule, sides in differ.items():
        print(f"  {rule}: only SQL {sides['only_sql']}; only reference {sides['only_reference']}")
    return not differ


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, nargs="+", default=[100_000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 11, 1))
    args = parser.parse_args()
    ok = True
    for contacts in args.contacts:
        for seed in args.seeds:
            with tempfile.TemporaryDirectory(prefix="reference-check-") as folder:
                ok &= check(contacts, seed, args.as_of, Path(folder))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
