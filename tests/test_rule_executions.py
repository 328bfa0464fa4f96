"""Each rule's SQL executes once per run, in the CLI and in Dagster; GX validates its rows.

Every statement Great Expectations sends is captured (SQLAlchemy's cursor events, which GX's
DuckDB data source goes through), and every execution of a rule's SQL by the audit is counted.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from conftest import RULES, audit_settings
from sqlalchemy import event
from sqlalchemy.engine import Engine

from pipelines.audit import run_audit
from pipelines.defs import build_definitions
from pipelines.rules import findings
from pipelines.sample import generate_estate


@pytest.fixture
def counted(monkeypatch) -> tuple[Counter, list[str]]:
    executed: Counter = Counter()
    sent_by_gx: list[str] = []
    real = findings.execute_rule

    def counting(conn, suite, rule):
        executed[rule.id] += 1
        return real(conn, suite, rule)

    def capture(conn, cursor, statement, *args):
        sent_by_gx.append(statement)

    monkeypatch.setattr(findings, "execute_rule", counting)
    event.listen(Engine, "before_cursor_execute", capture)
    yield executed, sent_by_gx
    event.remove(Engine, "before_cursor_execute", capture)


def _fragments() -> dict[str, str]:
    """A distinctive piece of every rule's SQL (its longest line)."""
    from conftest import DATA_MAP_DIR, REPO

    from pipelines.datamap import load_data_map
    from pipelines.rules.catalogue import load_catalogue

    suites = load_catalogue(REPO / "expectations", load_data_map(DATA_MAP_DIR))
    return {
        rule.id: max((line.strip() for line in rule.sql.splitlines()), key=len)
        for suite in suites
        for rule in suite.rules
    }


def _assert_once(executed: Counter, sent_by_gx: list[str]) -> None:
    assert set(executed) == set(RULES)
    assert set(executed.values()) == {1}, executed
    assert any("audit.rule_rows" in statement for statement in sent_by_gx)
    for rule_id, fragment in _fragments().items():
        assert not any(fragment in statement for statement in sent_by_gx), rule_id


def test_the_cli_executes_each_rule_once(tmp_path: Path, counted, monkeypatch) -> None:
    monkeypatch.delenv("PRIVACY_AUDIT_SECRET", raising=False)
    settings = audit_settings(tmp_path)
    generate_estate(settings.exports_dir, 120, 5, settings.as_of)
    run_audit(settings)
    _assert_once(*counted)


def test_a_dagster_run_executes_each_rule_once(tmp_path: Path, counted, monkeypatch) -> None:
    monkeypatch.delenv("PRIVACY_AUDIT_SECRET", raising=False)
    settings = audit_settings(tmp_path)
    generate_estate(settings.exports_dir, 120, 5, settings.as_of)
    result = build_definitions(settings).resolve_job_def("audit").execute_in_process()
    assert result.success
    _assert_once(*counted)  # the asset checks report the recorded results
