"""Decisions beside the data map: decided findings kept apart from open ones, an expired
acceptance reopens, a decision naming no finding is reported, bad decisions are refused."""

from __future__ import annotations

import csv
import re
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import yaml
from conftest import DATA_MAP_DIR, REPO, audit_settings

from pipelines.audit import run_audit
from pipelines.datamap import DataMapError, load_data_map
from pipelines.rules.catalogue import load_catalogue

AS_OF = date(2026, 11, 1)
FIXTURES = REPO / "tests" / "fixtures" / "vendor" / "exports"
ACCEPTED = "1747641933.23"  # RET-CALLS findings of the vendor fixtures
EXPIRED = "1761955199.31"
WHO = {"decided_by": "Data Protection Lead", "decided_on": "2026-10-20"}
DECISIONS = [
    {"rule": "RET-CALLS", "dataset": "call_recordings", "record_key": ACCEPTED,
     "decision": "accepted_risk", "reason": "kept for complaint CS-2291", "until": "2027-03-31",
     **WHO},
    {"rule": "RET-CALLS", "dataset": "call_recordings", "record_key": EXPIRED,
     "decision": "accepted_risk", "reason": "kept for a claim", "until": "2026-10-31", **WHO},
    {"rule": "WEB-LIFETIME", "decision": "false_positive",
     "reason": "the scanner reports the maximum, the site sets less", **WHO},
    {"rule": "SEC-PAN", "dataset": "orders", "record_key": "#9999", "decision": "in_progress",
     "ticket": "DPO-7", "due": "2026-12-31", **WHO},
]  # fmt: skip


def _map_with(tmp_path: Path, decisions: list[dict]) -> Path:
    directory = tmp_path / "data_map"
    shutil.copytree(DATA_MAP_DIR, directory)
    (directory / "decisions.yaml").write_text(yaml.safe_dump({"decisions": decisions}))
    return directory


def _findings(path: Path) -> dict[tuple[str, str], dict]:
    with path.open(newline="") as handle:
        return {(r["rule_id"], r["record_key"]): r for r in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def decided(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("decisions")
    shutil.copytree(FIXTURES, root / "exports")
    plain = run_audit(_settings(root, "plain"))
    with_decisions = run_audit(
        replace(_settings(root, "decided"), data_map_dir=_map_with(root, DECISIONS))
    )
    return root, plain, with_decisions


def _settings(root: Path, name: str):
    settings = audit_settings(root, AS_OF, db=f"{name}.duckdb")
    return replace(settings, reports_dir=root / f"reports-{name}")


def _report(root: Path, name: str, summary) -> str:
    return (root / f"reports-{name}" / summary.run_id / "report.html").read_text()


def test_decided_findings_are_kept_apart_and_an_expired_one_reopens(decided) -> None:
    root, plain, with_decisions = decided
    assert with_decisions.findings == plain.findings  # decisions hide nothing from the record
    lifetime = plain.findings["WEB-LIFETIME"]
    assert with_decisions.decided == {
        "open": sum(plain.findings.values()) - 1 - lifetime - 1,
        "accepted_risk": 1,
        "false_positive": lifetime,
        "reopened": 1,
    }
    rows = _findings(root / "reports-decided" / with_decisions.run_id / "findings.csv")
    assert rows[("RET-CALLS", ACCEPTED)]["decision_state"] == "accepted_risk"
    assert "CS-2291" in rows[("RET-CALLS", ACCEPTED)]["decision"]
    assert rows[("RET-CALLS", EXPIRED)]["decision_state"] == "reopened"
    assert {r["decision_state"] for (rule, _), r in rows.items() if rule == "WEB-LIFETIME"} == {
        "false_positive"
    }

    html = _report(root, "decided", with_decisions)
    before = _report(root, "plain", plain)
    count = re.compile(r'<a href="#rule-RET-CALLS">(\d+)</a>')
    assert int(count.search(html)[1]) == int(count.search(before)[1]) - 1  # open RET-CALLS
    section = html[html.index('id="decided"') :]
    section = section[: section.index("</section>")]
    assert "accepted risk" in section and "CS-2291" in section and ACCEPTED in section
    assert "false positive" in section and "WEB-LIFETIME" in section
    assert "had a decision that expired" in html
    assert "WEB-LIFETIME" not in html[html.index('id="fix-first"') : html.index('id="resolved"')]


def test_a_decision_naming_no_finding_is_reported(decided) -> None:
    root, _, with_decisions = decided
    html = _report(root, "decided", with_decisions)
    section = html[html.index('id="decided"') :]
    section = section[: section.index("</section>")]
    assert "Decisions that name no finding of this audit" in section
    assert 'SEC-PAN · orders · <span class="key">' in section


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"until": None}, "a accepted_risk decision needs until"),
        ({"dataset": None}, "give dataset and record_key together"),
    ],
)
def test_an_incomplete_decision_is_refused_naming_the_file(tmp_path, change, words) -> None:
    bad = {**DECISIONS[0], **change}
    directory = _map_with(tmp_path, [{k: v for k, v in bad.items() if v is not None}])
    with pytest.raises(DataMapError) as error:
        load_data_map(directory)
    assert "decisions.yaml" in str(error.value) and words in str(error.value)


def test_a_decision_about_an_unknown_rule_is_refused(tmp_path) -> None:
    directory = _map_with(tmp_path, [{**DECISIONS[2], "rule": "WEB-NO-SUCH"}])
    with pytest.raises(DataMapError, match="rule 'WEB-NO-SUCH' is not in the catalogue"):
        load_catalogue(REPO / "expectations", load_data_map(directory))
