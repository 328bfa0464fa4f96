"""The audit's SQL against the independent reference (tests/reference/rules.py, plain Python
written from the rules' words, not from the SQL): the same findings on the hand-written vendor
fixtures and on generated estates of 2,000 and 20,000 contacts, three seeds each.

benchmarks/reference_check.py runs the same comparison on larger estates.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from conftest import DATA_MAP_DIR, REPO, RULES, audit_settings
from reference.rules import reference_findings

from pipelines.audit import run_audit
from pipelines.sample import generate_estate

AS_OF = date(2026, 11, 1)


def audit_findings(db: Path) -> set[tuple[str, str, str]]:
    with duckdb.connect(str(db), read_only=True) as conn:
        return set(
            conn.execute("select rule_id, dataset, record_key from audit.findings").fetchall()
        )


def disagreements(sql: set, reference: set) -> dict[str, dict[str, list]]:
    rules = {r for r, _, _ in sql | reference}
    out = {}
    for rule in sorted(rules):
        only_sql = sorted((d, k) for r, d, k in sql - reference if r == rule)
        only_ref = sorted((d, k) for r, d, k in reference - sql if r == rule)
        if only_sql or only_ref:
            out[rule] = {"only_sql": only_sql[:10], "only_reference": only_ref[:10]}
    return out


def audit_and_compare(root: Path, as_of: date) -> set[tuple[str, str, str]]:
    settings = audit_settings(root, as_of)
    run_audit(settings)
    sql = audit_findings(settings.db_path)
    reference = reference_findings(settings.db_path, DATA_MAP_DIR, as_of)
    assert not disagreements(sql, reference), disagreements(sql, reference)
    return sql


def test_reference_and_sql_agree_on_the_vendor_fixtures(tmp_path: Path) -> None:
    shutil.copytree(REPO / "tests" / "fixtures" / "vendor" / "exports", tmp_path / "exports")
    found = audit_and_compare(tmp_path, AS_OF)
    assert len({rule for rule, _, _ in found}) == len(RULES)  # every rule has something to agree on


@pytest.mark.parametrize(
    ("contacts", "seed", "as_of"),
    [
        (2_000, 1, AS_OF),
        (2_000, 2, date(2026, 6, 30)),
        (2_000, 3, date(2025, 12, 31)),
        (20_000, 4, AS_OF),
        (20_000, 5, date(2026, 3, 31)),
        (20_000, 6, date(2026, 8, 15)),
    ],
)
def test_reference_and_sql_agree_on_generated_estates(
    tmp_path: Path, contacts: int, seed: int, as_of: date
) -> None:
    generate_estate(tmp_path / "exports", contacts, seed, as_of)
    found = audit_and_compare(tmp_path, as_of)
    assert len({rule for rule, _, _ in found}) == len(RULES)
