"""Identity resolution: one subject per person across sources, keyed by a keyed pseudonym."""

from __future__ import annotations

import hashlib
import hmac
import re
import stat
from pathlib import Path

import duckdb
import pytest

from pipelines.pseudonyms import SECRET_VARIABLE, keyed, keyed_sql, load_secret, pads
from pipelines.staging.subjects import build_subjects

SECRET = b"a-test-secret-of-this-installation"
LONDON = {"Last Activity Date": "2024-01-10 10:00", "Create Date": "2024-01-01 09:00"}
SENDS = "campaign_id,campaign_title,email,sent_at"
RIGHTS = "Ref,Received,Requester Email,Request Type,Status,Completed On,Extended,Extension Reason"


def cdr(uniqueid: str, src: str, name: str) -> str:
    return (
        f'"","{src}","200","from-external","""{name}"" <{src}>","SIP/t","SIP/200","Dial","x",'
        f'"2024-01-27 15:07:24","2024-01-27 15:07:30","2024-01-27 15:10:00",156,150,"ANSWERED",3,'
        f'"{uniqueid}","rec={uniqueid}.wav;notice=played;hold=0","","{uniqueid}",1\n'
    )


def resolve(estate, secret: bytes = SECRET) -> dict[tuple[str, str], str]:
    """Build core.subjects over every dataset with data; (dataset, record_key) -> subject_key."""
    datasets = {p.parent.name for p in estate.exports.rglob("*") if p.is_file()}
    for dataset in sorted(datasets):
        load = estate.ingest(dataset)
        assert all(f.rows_rejected == 0 for f in load.files), estate.rejects(dataset)
    build_subjects(estate.conn, list(estate.data_map.datasets.values()), secret)
    return {
        (r["dataset"], r["record_key"]): r["subject_key"]
        for r in estate.query("select dataset, record_key, subject_key from core.subject_records")
    }


@pytest.fixture
def jane_everywhere(estate, layouts):
    """Jane Doe in five sources under five spellings; Bob Roe in two."""
    estate.put(
        "crm_contacts",
        "contacts.csv",
        layouts.hubspot(
            [
                {
                    "Record ID": "10000000001",
                    "First Name": "Jane",
                    "Email": " Jane.Doe@Example.COM ",
                    "Phone Number": "07700 900123",
                    **LONDON,
                },
                {
                    "Record ID": "10000000002",
                    "First Name": "Bob",
                    "Email": "bob.roe@example.com",
                    "Phone Number": "07700 900456",
                    **LONDON,
                },
            ]
        ),
    )
    estate.put(
        "orders",
        "orders_export_1.csv",
        layouts.shopify(
            [
                {
                    "Name": "#1001",
                    "Email": "jane.doe@example.com",
                    "Created at": "2024-02-01 10:00:00 +0000",
                    "Billing Phone": "+44 7700 900123",
                    "Lineitem name": "Router",
                },
                {
                    "Name": "#1001",
                    "Email": "jane.doe@example.com",
                    "Created at": "2024-02-01 10:00:00 +0000",
                    "Lineitem name": "Cable",
                },
                {
                    "Name": "#1002",
                    "Email": "BOB.ROE@example.com",
                    "Created at": "2024-02-02 10:00:00 +0000",
                },
            ]
        ),
    )
    estate.put("call_recordings", "Master.csv", cdr("1706368044.1", "07700900123", "Jane Doe"))
    estate.put(
        "marketing_members",
        "subscribed_members_export_a1.csv",
        layouts.mailchimp("subscribed", [{"Email Address": "JANE.DOE@example.com "}]),
    )
    estate.put(
        "rights_requests",
        "tracker.csv",
        layouts.csv(
            RIGHTS, [["DSR-1", "03/02/2024", "Jane.Doe@Example.com", "Access", "Open", "", "", ""]]
        ),
    )
    return estate


JANE_RECORDS = [
    ("call_recordings", "1706368044.1"),
    ("crm_contacts", "10000000001"),
    ("marketing_members", "jane.doe@example.com"),
    ("orders", "#1001"),
    ("rights_requests", "DSR-1"),
]


def test_one_person_in_five_sources_is_one_subject(jane_everywhere):
    estate = jane_everywhere

    records = resolve(estate)

    jane = records[("crm_contacts", "10000000001")]
    assert sorted(k for k, v in records.items() if v == jane) == JANE_RECORDS
    bob = records[("crm_contacts", "10000000002")]
    assert sorted(k for k, v in records.items() if v == bob) == [
        ("crm_contacts", "10000000002"),
        ("orders", "#1002"),
    ]
    assert jane != bob
    assert len(records) == 7
    subjects = estate.query("select * from core.subjects order by records desc")
    assert [s["subject_key"] for s in subjects] == [jane, bob]
    assert subjects[0] | {"subject_key": None} == {
        "subject_key": None,
        "emails": ["jane.doe@example.com"],
        "phones": ["+447700900123"],
        "datasets": [d for d, _ in JANE_RECORDS],
        "records": 5,
    }
    assert subjects[1]["emails"] == ["bob.roe@example.com"]
    assert subjects[1]["phones"] == ["+447700900456"]
    identifiers = estate.query(
        "select kind, value from core.subject_identifiers where subject_key = ? order by all",
        [jane],
    )
    assert identifiers == [
        {"kind": "email", "value": "jane.doe@example.com"},
        {"kind": "phone", "value": "+447700900123"},
    ]


def test_linking_is_transitive(estate, layouts):
    # A: email only; B: that email and a phone; C: that phone only
    estate.put(
        "marketing_sends",
        "sends.csv",
        layouts.csv(SENDS, [["c1", "Spring", "A@X.com", "2024-03-01T09:00:00Z"]]),
    )
    estate.put(
        "orders",
        "orders_export_1.csv",
        layouts.shopify(
            [
                {
                    "Name": "#1",
                    "Email": "a@x.com",
                    "Phone": "07700 900321",
                    "Created at": "2024-02-01 10:00:00 +0000",
                }
            ]
        ),
    )
    estate.put("call_recordings", "Master.csv", cdr("9.1", "+447700900321", "A"))

    records = resolve(estate)

    assert records.keys() == {
        ("marketing_sends", "c1|a@x.com"),
        ("orders", "#1"),
        ("call_recordings", "9.1"),
    }
    assert len(set(records.values())) == 1
    assert estate.query("select emails, phones, records from core.subjects") == [
        {"emails": ["a@x.com"], "phones": ["+447700900321"], "records": 3}
    ]


def test_a_long_chain_links_through_several_rounds(estate, layouts):
    # a1 -(crm 1)- p1 -(order 1)- a2 -(crm 2)- p2 -(order 2)- a3 -(crm 3)- p3 -(call)
    def contact(i: int) -> dict:
        return {
            "Record ID": f"1000000000{i}",
            "Email": f"a{i}@x.com",
            "Phone Number": f"07700 90010{i}",
            **LONDON,
        }

    def order(i: int) -> dict:
        return {
            "Name": f"#{i}",
            "Email": f"a{i + 1}@x.com",
            "Phone": f"+44 7700 90010{i}",
            "Created at": "2024-02-01 10:00:00 +0000",
        }

    estate.put(
        "marketing_sends",
        "s.csv",
        layouts.csv(SENDS, [["c1", "S", "a1@x.com", "2024-03-01T09:00:00Z"]]),
    )
    estate.put("crm_contacts", "c.csv", layouts.hubspot([contact(3), contact(2), contact(1)]))
    estate.put("orders", "o.csv", layouts.shopify([order(2), order(1)]))
    estate.put("call_recordings", "Master.csv", cdr("u3", "07700900103", "x"))
    estate.put(
        "marketing_sends",
        "other.csv",
        layouts.csv(SENDS, [["c9", "S", "z@x.com", "2024-03-01T09:00:00Z"]]),
    )

    records = resolve(estate)

    chain = {k: v for k, v in records.items() if k != ("marketing_sends", "c9|z@x.com")}
    assert len(chain) == 1 + 3 + 2 + 1
    assert len(set(chain.values())) == 1
    assert records[("marketing_sends", "c9|z@x.com")] not in chain.values()
    [subject] = estate.query(
        "select emails, phones from core.subjects where subject_key = ?",
        [records[("call_recordings", "u3")]],
    )
    assert subject == {
        "emails": ["a1@x.com", "a2@x.com", "a3@x.com"],
        "phones": ["+447700900101", "+447700900102", "+447700900103"],
    }


def test_different_people_stay_separate(estate, layouts):
    estate.put(
        "crm_contacts",
        "c.csv",
        layouts.hubspot(
            [
                {
                    "Record ID": "10000000001",
                    "First Name": "Sam",
                    "Last Name": "Smith",
                    "Email": "sam.smith@example.com",
                    "Phone Number": "07700 900001",
                    **LONDON,
                },
                {
                    "Record ID": "10000000002",
                    "First Name": "Sam",
                    "Last Name": "Smith",
                    "Email": "sam.smith@example.org",
                    "Phone Number": "07700 900002",
                    **LONDON,
                },
            ]
        ),
    )
    estate.put(
        "rights_requests",
        "r.csv",
        layouts.csv(
            RIGHTS,
            [["DSR-9", "03/02/2024", "sam.smith@example.org", "Erasure", "Open", "", "", ""]],
        ),
    )

    records = resolve(estate)

    assert records[("crm_contacts", "10000000001")] != records[("crm_contacts", "10000000002")]
    assert records[("rights_requests", "DSR-9")] == records[("crm_contacts", "10000000002")]
    assert estate.query("select count(*) as n from core.subjects") == [{"n": 2}]


def test_a_record_without_email_or_phone_has_no_subject(estate, layouts):
    estate.put(
        "crm_contacts",
        "c.csv",
        layouts.hubspot(
            [
                {"Record ID": "10000000001", "Email": "", "Phone Number": "", **LONDON},
                {"Record ID": "10000000002", "Email": "", "Phone Number": "n/a", **LONDON},
                {"Record ID": "10000000003", "Email": "c@x.com", **LONDON},
            ]
        ),
    )

    records = resolve(estate)

    assert list(records) == [("crm_contacts", "10000000003")]
    assert estate.query("select count(*) as n from core.subjects") == [{"n": 1}]


# --- the subject key -------------------------------------------------------------------------


def test_subject_key_is_stable_for_the_same_secret(jane_everywhere):
    first = resolve(jane_everywhere)
    build_subjects(
        jane_everywhere.conn, list(jane_everywhere.data_map.datasets.values()), bytes(SECRET)
    )
    second = {
        (r["dataset"], r["record_key"]): r["subject_key"]
        for r in jane_everywhere.query("select * from core.subject_records")
    }

    assert second == first
    assert all(re.fullmatch(r"[0-9a-f]{64}", key) for key in first.values())


def test_subject_key_depends_on_the_secret(jane_everywhere):
    first = resolve(jane_everywhere)
    build_subjects(
        jane_everywhere.conn, list(jane_everywhere.data_map.datasets.values()), b"another secret"
    )
    other = {
        (r["dataset"], r["record_key"]): r["subject_key"]
        for r in jane_everywhere.query("select * from core.subject_records")
    }

    assert other.keys() == first.keys()
    for record, key in first.items():
        assert other[record] != key, record
    # the grouping does not depend on the secret
    assert len(set(other.values())) == len(set(first.values())) == 2


def test_subject_key_is_not_a_plain_hash_of_the_email(jane_everywhere):
    records = resolve(jane_everywhere)

    jane = records[("crm_contacts", "10000000001")]
    email = "jane.doe@example.com"
    for candidate in (email, f"email:{email}", "+447700900123", "phone:+447700900123"):
        assert jane != hashlib.sha256(candidate.encode()).hexdigest()


def test_keyed_is_hmac_sha256():
    assert keyed(SECRET, "jane.doe@example.com") == (
        hmac.new(SECRET, b"jane.doe@example.com", hashlib.sha256).hexdigest()
    )
    assert keyed(SECRET, "a") != keyed(b"other", "a")


def test_subject_key_is_the_hmac_of_the_normalised_identifier(jane_everywhere):
    estate = jane_everywhere
    estate.put("call_recordings", "Master-2.csv", cdr("2.2", "07700 900999", "Phone Only"))

    records = resolve(estate)

    assert records[("crm_contacts", "10000000001")] == keyed(SECRET, "jane.doe@example.com")
    assert records[("call_recordings", "2.2")] == keyed(SECRET, "+447700900999")


def test_key_file_is_created_owner_only_and_reused(tmp_path, monkeypatch):
    monkeypatch.delenv(SECRET_VARIABLE, raising=False)
    key_file = tmp_path / "secrets" / "subject-key"

    secret = load_secret(key_file)

    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert re.fullmatch(rb"[0-9a-f]{64}", secret)
    assert load_secret(key_file) == secret
    other = load_secret(tmp_path / "elsewhere" / "subject-key")
    assert other != secret


def test_the_environment_secret_wins_and_writes_no_file(tmp_path, monkeypatch):
    monkeypatch.setenv(SECRET_VARIABLE, "from-the-environment")
    key_file = tmp_path / "secrets" / "subject-key"

    assert load_secret(key_file) == b"from-the-environment"
    assert not key_file.exists()


@pytest.mark.parametrize("secret", [b"short", b"k" * 64, b"long" * 30, "clé".encode()])
def test_keys_computed_in_duckdb_equal_the_python_hmac(secret):
    conn = duckdb.connect()
    for value in ("jane.doe@example.com", "zoë@exämple.de", "+447700900123", ""):
        sql = f"select {keyed_sql('$value')}"
        assert conn.execute(sql, {**pads(secret), "value": value}).fetchall()[0][0] == keyed(
            secret, value
        )


# --- identifiers that are no one's ------------------------------------------------------------


def test_the_switchboard_links_nobody_and_a_shared_number_is_named(estate, layouts) -> None:
    from pipelines.staging.identity import not_a_person_values, shared_identifier_warnings

    switchboard = "01908 000000"  # data_map/identity.yaml: BetterBox's switchboard
    office = "07700 900777"  # an office line several staff call from, not in the data map
    callers = [(f"1.{i}", switchboard, f"Caller {i}") for i in range(6)]
    callers += [
        (f"2.{i}", office, name) for i, name in enumerate(["Ann", "Ben", "Cat", "Dan", "Eve"])
    ]
    estate.put("call_recordings", "Master.csv", "".join(cdr(*c) for c in callers))
    datasets = list(estate.data_map.datasets.values())
    assert "+441908000000" in not_a_person_values(estate.data_map)
    estate.ingest("call_recordings")
    build_subjects(estate.conn, datasets, SECRET, not_a_person_values(estate.data_map))
    linked = estate.query(
        "select record_key, subject_key from core.subject_records where record_key like '1.%'"
    )
    assert linked == []  # the switchboard makes no one a person
    people = estate.query(
        "select count(distinct subject_key) as n from core.subject_records "
        "where record_key like '2.%'"
    )
    assert people == [{"n": 1}]  # the office line does merge them: hence the warning

    identity = estate.data_map.identity.model_copy(
        update={"shared_warning_records": 4, "shared_warning_names": 3}
    )
    warnings = shared_identifier_warnings(
        estate.conn, estate.data_map.model_copy(update={"identity": identity})
    )
    where = Path(estate.data_map.directory) / "identity.yaml"  # the map the audit read
    assert warnings == [
        "+447700900777 links 5 records under 5 different names: probably shared (an office "
        f"line or mailbox); list it under not_a_person in {where} if it is no one person's"
    ]
