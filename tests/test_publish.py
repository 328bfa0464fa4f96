"""An audit builds a copy of the warehouse and publishes it whole: readers are never blocked."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest
from conftest import audit_settings

from pipelines import steps
from pipelines.audit import run_audit
from pipelines.cli import main
from pipelines.publish import audit_lock, start_building
from pipelines.sample import generate_estate
from pipelines.settings import Settings

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.delenv("PRIVACY_AUDIT_SECRET", raising=False)
    generate_estate(tmp_path / "exports", 150, 9, date(2026, 11, 1))
    return audit_settings(tmp_path, db="w/wh.duckdb")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _runs(db: Path) -> int:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as conn:
        return conn.execute("select count(*) from audit.runs").fetchall()[0][0]


def test_a_reader_keeps_reading_while_an_audit_runs(settings: Settings) -> None:
    run_audit(settings)
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        import time, duckdb
        conn = duckdb.connect({str(settings.db_path)!r}, read_only=True)
        deadline = time.monotonic() + 8
        reads = 0
        while time.monotonic() < deadline:
            assert conn.execute("select count(*) from audit.runs").fetchall()[0][0] == 1
            assert conn.execute("select count(*) from staging.orders").fetchall()[0][0] > 0
            reads += 1
            time.sleep(0.05)
        print(reads)
    """),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    run_audit(settings.with_(as_of=date(2026, 11, 8)))  # runs while the reader reads
    out, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, err
    assert int(out) > 10
    assert _runs(settings.db_path) == 2  # a new reader sees the published audit
    assert settings.db_path.stat().st_mode & 0o777 == 0o600  # the warehouse is owner-only
    assert settings.key_file.stat().st_mode & 0o777 == 0o600


def test_a_failed_audit_leaves_the_last_good_warehouse(settings: Settings, monkeypatch) -> None:
    run_audit(settings)
    before = _digest(settings.db_path)

    def fail_half_way(*args, **kwargs):
        raise RuntimeError("disk full (simulated)")

    monkeypatch.setattr(steps, "record_findings", fail_half_way)
    with pytest.raises(RuntimeError, match="simulated"):
        run_audit(settings.with_(as_of=date(2026, 11, 8)))
    assert _digest(settings.db_path) == before
    assert sorted(p.name for p in settings.db_path.parent.iterdir()) == [
        "wh.duckdb",
        "wh.duckdb.lock",
        "wh.raw",  # the raw files, shared by name with working copies (test_raw_files.py)
    ]
    monkeypatch.undo()
    run_audit(settings.with_(as_of=date(2026, 11, 8)))
    assert _runs(settings.db_path) == 2


def test_a_killed_audit_leaves_nothing_in_the_way(settings: Settings) -> None:
    run_audit(settings)
    before = _digest(settings.db_path)
    # what a killed audit leaves: a half-written copy and its write-ahead log
    (settings.db_path.parent / "wh.building.duckdb").write_bytes(b"half written")
    (settings.db_path.parent / "wh.building.duckdb.wal").write_bytes(b"junk")
    assert _digest(settings.db_path) == before
    run_audit(settings.with_(as_of=date(2026, 11, 8)))
    assert _runs(settings.db_path) == 2
    assert not (settings.db_path.parent / "wh.building.duckdb").exists()


def test_a_second_audit_is_refused_while_one_runs(settings: Settings, monkeypatch, capsys) -> None:
    monkeypatch.setenv("PRIVACY_AUDIT_KEY_FILE", str(settings.key_file))
    args = [
        "run",
        "--exports",
        str(settings.exports_dir),
        "--db",
        str(settings.db_path),
        "--data-map",
        str(settings.data_map_dir),
        "--reports",
        str(settings.reports_dir),
        "--as-of",
        "2026-11-01",
    ]
    with audit_lock(settings.db_path):
        assert main(args) == 1
    assert "already running" in capsys.readouterr().err
    assert not settings.db_path.exists()
    assert main(args) == 0  # once the first audit is over


@pytest.mark.parametrize("kernel_copy", [True, False])
def test_the_working_copy_is_the_published_warehouse_byte_for_byte(
    tmp_path: Path, monkeypatch, kernel_copy: bool
) -> None:
    published = tmp_path / "w.duckdb"
    content = bytes(range(256)) * 40_000 + b"tail"  # not a multiple of any buffer
    published.write_bytes(content)
    if not kernel_copy:  # a file system without copy_file_range: the plain copy takes over

        def unsupported(*args):
            raise OSError(95, "Operation not supported")

        monkeypatch.setattr(os, "copy_file_range", unsupported)
    work = start_building(published)
    assert hashlib.sha256(work.read_bytes()).digest() == hashlib.sha256(content).digest()
    assert work.stat().st_mode & 0o777 == 0o600
