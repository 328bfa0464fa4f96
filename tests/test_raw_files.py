"""raw.<dataset> is a view over one owner-only Parquet file per loaded export file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from conftest import audit_settings

from pipelines import steps
from pipelines.audit import run_audit
from pipelines.ingest import raw_files


def _contacts(layouts, *ids: int, extra: str = "") -> str:
    """A HubSpot export of the given record ids; `extra` adds a column the layout lacks."""
    text = layouts.hubspot(
        [
            {
                "Record ID": i,
                "Email": f"ann{i}@example.com",
                "Create Date": "2024-01-02 10:00",
                "Last Activity Date": "2024-02-03 11:00",
            }
            for i in ids
        ]
    )
    if extra:
        head, *rows = text.splitlines()
        text = "\n".join([f'{head},"{extra}"'] + [f'{row},"red"' for row in rows]) + "\n"
    return text


def _parquet(folder: Path) -> set[str]:
    return {p.name for p in folder.glob("*/*.parquet")}


def test_each_loaded_file_is_one_private_parquet_file_behind_the_view(estate, layouts) -> None:
    estate.put("crm_contacts", "a.csv", _contacts(layouts, 1, 2))
    estate.put("crm_contacts", "b.csv", _contacts(layouts, 3))
    estate.put("crm_contacts", "copy-of-a.csv", _contacts(layouts, 1, 2))  # a duplicate
    estate.load("crm_contacts")
    folder = raw_files.raw_folder(estate.conn)
    assert folder == estate.root / "warehouse" / "w.raw"
    files = sorted(folder.glob("crm_contacts/*.parquet"))
    assert len(files) == 2  # the duplicate is not stored again
    assert folder.stat().st_mode & 0o777 == 0o700
    assert {p.stat().st_mode & 0o777 for p in files} == {0o600}
    rows = estate.conn.execute(
        'select _source_file, _row_number, "Record ID", "Email" from raw.crm_contacts order by 1, 2'
    ).fetchall()
    assert rows == [
        ("crm_contacts/a.csv", 1, "1", "ann1@example.com"),
        ("crm_contacts/a.csv", 2, "2", "ann2@example.com"),
        ("crm_contacts/b.csv", 1, "3", "ann3@example.com"),
    ]
    kind = estate.conn.execute(
        "select table_type from information_schema.tables "
        "where table_schema = 'raw' and table_name = 'crm_contacts'"
    ).fetchall()
    assert kind == [("VIEW",)]


def test_a_changed_file_replaces_its_rows_and_a_file_with_new_columns_widens_the_view(
    estate, layouts
) -> None:
    estate.put("crm_contacts", "a.csv", _contacts(layouts, 1, 2))
    estate.load("crm_contacts")
    estate.put("crm_contacts", "a.csv", _contacts(layouts, 7))
    estate.put("crm_contacts", "b.csv", _contacts(layouts, 8, extra="Favourite Colour"))
    estate.load("crm_contacts")
    rows = estate.conn.execute(
        'select _source_file, "Record ID", "Favourite Colour" from raw.crm_contacts order by 1'
    ).fetchall()
    assert rows == [("crm_contacts/a.csv", "7", None), ("crm_contacts/b.csv", "8", "red")]
    loaded = estate.conn.execute(
        "select source_file, rows_loaded from raw._loads where dataset = 'crm_contacts' order by 1"
    ).fetchall()
    assert loaded == [("crm_contacts/a.csv", 1), ("crm_contacts/b.csv", 1)]


def test_a_warehouse_with_raw_as_a_table_is_read_again(estate, layouts) -> None:
    estate.put("crm_contacts", "a.csv", _contacts(layouts, 1, 2))
    estate.load("crm_contacts")
    # what a warehouse written before raw files holds: a table, and a load that looks current
    estate.conn.execute("drop view raw.crm_contacts")
    estate.conn.execute(
        "create table raw.crm_contacts as select * from "
        "(values ('crm_contacts/a.csv', 1, 'stale')) t(_source_file, _row_number, \"Record ID\")"
    )
    estate.load("crm_contacts")
    rows = estate.conn.execute('select "Record ID" from raw.crm_contacts order by 1').fetchall()
    assert rows == [("1",), ("2",)]


def test_files_no_longer_loaded_go_when_the_next_audit_starts(
    tmp_path: Path, layouts, monkeypatch
) -> None:
    settings = audit_settings(tmp_path, db="w/wh.duckdb")
    contacts = settings.exports_dir / "crm_contacts"
    contacts.mkdir(parents=True)
    (contacts / "a.csv").write_text(_contacts(layouts, 1, 2))
    run_audit(settings)
    folder = tmp_path / "w" / "wh.raw"
    first = _parquet(folder)
    assert len(first) == 1

    # a failed audit of a changed export: its new raw file is written, the warehouse kept
    (contacts / "a.csv").write_text(_contacts(layouts, 3))
    monkeypatch.setattr(steps, "record_findings", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        run_audit(settings.with_(as_of=date(2026, 11, 8)))
    assert len(_parquet(folder)) == 2
    with duckdb.connect(str(settings.db_path), read_only=True) as conn:  # still reads its rows
        assert conn.execute('select "Record ID" from raw.crm_contacts').fetchall() == [
            ("1",),
            ("2",),
        ]
    monkeypatch.undo()

    run_audit(settings.with_(as_of=date(2026, 11, 8)))  # prunes the failed run's file first
    both = _parquet(folder)
    assert len(both) == 2 and first < both  # a reader of the last warehouse may still read it
    with duckdb.connect(str(settings.db_path), read_only=True) as conn:
        assert conn.execute('select "Record ID" from raw.crm_contacts').fetchall() == [("3",)]

    run_audit(settings.with_(as_of=date(2026, 11, 15)))
    assert _parquet(folder) == both - first
