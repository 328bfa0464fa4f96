"""The audit on exports written by hand from the vendors' documented layouts, not by the generator.

tests/fixtures/vendor/ holds one folder per dataset in its vendor's layout with the variance real
files show (see its README), and expected_findings.csv: every finding derived by hand from the
rules' words for as-of 2026-11-01. The audit must find exactly those, and the cases issue 13
listed (a column no rule needs that does not convert, a one-field CDR row, API-dump chats,
countries written as people write them, unissued NI numbers, unanswered calls, anonymised
contacts, local dates) each have an assertion here.
"""

from __future__ import annotations

import csv
import re
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from conftest import REPO, audit_settings

from pipelines.audit import run_audit

FIXTURES = REPO / "tests" / "fixtures" / "vendor"
AS_OF = date(2026, 11, 1)


@pytest.fixture(scope="module")
def audited(tmp_path_factory) -> Path:
    """The hand-written estate audited once (as of 2026-11-01): the warehouse's path."""
    root = tmp_path_factory.mktemp("vendor")
    shutil.copytree(FIXTURES / "exports", root / "exports")
    settings = audit_settings(root, AS_OF)
    run_audit(settings)
    return settings.db_path


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def expected() -> set[tuple[str, str, str]]:
    with (FIXTURES / "expected_findings.csv").open(encoding="utf-8", newline="") as handle:
        return {(r["rule_id"], r["dataset"], r["record_key"]) for r in csv.DictReader(handle)}


def test_findings_are_exactly_the_hand_derived_ones(audited: Path) -> None:
    found = set(query(audited, "select rule_id, dataset, record_key from audit.findings"))
    wanted = expected()
    assert not wanted - found, f"missed: {sorted(wanted - found)}"
    assert not found - wanted, f"reported but not there: {sorted(found - wanted)}"
    assert {rule for rule, _, _ in found} == {
        rule for rule, _, _ in wanted
    }  # every rule has a case


def test_a_column_no_rule_needs_does_not_drop_rows(audited: Path) -> None:
    # amaflags is written as its name ("DOCUMENTATION"): read as text, no row is lost for it
    flags = {v for (v,) in query(audited, "select distinct ama_flags from staging.call_recordings")}
    assert {"DOCUMENTATION", "BILLING"} <= flags
    assert query(audited, "select count(*) from staging.call_recordings") == [(14,)]


def test_a_one_field_cdr_row_is_rejected_and_the_file_is_a_gap(audited: Path) -> None:
    rejects = query(audited, "select _row_number, _reason from raw.call_recordings__rejects")
    assert rejects == [
        (15, "start is empty (a required column); uniqueid is empty (a required column)")
    ]
    [(gap,)] = query(
        audited, "select gap from raw._loads where source_file = 'call_recordings/Master.csv'"
    )
    assert gap == (
        "call_recordings/Master.csv: 1 of its 15 rows were rejected (7%, more than the 5% allowed)"
    )


def test_api_dump_chats_are_read_as_records(audited: Path) -> None:
    per_file = dict(
        query(
            audited,
            "select _source_file, count(*) from staging.chat_transcripts group by all",
        )
    )
    assert per_file["chat_transcripts/chats_page_1.json"] > 0  # a JSON array
    assert per_file["chat_transcripts/chats_page_2.json"] > 0  # records under "chats"
    assert not query(audited, "select * from raw.chat_transcripts__rejects")


def test_countries_as_people_write_them(audited: Path) -> None:
    rows = query(
        audited,
        'select r."Country", d.country from raw.disclosures r '
        "join staging.disclosures d using (_source_file, _row_number)",
    )
    codes = dict(rows)
    for written in ("UK", "U.K.", "GB", "Great Britain", "England", "United Kingdom"):
        if written in codes:
            assert codes[written] == "GB", written
    for written in ("USA", "U.S.", "United States of America"):
        if written in codes:
            assert codes[written] == "US", written
    uk_rows = {
        str(n)
        for (n,) in query(
            audited,
            "select _row_number from staging.disclosures where country = 'GB'",
        )
    }
    transfers = {
        k for (k,) in query(audited, "select record_key from audit.findings "
                            "where rule_id = 'TPD-TRANSFER'")
    }  # fmt: skip
    assert len(uk_rows) >= 5 and not uk_rows & transfers


def test_a_finding_names_who_is_responsible_not_the_log_that_recorded_it(audited: Path) -> None:
    """A disclosure's finding is the recipient's (read from the log's own row here), an erasure
    not carried out is each system still holding the person, the rest the dataset's system."""
    with (FIXTURES / "exports" / "disclosures" / "disclosures_log.csv").open(
        encoding="cp1252", newline=""
    ) as handle:
        recipients = {str(n): row["Recipient"] for n, row in enumerate(csv.DictReader(handle), 1)}
    found = query(
        audited,
        "select rule_id, dataset, record_key, responsible, detail from audit.findings",
    )
    disclosures = [f for f in found if f[1] == "disclosures"]
    assert len(disclosures) == 11
    assert all(f[3] == [recipients[f[2]].strip()] for f in disclosures)
    systems = {"call_recordings": "telephony", "crm_contacts": "crm", "job_applications":
               "applicant_tracking", "chat_transcripts": "live_chat"}  # fmt: skip
    erasures = [f for f in found if f[0] == "DSR-ERASURE-INCOMPLETE"]
    assert len(erasures) == 3
    for _, _, _, responsible, detail in erasures:
        held = detail.split(", still in ")[1].split(", ")
        assert responsible == sorted({systems[d] for d in held})
    assert {tuple(f[3]) for f in found if f[0] == "DSR-OBJECTION-IGNORED"} == {("email_marketing",)}
    assert {tuple(f[3]) for f in found if f[0] == "DSR-OVERDUE"} == {("privacy_office",)}
    report = (audited.parent / "reports" / "latest" / "report.html").read_text(encoding="utf-8")
    section = report[report.index('id="systems"') : report.index('id="clauses"')]
    rows = {
        re.sub(r"<[^>]+>", "", m.group(1)): m.group(2)
        for m in re.finditer(r"<tr id=\"system-[^\"]+\"><td><strong>(.*?)</strong>(.*?)</tr>",
                             section, re.S)
    }  # fmt: skip
    office = next(v for k, v in rows.items() if k.startswith("Privacy mailbox"))
    assert "DSR-OVERDUE" in office and "TPD-" not in office  # the log is not blamed
    apex = rows["Apex Data Brokers Inc (recipient, not approved)"]
    assert all(rule in apex for rule in ("TPD-SALE", "TPD-TRANSFER", "TPD-UNAPPROVED"))
    assert "TPD-TRANSFER" in rows["Pure Chat (recipient)"]
    assert "1 open finding names several" in section  # DSR-2026-008: CRM and telephony
