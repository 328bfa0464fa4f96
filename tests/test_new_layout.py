"""A new export layout needs a dataset YAML (and its system), no code."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import duckdb
import openpyxl
import pytest

from pipelines.datamap import load_data_map
from pipelines.staging.subjects import build_subjects

LOYALTY_SYSTEM = """\
  - id: loyalty
    name: Loyalty scheme
    vendor: CardCo
    business_function: Marketing
    owner: Marketing Manager
    location: CardCo cloud (United Kingdom)
    security_measures: Two-factor sign-in
    purposes:
      - name: Running the loyalty card scheme
        data_use: essential.service.operations.support
        lawful_basis: contract
        data_subjects: [customer]
"""

LOYALTY_MEMBERS = """\
# Loyalty card members, saved by Excel on a continental PC: semicolons, Windows-1252, UK dates.
dataset:
  name: loyalty_members
  system: loyalty
  description: Loyalty card members
  data_subjects: [customer]
  files: {pattern: "members*.csv", format: csv, delimiter: ";", encoding: cp1252}
  key: [card_number]
  columns:
    - {source: Card No, name: card_number, category: user.unique_id, required: true}
    - {source: Member Name, name: member_name, category: user.name}
    - {source: E-mail, name: email, type: email, category: user.contact.email}
    - {source: Mobile, name: mobile, type: phone, category: user.contact.phone_number}
    - {source: Joined, name: joined_on, type: date, formats: ["%d/%m/%Y"], category: system.operations, required: true}
    - {source: Last Visit, name: last_visit_at, type: timestamp, formats: ["%d/%m/%Y %H:%M"], category: user.behavior}
    - {source: Points, name: points, type: integer, category: user.behavior.purchase_history}
    - {source: Paper Statements, name: paper_statements, type: boolean, true_values: ["J"], false_values: ["N"], category: user.privacy_preferences}
"""  # noqa: E501

STORE_VISITS_XLSX = """\
dataset:
  name: store_visits
  system: loyalty
  description: Store visits logged at the till, kept in a workbook
  data_subjects: [customer]
  files: {pattern: "*.xlsx", format: xlsx, sheet: Visits}
  key: [visit_id]
  columns:
    - {source: Visit, name: visit_id, category: system.operations, required: true}
    - {source: Phone, name: phone, type: phone, category: user.contact.phone_number}
    - {source: When, name: visited_at, type: timestamp, formats: ["%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S"], category: user.behavior, required: true}
    - {source: Spend, name: spend, type: decimal, category: user.behavior.purchase_history}
"""  # noqa: E501

APP_USERS_PARQUET = """\
dataset:
  name: app_users
  system: loyalty
  description: Loyalty app accounts, exported as Parquet
  data_subjects: [customer]
  files: {pattern: "*.parquet", format: parquet}
  timezone: UTC
  key: [user_id]
  columns:
    - {source: user_id, name: user_id, type: integer, category: user.unique_id, required: true}
    - {source: email, name: email, type: email, category: user.contact.email}
    - {source: signed_up, name: signed_up_at, type: timestamp, formats: ["%Y-%m-%d %H:%M:%S"], category: system.operations}
    - {source: push_opt_in, name: push_opt_in, type: boolean, category: user.privacy_preferences}
"""  # noqa: E501


@pytest.fixture
def new_map(data_map_copy):
    with (data_map_copy / "systems.yaml").open("a", encoding="utf-8") as handle:
        handle.write(LOYALTY_SYSTEM)
    datasets = data_map_copy / "datasets"
    (datasets / "loyalty_members.yaml").write_text(LOYALTY_MEMBERS, encoding="utf-8")
    (datasets / "store_visits.yaml").write_text(STORE_VISITS_XLSX, encoding="utf-8")
    (datasets / "app_users.yaml").write_text(APP_USERS_PARQUET, encoding="utf-8")
    return load_data_map(data_map_copy)


def members_file() -> bytes:
    lines = [
        "Card No;Member Name;E-mail;Mobile;Joined;Last Visit;Points;Paper Statements",
        "LC-0001;Zoë O’Neil;Zoe.ONeil@Example.com ;07700 900123;03/02/2024;15/07/2024 18:45;1250;J",
        'LC-0002;"Smith; Al";al@example.com;+44 7700 900999;31/12/2023;;5;N',
        "LC-0003;Bad Date;bd@example.com;;31/02/2024;;0;N",
    ]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def test_the_new_datasets_load_with_the_default_ones(new_map):
    assert {"loyalty_members", "store_visits", "app_users", "crm_contacts"} <= set(new_map.datasets)
    assert new_map.system("loyalty").name == "Loyalty scheme"


def test_semicolon_windows_1252_csv(new_map, make_estate):
    estate = make_estate(new_map)
    estate.put("loyalty_members", "members_2024-08.csv", members_file())

    load = estate.ingest("loyalty_members")

    assert [(f.rows_read, f.rows_loaded, f.rows_rejected) for f in load.files] == [(3, 2, 1)]
    types = {
        r["column_name"]: r["column_type"] for r in estate.query("describe staging.loyalty_members")
    }
    assert types == {
        "card_number": "VARCHAR",
        "member_name": "VARCHAR",
        "email": "VARCHAR",
        "mobile": "VARCHAR",
        "joined_on": "DATE",
        "last_visit_at": "TIMESTAMP WITH TIME ZONE",
        "points": "BIGINT",
        "paper_statements": "BOOLEAN",
        "record_key": "VARCHAR",
        "is_anonymised": "BOOLEAN",
        "_source_file": "VARCHAR",
        "_row_number": "BIGINT",
    }
    rows = estate.staged("loyalty_members")
    for row in rows:
        del row["_source_file"]
        assert row.pop("is_anonymised") is False  # the spec says nothing of anonymisation
    assert rows == [
        {
            "card_number": "LC-0001",
            "member_name": "Zoë O’Neil",
            "email": "zoe.oneil@example.com",
            "mobile": "+447700900123",
            "joined_on": date(2024, 2, 3),
            "last_visit_at": datetime(2024, 7, 15, 17, 45, tzinfo=UTC),  # BST
            "points": 1250,
            "paper_statements": True,
            "record_key": "LC-0001",
            "_row_number": 1,
        },
        {
            "card_number": "LC-0002",
            "member_name": "Smith; Al",
            "email": "al@example.com",
            "mobile": "+447700900999",
            "joined_on": date(2023, 12, 31),
            "last_visit_at": None,
            "points": 5,
            "paper_statements": False,
            "record_key": "LC-0002",
            "_row_number": 2,
        },
    ]
    [reject] = estate.rejects("loyalty_members")
    assert reject["_row_number"] == 3
    assert "Joined" in reject["_reason"] and "31/02/2024" in reject["_reason"]


def test_xlsx_workbook(new_map, make_estate):
    estate = make_estate(new_map)
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["this sheet is not the export"])
    sheet = book.create_sheet("Visits")
    sheet.append(["Visit", "Phone", "When", "Spend"])
    sheet.append(["V-1", "07700 900123", "15/07/2024 10:00", 12.5])
    sheet.append(["V-2", None, datetime(2024, 1, 2, 9, 30), 3])
    sheet.append(["V-3", "(07700) 900555", "02/01/2024 09:30", None])
    path = estate.exports / "store_visits" / "visits.xlsx"
    path.parent.mkdir(parents=True)
    book.save(path)

    load = estate.ingest("store_visits")

    assert [(f.rows_read, f.rows_loaded, f.rows_rejected) for f in load.files] == [(3, 3, 0)]
    assert estate.staged(
        "store_visits", "visit_id", "phone", "visited_at", "spend", "record_key", "_row_number"
    ) == [
        {
            "visit_id": "V-1",
            "phone": "+447700900123",
            "visited_at": datetime(2024, 7, 15, 9, 0, tzinfo=UTC),
            "spend": Decimal("12.50"),
            "record_key": "V-1",
            "_row_number": 1,
        },
        {
            "visit_id": "V-2",
            "phone": None,
            "visited_at": datetime(2024, 1, 2, 9, 30, tzinfo=UTC),  # a real Excel date cell
            "spend": Decimal("3.00"),
            "record_key": "V-2",
            "_row_number": 2,
        },
        {
            "visit_id": "V-3",
            "phone": "+447700900555",
            "visited_at": datetime(2024, 1, 2, 9, 30, tzinfo=UTC),
            "spend": None,
            "record_key": "V-3",
            "_row_number": 3,
        },
    ]


def test_parquet_file(new_map, make_estate):
    estate = make_estate(new_map)
    path = estate.exports / "app_users" / "users.parquet"
    path.parent.mkdir(parents=True)
    writer = duckdb.connect()
    writer.execute(
        f"""
        copy (
            select * from (values
                (41, 'Zoe.ONeil@Example.com', timestamp '2024-07-15 18:45:00', true),
                (42, null, timestamp '2023-01-01 00:00:00', false)
            ) as t(user_id, email, signed_up, push_opt_in)
        ) to '{path}' (format parquet)
        """
    )
    writer.close()

    load = estate.ingest("app_users")

    assert [(f.rows_read, f.rows_loaded, f.rows_rejected) for f in load.files] == [(2, 2, 0)]
    rows = estate.query(
        "select user_id, email, signed_up_at, push_opt_in, record_key "
        "from staging.app_users order by user_id"
    )
    assert rows == [
        {
            "user_id": 41,
            "email": "zoe.oneil@example.com",
            "signed_up_at": datetime(2024, 7, 15, 18, 45, tzinfo=UTC),
            "push_opt_in": True,
            "record_key": "41",
        },
        {
            "user_id": 42,
            "email": None,
            "signed_up_at": datetime(2023, 1, 1, 0, 0, tzinfo=UTC),
            "push_opt_in": False,
            "record_key": "42",
        },
    ]


def test_a_person_in_the_new_datasets_is_the_same_subject_as_in_the_crm(
    new_map, make_estate, layouts
):
    estate = make_estate(new_map)
    estate.put(
        "crm_contacts",
        "contacts.csv",
        layouts.hubspot(
            [
                {
                    "Record ID": "10000000001",
                    "Email": "ZOE.ONEIL@example.com",
                    "Last Activity Date": "2024-01-10 10:00",
                    "Create Date": "2024-01-01 09:00",
                },
                {
                    "Record ID": "10000000002",
                    "Email": "someone.else@example.com",
                    "Phone Number": "07700 900777",
                    "Last Activity Date": "2024-01-10 10:00",
                    "Create Date": "2024-01-01 09:00",
                },
            ]
        ),
    )
    estate.put("loyalty_members", "members.csv", members_file())
    book = openpyxl.Workbook()
    book.active.title = "Visits"
    book.active.append(["Visit", "Phone", "When", "Spend"])
    book.active.append(["V-1", "0044 7700 900123", "15/07/2024 10:00", 1])  # phone only
    (estate.exports / "store_visits").mkdir()
    book.save(estate.exports / "store_visits" / "visits.xlsx")
    for dataset in ("crm_contacts", "loyalty_members", "store_visits"):
        estate.ingest(dataset)

    build_subjects(estate.conn, list(new_map.datasets.values()), b"test-secret")

    records = {
        (r["dataset"], r["record_key"]): r["subject_key"]
        for r in estate.query("select * from core.subject_records")
    }
    zoe = records[("crm_contacts", "10000000001")]
    assert records[("loyalty_members", "LC-0001")] == zoe
    assert records[("store_visits", "V-1")] == zoe
    assert records[("loyalty_members", "LC-0002")] != zoe
    assert records[("crm_contacts", "10000000002")] not in (
        zoe,
        records[("loyalty_members", "LC-0002")],
    )
    [subject] = estate.query(
        "select emails, phones, datasets, records from core.subjects where subject_key = ?", [zoe]
    )
    assert subject == {
        "emails": ["zoe.oneil@example.com"],
        "phones": ["+447700900123"],
        "datasets": ["crm_contacts", "loyalty_members", "store_visits"],
        "records": 3,
    }


SUPPORT_TICKETS_API = """\
# A help desk's REST API, dumped one page a file: records under "tickets", the requester nested.
dataset:
  name: support_tickets
  system: loyalty
  description: Help desk tickets (API dump)
  data_subjects: [customer]
  files: {pattern: "tickets_page_*.json", format: json, records_path: tickets}
  timezone: UTC
  key: [ticket_id]
  anonymised_when_empty: [requester_email, requester_name]
  columns:
    - {source: id, name: ticket_id, category: system.operations, required: true}
    - {source: created_at, name: created_at, type: timestamp, formats: ["%Y-%m-%dT%H:%M:%SZ"], category: system.operations, required: true}
    - {source: requester.email, name: requester_email, type: email, category: user.contact.email}
    - {sources: [requester.first_name, requester.last_name], name: requester_name, category: user.name}
    - {source: requester.address.country, name: country, type: country, category: user.contact.address.country}
    - {name: phone, absent: true, type: phone, category: user.contact.phone_number}
    - {source: description, name: description, category: user.content.private}
"""  # noqa: E501


def test_an_api_dump_with_nested_fields_needs_yaml_only(data_map_copy, make_estate):
    with (data_map_copy / "systems.yaml").open("a", encoding="utf-8") as handle:
        handle.write(LOYALTY_SYSTEM)
    path = data_map_copy / "datasets" / "support_tickets.yaml"
    path.write_text(SUPPORT_TICKETS_API, encoding="utf-8")
    estate = make_estate(load_data_map(data_map_copy))
    page = {
        "tickets": [
            {"id": 7, "created_at": "2026-07-01T23:30:00Z", "description": "router down",
             "requester": {"email": " Ann@Example.com", "first_name": "Ann", "last_name": "Lee",
                           "address": {"country": "U.K."}}},
            {"id": 8, "created_at": "2026-07-02T08:00:00Z", "description": "bill",
             "requester": {"email": None, "first_name": None, "last_name": None}},
        ],
        "meta": {"page": 1, "next_page_uri": None},
    }  # fmt: skip
    import json

    estate.put("support_tickets", "tickets_page_1.json", json.dumps(page, indent=2))
    load = estate.ingest("support_tickets")
    assert not load.gaps and not load.files[0].notes
    rows = estate.staged(
        "support_tickets", "ticket_id", "requester_email", "requester_name", "country", "phone",
        "is_anonymised",
    )  # fmt: skip
    assert rows == [
        {"ticket_id": "7", "requester_email": "ann@example.com", "requester_name": "Ann Lee",
         "country": "GB", "phone": None, "is_anonymised": False},
        {"ticket_id": "8", "requester_email": None, "requester_name": None, "country": None,
         "phone": None, "is_anonymised": True},
    ]  # fmt: skip
    # a misspelt source is never a silent null: the file is a gap naming the header
    path.write_text(SUPPORT_TICKETS_API.replace("requester.email", "requestor.email"))
    estate.data_map = load_data_map(data_map_copy)
    [file] = estate.load("support_tickets").files
    assert "it lacks the column(s) 'requestor.email'" in file.gap
