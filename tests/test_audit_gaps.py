"""A file the audit cannot read is an audit gap: in the summary and the report, never fatal."""

from __future__ import annotations

from pathlib import Path

import duckdb
from conftest import RULES

from pipelines.cli import main
from pipelines.sample import generate_estate

REPO = Path(__file__).resolve().parents[1]


def test_missing_required_column_is_an_audit_gap_in_the_report(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    from datetime import date

    monkeypatch.setenv("PRIVACY_AUDIT_KEY_FILE", str(tmp_path / "key"))
    exports = tmp_path / "exports"
    generate_estate(exports, 120, 8, date(2026, 11, 1))
    (exports / "orders" / "orders_export_9.csv").write_text(  # no Name: the key
        "Email,Financial Status,Created at\na@example.com,paid,2026-06-08 23:02:14 +0100\n"
    )
    (exports / "orders" / "orders_export_8.csv").write_text(  # no Email, nor the rest
        "Name,Financial Status,Created at\n#9999,paid,2026-06-08 23:02:14 +0100\n"
    )
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
    out = capsys.readouterr().out
    assert "audit gap" in out and "orders_export_9.csv" in out and "'Name'" in out
    assert "orders/orders_export_8.csv: it lacks the column(s) 'Email'" in " ".join(out.split())
    assert "audit completed with 2 audit gaps" in out
    html = (reports / "latest" / "report.html").read_text()
    assert "Audit gap:" in html and "orders_export_9.csv" in html
    with duckdb.connect(str(db), read_only=True) as conn:
        statuses = {
            file: (status, bool(gap))
            for file, status, gap in conn.execute(
                "select source_file, status, gap from raw._loads where dataset = 'orders'"
            ).fetchall()
        }
        audited = conn.execute("select count(distinct rule_id) from audit.findings").fetchall()
    assert statuses["orders/orders_export_9.csv"] == ("skipped", True)
    assert statuses["orders/orders_export_8.csv"] == ("loaded", True)  # its rows do count
    assert statuses["orders/orders_export_1.csv"] == ("loaded", False)  # the others still count
    assert audited[0][0] == len(RULES)


def test_a_dataset_with_no_export_is_an_audit_gap(tmp_path: Path, monkeypatch, capsys) -> None:
    import shutil
    from datetime import date

    monkeypatch.setenv("PRIVACY_AUDIT_KEY_FILE", str(tmp_path / "key"))
    exports = tmp_path / "exports"
    generate_estate(exports, 60, 8, date(2026, 11, 1))
    shutil.rmtree(exports / "call_recordings")  # the PBX export never arrived
    db, reports = tmp_path / "w.duckdb", tmp_path / "reports"
    args = ["run", "--exports", str(exports), "--db", str(db), "--reports", str(reports)]
    assert main([*args, "--data-map", str(REPO / "data_map"), "--as-of", "2026-11-01"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "audit gap: call_recordings: no export found in" in out
    assert "nothing of this dataset was audited" in out
    assert "audit completed with 1 audit gap" in out
    html = (reports / "latest" / "report.html").read_text()
    assert "call_recordings: no export found in" in html
