"""Each run records what it audited: file hashes that match the files, map and rule hashes."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import duckdb
from conftest import audit_settings

from pipelines.audit import run_audit
from pipelines.datamap.loader import digest
from pipelines.rules.catalogue import catalogue_digest
from pipelines.sample import generate_estate

REPO = Path(__file__).resolve().parents[1]


def test_manifest_hashes_match_the_files_and_reruns_agree(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("PRIVACY_AUDIT_SECRET", raising=False)
    exports = tmp_path / "exports"
    generate_estate(exports, 100, 6, date(2026, 11, 1))
    settings = audit_settings(tmp_path)
    first, second = run_audit(settings), run_audit(settings)
    with duckdb.connect(str(settings.db_path), read_only=True) as conn:
        manifests = [
            json.loads(m)
            for (m,) in conn.execute("select manifest from audit.runs order by run_id").fetchall()
        ]
        findings = [
            set(
                conn.execute(
                    "select rule_id, dataset, record_key, detail from audit.findings "
                    "where run_id = ?",
                    [run.run_id],
                ).fetchall()
            )
            for run in (first, second)
        ]
    manifest = manifests[0]
    assert manifest["as_of"] == "2026-11-01"
    assert manifest["data_map_sha256"] == digest(REPO / "data_map")
    assert manifest["rules_sha256"] == catalogue_digest(REPO / "expectations")
    assert manifest["code_version"] and manifest["run_by"] and manifest["host"]
    files = {f["file"]: f for f in manifest["files"]}
    on_disk = {
        p.relative_to(exports).as_posix(): p for p in exports.rglob("*.*") if p.parent != exports
    }
    assert set(files) == set(on_disk)
    for name, path in on_disk.items():
        assert files[name]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert files[name]["size_bytes"] == path.stat().st_size
        assert files[name]["rows_read"] == files[name]["rows_loaded"] + files[name]["rows_rejected"]
    # the same inputs (same hashes) give the same findings
    assert manifests[1]["files"] == manifest["files"]
    assert findings[0] == findings[1] and findings[0]
    html = (settings.reports_dir / "latest" / "report.html").read_text()
    assert manifest["data_map_sha256"] in html
    assert all(f["sha256"][:12] in html for f in manifest["files"])
