"""A finding breaks the clauses of what it is about: a late rectification request is under 8.3
(rectification), a late access request under 8.4 (a copy of one's data), and the report says
when findings break several clauses, so that the clause counts add up to more."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from conftest import REPO, audit_settings

from pipelines.audit import run_audit

FIXTURES = REPO / "tests" / "fixtures" / "vendor" / "exports"
TRACKER = Path("rights_requests") / "rights_requests_tracker.csv"
# received 09/07/2026, due Monday 10/08/2026 (one month on is a Sunday): completed two days late
ON_TIME = b"DSR-2026-003,09/07/2026,l.fraser@example.co.uk,Rectification,Completed,10/08/2026"
LATE = b"DSR-2026-003,09/07/2026,l.fraser@example.co.uk,Rectification,Completed,12/08/2026"


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("clauses")
    shutil.copytree(FIXTURES, root / "exports")
    tracker = root / "exports" / TRACKER
    content = tracker.read_bytes()
    assert ON_TIME in content
    tracker.write_bytes(content.replace(ON_TIME, LATE))
    summary = run_audit(audit_settings(root, date(2026, 11, 1)))
    html = (root / "reports" / summary.run_id / "report.html").read_text(encoding="utf-8")
    return root / "w.duckdb", html


def _clause_section(html: str, clause: str) -> str:
    start = html.index(f'<div class="clause" id="clause-{clause}">')
    return html[start : html.index("</div>", start)]


def test_overdue_requests_break_the_clause_of_their_right(audited) -> None:
    db, _ = audited
    with duckdb.connect(str(db), read_only=True) as conn:
        rows = conn.execute(
            "select record_key, clause_ids, detail from audit.findings "
            "where rule_id = 'DSR-OVERDUE' order by record_key"
        ).fetchall()
    by_type = {detail.split(" request")[0]: clauses for _, clauses, detail in rows}
    assert by_type == {"Access": ["8.4", "9.1"], "Rectification": ["8.3", "9.1"]}
    assert ("DSR-2026-003", ["8.3", "9.1"]) in [(k, c) for k, c, _ in rows]


def test_the_clause_sections_count_the_findings_that_break_them(audited) -> None:
    db, html = audited
    with duckdb.connect(str(db), read_only=True) as conn:
        access = conn.execute(
            "select count(*) from audit.findings where rule_id = 'DSR-OVERDUE' "
            "and detail like 'Access request%'"
        ).fetchall()[0][0]
        open_findings, breaches = conn.execute(
            "select count(*), sum(len(clause_ids)) from audit.findings"
        ).fetchall()[0]
    rectification = _clause_section(html, "8.3")
    assert re.search(r"Rights request not completed[^<]*</a>: <a[^>]*>1</a> open", rectification)
    assert f"(of its {access + 1}: the others break other clauses)" in rectification
    assert re.search(rf"Rights request not completed[^<]*</a>: <a[^>]*>{access}</a> open",
                     _clause_section(html, "8.4"))  # fmt: skip
    assert "Rights request" not in _clause_section(html, "8.1")  # no late objection here
    assert (
        f"the {open_findings} open findings make {breaches} clause breaches below" in html
        and breaches > open_findings
    )
