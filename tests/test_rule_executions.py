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


def _one_rule(sql: str, clauses: list[str]) -> tuple[object, object]:
    import duckdb

    from pipelines.rules.catalogue import Rule, Suite

    conn = duckdb.connect()
    conn.execute("create schema audit")
    conn.execute(findings.RULE_ROWS_DDL)
    rule = Rule(id="X-1", title="t", severity="high", clauses=clauses, reads=["d"], dataset="d",
                sql=sql)  # fmt: skip
    return conn, Suite(suite="s", description="s", rules=[rule])


def test_a_rule_names_who_is_responsible_and_which_of_its_clauses_a_finding_breaks() -> None:
    conn, suite = _one_rule(
        "select * from (values ('k1', 'a', 'Acme Ltd', ['8.3']), ('k2', 'b', null, null)) "
        "t(record_key, detail, responsible, clause_ids)",
        ["8.3", "8.4"],
    )
    assert findings.execute_rule(conn, suite, suite.rules[0]) == 2
    rows = conn.execute(
        "select record_key, responsible, clause_ids from audit.rule_rows order by 1"
    ).fetchall()
    assert rows == [("k1", ["Acme Ltd"], ["8.3"]), ("k2", None, None)]


def test_a_finding_breaking_a_clause_its_rule_does_not_name_is_an_error() -> None:
    conn, suite = _one_rule(
        "select 'k' as record_key, 'd' as detail, ['8.3'] as clause_ids", ["8.4"]
    )
    with pytest.raises(findings.RuleError, match=r"clause_ids 8\.3 that are not among"):
        findings.execute_rule(conn, suite, suite.rules[0])
