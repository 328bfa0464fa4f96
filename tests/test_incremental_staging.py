"""Staging follows raw file by file: new files are appended, anything else rebuilds the table."""

from __future__ import annotations

from pipelines.staging.text_values import build_text_scan

SENDS = "campaign_id,campaign_title,email,sent_at"


def sends(*rows: tuple[str, str]) -> str:
    lines = [SENDS] + [f"{c},Spring,{e},2024-03-01T09:00:00Z" for c, e in rows]
    return "\n".join(lines) + "\n"


def staged(estate) -> list[tuple]:
    return [
        (r["_source_file"], r["_row_number"], r["campaign_id"], r["email"])
        for r in estate.staged(
            "marketing_sends", "_source_file", "_row_number", "campaign_id", "email"
        )
    ]


def mark_old_rows(estate) -> None:
    """Change what staging holds for a.csv, so a rebuild (which would undo it) can be told apart."""
    estate.conn.execute(
        "update staging.marketing_sends set campaign_id = 'kept' "
        "where _source_file = 'marketing_sends/a.csv'"
    )


def test_new_files_are_appended_and_earlier_rows_are_not_converted_again(estate):
    estate.put("marketing_sends", "a.csv", sends(("c1", "A@Example.com"), ("c2", "b@example.com")))
    estate.ingest("marketing_sends")
    mark_old_rows(estate)
    estate.put("marketing_sends", "b.csv", sends(("c3", "C@example.com")))

    estate.ingest("marketing_sends")

    assert staged(estate) == [
        ("marketing_sends/a.csv", 1, "kept", "a@example.com"),
        ("marketing_sends/a.csv", 2, "kept", "b@example.com"),
        ("marketing_sends/b.csv", 1, "c3", "c@example.com"),
    ]
    assert estate.stage("marketing_sends") == 3  # nothing new: nothing appended twice
    assert len(staged(estate)) == 3


def test_a_changed_file_rebuilds_staging(estate):
    estate.put("marketing_sends", "a.csv", sends(("c1", "a@example.com"), ("c2", "b@example.com")))
    estate.put("marketing_sends", "b.csv", sends(("c3", "c@example.com")))
    estate.ingest("marketing_sends")
    mark_old_rows(estate)
    estate.put("marketing_sends", "b.csv", sends(("c4", "d@example.com")))

    estate.ingest("marketing_sends")

    assert staged(estate) == [
        ("marketing_sends/a.csv", 1, "c1", "a@example.com"),
        ("marketing_sends/a.csv", 2, "c2", "b@example.com"),
        ("marketing_sends/b.csv", 1, "c4", "d@example.com"),
    ]


def test_a_removed_file_takes_its_staged_rows_with_it(estate):
    estate.put("marketing_sends", "a.csv", sends(("c1", "a@example.com")))
    estate.put("marketing_sends", "b.csv", sends(("c3", "c@example.com")))
    estate.ingest("marketing_sends")
    (estate.exports / "marketing_sends" / "a.csv").unlink()

    estate.ingest("marketing_sends")

    assert staged(estate) == [("marketing_sends/b.csv", 1, "c3", "c@example.com")]


def test_a_new_column_in_a_new_file_rebuilds_staging(estate):
    estate.put("marketing_sends", "a.csv", sends(("c1", "a@example.com")))
    estate.ingest("marketing_sends")
    mark_old_rows(estate)
    estate.put(
        "marketing_sends",
        "b.csv",
        SENDS + ",extra\nc3,Spring,c@example.com,2024-03-01T09:00:00Z,x\n",
    )

    estate.ingest("marketing_sends")

    assert staged(estate) == [
        ("marketing_sends/a.csv", 1, "c1", "a@example.com"),
        ("marketing_sends/b.csv", 1, "c3", "c@example.com"),
    ]


def test_another_dataset_spec_rebuilds_staging(estate):
    estate.put("marketing_sends", "a.csv", sends(("c1", "A@example.com")))
    estate.ingest("marketing_sends")
    mark_old_rows(estate)
    spec = estate.spec("marketing_sends")
    email = spec.column("email")
    as_text = spec.model_copy(
        update={
            "columns": [
                c.model_copy(update={"type": "text"}) if c is email else c for c in spec.columns
            ]
        }
    )

    estate.load("marketing_sends", as_text)
    estate.stage("marketing_sends", as_text)

    assert staged(estate) == [("marketing_sends/a.csv", 1, "c1", "A@example.com")]


# --- the text scan follows the same files --------------------------------------------------------

CARD = "4111 1111 1111 1111"


def scanned(estate) -> list[tuple]:
    build_text_scan(estate.conn, estate.data_map)
    return [
        (r["_source_file"], r["column_name"], r["value"])
        for r in estate.query(
            "select _source_file, column_name, value from staging._text_values "
            "where dataset = 'marketing_sends' order by all"
        )
    ]


def test_the_text_scan_reads_only_new_files_and_redoes_a_changed_one(estate):
    estate.put("marketing_sends", "a.csv", sends((f"card {CARD}", "a@example.com")))
    estate.ingest("marketing_sends")
    assert scanned(estate) == [("marketing_sends/a.csv", "campaign_id", f"card {CARD}")]
    estate.conn.execute("update staging._text_values set value = 'kept'")
    estate.put("marketing_sends", "b.csv", sends(("c2", f"{CARD}@example.com")))
    estate.ingest("marketing_sends")

    assert scanned(estate) == [
        ("marketing_sends/a.csv", "campaign_id", "kept"),
        ("marketing_sends/b.csv", "email", f"{CARD}@example.com"),
    ]

    estate.put("marketing_sends", "a.csv", sends(("c3", "a@example.com")))  # card gone
    estate.ingest("marketing_sends")

    assert scanned(estate) == [("marketing_sends/b.csv", "email", f"{CARD}@example.com")]
