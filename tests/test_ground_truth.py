"""On generated estates, the audit's findings equal the planted ground truth, rule by rule."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date
from pathlib import Path

import duckdb
import pytest
from conftest import RULES, audit_settings

from pipelines.audit import run_audit
from pipelines.sample import generate_estate

REPO = Path(__file__).resolve().parents[1]


def _by_rule(rows: list[tuple[str, str, str]]) -> dict[str, set[tuple[str, str]]]:
    grouped: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for rule_id, dataset, key in rows:
        grouped[rule_id].add((dataset, key))
    return grouped


@pytest.mark.parametrize(
    ("contacts", "seed", "as_of"),
    [
        (400, 1, date(2026, 11, 1)),
        (1500, 2, date(2025, 3, 31)),
    ],
)
def test_findings_equal_ground_truth(tmp_path: Path, monkeypatch, contacts, seed, as_of) -> None:
    monkeypatch.delenv("PRIVACY_AUDIT_SECRET", raising=False)
    exports = tmp_path / "exports"
    generate_estate(exports, contacts, seed, as_of)
    with (exports / "ground_truth.csv").open(newline="", encoding="utf-8") as handle:
        truth = _by_rule(
            [(r["rule_id"], r["dataset"], r["record_key"]) for r in csv.DictReader(handle)]
        )
    settings = audit_settings(tmp_path, as_of)
    summary = run_audit(settings)
    with duckdb.connect(str(settings.db_path), read_only=True) as conn:
        found = _by_rule(
            conn.execute(
                "select rule_id, dataset, record_key from audit.findings where run_id = ?",
                [summary.run_id],
            ).fetchall()
        )
    assert set(truth) == set(RULES)  # every rule is planted
    for rule_id in RULES:
        missed = truth[rule_id] - found[rule_id]
        false = found[rule_id] - truth[rule_id]
        assert not missed and not false, (
            f"{rule_id}: missed {sorted(missed)[:5]}, false {sorted(false)[:5]}"
        )
