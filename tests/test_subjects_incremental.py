"""Incremental identity resolution: after new files, only the people they touch are resolved
again, and the core tables equal what resolving everyone from scratch gives."""

from __future__ import annotations

import pytest

from pipelines.staging import subjects
from pipelines.staging.subjects import build_subjects

SECRET = b"incremental-test-secret"
LONDON = {"Last Activity Date": "2024-01-10 10:00", "Create Date": "2024-01-01 09:00"}
SENDS = "campaign_id,campaign_title,email,sent_at"
CORE = {
    "subject_identifiers": "kind, value, subject_key",
    "subject_records": "dataset, record_key, subject_key",
    "subjects": "subject_key, emails, phones, datasets, records",
}


def contact(record_id: str, email: str, phone: str = "") -> dict:
    return {"Record ID": record_id, "Email": email, "Phone Number": phone, **LONDON}


def line(order: str, email: str, phone: str = "") -> dict:
    created = "2024-02-01 10:00:00 +0000"
    return {"Name": order, "Email": email, "Phone": phone, "Created at": created}


def resolve(estate, datasets) -> None:
    for dataset in datasets:
        estate.ingest(dataset)
    build_subjects(estate.conn, list(estate.data_map.datasets.values()), SECRET)


def core(estate) -> dict[str, list[tuple]]:
    return {
        table: sorted(estate.conn.execute(f"select {cols} from core.{table}").fetchall(), key=str)
        for table, cols in CORE.items()
    }


def from_scratch(estate) -> dict[str, list[tuple]]:
    """Forget what was resolved and resolve everyone again."""
    estate.conn.execute("delete from staging._built where target = 'subjects'")
    build_subjects(estate.conn, list(estate.data_map.datasets.values()), SECRET)
    return core(estate)


@pytest.fixture
def base(estate, layouts):
    """A (email and phone), B (email), C (email and phone), an order of D's with two lines, and
    a marketing send to E."""
    estate.put(
        "crm_contacts",
        "contacts.csv",
        layouts.hubspot(
            [
                contact("10000000001", "a@x.com", "07700 900001"),
                contact("10000000002", "b@x.com"),
                contact("10000000003", "c@x.com", "07700 900003"),
            ]
        ),
    )
    estate.put(
        "orders",
        "orders_export_1.csv",
        layouts.shopify([line("#1", "d@x.com"), line("#1", "d@x.com"), line("#2", "e2@x.com")]),
    )
    estate.put(
        "marketing_sends",
        "sends.csv",
        layouts.csv(SENDS, [["c1", "Spring", "e@x.com", "2024-03-01T09:00:00Z"]]),
    )
    resolve(estate, ["crm_contacts", "orders", "marketing_sends"])
    return estate


def test_new_files_touch_only_their_people_and_equal_a_full_resolution(base, layouts, monkeypatch):
    before = core(base)
    assert len(before["subjects"]) == 6
    base.put(  # links B to C's phone: B and C become one person
        "crm_contacts",
        "more/contacts-2.csv",
        layouts.hubspot([contact("10000000009", "b@x.com", "07700 900003")]),
    )
    base.put(  # a third line of order #1, a phone and no email: D gains it
        "orders",
        "more/orders_export_2.csv",
        layouts.shopify([line("#1", "", "07700 900004")]),
    )
    base.put(  # A again, and a new person F
        "marketing_sends",
        "more/sends-2.csv",
        layouts.csv(
            SENDS,
            [
                ["c2", "Summer", "A@x.com", "2024-06-01T09:00:00Z"],
                ["c2", "Summer", "f@x.com", "2024-06-01T09:00:00Z"],
            ],
        ),
    )

    def no_full(*args, **kwargs):
        raise AssertionError("resolved everyone again after new files only")

    monkeypatch.setattr(subjects, "_build", no_full)
    resolve(base, ["crm_contacts", "orders", "marketing_sends"])
    monkeypatch.undo()
    after = core(base)

    assert after == from_scratch(base)
    people = {tuple(s[1]): (tuple(s[2]), s[4]) for s in after["subjects"]}
    assert people[("b@x.com", "c@x.com")] == (("+447700900003",), 3)
    assert people[("d@x.com",)] == (("+447700900004",), 1)  # one record, #1, with three lines
    assert people[("a@x.com",)] == (("+447700900001",), 2)
    assert ("f@x.com",) in people
    untouched = [s for s in before["subjects"] if s[1] in (["e@x.com"], ["e2@x.com"])]
    assert untouched and all(s in after["subjects"] for s in untouched)


def test_a_changed_file_resolves_everyone_again(base, layouts, monkeypatch):
    base.put(
        "crm_contacts",
        "contacts.csv",
        layouts.hubspot([contact("10000000001", "a@x.com", "07700 900003")]),
    )
    monkeypatch.setattr(subjects, "_update", lambda *a: pytest.fail("updated after a change"))
    resolve(base, ["crm_contacts"])
    monkeypatch.undo()

    after = core(base)
    assert after == from_scratch(base)
    emails = {tuple(s[1]): tuple(s[2]) for s in after["subjects"]}
    assert emails[("a@x.com",)] == ("+447700900003",)  # A's record now has C's old phone
    assert ("b@x.com",) not in emails and ("c@x.com",) not in emails  # their records are gone


def test_nothing_new_changes_nothing(base, monkeypatch):
    before = core(base)
    monkeypatch.setattr(subjects, "_build", lambda *a: pytest.fail("rebuilt"))
    monkeypatch.setattr(subjects, "_update", lambda *a: pytest.fail("updated"))
    build_subjects(base.conn, list(base.data_map.datasets.values()), SECRET)
    assert core(base) == before


def test_another_secret_resolves_everyone_again(base):
    before = core(base)
    build_subjects(base.conn, list(base.data_map.datasets.values()), b"another secret")
    after = core(base)
    assert sorted(s[1] for s in before["subjects"]) == sorted(s[1] for s in after["subjects"])
    assert {s[0] for s in before["subjects"]}.isdisjoint({s[0] for s in after["subjects"]})
