"""privacy-audit end to end on a small generated estate: exit codes, summary, reconciliation."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.cli import main
from pipelines.sample import DATASETS

REPO_MAP = Path(__file__).resolve().parents[1] / "data_map"
AS_OF = "2026-11-01"


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every path of the audit inside tmp_path."""
    monkeypatch.setenv("PRIVACY_AUDIT_KEY_FILE", str(tmp_path / "secrets" / "key"))
    monkeypatch.setenv("PRIVACY_AUDIT_DATA_MAP_DIR", str(REPO_MAP))
    monkeypatch.setenv("PRIVACY_AUDIT_DB_PATH", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("PRIVACY_AUDIT_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("PRIVACY_AUDIT_EXPORTS_DIR", str(tmp_path / "exports"))
    monkeypatch.delenv("PRIVACY_AUDIT_SECRET", raising=False)
    return tmp_path


def test_generate_then_run_reconciles_every_file(workspace: Path, capsys) -> None:
    exports = workspace / "exports"
    assert (
        main(
            [
                "generate",
                "--contacts",
                "300",
                "--seed",
                "7",
                "--as-of",
                AS_OF,
                "--out",
                str(exports),
            ]
        )
        == 0
    )
    generated = capsys.readouterr().out
    assert "crm_contacts" in generated and "300" in generated

    assert main(["run", "--as-of", AS_OF]) == 0
    summary = capsys.readouterr().out
    for dataset in DATASETS:
        assert dataset in summary
    assert "subjects:" in summary

    with duckdb.connect(str(workspace / "warehouse.duckdb"), read_only=True) as conn:
        loads = conn.execute(
            "select source_file, rows_read, rows_loaded, rows_rejected, status from raw._loads"
        ).fetchall()
        crm = conn.execute("select count(*) from staging.crm_contacts").fetchall()[0][0]
        subjects = conn.execute("select count(*) from core.subjects").fetchall()[0][0]
    assert len(loads) >= 10  # mailchimp's three files, at least one per other dataset
    for name, read, loaded, rejected, status in loads:
        assert status == "loaded", name
        assert read == loaded + rejected, name
        assert rejected == 0, name  # the generator writes only readable rows
    assert crm == 300
    # guest checkouts and unknown callers add people; shared identifiers must not merge everyone
    assert 250 <= subjects <= 600


def test_second_run_reads_nothing_again(workspace: Path, capsys) -> None:
    exports = workspace / "exports"
    main(["generate", "--contacts", "100", "--seed", "3", "--as-of", AS_OF, "--out", str(exports)])
    assert main(["run", "--as-of", AS_OF]) == 0
    assert main(["run", "--as-of", AS_OF]) == 0
    with duckdb.connect(str(workspace / "warehouse.duckdb"), read_only=True) as conn:
        duplicates = conn.execute(
            "select count(*) - count(distinct record_id) from staging.crm_contacts"
        ).fetchall()[0][0]
        loads = conn.execute(
            "select count(*), count(distinct source_file) from raw._loads"
        ).fetchall()[0]
    assert duplicates == 0
    assert loads[0] == loads[1]


def test_invalid_data_map_exits_2_naming_file_and_key(workspace: Path, capsys) -> None:
    broken = workspace / "data_map"
    shutil.copytree(REPO_MAP, broken)
    path = broken / "datasets" / "orders.yaml"
    path.write_text(path.read_text().replace("user.contact.email", "user.contact.emial", 1))
    assert main(["run", "--data-map", str(broken), "--as-of", AS_OF]) == 2
    message = capsys.readouterr().err
    assert "orders.yaml" in message
    assert "dataset.columns.email.category" in message
    assert "user.contact.email" in message  # the suggested fix
    assert not (workspace / "warehouse.duckdb").exists()  # nothing touched before the map is valid


def test_validate_map_reports_the_default_map_valid(workspace: Path, capsys) -> None:
    assert main(["validate-map"]) == 0
    assert "valid (12 datasets" in capsys.readouterr().out


def test_bad_as_of_is_refused(workspace: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--as-of", "01/11/2026"])
    assert exit_info.value.code == 2
    assert "is not a date" in capsys.readouterr().err


def test_an_erroring_rule_fails_the_audit(workspace: Path, capsys) -> None:
    main(
        [
            "generate",
            "--contacts",
            "50",
            "--seed",
            "5",
            "--as-of",
            AS_OF,
            "--out",
            str(workspace / "exports"),
        ]
    )
    suites = workspace / "expectations"
    shutil.copytree(REPO_MAP.parent / "expectations", suites)
    path = suites / "retention.yaml"
    text = path.read_text()
    # a column that does not exist is caught before any data is touched (exit 2, see
    # validate-map); a rule that fails on the data itself (a conversion) fails the audit
    path.write_text(
        text.replace("and c.recording_file is not null", "and c.no_such_column is not null")
    )
    assert main(["run", "--as-of", AS_OF, "--expectations", str(suites)]) == 2
    assert "rule RET-CALLS reads column 'no_such_column'" in capsys.readouterr().err
    path.write_text(
        text.replace(
            "and c.recording_file is not null",
            "and cast(c.unique_id as integer) > 0 and c.recording_file is not null",
        )
    )
    assert main(["run", "--as-of", AS_OF, "--expectations", str(suites)]) == 1
    message = capsys.readouterr().err
    assert "RET-CALLS" in message and "Conversion Error" in message
    # neither a pass nor findings: nothing is published, and no half-built copy is left
    assert not (workspace / "warehouse.duckdb").exists()
    assert not (workspace / "warehouse.building.duckdb").exists()


def test_run_without_exports_fails_and_writes_no_report(tmp_path: Path, capsys) -> None:
    (tmp_path / "exports" / "crm_contacts").mkdir(parents=True)  # a folder, but no export in it
    code = main(
        [
            "run",
            "--exports",
            str(tmp_path / "exports"),
            "--db",
            str(tmp_path / "warehouse" / "w.duckdb"),
            "--reports",
            str(tmp_path / "reports"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith(f"privacy-audit: no exports found in {tmp_path / 'exports'} for any")
    assert "crm_contacts/*.csv" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "reports").exists() and not (tmp_path / "warehouse").exists()
    assert not list((tmp_path / "exports").rglob("*.csv"))  # nothing generated either


def test_validate_map_names_every_column_a_rule_reads_that_the_map_lacks(
    tmp_path: Path, capsys
) -> None:
    broken = tmp_path / "data_map"
    shutil.copytree(REPO_MAP, broken)
    calls = broken / "datasets" / "call_recordings.yaml"
    text = calls.read_text()
    text = "\n".join(
        line for line in text.splitlines() if "name: disposition," not in line
    ).replace("name: recording_file,", "name: recording,")
    calls.write_text(text + "\n")
    plan = broken / "remediation.yaml"  # renamed there too: only the rules still read it
    plan.write_text(plan.read_text().replace("column recording_file", "column recording"))
    assert main(["validate-map", "--data-map", str(broken)]) == 2
    err = capsys.readouterr().err
    for rule in ("RET-CALLS", "CON-CALL-NOTICE"):
        for column in ("disposition", "recording_file"):
            assert (
                f"rules.{rule}.sql: rule {rule} reads column '{column}' of staging.call_recordings"
                in err
            ), (rule, column)
    assert "Traceback" not in err and "Binder Error" not in err
    # run refuses the same map before touching any data
    exports = tmp_path / "exports" / "crm_contacts"
    exports.mkdir(parents=True)
    (exports / "c.csv").write_text('"Record ID"\n"1"\n')
    code = main(
        ["run", "--data-map", str(broken), "--exports", str(tmp_path / "exports"),
         "--db", str(tmp_path / "w" / "w.duckdb"), "--reports", str(tmp_path / "r")]
    )  # fmt: skip
    assert code == 2 and not (tmp_path / "w").exists()
