"""Staging and the text scan on Spark convert awkward raw values exactly as DuckDB does.

These are values on which the two engines' own SQL disagrees (Spark's parser and casts against
DuckDB's strptime and casts, a London time in the hour the clocks go back), each in a vendor's
layout: the staged rows built by Spark (pipelines/spark/rows.py) must equal DuckDB's, value for
value, and the answers are checked against what the data map's words say.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from pipelines.spark.rows import SparkRows
from pipelines.staging.build import build_staging
from pipelines.staging.text_values import build_text_scan

CONTACTS = [  # (Record ID, Create Date, Phone Number, Country/Region)
    ("101", "2024-10-27 01:30", "07700 900123", "United Kingdom"),  # the hour that repeats
    ("102", "2024-03-31 01:30", "+44 20 7946 0958", "UK"),  # the hour that never was
    ("103", "10/27/2024 1:30 AM", "(020) 7946 0958", "Deutschland"),  # US form, one digit
    ("104", "2/1/2024 9:05 pm", "0049 30 901820", "Republic of Ireland"),  # lower-case pm
    ("105", "27/10/2024 01:30", "not a phone", "Narnia"),  # UK form
    ("106", "2024-2-1 9:05", "", ""),  # one-digit month, day and hour
    ("1.07E+2", "2024-02-01  10:00", "447700900124", "gb"),  # Excel's exponent; two spaces
    ("1,080", "2024-02-29 10:00", "07700 900125", "FR"),  # a thousands comma; a leap day
]
ORDERS = [  # (Name, Subtotal, Lineitem quantity, Created at, Paid at)
    ("#1", "12.345", "2", "2024-02-01 10:00:00 +0100", "2024-02-30 10:00:00 +0000"),
    ("#2", "1,234.5", "12.5", "2024-2-1 10:00:00 -05:00", "2024-02-01 10:00:00 Z"),
    ("#3", "1e3", "1_000", "2024-02-01 10:00:00 +01", "2024-02-01 10:00:00"),
    ("#4", "-0.005", "007", "2024-02-01 10:00:00  +0000", "2024-02-01T10:00:00 +0000"),
]

DISCLOSURES = [  # (Date, Country, Records): UK dates, countries as people write them
    ("3/2/2026", "U.K.", "1,200"),
    ("03/02/2026", "England", "12.5"),
    ("31/12/2025", "United States of America", "1e3"),
    ("01/01/2026", "Germany", "007"),
    ("02/01/2026", "Narnia", ""),
]
DATASETS = ("crm_contacts", "orders", "disclosures")


@pytest.fixture(scope="module")
def spark():
    from pipelines.spark.session import spark_session

    return spark_session("local[1]")


def _put(estate, layouts) -> None:
    contacts = [
        {"Record ID": rid, "Email": f"p{i}@example.com", "Create Date": created,
         "Last Activity Date": created, "Phone Number": phone, "Country/Region": country,
         "Notes": "card 4111 1111 1111 1111" if i == 0 else ""}
        for i, (rid, created, phone, country) in enumerate(CONTACTS)
    ]  # fmt: skip
    estate.put("crm_contacts", "contacts.csv", layouts.hubspot(contacts))
    orders = [
        {"Name": name, "Email": "p1@example.com", "Subtotal": subtotal,
         "Lineitem quantity": quantity, "Created at": created, "Paid at": paid}
        for name, subtotal, quantity, created, paid in ORDERS
    ]  # fmt: skip
    estate.put("orders", "orders_export_1.csv", layouts.shopify(orders))
    header = "Date,Recipient,Recipient Type,Purpose,Data Shared,Country,Safeguard,Records"
    disclosures = [
        [day, "Acme – Ltd", "courier", "Delivery", "Name", country, "", records]
        for day, country, records in DISCLOSURES
    ]
    content = layouts.csv(header, disclosures, "\r\n").encode("cp1252")
    estate.put("disclosures", "disclosures_log.csv", content)


def _staged(estate, dataset: str, engine=None) -> list[tuple]:
    """staging.<dataset> built from scratch, by DuckDB or by `engine`."""
    estate.conn.execute("drop table if exists staging._built")
    build_staging(estate.conn, estate.spec(dataset), engine)
    rows = estate.conn.execute(f"select * from staging.{dataset}").fetchall()
    return sorted(rows, key=repr)


def test_awkward_values_are_staged_by_spark_as_by_duckdb(estate, layouts, spark, tmp_path):
    _put(estate, layouts)
    for dataset in DATASETS:
        estate.load(dataset)
    engine = SparkRows(spark, tmp_path / "spark")
    for dataset in DATASETS:
        assert _staged(estate, dataset, engine) == _staged(estate, dataset), dataset
    staged = {
        row["record_id"]: row
        for row in estate.staged("crm_contacts", "record_id", "created_at", "phone")
    }
    # the repeated hour is read as GMT (the later of its two instants), the missing one as GMT
    assert staged[101]["created_at"] == datetime(2024, 10, 27, 1, 30, tzinfo=UTC)
    assert staged[102]["created_at"] == datetime(2024, 3, 31, 1, 30, tzinfo=UTC)
    assert staged[103]["created_at"] == staged[105]["created_at"] == staged[101]["created_at"]
    assert staged[104]["created_at"] == datetime(2024, 2, 1, 21, 5, tzinfo=UTC)
    assert staged[107]["created_at"] == datetime(2024, 2, 1, 10, 0, tzinfo=UTC)
    assert staged[1080]["created_at"] == datetime(2024, 2, 29, 10, 0, tzinfo=UTC)
    assert [staged[k]["phone"] for k in (101, 102, 105)] == ["+447700900123", "+442079460958", None]
    orders = {
        r["order_name"]: r
        for r in estate.staged("orders", "order_name", "subtotal", "created_at", "paid_at")
    }
    assert orders["#1"]["subtotal"] == Decimal("12.35")
    assert orders["#3"]["subtotal"] == Decimal("1000.00")
    assert orders["#2"]["created_at"] == datetime(2024, 2, 1, 15, 0, tzinfo=UTC)
    assert orders["#3"]["created_at"] == datetime(2024, 2, 1, 9, 0, tzinfo=UTC)
    assert [orders[k]["paid_at"] for k in ("#1", "#2", "#3", "#4")] == [None] * 4
    logged = estate.staged("disclosures", "disclosed_on", "country", "records")
    assert [row["country"] for row in logged] == ["GB", "GB", "US", "DE", None]
    assert [row["records"] for row in logged] == [1200, 13, 1000, 7, None]


def test_the_text_scan_on_spark_keeps_the_values_duckdb_keeps(estate, layouts, spark, tmp_path):
    _put(estate, layouts)
    for dataset in DATASETS:
        estate.ingest(dataset)
    scanned = {}
    for name, engine in (("duckdb", None), ("spark", SparkRows(spark, tmp_path / "spark"))):
        estate.conn.execute("drop table if exists staging._built")
        build_text_scan(estate.conn, estate.data_map, engine)
        scanned[name] = sorted(
            estate.conn.execute("select * from staging._text_values").fetchall(), key=repr
        )
    assert scanned["duckdb"] == scanned["spark"]
    assert ("crm_contacts", "101", "Notes") in {row[:3] for row in scanned["spark"]}
