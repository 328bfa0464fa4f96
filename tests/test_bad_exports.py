"""The rest of the bad-input suite: NUL bytes, a wrong delimiter, text in a number column, very
long fields, odd file names. Each case ends in rows loaded or rejected with a reason, never a crash,
and rows read = rows loaded + rows rejected."""

from __future__ import annotations

from conftest import DISCLOSURES_HEADER, RIGHTS_HEADER


def _reconciled(estate, dataset: str) -> list[dict]:
    loads = estate.loads(dataset)
    for load in loads:
        assert load["rows_read"] == load["rows_loaded"] + load["rows_rejected"], load
    return loads


def test_nul_bytes_do_not_crash_the_load(estate, layouts) -> None:
    content = layouts.csv(
        RIGHTS_HEADER,
        [
            ["RR-1", "03/02/2024", "a@example.com", "Access", "Open", "", "No", ""],
            ["RR-2", "04/02/2024", "b@exa\x00mple.com", "Access", "Open", "", "No", "x\x00y"],
            ["RR-3", "05/02/2024", "c@example.com", "Access", "Open", "", "No", ""],
        ],
        "\r\n",
    )
    estate.put("rights_requests", "r.csv", content, "cp1252")
    estate.ingest("rights_requests")
    (load,) = _reconciled(estate, "rights_requests")
    assert load["rows_read"] == 3
    refs = {r["ref"] for r in estate.staged("rights_requests", "ref")}
    rejected = {r["_row_number"] for r in estate.rejects("rights_requests")}
    assert refs | {f"RR-{n}" for n in rejected} == {"RR-1", "RR-2", "RR-3"}


def test_a_wrong_delimiter_is_an_audit_gap_naming_the_columns(estate) -> None:
    content = (
        RIGHTS_HEADER.replace(",", ";") + "\r\nRR-1;03/02/2024;a@example.com;Access;Open;;No;\r\n"
    )
    estate.put("rights_requests", "semicolons.csv", content, "cp1252")
    load = estate.load("rights_requests")
    (skipped,) = load.skipped
    assert "semicolons.csv" in skipped.message and "'Ref'" in skipped.message


def test_text_in_a_number_column_nobody_requires_is_a_note(estate, layouts) -> None:
    rows = [
        ["01/10/2026", "Royal Mail", "courier", "Delivery", "name", "United Kingdom", "x", "12"],
        [
            "01/10/2026",
            "Royal Mail",
            "courier",
            "Delivery",
            "name",
            "United Kingdom",
            "x",
            "about forty",
        ],
    ]
    estate.put("disclosures", "d.csv", layouts.csv(DISCLOSURES_HEADER, rows, "\r\n"), "cp1252")
    [file] = estate.ingest("disclosures").files
    _reconciled(estate, "disclosures")
    assert not estate.rejects("disclosures")  # Records is not required: the row stays
    assert estate.staged("disclosures", "records", "_row_number") == [
        {"records": 12, "_row_number": 1},
        {"records": None, "_row_number": 2},
    ]
    [note] = file.notes
    assert note.sentence() == (
        "1 value of Records (first in data row 2) not an integer: kept as text in raw, "
        "empty in staging"
    )
    assert not file.gap


def test_a_very_long_field_loads_whole(estate, layouts) -> None:
    note = "x" * 2_000_000
    estate.put(
        "crm_contacts",
        "c.csv",
        layouts.hubspot(
            [
                {
                    "Record ID": "1",
                    "Email": "a@example.com",
                    "Last Activity Date": "2026-10-01 10:00",
                    "Create Date": "2020-01-01 10:00",
                    "Notes": note,
                }
            ]
        ),
    )
    estate.ingest("crm_contacts")
    (row,) = estate.staged("crm_contacts", "notes")
    assert len(row["notes"]) == 2_000_000


def test_odd_file_names_are_read_and_named_as_they_are(estate, layouts) -> None:
    rows = [["RR-9", "03/02/2024", "a@example.com", "Access", "Open", "", "No", ""]]
    name = "tracker;rm -rf ~; 'copy' (2) <b> ..csv"
    estate.put("rights_requests", name, layouts.csv(RIGHTS_HEADER, rows, "\r\n"), "cp1252")
    estate.ingest("rights_requests")
    (load,) = _reconciled(estate, "rights_requests")
    assert load["source_file"] == f"rights_requests/{name}"
    assert [r["ref"] for r in estate.staged("rights_requests", "ref")] == ["RR-9"]


def test_files_that_yield_nothing_are_audit_gaps(estate) -> None:
    estate.put("crm_contacts", "empty.csv", b"")  # a failed export: not even a header
    estate.put(  # an API dump keeping its records under another key than the data map says
        "chat_transcripts", "chats_page_1.json", '{\n "data": [{"chatId": "c1"}],\n "meta": {}\n}\n'
    )
    estate.put("chat_transcripts", "broken.jsonl", "chatId: c2\nchatId: c3\n")  # not JSON at all
    gaps = {
        f.source_file: f.gap
        for dataset in ("crm_contacts", "chat_transcripts")
        for f in estate.load(dataset).gaps
    }
    assert gaps == {
        "crm_contacts/empty.csv": "crm_contacts/empty.csv: it holds nothing to read "
        "(an empty file)",
        "chat_transcripts/chats_page_1.json": "chat_transcripts/chats_page_1.json: no records "
        "found under 'chats'; the object holds: data, meta",
        "chat_transcripts/broken.jsonl": "chat_transcripts/broken.jsonl: 2 of its 2 rows were "
        "rejected (100%, more than the 5% allowed)",
    }
