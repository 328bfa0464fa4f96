"""New and resolved compare with the previous run (by run, not by as-of date), in the report,
the terminal and the extract; severities no rule has get no tile."""

from __future__ import annotations

import csv
import re
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from conftest import REPO, audit_settings

from pipelines.audit import run_audit
from pipelines.cli import main

AS_OF = date(2026, 11, 1)
FIXTURES = REPO / "tests" / "fixtures" / "vendor" / "exports"
REMOVED_CALL = "1747641933.23"  # a RET-CALLS and CON-CALL-NOTICE finding of the fixtures


def _tile(html: str, name: str) -> int:
    match = re.search(rf'class="tile tile-{name}".*?<span class="n">(\d+)</span>', html, re.S)
    assert match, name
    return int(match.group(1))


@pytest.fixture(scope="module")
def three_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list, list[str]]:
    """The vendor fixtures audited twice as of the same date, then once more without one call."""
    root = tmp_path_factory.mktemp("changes")
    shutil.copytree(FIXTURES, root / "exports")
    settings = audit_settings(root, AS_OF)
    summaries = [run_audit(settings), run_audit(settings)]
    master = root / "exports" / "call_recordings" / "Master.csv"
    lines = master.read_bytes().split(b"\n")
    master.write_bytes(b"\n".join(line for line in lines if REMOVED_CALL.encode() not in line))
    summaries.append(run_audit(settings))
    htmls = [
        (root / "reports" / s.run_id / "report.html").read_text(encoding="utf-8") for s in summaries
    ]
    return root, summaries, htmls


def test_a_second_audit_as_of_the_same_date_has_nothing_new(three_runs) -> None:
    _, summaries, htmls = three_runs
    first, second = htmls[0], htmls[1]
    assert _tile(first, "new") == sum(summaries[0].findings.values()) > 0
    assert "this is the first audit, so all of them are new" in first
    assert _tile(second, "new") == 0 and _tile(second, "resolved") == 0
    assert "0 of them are new since the previous audit" in second
    assert "new in this audit" not in second  # no finding is labelled new
    assert f"run <code>{summaries[0].run_id}</code>" in second  # compared with the first run
    assert sum(summaries[1].new.values()) == 0 and summaries[1].previous_run == summaries[0].run_id


def test_a_finding_gone_from_the_exports_is_listed_as_resolved(three_runs) -> None:
    root, summaries, htmls = three_runs
    third = summaries[2]
    assert third.resolved == {"RET-CALLS": 1, "CON-CALL-NOTICE": 1}
    assert sum(third.new.values()) == 0
    assert _tile(htmls[2], "resolved") == 2
    resolved = htmls[2][htmls[2].index('id="resolved"') :]
    resolved = resolved[: resolved.index("</section>")]
    assert "RET-CALLS" in resolved and "CON-CALL-NOTICE" in resolved and REMOVED_CALL in resolved
    with (root / "reports" / third.run_id / "resolved.csv").open(newline="") as handle:
        rows = [(r["rule_id"], r["record_key"]) for r in csv.DictReader(handle)]
    assert sorted(rows) == [("CON-CALL-NOTICE", REMOVED_CALL), ("RET-CALLS", REMOVED_CALL)]


def test_the_trend_has_one_point_per_run(three_runs) -> None:
    _, _, htmls = three_runs
    labels = re.findall(r"01 Nov 2026(?: \(\d\))?", htmls[2])
    assert {"01 Nov 2026", "01 Nov 2026 (2)", "01 Nov 2026 (3)"} <= set(labels)


def test_the_terminal_gives_totals_new_resolved_and_every_output(tmp_path: Path, capsys) -> None:
    shutil.copytree(FIXTURES, tmp_path / "exports")
    args = ["run", "--as-of", str(AS_OF), "--exports", str(tmp_path / "exports"),
            "--db", str(tmp_path / "w" / "w.duckdb"), "--reports", str(tmp_path / "r")]  # fmt: skip
    assert main(args) == 0
    first = capsys.readouterr().out
    assert "first audit of this warehouse: every finding is new" in first
    assert re.search(r"\d+ findings in \d+ rules \(\d+ critical, \d+ high, \d+ medium", first)
    for name in ("report.html", "findings.csv", "ropa.xlsx", "resolved.csv"):
        assert f"  {name}: " in first, name
    assert main(args) == 0
    assert re.search(
        r"since the previous audit \(run \w+\): 0 new, 0 resolved", capsys.readouterr().out
    )


def test_no_tile_legend_or_column_for_a_severity_no_rule_has(tmp_path: Path) -> None:
    rules = tmp_path / "expectations"
    shutil.copytree(REPO / "expectations", rules)
    web = rules / "web.yaml"
    web.write_text(web.read_text().replace("severity: low", "severity: medium"))
    assert "severity: low" not in "".join(p.read_text() for p in rules.glob("*.yaml"))
    shutil.copytree(FIXTURES, tmp_path / "exports")
    settings = replace(audit_settings(tmp_path, AS_OF), expectations_dir=rules)
    summary = run_audit(settings)
    html = (tmp_path / "reports" / summary.run_id / "report.html").read_text(encoding="utf-8")
    assert 'class="tile tile-low"' not in html
    assert '"name":"Low"' not in html  # no legend entry in any chart
    assert '<th class="num">Low</th>' not in html
    assert '<th class="num">Medium</th>' in html
