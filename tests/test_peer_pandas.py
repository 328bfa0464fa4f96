"""The benchmark's pandas peer (benchmarks/peer_pandas.py) flags exactly the audit's findings.

The peer runs the 19 rules as GX expectations on pandas DataFrames; the peer ratio only means
something if it finds the same violations as the audit, record for record. Checked on a
generated estate (every rule planted), then on the same warehouse with edge cases added to the
staging tables and the audit's rule SQL run again (boundaries of every cut-off, local dates across
a clock change, month-end deadlines, nulls, word and character boundaries of the regexes).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from types import ModuleType

import duckdb
import pytest
from conftest import RULES, audit_settings

from pipelines.audit import run_audit
from pipelines.datamap import load_data_map
from pipelines.rules.catalogue import load_catalogue
from pipelines.rules.findings import evaluate_rules, record_findings
from pipelines.rules.retention_due import build_retention_due
from pipelines.sample import generate_estate
from pipelines.warehouse import connect

# the rules the peer implements: all but issue 17's website and personnel rules, for now
PEER_RULES = tuple(
    r for r in RULES if not r.startswith("WEB-") and r not in ("RET-APPLICANT", "RET-LEAVER")
)

REPO = Path(__file__).resolve().parents[1]
PEER = REPO / "benchmarks" / "peer_pandas.py"
AS_OF = date(2026, 11, 1)


@pytest.fixture(scope="module")
def peer() -> ModuleType:
    """benchmarks/peer_pandas.py as a module (benchmarks/ is not a package); no bytecode cache
    is written into the working tree."""
    spec = importlib.util.spec_from_file_location("peer_pandas", PEER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    writes_bytecode = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = writes_bytecode
    yield module
    sys.modules.pop(spec.name, None)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated estate (400 contacts, every rule planted), audited as of AS_OF."""
    root = tmp_path_factory.mktemp("peer")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("PRIVACY_AUDIT_SECRET", raising=False)
        generate_estate(root / "exports", 400, 1, AS_OF)
        settings = audit_settings(root, AS_OF)
        run_audit(settings)
    return settings.db_path


def _audit_counts(db_path: Path) -> dict[str, int]:
    with duckdb.connect(str(db_path), read_only=True) as conn:
        rows = conn.execute(
            "select rule_id, count(*) from audit.findings where run_id = "
            "(select max(run_id) from audit.runs where status = 'completed') group by rule_id"
        ).fetchall()
    return dict(rows)


def _assert_same(result: dict, audit: dict[str, int]) -> None:
    assert set(result["counts"]) == set(PEER_RULES)
    assert result["audit_counts"] == {r: n for r, n in audit.items() if r in PEER_RULES}
    differing = {
        rule: (result["counts"][rule], audit.get(rule, 0))
        for rule in PEER_RULES
        if result["counts"][rule] != audit.get(rule, 0)
    }
    assert not differing, f"peer vs audit findings: {differing}; {result['mismatches']}"
    assert result["mismatches"] == {}  # the same records, not only as many


def test_peer_finds_the_audits_findings(peer: ModuleType, warehouse: Path) -> None:
    audit = _audit_counts(warehouse)
    assert {rule for rule in PEER_RULES if audit.get(rule, 0) < 1} == set()  # nothing vacuous
    result = peer.run_peer(warehouse, AS_OF)
    _assert_same(result, audit)
    for key in ("load_s", "validate_s", "peak_rss_mb"):
        assert result[key] > 0


def test_peer_refuses_another_as_of(peer: ModuleType, warehouse: Path) -> None:
    with pytest.raises(ValueError, match="audited as of"):
        peer.run_peer(warehouse, date(2026, 10, 31))


def test_peer_agrees_on_edge_cases(peer: ModuleType, warehouse: Path, tmp_path: Path) -> None:
    db_path = tmp_path / "edges.duckdb"
    shutil.copy(warehouse, db_path)
    with connect(db_path) as conn:
        _add_edge_cases(conn)
        suites = load_catalogue(REPO / "expectations", load_data_map(REPO / "data_map"))
        run_id = "99990101T000000000000Z"  # sorts after the audit's own run
        build_retention_due(conn, load_data_map(REPO / "data_map"), rebuild=True)
        evaluate_rules(conn, suites)
        record_findings(conn, suites, run_id, AS_OF)
        conn.execute(
            "insert into audit.runs (run_id, as_of, status) values (?, ?, 'completed')",
            [run_id, AS_OF],
        )
        edge_findings = conn.execute(
            "select count(*) from audit.findings where run_id = ? and record_key in "
            "(select record_key from _edge_keys)",
            [run_id],
        ).fetchall()[0][0]
    assert edge_findings >= 40  # the edge cases do reach the rules
    _assert_same(peer.run_peer(db_path, AS_OF), _audit_counts(db_path))


def test_cli_prints_json_last(warehouse: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-B", str(PEER), str(warehouse), "--as-of", AS_OF.isoformat()],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert {"load_s", "validate_s", "peak_rss_mb", "counts", "mismatches"} <= set(result)
    assert result["mismatches"] == {} and set(result["counts"]) == set(PEER_RULES)
    assert list(tmp_path.iterdir()) == []  # GX's ephemeral context writes nothing


def _add_edge_cases(conn: duckdb.DuckDBPyConnection) -> None:
    """Rows on both sides of each rule's boundaries, straight into the staging/core tables."""
    x = conn.execute
    cut = dict(x("select rule, cutoff::varchar from audit.retention_cutoffs").fetchall())
    as_of = "timestamptz '2026-11-01 00:00:00+00'"

    def insert(table: str, columns: str, rows: str) -> None:
        x(f"insert into {table} by name select * from (values {rows}) t({columns})")

    insert(
        "staging.call_recordings",
        "record_key, recording_file, disposition, started_at, legal_hold, recording_notice",
        f"""('X-C1', 'f', 'ANSWERED', timestamptz '{cut["call_recordings"]}' - interval 1 second,
              null::boolean, 'played'),
            ('X-C2', 'f', 'ANSWERED', timestamptz '{cut["call_recordings"]}', null, 'played'),
            ('X-C3', 'f', 'ANSWERED', timestamptz '2020-01-01', true, null),
            ('X-C4', null, 'ANSWERED', timestamptz '2020-01-01', false, null),
            ('X-C5', 'f', 'ANSWERED', null, false, null),
            ('X-C6', null, null, timestamptz '2026-10-01', false, ''),
            ('X-C7', null, null, timestamptz '2026-10-01', false, 'Played'),
            ('X-C8', 'f', 'ANSWERED', timestamptz '2026-10-01', false, 'Played'),
            ('X-C9', 'f', 'NO ANSWER', timestamptz '2020-01-01', false, '')""",
    )
    insert(
        "staging.crm_contacts",
        "record_key, last_activity_at, unsubscribed_from_all_email, first_name, is_anonymised",
        f"""('X-P1', timestamptz '{cut["prospects"]}' - interval 1 second, false, 'A', false),
            ('X-P2', timestamptz '{cut["prospects"]}', false, 'A', false),
            ('X-P3', null::timestamptz, false, 'A', false),
            ('X-P4', timestamptz '2015-01-01', false, null, true),
            ('X-K1', timestamptz '2015-01-01', null::boolean, 'A', false),
            ('X-K2', timestamptz '2015-01-01', null, 'A', false),
            ('X-K3', timestamptz '2015-01-01', null, null, true),
            ('X-K5', timestamptz '2026-01-01', null, 'A', false),
            ('X-O1', timestamptz '2026-01-01', false, 'A', false),
            ('X-O2', timestamptz '2026-01-01', false, 'A', false),
            ('X-O3', timestamptz '2026-10-24', true, 'A', false),
            ('X-O4', timestamptz '2026-01-01', null, 'A', false),
            ('X-O5', timestamptz '2026-10-24 00:00:01', true, 'A', false)""",
    )
    # 2020-03-31 23:30 UTC is 1 April in London (BST): the next financial year
    insert(
        "staging.orders",
        "record_key, created_at, email, accepts_marketing, is_anonymised",
        """('#X1', timestamptz '2020-03-31 23:30:00+00', 'a@x', null::boolean, false),
           ('#X2', timestamptz '2020-03-31 22:59:00+00', 'b@x', null, false),
           ('#X3', timestamptz '2019-01-01', null, null, true),
           ('#X3', timestamptz '2022-01-01', 'c@x', null, false),
           ('#X4', timestamptz '2015-01-01', null, null, true),
           ('#X5', null::timestamptz, 'd@x', true, false),
           ('#X6', timestamptz '2026-01-01', 'e@x', true, false),
           ('#X7', timestamptz '2026-01-01', 'e@x', null, false)""",
    )
    insert(
        "staging.marketing_members",
        "record_key, status, unsubscribed_at, first_name, optin_at",
        f"""('x-u1', 'unsubscribed',
              timestamptz '{cut["unsubscribed_members"]}' - interval 1 second, 'A',
              null::timestamptz),
            ('x-u2', 'unsubscribed', timestamptz '{cut["unsubscribed_members"]}', 'A', null),
            ('x-u3', 'unsubscribed', timestamptz '2020-01-01', null, null),
            ('x-u4', 'unsubscribed', timestamptz '2020-01-01', '', null),
            ('x-s1', 'subscribed', null, null, null),
            ('x-s2', 'subscribed', null, null, null),
            ('x-s3', 'subscribed', null, null, null),
            ('x-s4', 'subscribed', null, null, timestamptz '2020-01-01'),
            ('x-o1', 'unsubscribed', {as_of} - interval 7 day, null, null),
            ('x-o2', 'unsubscribed', {as_of} - interval 7 day + interval 1 second, null, null),
            ('x-o3', 'subscribed', null, null, timestamptz '2020-01-01'),
            ('x-o5', 'subscribed', null, null, timestamptz '2020-01-01'),
            ('x-b1', 'cleaned', null, null, timestamptz '2020-01-01'),
            ('x-b3', 'subscribed', null, null, timestamptz '2020-01-01')""",
    )
    insert(
        "staging.marketing_sends",
        "record_key, sent_at",
        f"""('c1|x-o1', {as_of} - interval 7 day),
            ('c2|x-o1', {as_of} - interval 7 day + interval 1 second),
            ('c3|x-b1', timestamptz '2026-05-01 23:30:00+00'),
            ('c4|x-b2', timestamptz '2026-05-01 22:30:00+00')""",
    )
    # 31 Jan + 1 month = 28 Feb 2026, a Saturday: due Monday 2 March
    insert(
        "staging.rights_requests",
        "record_key, received_on, request_type, status, completed_on, extended, extension_reason",
        """('X-R1', date '2026-01-31', 'Access', 'Completed', date '2026-03-02', false, null),
           ('X-R2', date '2026-01-31', 'Access', 'Completed', date '2026-03-03', false, null),
           ('X-R3', date '2026-08-15', 'Access', 'Open', null::date, true, null),
           ('X-R4', date '2026-08-15', 'Access', 'Open', null, null::boolean, 'x'),
           ('X-R5', date '2026-08-01', 'Access', 'Open', null, true, ''),
           ('X-R6', date '2026-10-01', 'Access', 'Open', null, false, null),
           ('X-R7', date '2026-09-30', 'Access', 'Open', null, false, null),
           ('X-R8', null::date, 'Access', 'Open', null, false, null),
           ('X-R9', date '2024-02-29', 'Access', 'Completed', date '2024-05-29', true, 'y'),
           ('X-E1', date '2026-10-20', 'Erasure', 'Completed', date '2026-10-21', false, null),
           ('X-E2', date '2026-10-20', 'Erasure', 'Completed', date '2026-10-21', false, null),
           ('X-E3', date '2026-10-20', 'Erasure', 'Open', null, false, null),
           ('X-B1', date '2026-04-20', 'Objection to marketing', 'Completed', date '2026-05-01',
            false, null),
           ('X-B2', date '2026-04-20', 'Withdraw consent', 'Completed', date '2026-05-01',
            false, null),
           ('X-B3', date '2026-04-20', 'Withdraw consent', 'Open', null, false, null),
           ('X-B4', date '2026-04-20', 'Access', 'Completed', date '2026-05-01', false, null)""",
    )
    insert(
        "staging.disclosures",
        "record_key, recipient, purpose, country, safeguard",
        """('X-D1', '  worldpay ', 'Payment processing', 'GB', 'c'),
           ('X-D2', null, 'Payment processing', 'GB', 'c'),
           ('X-D3', e'Worldpay\\t', 'Sales support', 'GB', 'c'),
           ('X-D4', 'Worldpay', 'LIST RENTAL to partner', 'GB', 'c'),
           ('X-D5', 'Worldpay', 'resale', null, null),
           ('X-D6', 'Worldpay', 'sale-or-return', 'FR', 'none'),
           ('X-D7', 'Worldpay', null, 'US', ' N/A '),
           ('X-D8', 'Worldpay', 'Sold!', 'US', 'IDTA'),
           ('X-D9', 'Worldpay', 'selling', 'US', '')""",
    )
    subjects = [
        ("crm_contacts", "X-K1", "S-K1"), ("crm_contacts", "X-K2", "S-K2"),
        ("crm_contacts", "X-K5", "S-K5"), ("crm_contacts", "X-O1", "S-O1"),
        ("crm_contacts", "X-O2", "S-O2"), ("crm_contacts", "X-O3", "S-O3"),
        ("crm_contacts", "X-O4", "S-O4"), ("crm_contacts", "X-O5", "S-O5"),
        ("crm_contacts", "X-K3", "S-K2"),
        ("orders", "#X1", "S-K1"), ("orders", "#X2", "S-K2"), ("orders", "#X5", "S-K5"),
        ("orders", "#X6", "S-S2"), ("orders", "#X7", "S-S3"),
        ("marketing_members", "x-s2", "S-S2"), ("marketing_members", "x-s3", "S-S3"),
        ("marketing_members", "x-o1", "S-O1"), ("marketing_members", "x-o2", "S-O2"),
        ("marketing_members", "x-o3", "S-O3"), ("marketing_members", "x-o5", "S-O5"),
        ("marketing_members", "x-b1", "S-B1"), ("marketing_members", "x-b3", "S-B3"),
        ("marketing_sends", "c1|x-o1", "S-O1"), ("marketing_sends", "c2|x-o1", "S-O1"),
        ("marketing_sends", "c3|x-b1", "S-B1"), ("marketing_sends", "c4|x-b2", "S-B2"),
        ("rights_requests", "X-E1", "S-E1"), ("disclosures", "D-E1", "S-E1"),
        ("rights_requests", "X-E2", "S-K1"), ("rights_requests", "X-E3", "S-K2"),
        ("rights_requests", "X-B1", "S-B1"), ("rights_requests", "X-B2", "S-B2"),
        ("rights_requests", "X-B3", "S-B3"), ("rights_requests", "X-B4", "S-B3"),
    ]  # fmt: skip
    conn.executemany("insert into core.subject_records values (?, ?, ?)", subjects)
    free, payment = "user.content.private", "user.payment"
    texts = [
        ("crm_contacts", "X-T1", "Notes", free, "card 4111111111111111 thanks"),
        ("crm_contacts", "X-T2", "Notes", free, "id x4111111111111111"),
        ("orders", "X-T3", "Notes", free, "4111-1111-1111-1111"),
        ("orders", "X-T4", "Notes", free, "4111  1111 1111 1111"),
        ("orders", "X-T5", "Payment ID", payment, "5500 0000 0000 0004"),
        ("orders", "X-T6", "Payment ID", payment, "2221000000000009"),
        ("orders", "X-T7", "Payment ID", payment, "378282246310005;6011111111111117"),
        ("orders", "X-T8", "Payment ID", payment, "3530111333300000/30569309025904"),
        ("orders", "X-T9", "Payment ID", payment, "4111111111111112 490154203237518"),
        ("orders", "X-T10", "Payment ID", payment, "41111111111111111111"),
        ("orders", "X-T11", "Payment ID", payment, "4111111111111111a"),
        ("orders", "X-T12", "Payment ID", None, "4111111111111111\n"),
        ("orders", "X-T13", "Payment ID", payment, "a-4111111111111111-"),
        ("orders", "X-T14", "Payment ID", payment, "6441111111111111111 655555555555555"),
        ("crm_contacts", "X-V1", "Notes", free, "CVV: 123"),
        ("crm_contacts", "X-V2", "Notes", free, "cvv2 1234"),
        ("crm_contacts", "X-V3", "Notes", free, "my cvc is 12345"),
        ("crm_contacts", "X-V4", "Notes", payment, "CVV 123"),
        ("crm_contacts", "X-V5", "Notes", free, "security code:  999."),
        ("crm_contacts", "X-V6", "Notes", free, "xcvv 123"),
        ("crm_contacts", "X-V7", "Notes", free, "CSC\n123"),
        ("crm_contacts", "X-B1", "Notes", free, "DOB 12/03/1980"),
        ("crm_contacts", "X-B2", "Notes", free, "D.O.B.: 1980-03-12"),
        ("crm_contacts", "X-B3", "Notes", free, "dob12/03/1980"),
        ("chat_transcripts", "X-B4", "messages", free, "date of birth - 1.2.80"),
        ("crm_contacts", "X-N1", "Notes", free, "NI QQ 12 34 56 C"),
        ("crm_contacts", "X-N2", "Notes", free, "AQQ123456C"),
        ("crm_contacts", "X-N3", "Notes", free, "QQ123456E"),
        ("crm_contacts", "X-N4", "Notes", "user.content", "QQ123456A."),
        ("crm_contacts", "X-N5", "Notes", "user.contents", "qq123456a"),
        ("crm_contacts", "X-N6", "Notes", free, "NI AB 12 34 56 C"),
        ("crm_contacts", "X-N7", "Notes", "user.content", "JG123456A."),
        ("crm_contacts", "X-N8", "Notes", free, "TN 12 34 56 D"),
        ("crm_contacts", "X-N9", "Notes", free, "AO123456B"),
    ]
    conn.executemany(
        "insert into staging._text_values (dataset, record_key, column_name, category, value) "
        "values (?, ?, ?, ?, ?)",
        texts,
    )
    # a dataset that declares dates of birth: the one in its chat is not a finding
    x(
        "insert into core.declared_categories "
        "values ('chat_transcripts', 'user.demographic.date_of_birth')"
    )
    x(
        "insert into core.undeclared_columns "
        "values ('orders', 'Extra Col'), ('crm_contacts', 'X-T1')"
    )
    keys = {row[1] for row in subjects} | {row[1] for row in texts} | {"Extra Col"}
    for table in ("call_recordings", "crm_contacts", "orders", "marketing_members",
                  "marketing_sends", "rights_requests", "disclosures"):  # fmt: skip
        keys |= {
            row[0]
            for row in x(
                f"select record_key from staging.{table} "
                "where record_key like 'X-%' or record_key like '#X%' or record_key like 'x-%' "
                "or record_key like 'c_|x-%'"
            ).fetchall()
        }
    x("create temp table _edge_keys (record_key varchar)")
    conn.executemany("insert into _edge_keys values (?)", [(key,) for key in sorted(keys)])
