"""Tables the Spark engine keeps as Parquet parts (pipelines/parts.py): written where Spark
writes them, appended a part per new export file, read by DuckDB as tables, never lost.

Each staging table built by Spark is compared with the one DuckDB builds from the same raw rows:
the same rows and the same column types, whether Spark built it at once or a file at a time.
"""

from __future__ import annotations

import os

import pytest

from pipelines import parts
from pipelines.spark.rows import SparkRows
from pipelines.staging.build import build_staging
from pipelines.warehouse import connect

pytest.importorskip("pyspark")

CONTACTS = [
    {"Record ID": str(i), "Email": f"p{i}@example.com", "Create Date": f"2024-0{i}-01 10:00",
     "Last Activity Date": "2025-01-01 10:00", "Phone Number": f"07700 90012{i}",
     "Country/Region": "United Kingdom"}
    for i in range(1, 7)
]  # fmt: skip


LOG = (  # a disclosures log (staged by DuckDB in these tests)
    "Date,Recipient,Recipient Type,Purpose,Data Shared,Country,Safeguard,Records\n"
    "3/2/2026,Acme Ltd,courier,Delivery,Name,UK,,12\n"
)


@pytest.fixture(scope="module")
def spark():
    from pipelines.spark.session import spark_session

    return spark_session("local[1]")


def _kind(estate, table: str) -> str:
    [[kind]] = estate.conn.execute(
        "select table_type from information_schema.tables "
        "where table_schema = 'staging' and table_name = ?",
        [table],
    ).fetchall()
    return kind


def _contents(estate) -> tuple[list, list]:
    """staging.crm_contacts' column types and its rows, in order."""
    types = estate.conn.execute("describe staging.crm_contacts").fetchall()
    rows = estate.conn.execute(
        "select * from staging.crm_contacts order by _source_file, _row_number"
    ).fetchall()
    return [t[:2] for t in types], rows


def _files(folder) -> dict:
    return {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def test_spark_stages_into_parts_a_part_per_new_file_read_as_duckdb_builds_it(
    estate, layouts, spark, tmp_path
):
    spec = estate.spec("crm_contacts")
    engine = SparkRows(spark, tmp_path / "scratch")
    estate.put("crm_contacts", "contacts-1.csv", layouts.hubspot(CONTACTS[:4]))
    estate.load("crm_contacts")
    assert build_staging(estate.conn, spec, engine) == 4
    assert _kind(estate, "crm_contacts") == "VIEW"
    [first] = parts.parts_of(estate.conn, "staging", "crm_contacts")
    root = estate.root / "warehouse" / "w.tables"
    assert first.parent == root / "staging" / "crm_contacts"
    written = _files(first)
    assert [p for p in written if p.suffix == ".parquet"]
    assert {oct(p.stat().st_mode & 0o777) for p in written} == {"0o600"}
    folders = [root, *(p for p in root.rglob("*") if p.is_dir())]
    assert {oct(p.stat().st_mode & 0o777) for p in folders} == {"0o700"}

    # a new export file: one more part, the first one left as it was
    estate.put("crm_contacts", "contacts-2.csv", layouts.hubspot(CONTACTS[4:]))
    estate.load("crm_contacts")
    assert build_staging(estate.conn, spec, engine) == 6
    assert parts.parts_of(estate.conn, "staging", "crm_contacts")[0] == first
    assert len(parts.parts_of(estate.conn, "staging", "crm_contacts")) == 2
    assert _files(first) == written
    on_spark = _contents(estate)

    # DuckDB builds it again, as a table, from the same raw rows: the same types and rows
    assert build_staging(estate.conn, spec) == 6
    assert _kind(estate, "crm_contacts") == "BASE TABLE"
    assert parts.parts_of(estate.conn, "staging", "crm_contacts") == []
    assert _contents(estate) == on_spark
    row_number = [name for name, _ in on_spark[0]].index("_row_number")
    assert [row[row_number] for row in on_spark[1]] == [1, 2, 3, 4, 1, 2]
    assert parts.prune(estate.conn) == 2  # the parts no table lists any more
    assert not any(root.rglob("*.parquet"))

    # and Spark once more, from a DuckDB table: a rebuild into one part
    assert build_staging(estate.conn, spec, engine) == 6
    assert len(parts.parts_of(estate.conn, "staging", "crm_contacts")) == 1
    assert _contents(estate) == on_spark


def test_a_part_is_kept_while_a_warehouse_lists_it_and_a_lost_part_is_an_error(
    estate, layouts, spark, tmp_path
):
    spec = estate.spec("crm_contacts")
    engine = SparkRows(spark, tmp_path / "scratch")
    estate.put("crm_contacts", "contacts-1.csv", layouts.hubspot(CONTACTS))
    estate.load("crm_contacts")
    build_staging(estate.conn, spec, engine)
    [part] = parts.parts_of(estate.conn, "staging", "crm_contacts")
    stray = part.parent / ("0" * 32)  # a failed run's part: written, never listed
    stray.mkdir(mode=0o700)
    (stray / "part-00000.parquet").write_bytes(b"rows of a run that failed")
    assert parts.prune(estate.conn) == 1
    assert part.is_dir() and not stray.exists()

    # a read-only reader (a notebook, the look-up) reads the view as a table
    estate.conn.close()
    path = estate.root / "warehouse" / "w.duckdb"
    with connect(path, read_only=True) as reader:
        assert reader.execute("select count(*) from staging.crm_contacts").fetchall() == [(6,)]

    estate.conn = connect(path)
    for file in part.iterdir():
        os.unlink(file)
    part.rmdir()
    with pytest.raises(FileNotFoundError, match="staging.crm_contacts: 1 of its Parquet parts"):
        parts.refresh_view(estate.conn, "staging", "crm_contacts")


def test_spark_reads_a_table_kept_as_parts_from_its_parts_and_any_other_from_a_copy(
    estate, layouts, spark, tmp_path
):
    from pipelines.spark.tables import share_tables

    engine = SparkRows(spark, tmp_path / "scratch")
    for i, rows in enumerate((CONTACTS[:3], CONTACTS[3:])):
        estate.put("crm_contacts", f"contacts-{i}.csv", layouts.hubspot(rows))
        estate.load("crm_contacts")
        build_staging(estate.conn, estate.spec("crm_contacts"), engine)
    estate.put("disclosures", "log.csv", LOG)
    estate.ingest("disclosures")  # staged by DuckDB: a table
    names = ["staging.crm_contacts", "staging.disclosures"]
    keys = "select record_key, _source_file, _row_number from staging.{} order by all"
    copies = tmp_path / "copies"

    def read_by_spark() -> dict:
        share_tables(estate.conn, spark, copies, names)
        return {
            n: [tuple(r) for r in spark.sql(keys.format(n.split(".")[1])).collect()] for n in names
        }

    def read_by_duckdb() -> dict:
        return {n: estate.conn.execute(keys.format(n.split(".")[1])).fetchall() for n in names}

    by_spark = read_by_spark()
    assert by_spark == read_by_duckdb()
    assert len(by_spark["staging.crm_contacts"]) == 6
    assert not (copies / "staging" / "crm_contacts").exists()  # read from its two parts
    assert (copies / "staging" / "disclosures" / "part-0.parquet").exists()

    # staged by DuckDB now: Spark's view of its parts gives way to a copy of the table
    build_staging(estate.conn, estate.spec("crm_contacts"))
    assert read_by_spark() == by_spark
    assert (copies / "staging" / "crm_contacts" / "part-0.parquet").exists()


def test_the_text_scan_on_spark_keeps_each_datasets_values_as_parts_of_their_own(
    estate, layouts, spark, tmp_path
):
    from pipelines.staging.text_values import build_text_scan

    engine = SparkRows(spark, tmp_path / "scratch")
    noted = [dict(row, Notes=f"card 4111 1111 1111 111{i}") for i, row in enumerate(CONTACTS)]
    estate.put("crm_contacts", "contacts-1.csv", layouts.hubspot(noted))
    estate.put("disclosures", "log.csv", LOG.replace(",12\n", ",123456789012345\n"))
    for dataset in ("crm_contacts", "disclosures"):
        estate.ingest(dataset)
    values = "select dataset, record_key, column_name, value from staging._text_values"

    def scanned(data_map, engine) -> list[tuple]:
        build_text_scan(estate.conn, data_map, engine)
        return sorted(estate.conn.execute(values).fetchall())

    by_duckdb = scanned(estate.data_map, None)
    assert {row[0] for row in by_duckdb} == {"crm_contacts", "disclosures"}
    assert scanned(estate.data_map, engine) == by_duckdb
    assert parts.scopes_of(estate.conn, "staging", "_text_values") == [
        "crm_contacts",
        "disclosures",
    ]

    # a dataset gone from the data map: its values go, the others' part stays as it was
    fewer = estate.data_map.model_copy(
        update={"datasets": {"crm_contacts": estate.spec("crm_contacts")}}
    )
    before = parts.parts_of(estate.conn, "staging", "_text_values")
    assert scanned(fewer, engine) == [r for r in by_duckdb if r[0] == "crm_contacts"]
    assert parts.scopes_of(estate.conn, "staging", "_text_values") == ["crm_contacts"]
    [left] = parts.parts_of(estate.conn, "staging", "_text_values")
    assert left in before

    # and back to DuckDB: a table again, the same values
    assert scanned(estate.data_map, None) == by_duckdb
    assert not parts.is_parts(estate.conn, "staging", "_text_values")
