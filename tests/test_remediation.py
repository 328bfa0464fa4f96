"""Remediation: every open finding gets an action, the actions go to each system in its own layout,
and carrying out the deletions and anonymisations resolves exactly the findings they name.

The estate is generated; the actions are carried out on its exports by a small helper written
here (delete a record's rows, blank its identifying columns), the way the systems would, then the
estate is audited again.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
import stat
from datetime import date
from pathlib import Path

import duckdb
import pytest
from conftest import REPO, audit_settings

from pipelines.audit import run_audit
from pipelines.datamap import DataMap, load_data_map
from pipelines.remediation.plan import plan_remediation
from pipelines.rules.catalogue import load_catalogue
from pipelines.sample import generate_estate

AS_OF = date(2026, 11, 1)
FIXTURES = REPO / "tests" / "fixtures" / "vendor" / "exports"
COLUMNS = ["system", "dataset", "record_key", "action", "rules", "target", "detail"]
APPLIED = ("delete", "anonymise")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as conn:
        return conn.execute(sql, params or []).fetchall()


def _findings(db: Path, run_id: str) -> set[tuple[str, str, str]]:
    return set(
        _query(db, "select rule_id, dataset, record_key from audit.findings where run_id = ?",
               [run_id])
    )  # fmt: skip


# --- carrying out a plan on the exports, as the systems would ---------------------------------


def carry_out(exports: Path, data_map: DataMap, db: Path, plan: list[dict[str, str]]) -> None:
    """Delete the records of `delete` rows and blank the identifying columns of `anonymise` rows,
    in the export files they were read from (their rows located through staging)."""
    by_file: dict[tuple[str, str], dict[int, str]] = {}
    for row in plan:
        located = _query(
            db,
            f'select _source_file, _row_number from staging."{row["dataset"]}" '
            "where record_key = ?",
            [row["record_key"]],
        )
        assert located, row
        for source, number in located:
            by_file.setdefault((row["dataset"], source), {})[number] = row["action"]
    for (dataset, source), actions in by_file.items():
        spec = data_map.datasets[dataset]
        blank = {
            header
            for column in spec.columns
            if column.name in spec.anonymised_when_empty or column.is_identifier
            for header in column.headers
        }
        path = exports / source
        if spec.files.format == "json":
            _carry_out_json(path, spec.files.records_path, actions, blank)
        else:
            _carry_out_csv(path, spec.files, actions, blank)


def _carry_out_csv(path: Path, files, actions: dict[int, str], blank: set[str]) -> None:
    text = path.read_bytes().decode(files.encoding, "surrogateescape")  # bytes kept as read
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=files.delimiter))
    header = records[0] if files.header else list(files.column_names or [])
    body = records[1:] if files.header else records
    kept = []
    for number, record in enumerate(body, 1):
        action = actions.get(number)
        if action == "delete":
            continue
        if action == "anonymise":
            record = ["" if i < len(header) and header[i] in blank else v
                      for i, v in enumerate(record)]  # fmt: skip
        kept.append(record)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=files.delimiter, lineterminator="\r\n")
    writer.writerows(([records[0]] if files.header else []) + kept)
    path.write_bytes(out.getvalue().encode(files.encoding, "surrogateescape"))


def _carry_out_json(path: Path, records_path: str | None, actions: dict, blank: set) -> None:
    lines = path.suffix == ".jsonl"
    document = (
        [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        if lines
        else json.loads(path.read_text())
    )
    records = document if isinstance(document, list) else document[records_path]
    kept = []
    for number, record in enumerate(records, 1):
        action = actions.get(number)
        if action == "delete":
            continue
        if action == "anonymise":
            record = {k: ("" if k in blank else v) for k, v in record.items()}
        kept.append(record)
    if lines:
        path.write_text("".join(json.dumps(r) + "\n" for r in kept))
    else:
        if isinstance(document, list):
            document = kept
        else:
            document[records_path] = kept
        path.write_text(json.dumps(document, indent=2))


# --- a generated estate, audited, remediated, audited again -----------------------------------


@pytest.fixture(scope="module")
def remediated(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("remediated")
    generate_estate(root / "exports", 400, 11, AS_OF)
    (root / "exports" / "ground_truth.csv").unlink(missing_ok=True)
    settings = audit_settings(root, AS_OF)
    first = run_audit(settings)
    plan = _rows(root / "reports" / first.run_id / "remediation" / "remediation.csv")
    applied = [row for row in plan if row["action"] in APPLIED]
    sources = _query(
        settings.db_path,
        "select s.rule_id, s.dataset, s.record_key, r.dataset, r.record_key "
        "from audit.remediation r, unnest(r.sources) t(s) "
        "where r.run_id = ? and list_contains(?, r.action)",
        [first.run_id, list(APPLIED)],
    )
    touched_subjects = {
        key
        for (key,) in _query(
            settings.db_path,
            "select distinct s.subject_key from core.subject_records s join audit.remediation r "
            "on r.dataset = s.dataset and r.record_key = s.record_key "
            "where r.run_id = ? and list_contains(?, r.action)",
            [first.run_id, list(APPLIED)],
        )
    }
    before = _query(
        settings.db_path,
        "select rule_id, dataset, record_key, subject_key from audit.findings where run_id = ?",
        [first.run_id],
    )
    data_map = load_data_map(settings.data_map_dir)
    carry_out(root / "exports", data_map, settings.db_path, applied)
    second = run_audit(settings)
    return {
        "root": root, "db": settings.db_path, "first": first, "second": second, "plan": plan,
        "applied": applied, "sources": sources, "before": before, "touched": touched_subjects,
    }  # fmt: skip


def test_carrying_out_deletions_and_anonymisations_resolves_what_they_name(remediated) -> None:
    db, first, second = remediated["db"], remediated["first"], remediated["second"]
    assert len(remediated["applied"]) >= 10
    resolved_by_plan = {(rule, ds, key) for rule, ds, key, _, _ in remediated["sources"]}
    after = _findings(db, second.run_id)
    assert resolved_by_plan and not resolved_by_plan & after  # every one of them is gone
    touched_records = {(ds, key) for *_, ds, key in remediated["sources"]}
    untouched = {
        (rule, ds, key)
        for rule, ds, key, subject in remediated["before"]
        if (ds, key) not in touched_records and subject not in remediated["touched"]
        and (rule, ds, key) not in resolved_by_plan
    }  # fmt: skip
    assert untouched and untouched <= after  # the rest remain
    # the second audit says so: resolved findings, and the plan's actions carried out
    gone = _findings(db, first.run_id) - after
    assert resolved_by_plan <= gone and sum(second.resolved.values()) == len(gone)
    resolved_csv = _rows(remediated["root"] / "reports" / second.run_id / "resolved.csv")
    assert resolved_by_plan <= {(r["rule_id"], r["dataset"], r["record_key"]) for r in resolved_csv}
    done = second.follow_up
    assert done.previous_run == first.run_id and done.carried_out >= len(remediated["applied"])
    assert done.planned == len(remediated["plan"])
    html = (remediated["root"] / "reports" / second.run_id / "report.html").read_text()
    assert f"<strong>{done.carried_out}</strong> were carried out" in html
    assert f'<span class="n">{len(gone)}</span>' in html  # the Resolved tile


# --- the plan itself, on the hand-written fixtures ---------------------------------------------


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("planned")
    shutil.copytree(FIXTURES, root / "exports")
    settings = audit_settings(root, AS_OF)
    summary = run_audit(settings)
    folder = root / "reports" / summary.run_id / "remediation"
    return {"root": root, "db": settings.db_path, "run": summary.run_id, "folder": folder,
            "settings": settings}  # fmt: skip


def test_every_finding_is_covered_by_an_action(planned) -> None:
    rows = _rows(planned["folder"] / "remediation.csv")
    assert list(rows[0]) == COLUMNS
    uncovered = _query(
        planned["db"],
        "select rule_id, dataset, record_key from audit.findings f where run_id = $1 and not "
        "exists (select 1 from audit.remediation r, unnest(r.sources) t(s) where r.run_id = $1 "
        "and s.rule_id = f.rule_id and s.dataset = f.dataset and s.record_key = f.record_key)",
        [planned["run"]],
    )
    assert uncovered == []
    by_key = {(r["dataset"], r["record_key"], r["action"]): r for r in rows}
    # the actions the design names, on the records the fixtures hold
    assert by_key[("orders", "#1025", "redact_field")]["target"] == "Notes"
    assert "ending 0005" in by_key[("orders", "#1025", "redact_field")]["detail"]
    assert by_key[("crm_contacts", "10234567814", "unsubscribe")]["rules"] == "CON-OPTOUT-SYNC"
    erasure = [r for r in rows if "DSR-ERASURE-INCOMPLETE" in r["rules"]]
    assert {(r["dataset"], r["action"]) for r in erasure} >= {
        ("crm_contacts", "delete"), ("call_recordings", "delete"), ("chat_transcripts", "delete")
    }  # fmt: skip
    assert all(r["action"] == "review" for r in rows if r["dataset"] == "disclosures")
    # a delete makes the record's other actions moot: one row, both rules
    assert (
        by_key[("chat_transcripts", "3b1f6c2e-8a40-4d7e-9f12-0a5c7e2b9d03", "delete")]["rules"]
        == "RET-CHAT;SEC-PAN"
    )
    # a card number is never copied out: last four digits and the field only
    cards = [r for r in rows if "card number" in r["detail"]]
    assert cards and not [r for r in cards if re.search(r"\d(?:[ -]?\d){12,18}", r["detail"])]
    assert all(re.search(r"ending \d{4} in", r["detail"]) for r in cards)


def test_each_system_gets_its_own_layout_and_nothing_is_left_out(planned) -> None:
    folder, rows = planned["folder"], _rows(planned["folder"] / "remediation.csv")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()} == {0o600}
    # HubSpot's GDPR delete takes Record IDs (reference/export-formats.md)
    deletes = _rows(folder / "hubspot-gdpr-delete.csv")
    assert list(deletes[0]) == ["objectId"]
    assert {r["objectId"] for r in deletes} == {
        r["record_key"] for r in rows if r["system"] == "crm" and r["action"] == "delete"
    }
    # Mailchimp: an import CSV with an Email Address column; members by MD5 of the lower email
    unsubscribe = _rows(folder / "mailchimp-unsubscribe-import.csv")
    assert list(unsubscribe[0]) == ["Email Address"] and all("@" in r["Email Address"]
                                                             for r in unsubscribe)  # fmt: skip
    for member in _rows(folder / "mailchimp-archive.csv"):
        email = next(r["record_key"] for r in rows if r["target"] == member["subscriber_hash"])
        assert member["subscriber_hash"] == hashlib.md5(email.strip().lower().encode()).hexdigest()
    # Asterisk: a list of recording file names, one per line, never a command
    recordings = (folder / "asterisk-recordings-to-delete.txt").read_text().splitlines()
    assert recordings and all(name.endswith(".wav") and " " not in name for name in recordings)
    with (FIXTURES / "call_recordings" / "Master.csv").open(encoding="latin-1", newline="") as f:
        # the userfield of a recorded call: rec=<file>;notice=...;hold=...
        files = {name for record in csv.reader(f) for field in record
                 for name in re.findall(r"rec=([^;]+\.wav)", field)}  # fmt: skip
    assert set(recordings) <= files
    # every action of remediation.csv is in exactly one system file
    counted = 0
    for path in folder.iterdir():
        if path.name == "remediation.csv":
            continue
        text = path.read_text()
        counted += len(text.splitlines()) - (0 if path.suffix == ".txt" else 1)
    assert counted == len(rows)
    report = (planned["root"] / "reports" / planned["run"] / "report.html").read_text()
    assert not [r for r in rows if "@" in r["record_key"] and r["record_key"] in report]


def test_a_legal_hold_and_a_decision_are_respected(planned, tmp_path) -> None:
    db = tmp_path / "copy.duckdb"
    shutil.copy(planned["db"], db)
    settings = planned["settings"]
    data_map = load_data_map(settings.data_map_dir)
    suites = load_catalogue(settings.expectations_dir, data_map)
    call = "1791801045.55"  # a call of the erased person DSR-2026-008: planned for deletion
    with duckdb.connect(str(db)) as conn:
        conn.execute(
            "update audit.retention_periods set held = true where record_key = ?", [call]
        )  # now under a legal hold
        conn.execute(
            "update audit.findings set decision_state = 'accepted_risk' where run_id = ? "
            "and rule_id = 'SEC-PAN' and record_key = '#1025'",
            [planned["run"]],
        )
        plan_remediation(conn, data_map, suites, planned["run"])
        rows = conn.execute(
            "select action, detail, rules from audit.remediation where run_id = ? "
            "and record_key = ?",
            [planned["run"], call],
        ).fetchall()
        decided = conn.execute(
            "select count(*) from audit.remediation where run_id = ? and record_key = '#1025' "
            "and list_contains(rules, 'SEC-PAN')",
            [planned["run"]],
        ).fetchall()[0][0]
    assert ("review" in {a for a, _, _ in rows}) and "delete" not in {a for a, _, _ in rows}
    assert any("legal hold" in d and "DSR-ERASURE-INCOMPLETE" in r for _, d, r in rows)
    assert decided == 0
