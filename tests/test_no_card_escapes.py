"""No full card number leaves its source: every output of a run is scanned for the estate's PANs."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb
import pytest
from conftest import pdf_text

from pipelines.cli import main
from pipelines.sample import generate_estate

REPO = Path(__file__).resolve().parents[1]
RUN = re.compile(r"[0-9](?:[ -]?[0-9])*")


def _luhn(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        value = int(char) * (2 if i % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _card_numbers(root: Path) -> set[str]:
    """Every 13-19 digit, Luhn-valid run in the exports (cards and look-alikes alike)."""
    found = set()
    for path in root.rglob("*"):
        if path.is_file() and path.name != "ground_truth.csv":
            for run in RUN.findall(path.read_bytes().decode("utf-8", errors="replace")):
                digits = re.sub(r"[ -]", "", run)
                if 13 <= len(digits) <= 19 and _luhn(digits):
                    found.add(digits)
    return found


def _texts_of_tables(db: Path) -> list[tuple[str, str]]:
    texts = []
    with duckdb.connect(str(db), read_only=True) as conn:
        tables = conn.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema not in ('raw', 'staging')"
        ).fetchall()
        for schema, table in tables:
            rows = conn.execute(f'select * from "{schema}"."{table}"').fetchall()
            texts.append((f"{schema}.{table}", " ".join(map(str, rows))))
    return texts


def _texts_of_reports(folder: Path) -> list[tuple[str, str]]:
    import openpyxl

    texts = []
    for path in folder.rglob("*"):
        if path.suffix in (".html", ".csv", ".json"):
            texts.append((str(path), path.read_text(encoding="utf-8", errors="replace")))
        elif path.suffix == ".parquet":
            rows = duckdb.sql(f"select * from read_parquet('{path}')").fetchall()
            texts.append((str(path), " ".join(map(str, rows))))
        elif path.suffix == ".xlsx":
            book = openpyxl.load_workbook(path, read_only=True)
            cells = [
                str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row
            ]
            texts.append((str(path), " ".join(cells)))
        elif path.suffix == ".pdf":
            texts.append((str(path), pdf_text(path)))
    return texts


def test_no_output_holds_a_full_card_number(
    tmp_path: Path, monkeypatch, capsys, chromium: str
) -> None:
    monkeypatch.setenv("PRIVACY_AUDIT_KEY_FILE", str(tmp_path / "key"))
    exports = tmp_path / "exports"
    generate_estate(exports, 300, 21, date(2026, 11, 1))
    cards = _card_numbers(exports)
    assert len(cards) >= 5  # the planted PANs are there to be found
    db, reports = tmp_path / "w.duckdb", tmp_path / "reports"
    assert (
        main(
            [
                "run",
                "--exports",
                str(exports),
                "--db",
                str(db),
                "--reports",
                str(reports),
                "--data-map",
                str(REPO / "data_map"),
                "--as-of",
                "2026-11-01",
            ]
        )
        == 0
    )
    log = capsys.readouterr()
    texts = [*_texts_of_tables(db), *_texts_of_reports(reports), ("log", log.out + log.err)]
    if not any(path.endswith(".pdf") for path, _ in texts):
        pytest.fail("no PDF was made: is chromium installed?")
    for where, text in texts:
        digits_only = re.sub(r"[ -]", "", text)
        leaked = sorted(card for card in cards if card in digits_only)
        assert not leaked, f"{where} holds card numbers ending {[c[-4:] for c in leaked]}"
