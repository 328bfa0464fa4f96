"""Export files found, hashed and read by Spark (pipelines/spark/ingest.py) load exactly as a
DuckDB audit loads them: the same files picked, the same rows and row numbers, the same rejects,
duplicates, skipped files and conversion notes, and `read = loaded + rejected` for each file.

The exports are the hand-written vendor fixtures plus the awkward cases a folder holds: a file
in a subfolder, a byte copy of another file, a name starting with `_` (which Spark's own file
sources would skip without a word), names holding `[]{}` (which they take as a pattern), an
editor's lock file, a file lacking a required column.
Spark reads them through a `file:` URI, the path any Hadoop file system takes. Then one file
changes and one goes, and both engines bring the warehouse in line alike.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import REPO, audit_settings

from pipelines.audit import NoExports, run_audit
from pipelines.ingest.load import load_dataset
from pipelines.spark.ingest import SparkExports, exports_uri

VENDOR = REPO / "tests" / "fixtures" / "vendor" / "exports"
LOADS = (
    "select source_file, size_bytes, sha256, spec_digest, status, message, rows_read, "
    "rows_loaded, rows_rejected, gap from raw._loads order by all"
)
REJECTS = "select _source_file, _row_number, _raw_line, _reason from raw.{t} order by all"


@pytest.fixture(scope="module")
def spark():
    from pipelines.spark.session import spark_session

    return spark_session("local[2]")


def _awkward_exports(exports: Path) -> None:
    shutil.copytree(VENDOR, exports)
    contacts = exports / "crm_contacts"
    first = contacts / "hubspot-crm-exports-all-contacts-2026-10-31.csv"
    (contacts / "2026").mkdir()
    shutil.copy(first, contacts / "2026" / "copy-of-all-contacts.csv")  # a duplicate, nested
    shutil.copy(first, contacts / "_contacts-underscored.csv")  # another duplicate
    (contacts / ".~lock.contacts.csv#").write_text("an editor's lock file\n")
    orders = exports / "orders"
    (orders / "_orders_export_9.csv").write_text(
        "Name,Email,Created at\n#9001,new.buyer@example.com,2026-10-01 10:00:00 +0100\n"
    )
    (orders / "orders_export_short.csv").write_text("Name,Notes\n#9002,no email column\n")
    for i, name in enumerate(
        ["orders export [2].csv", "orders{3}.csv", "commandes-été.csv", "x%20y.csv"]
    ):
        # names Spark's sources would take as a pattern, or might decode
        row = f"#{9100 + i},buyer{i}@example.com,2026-10-0{i + 1} 10:00:00 +0100"
        (orders / name).write_text(f"Name,Email,Created at\n{row}\n")
    (orders / "_archive").mkdir()  # a folder Spark's sources would skip
    shutil.copy(orders / "orders_export_1.csv", orders / "_archive" / "orders_export_0.csv")


def _state(conn, dataset: str) -> dict[str, list]:
    state = {
        "loads": conn.execute(
            LOADS.replace("order by", f"where dataset = '{dataset}' order by")
        ).fetchall()
    }
    tables = {
        t
        for (t,) in conn.execute(
            "select table_name from duckdb_tables() where schema_name = 'raw'"
        ).fetchall()
    }
    if f"{dataset}__rejects" in tables:
        state["rejects"] = conn.execute(REJECTS.format(t=f'"{dataset}__rejects"')).fetchall()
    if "_quality" in tables:
        state["quality"] = conn.execute(
            "select * from raw._quality where dataset = ? order by all", [dataset]
        ).fetchall()
    views = conn.execute(
        "select count(*) from duckdb_views() where schema_name = 'raw' and view_name = ?", [dataset]
    ).fetchall()[0][0]
    if views:
        state["rows"] = conn.execute(
            f'select * exclude (_loaded_at) from raw."{dataset}" order by _source_file, _row_number'
        ).fetchall()
    return state


def _load_all(duck, on_spark, spark, exports: Path) -> dict[str, tuple]:
    states = {}
    for name, spec in duck.data_map.datasets.items():
        local = load_dataset(duck.conn, spec, exports)
        remote = load_dataset(
            on_spark.conn,
            spec,
            exports,
            exports=SparkExports(spark, exports_uri(exports), exports.parent / "spark"),
        )
        assert [vars(f) for f in local.files] == [vars(f) for f in remote.files], name
        assert local.missing == remote.missing.replace(exports_uri(exports), str(exports)), name
        states[name] = (_state(duck.conn, name), _state(on_spark.conn, name))
    return states


def test_spark_reads_every_export_file_as_duckdb_does(spark, make_estate, data_map, tmp_path):
    exports = tmp_path / "exports"
    _awkward_exports(exports)
    duck, on_spark = make_estate(data_map, "duckdb"), make_estate(data_map, "spark")
    states = _load_all(duck, on_spark, spark, exports)
    for name, (local, remote) in states.items():
        assert local == remote, name
    contacts = {row[0]: row[4] for row in states["crm_contacts"][1]["loads"]}
    # three files of one content: the first by name is loaded, the others are its duplicates
    assert contacts["crm_contacts/2026/copy-of-all-contacts.csv"] == "loaded"
    assert contacts["crm_contacts/_contacts-underscored.csv"] == "duplicate"
    assert contacts["crm_contacts/hubspot-crm-exports-all-contacts-2026-10-31.csv"] == "duplicate"
    assert not any(".~lock" in name for name in contacts)
    orders = {row[0]: row for row in states["orders"][1]["loads"]}
    assert orders["orders/_orders_export_9.csv"][4] == "loaded"
    assert orders["orders/orders_export_short.csv"][4] == "skipped"
    assert orders["orders/_archive/orders_export_0.csv"][4] == "loaded"  # read from a copy
    assert orders["orders/orders_export_1.csv"][4] == "duplicate"  # of the archived one
    for name in ["orders export [2].csv", "orders{3}.csv", "commandes-été.csv", "x%20y.csv"]:
        assert orders[f"orders/{name}"][4:8] == ("loaded", "", 1, 1), name
    assert not (tmp_path / "spark" / "_exports").exists()  # the copies Spark read are gone
    assert any(state[1].get("rejects") for state in states.values())  # the fixtures have rejects
    for name, (_, remote) in states.items():  # each file reconciles on Spark
        for row in remote["loads"]:
            assert row[6] == row[7] + row[8], (name, row[0])
    assert len(states["orders"][1]["rows"]) > 2

    # a file changes, one goes; the rest are left alone on both engines
    changed = exports / "orders" / "_orders_export_9.csv"
    changed.write_text(
        changed.read_text() + "#9003,later.buyer@example.com,2026-10-02 10:00:00 +0100\n"
    )
    (exports / "crm_contacts" / "2026" / "copy-of-all-contacts.csv").unlink()
    again = _load_all(duck, on_spark, spark, exports)
    for name, (local, remote) in again.items():
        assert local == remote, name
    orders = {row[0]: row for row in again["orders"][1]["loads"]}
    assert orders["orders/_orders_export_9.csv"][6] == 2
    assert orders["orders/orders_export_1.csv"][4] == "duplicate"
    contacts = {row[0]: row[4] for row in again["crm_contacts"][1]["loads"]}
    # the loaded copy went: the next by name (one Spark reads from a copy of its own) is loaded
    assert contacts["crm_contacts/_contacts-underscored.csv"] == "loaded"
    assert contacts["crm_contacts/hubspot-crm-exports-all-contacts-2026-10-31.csv"] == "duplicate"
    assert "crm_contacts/2026/copy-of-all-contacts.csv" not in contacts


def test_exports_at_a_uri_are_read_by_the_spark_engine_only(tmp_path):
    with pytest.raises(ValueError, match="Spark engine only"):
        audit_settings(tmp_path).with_(exports_uri=(tmp_path / "exports").as_uri())


def test_a_uri_holding_no_export_is_refused_by_name(spark, tmp_path):
    (tmp_path / "empty-share" / "orders").mkdir(parents=True)
    uri = (tmp_path / "empty-share").as_uri()
    settings = audit_settings(tmp_path).with_(engine="spark", exports_uri=uri)
    with pytest.raises(NoExports, match="empty-share"):
        run_audit(settings)
    assert not settings.db_path.exists()


def test_a_file_spark_leaves_unread_stops_the_load(
    spark, make_estate, data_map, tmp_path, monkeypatch
):
    exports = tmp_path / "exports"
    shutil.copytree(VENDOR, exports)
    listed = SparkExports._frame

    def skipping_the_first(self, locations):  # as Spark's sources skip some names unasked
        return listed(self, locations[1:])

    monkeypatch.setattr(SparkExports, "_frame", skipping_the_first)
    estate = make_estate(data_map, "spark")
    with pytest.raises(RuntimeError, match="did not read 1 export file"):
        load_dataset(
            estate.conn,
            estate.spec("orders"),
            exports,
            exports=SparkExports(spark, exports, tmp_path / "spark"),
        )
    assert estate.loads("orders") == []  # nothing recorded of a half-read dataset
