"""Rejects, reconciliation (rows read = loaded + rejected), skipped files and incremental loads."""

from __future__ import annotations

import pytest
from conftest import RIGHTS_HEADER

SENDS = "campaign_id,campaign_title,email,sent_at"


def send(campaign: str, email: str, sent_at: str = "2024-03-01T09:00:00Z") -> list[str]:
    return [campaign, "Spring", email, sent_at]


def loads_of(estate, dataset: str) -> list[tuple]:
    return [
        (r["source_file"], r["status"], r["rows_read"], r["rows_loaded"], r["rows_rejected"])
        for r in estate.loads(dataset)
    ]


def raw_rows(estate, dataset: str, column: str) -> list[tuple]:
    return [
        (r["_source_file"], r["_row_number"], r["value"])
        for r in estate.query(
            f'select _source_file, _row_number, "{column}" as value from raw.{dataset} '
            "order by _source_file, _row_number"
        )
    ]


def test_a_bad_required_date_rejects_a_bad_optional_boolean_is_a_note(estate, layouts):
    good = {"Email": "a@example.com", "Last Activity Date": "2024-01-10 10:00"}
    good |= {"Create Date": "2024-01-01 09:00", "Unsubscribed from all email": "false"}
    estate.put(
        "crm_contacts",
        "contacts.csv",
        layouts.hubspot(
            [
                {"Record ID": "10000000001", **good, "Notes": "two\nlines"},
                {"Record ID": "10000000002", **good, "Last Activity Date": "31/02/2024 10:00"},
                {"Record ID": "10000000003", **good, "Unsubscribed from all email": "maybe"},
                {"Record ID": "10000000004", **good},
                {"Record ID": "", **good},
            ]
        ),
    )

    load = estate.ingest("crm_contacts")

    rejects = estate.rejects("crm_contacts")
    assert [(r["_row_number"], r["_reason"]) for r in rejects] == [
        (
            2,
            'Last Activity Date value "31/02/2024 10:00" is not a timestamp like '
            "%Y-%m-%d %H:%M or %m/%d/%Y %I:%M %p or %d/%m/%Y %H:%M",
        ),
        (5, "Record ID is empty (a required column)"),
    ]
    assert "10000000002" in rejects[0]["_raw_line"]
    # "Unsubscribed from all email" is neither a key nor required: its row loads, the value is
    # NULL in staging, kept in raw, and counted as a data-quality note of the file
    assert estate.staged("crm_contacts", "record_id", "unsubscribed_from_all_email") == [
        {"record_id": 10000000001, "unsubscribed_from_all_email": False},
        {"record_id": 10000000003, "unsubscribed_from_all_email": None},
        {"record_id": 10000000004, "unsubscribed_from_all_email": False},
    ]
    raw = estate.query('select "Unsubscribed from all email" as v from raw.crm_contacts')
    assert {"v": "maybe"} in raw
    [file] = load.files
    assert [(n.headers, n.count, n.first_row) for n in file.notes] == [
        ("Unsubscribed from all email", 1, 3)
    ]
    assert estate.query("select column_name, values_not_converted from raw._quality") == [
        {"column_name": "unsubscribed_from_all_email", "values_not_converted": 1}
    ]
    assert loads_of(estate, "crm_contacts") == [("crm_contacts/contacts.csv", "loaded", 5, 3, 2)]
    assert file.gap.startswith("crm_contacts/contacts.csv: 2 of its 5 rows were rejected (40%")


def test_a_bad_value_in_a_headerless_file_is_rejected_with_its_line_number(estate):
    line = (
        '"","07700900123","200","ctx","""A"" <07700900123>","c","d","Dial","x",'
        '"{start}","","2024-01-27 15:10:00",1,1,"ANSWERED",3,"{uid}","rec=a.wav;notice=played;'
        'hold={hold}","","1",1\n'
    )
    estate.put(
        "call_recordings",
        "Master.csv",
        line.format(start="2024-01-27 15:07:24", uid="u1", hold="0")
        + line.format(start="27/01/2024 15:07", uid="u2", hold="0")
        + line.format(start="2024-01-27 15:07:24", uid="u3", hold="1"),
    )

    estate.ingest("call_recordings")

    [reject] = estate.rejects("call_recordings")
    assert reject["_row_number"] == 2
    assert "start" in reject["_reason"] and "27/01/2024 15:07" in reject["_reason"]
    assert estate.staged("call_recordings", "unique_id", "legal_hold", "_row_number") == [
        {"unique_id": "u1", "legal_hold": False, "_row_number": 1},
        {"unique_id": "u3", "legal_hold": True, "_row_number": 3},
    ]


def test_ragged_rows_go_to_rejects(estate, layouts):
    estate.put(
        "marketing_sends",
        "sends.csv",
        layouts.csv(
            SENDS,
            [
                send("c1", "a@example.com"),
                ["c2", "Spring", "b@example.com"],  # one field short
                send("c3", "c@example.com"),
                send("c4", "d@example.com") + ["surplus"],  # one field too many
                send("c5", "e@example.com"),
            ],
        ),
    )

    estate.ingest("marketing_sends")

    rejects = estate.rejects("marketing_sends")
    assert [(r["_row_number"], r["_raw_line"]) for r in rejects] == [
        (2, "c2,Spring,b@example.com"),
        (4, "c4,Spring,d@example.com,2024-03-01T09:00:00Z,surplus"),
    ]
    assert rejects[0]["_reason"] == "the row has 3 fields where the layout has 4"
    assert rejects[1]["_reason"] == "the row has 5 fields where the layout has 4"
    assert estate.staged("marketing_sends", "campaign_id", "_row_number") == [
        {"campaign_id": "c1", "_row_number": 1},
        {"campaign_id": "c3", "_row_number": 3},
        {"campaign_id": "c5", "_row_number": 5},
    ]
    assert loads_of(estate, "marketing_sends") == [("marketing_sends/sends.csv", "loaded", 5, 3, 2)]


def test_row_numbers_count_records_not_lines(estate, layouts):
    """A quoted newline does not shift the data row numbers of later rows or rejects."""
    estate.put(
        "marketing_sends",
        "sends.csv",
        layouts.csv(
            SENDS,
            [
                ["c1", "Two\nlines", "a@example.com", "2024-03-01T09:00:00Z"],
                ["c2", "Spring", "b@example.com"],
                send("c3", "c@example.com", "yesterday"),
                send("c4", "d@example.com"),
            ],
        ),
    )

    estate.ingest("marketing_sends")

    assert [r["_row_number"] for r in estate.rejects("marketing_sends")] == [2, 3]
    assert estate.staged("marketing_sends", "campaign_id", "_row_number") == [
        {"campaign_id": "c1", "_row_number": 1},
        {"campaign_id": "c4", "_row_number": 4},
    ]


def test_an_unbalanced_quote_mid_file_is_rejected_not_lost(estate):
    lines = [
        SENDS,
        "c1,Spring,a@example.com,2024-03-01T09:00:00Z",
        'c2,"Spring,b@example.com,2024-03-01T09:00:00Z',
        "c3,Spring,c@example.com,2024-03-01T09:00:00Z",
        'c4,"Summer",d@example.com,2024-03-01T09:00:00Z',
        "c5,Spring,e@example.com,2024-03-01T09:00:00Z",
    ]
    estate.put("marketing_sends", "sends.csv", "\n".join(lines) + "\n")

    estate.ingest("marketing_sends")

    loaded = [r["campaign_id"] for r in estate.staged("marketing_sends", "campaign_id")]
    rejected = " ".join(r["_raw_line"] for r in estate.rejects("marketing_sends"))
    assert loaded == ["c1", "c5"]
    for campaign in ("c2", "c3", "c4"):
        assert f"{campaign}," in rejected
    assert 'c2,"Spring' in rejected
    [(_, status, read, ok, bad)] = loads_of(estate, "marketing_sends")
    assert (status, ok, bad) == ("loaded", 2, 1)
    assert read == ok + bad


def test_an_unbalanced_quote_on_the_last_rows_is_rejected_not_lost(estate):
    lines = [
        SENDS,
        "c1,Spring,a@example.com,2024-03-01T09:00:00Z",
        'c2,"Spring,b@example.com,2024-03-01T09:00:00Z',
        "c3,Spring,c@example.com,2024-03-01T09:00:00Z",
    ]
    estate.put("marketing_sends", "sends.csv", "\n".join(lines) + "\n")

    estate.load("marketing_sends")

    assert [r[2] for r in raw_rows(estate, "marketing_sends", "campaign_id")] == ["c1"]
    rejects = estate.rejects("marketing_sends")
    assert rejects and rejects[0]["_row_number"] == 2
    rejected = " ".join(r["_raw_line"] for r in rejects)
    assert "c2," in rejected and "c3," in rejected
    [(_, status, read, ok, bad)] = loads_of(estate, "marketing_sends")
    assert (status, ok, bad) == ("loaded", 1, len(rejects))
    assert read == ok + bad


def test_reconciliation_is_recorded_per_file(estate, layouts):
    estate.put(
        "marketing_sends",
        "a_clean.csv",
        layouts.csv(SENDS, [send("c1", "a@example.com"), send("c2", "b@example.com")]),
    )
    estate.put(
        "marketing_sends",
        "b_mixed.csv",
        layouts.csv(
            SENDS,
            [
                send("c3", "c@example.com"),
                send("c4", "d@example.com", "2024-13-01T09:00:00Z"),
                ["c5", "Spring"],
                send("c6", "f@example.com"),
                send("c7", "g@example.com"),
            ],
        ),
    )

    load = estate.ingest("marketing_sends")

    assert loads_of(estate, "marketing_sends") == [
        ("marketing_sends/a_clean.csv", "loaded", 2, 2, 0),
        ("marketing_sends/b_mixed.csv", "loaded", 5, 3, 2),
    ]
    assert [(f.source_file, f.rows_read, f.rows_loaded, f.rows_rejected) for f in load.files] == [
        ("marketing_sends/a_clean.csv", 2, 2, 0),
        ("marketing_sends/b_mixed.csv", 5, 3, 2),
    ]
    assert raw_rows(estate, "marketing_sends", "campaign_id") == [
        ("marketing_sends/a_clean.csv", 1, "c1"),
        ("marketing_sends/a_clean.csv", 2, "c2"),
        ("marketing_sends/b_mixed.csv", 1, "c3"),
        ("marketing_sends/b_mixed.csv", 4, "c6"),
        ("marketing_sends/b_mixed.csv", 5, "c7"),
    ]
    assert [(r["_source_file"], r["_row_number"]) for r in estate.rejects("marketing_sends")] == [
        ("marketing_sends/b_mixed.csv", 2),
        ("marketing_sends/b_mixed.csv", 3),
    ]


def test_a_file_missing_a_required_column_is_skipped(estate, layouts):
    estate.put("marketing_sends", "a_good.csv", layouts.csv(SENDS, [send("c1", "a@example.com")]))
    estate.put(
        "marketing_sends",
        "b_no_sent_at.csv",
        layouts.csv("campaign_id,campaign_title,email", [["c2", "Spring", "b@example.com"]]),
    )

    load = estate.load("marketing_sends")
    estate.stage("marketing_sends")

    [skipped] = load.skipped
    assert skipped.source_file == "marketing_sends/b_no_sent_at.csv"
    assert "marketing_sends/b_no_sent_at.csv" in skipped.message
    assert "'sent_at'" in skipped.message
    assert "campaign_id" in skipped.message  # what was found, to help spot a renamed header
    assert [(r[0], r[1]) for r in loads_of(estate, "marketing_sends")] == [
        ("marketing_sends/a_good.csv", "loaded"),
        ("marketing_sends/b_no_sent_at.csv", "skipped"),
    ]
    assert estate.loads("marketing_sends")[1]["message"] == skipped.message
    assert estate.staged("marketing_sends", "campaign_id", "_source_file") == [
        {"campaign_id": "c1", "_source_file": "marketing_sends/a_good.csv"}
    ]
    assert estate.rejects("marketing_sends") == []


def test_a_skipped_file_is_still_skipped_when_loaded_again(estate, layouts):
    estate.put("marketing_sends", "s.csv", layouts.csv("campaign_id,email", [["c", "a@x.com"]]))
    estate.load("marketing_sends")

    again = estate.load("marketing_sends")

    assert [f.status for f in again.files] == ["skipped"]
    assert "'sent_at'" in again.files[0].message


# --- incremental loading ---------------------------------------------------------------------


@pytest.fixture
def two_files(estate, layouts):
    estate.put(
        "marketing_sends",
        "a.csv",
        layouts.csv(SENDS, [send("c1", "a@example.com"), ["c2", "Spring", "b@example.com"]]),
    )
    estate.put("marketing_sends", "b.csv", layouts.csv(SENDS, [send("c3", "c@example.com")]))
    estate.load("marketing_sends")
    return estate


def test_loading_twice_does_not_duplicate(two_files, estate):
    before = estate.query("select * from raw.marketing_sends order by all")

    again = estate.load("marketing_sends")

    assert [(f.source_file, f.status, f.rows_loaded, f.rows_rejected) for f in again.files] == [
        ("marketing_sends/a.csv", "unchanged", 1, 1),
        ("marketing_sends/b.csv", "unchanged", 1, 0),
    ]
    assert estate.query("select * from raw.marketing_sends order by all") == before
    assert len(estate.rejects("marketing_sends")) == 1
    assert [r[1] for r in loads_of(estate, "marketing_sends")] == ["loaded", "loaded"]


def test_replacing_a_file_replaces_its_rows(two_files, estate, layouts):
    estate.put(
        "marketing_sends",
        "a.csv",
        layouts.csv(SENDS, [send("c8", "h@example.com"), send("c9", "i@example.com")]),
    )

    again = estate.load("marketing_sends")

    assert [(f.source_file, f.status) for f in again.files] == [
        ("marketing_sends/a.csv", "loaded"),
        ("marketing_sends/b.csv", "unchanged"),
    ]
    assert raw_rows(estate, "marketing_sends", "campaign_id") == [
        ("marketing_sends/a.csv", 1, "c8"),
        ("marketing_sends/a.csv", 2, "c9"),
        ("marketing_sends/b.csv", 1, "c3"),
    ]
    assert estate.rejects("marketing_sends") == []  # the old file's reject went with it
    assert loads_of(estate, "marketing_sends") == [
        ("marketing_sends/a.csv", "loaded", 2, 2, 0),
        ("marketing_sends/b.csv", "loaded", 1, 1, 0),
    ]


def test_deleting_a_file_removes_its_rows(two_files, estate):
    (estate.exports / "marketing_sends" / "a.csv").unlink()

    again = estate.load("marketing_sends")
    estate.stage("marketing_sends")

    assert [f.source_file for f in again.files] == ["marketing_sends/b.csv"]
    assert raw_rows(estate, "marketing_sends", "campaign_id") == [
        ("marketing_sends/b.csv", 1, "c3")
    ]
    assert estate.rejects("marketing_sends") == []
    assert [r[0] for r in loads_of(estate, "marketing_sends")] == ["marketing_sends/b.csv"]
    assert estate.staged("marketing_sends", "campaign_id") == [{"campaign_id": "c3"}]


def test_changing_the_dataset_spec_reloads(two_files, estate):
    spec = estate.spec("marketing_sends")
    sent_at = spec.column("sent_at")
    stricter = spec.model_copy(
        update={
            "columns": [
                c.model_copy(update={"formats": ["%Y-%m-%d %H:%M:%S"]}) if c is sent_at else c
                for c in spec.columns
            ]
        }
    )

    again = estate.load("marketing_sends", stricter)

    assert [(f.status, f.rows_read, f.rows_loaded, f.rows_rejected) for f in again.files] == [
        ("loaded", 2, 0, 2),
        ("loaded", 1, 0, 1),
    ]
    assert raw_rows(estate, "marketing_sends", "campaign_id") == []
    assert [(r["_source_file"], r["_row_number"]) for r in estate.rejects("marketing_sends")] == [
        ("marketing_sends/a.csv", 1),
        ("marketing_sends/a.csv", 2),
        ("marketing_sends/b.csv", 1),
    ]
    assert len(estate.loads("marketing_sends")) == 2

    back = estate.load("marketing_sends")  # and back to the original spec

    assert [f.status for f in back.files] == ["loaded", "loaded"]
    assert [r[2] for r in raw_rows(estate, "marketing_sends", "campaign_id")] == ["c1", "c3"]


# --- empty files, BOM, encodings -------------------------------------------------------------


def test_header_only_and_empty_files_load_zero_rows(estate, layouts):
    estate.put("crm_contacts", "a_header_only.csv", layouts.hubspot([]))
    estate.put("crm_contacts", "b_empty.csv", b"")
    estate.put(
        "crm_contacts",
        "c_one.csv",
        layouts.hubspot(
            [
                {
                    "Record ID": "10000000001",
                    "Email": "a@example.com",
                    "Last Activity Date": "2024-01-10 10:00",
                    "Create Date": "2024-01-01 09:00",
                }
            ]
        ),
    )

    load = estate.load("crm_contacts")
    estate.stage("crm_contacts")

    counts = {f.source_file: (f.rows_read, f.rows_loaded, f.rows_rejected) for f in load.files}
    assert counts == {
        "crm_contacts/a_header_only.csv": (0, 0, 0),
        "crm_contacts/b_empty.csv": (0, 0, 0),
        "crm_contacts/c_one.csv": (1, 1, 0),
    }
    assert load.files[0].status == "loaded"
    assert estate.staged("crm_contacts", "record_id", "_source_file") == [
        {"record_id": 10000000001, "_source_file": "crm_contacts/c_one.csv"}
    ]
    assert estate.rejects("crm_contacts") == []


def test_a_dataset_with_only_a_header_only_file_stages_an_empty_table(estate, layouts):
    estate.put("marketing_sends", "s.csv", SENDS + "\n")

    estate.ingest("marketing_sends")

    assert estate.staged("marketing_sends") == []
    assert loads_of(estate, "marketing_sends") == [("marketing_sends/s.csv", "loaded", 0, 0, 0)]


@pytest.mark.parametrize(
    ("dataset", "name"), [("call_recordings", "Master.csv"), ("chat_transcripts", "chats.jsonl")]
)
def test_an_empty_file_without_a_header_is_not_an_audit_gap(estate, dataset, name):
    estate.put(dataset, name, b"")

    load = estate.load(dataset)

    assert [(f.status, f.message, f.rows_read) for f in load.files] == [("loaded", "", 0)]


def test_a_bom_does_not_hide_the_first_header(estate, layouts):
    estate.put(
        "crm_contacts",
        "bom.csv",
        "\ufeff"
        + layouts.hubspot(
            [
                {
                    "Record ID": "10000000001",
                    "Email": "a@example.com",
                    "Last Activity Date": "2024-01-10 10:00",
                    "Create Date": "2024-01-01 09:00",
                }
            ]
        ),
    )
    estate.put("marketing_sends", "bom.csv", "\ufeff" + layouts.csv(SENDS, [send("c1", "a@x.com")]))

    estate.ingest("crm_contacts")
    estate.ingest("marketing_sends")

    assert estate.staged("crm_contacts", "record_id", "record_key") == [
        {"record_id": 10000000001, "record_key": "10000000001"}
    ]
    assert estate.staged("marketing_sends", "campaign_id", "record_key") == [
        {"campaign_id": "c1", "record_key": "c1|a@x.com"}
    ]


def test_an_undecodable_utf8_row_is_rejected_others_load(estate, layouts):
    content = (
        SENDS.encode() + b"\n"
        b"c1,Caf\xe9 offers,a@example.com,2024-03-01T09:00:00Z\n"
        b"c2,Spring,b@example.com,2024-03-01T09:00:00Z\n"
    )
    estate.put("marketing_sends", "latin1.csv", content)

    estate.ingest("marketing_sends")

    [reject] = estate.rejects("marketing_sends")
    assert reject["_row_number"] == 1
    assert reject["_reason"] == (
        "the row holds bytes the file's declared encoding does not define (field 'campaign_title')"
    )
    assert estate.staged("marketing_sends", "campaign_id") == [{"campaign_id": "c2"}]
    assert loads_of(estate, "marketing_sends") == [
        ("marketing_sends/latin1.csv", "loaded", 2, 1, 1)
    ]


def test_an_undecodable_windows_1252_row_is_rejected_others_load(estate, layouts):
    header = "Date,Recipient,Recipient Type,Purpose,Data Shared,Country,Safeguard,Records"
    content = (
        header.encode() + b"\r\n"
        b"01/02/2024,Worldpay,processor,Payment,name \x81,United Kingdom,,1\r\n"
        b"02/02/2024,Royal Mail,courier,Delivery,address,United Kingdom,,2\r\n"
    )
    estate.put("disclosures", "log.csv", content)

    estate.load("disclosures")
    estate.stage("disclosures")

    assert [r["_row_number"] for r in estate.rejects("disclosures")] == [1]
    assert estate.staged("disclosures", "recipient") == [{"recipient": "Royal Mail"}]


def test_the_same_file_dropped_twice_or_renamed_is_loaded_once(estate, layouts):
    content = layouts.csv(
        RIGHTS_HEADER,
        [
            ["RR-1", "03/02/2024", "a@example.com", "Access", "Open", "", "No", ""],
            ["RR-2", "04/02/2024", "b@example.com", "Access", "Open", "", "No", ""],
        ],
        "\r\n",
    )
    first = estate.put("rights_requests", "tracker.csv", content, "cp1252")
    copy = estate.put("rights_requests", "tracker (1).csv", content, "cp1252")
    load = estate.ingest("rights_requests")
    assert {f.source_file.split("/")[-1]: f.status for f in load.files} == {
        "tracker (1).csv": "loaded",
        "tracker.csv": "duplicate",
    }
    assert len(estate.staged("rights_requests", "ref")) == 2

    first.unlink()  # renamed: only the copy is left
    estate.ingest("rights_requests")
    assert len(estate.staged("rights_requests", "ref")) == 2

    copy.rename(copy.with_name("tracker-2024.csv"))
    estate.ingest("rights_requests")
    assert [r["ref"] for r in estate.staged("rights_requests", "ref")] == ["RR-1", "RR-2"]


def test_a_utf16_excel_export_is_detected_by_its_byte_order_mark(estate, layouts):
    content = layouts.csv(
        RIGHTS_HEADER,
        [
            ["RR-7", "03/02/2024", "zoë@example.com", "Access", "Open", "", "Yes", "Complex – £"],
        ],
        "\r\n",
    )
    estate.put("rights_requests", "tracker.csv", content.encode("utf-16"))  # BOM + UTF-16LE
    estate.ingest("rights_requests")
    rows = estate.staged("rights_requests", "ref", "requester_email", "extension_reason")
    assert rows == [
        {"ref": "RR-7", "requester_email": "zoë@example.com", "extension_reason": "Complex – £"}
    ]


def test_row_numbers_hold_in_a_file_read_in_parallel(estate):
    """A file large enough for DuckDB's parallel reader: rejects and rows keep their numbers."""
    bad = {1_234, 77_777, 150_001, 299_999}
    lines = [SENDS]
    for i in range(1, 300_001):
        if i in bad:
            lines.append(f"c{i},too few")
        elif i % 1_000 == 0:
            lines.append(f'c{i},"two\nlines",e{i}@example.com,2024-03-01T09:00:00Z')
        else:
            lines.append(f"c{i},Spring,e{i}@example.com,2024-03-01T09:00:00Z")
    estate.put("marketing_sends", "big.csv", "\n".join(lines) + "\n")

    load = estate.load("marketing_sends")

    assert [(f.rows_read, f.rows_loaded, f.rows_rejected) for f in load.files] == [
        (300_000, 299_996, 4)
    ]
    assert [r["_row_number"] for r in estate.rejects("marketing_sends")] == sorted(bad)
    misnumbered = estate.query(
        "select count(*) as n from raw.marketing_sends where campaign_id <> 'c' || _row_number"
    )
    assert misnumbered == [{"n": 0}]
