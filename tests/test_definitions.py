"""The Dagster code location loads, and its audit job builds what `privacy-audit run` builds."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest
from conftest import RULES, audit_settings

from pipelines.audit import run_audit
from pipelines.defs import build_definitions
from pipelines.defs.resources import AuditResource
from pipelines.sample import DATASETS, generate_estate
from pipelines.settings import Settings

REPO_MAP = Path(__file__).resolve().parents[1] / "data_map"


def _settings(tmp_path: Path, db: str) -> Settings:
    return audit_settings(tmp_path, db=db)


def test_definitions_load_with_assets_per_layer(tmp_path: Path) -> None:
    defs = build_definitions(_settings(tmp_path, "a.duckdb"))
    graph = defs.resolve_asset_graph()
    groups = {key.to_user_string(): graph.get(key).group_name for key in graph.get_all_asset_keys()}
    for name in DATASETS:
        assert groups[f"raw_{name}"] == "ingest"
        assert groups[f"staging_{name}"] == "staging"
    assert groups["subjects"] == "subjects"
    assert groups["rule_inputs"] == groups["findings"] == "audit"
    assert groups["reports"] == "reports"
    assert groups["warehouse_copy"] == "ingest"
    assert len(groups) == 2 * len(DATASETS) + 5
    assert defs.resolve_job_def("audit").executor_def is dg.in_process_executor


def test_project_code_location_module_loads() -> None:
    from pipelines import definitions

    assert isinstance(definitions.defs, dg.Definitions)


def test_dagster_job_and_cli_build_identical_tables(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("PRIVACY_AUDIT_SECRET", raising=False)
    generate_estate(tmp_path / "exports", 150, 11, _settings(tmp_path, "x").as_of)
    run_audit(_settings(tmp_path, "cli.duckdb"))
    result = (
        build_definitions(_settings(tmp_path, "dagster.duckdb"))
        .resolve_job_def("audit")
        .execute_in_process()
    )
    assert result.success
    published = tmp_path / "dagster.duckdb"
    assert published.exists() and published.stat().st_mode & 0o777 == 0o600
    assert not (tmp_path / "dagster.building.duckdb").exists()  # built in a copy, then published
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "subjects" in materialized and "raw_orders" in materialized

    with duckdb.connect(str(tmp_path / "cli.duckdb"), read_only=True) as conn:
        conn.execute(f"attach '{tmp_path / 'dagster.duckdb'}' as other (read_only)")
        conn.execute(
            "create temp view findings as select rule_id, dataset, record_key, "
            "subject_key, detail from audit.findings"
        )
        conn.execute(
            "create temp view other_findings as select rule_id, dataset, record_key, "
            "subject_key, detail from other.audit.findings"
        )
        tables = [f"staging.{name}" for name in DATASETS] + [
            "core.subjects",
            "core.subject_records",
        ]
        for table in tables:
            assert conn.execute(f"select count(*) from {table}").fetchall()[0][0] > 0, table
            differing = conn.execute(
                f"select count(*) from ((select * from {table} except all "
                f"select * from other.{table}) union all (select * from other.{table} "
                f"except all select * from {table}))"
            ).fetchall()[0][0]
            assert differing == 0, table
        differing = conn.execute(
            "select count(*) from ((select * from findings except all select * from "
            "other_findings) union all (select * from other_findings except all "
            "select * from findings))"
        ).fetchall()[0][0]
        assert differing == 0
        checks = {
            e.asset_check_key.name: e.passed
            for e in (
                r.event_specific_data
                for r in result.all_events
                if r.event_type_value == "ASSET_CHECK_EVALUATION"
            )
        }
        assert len(checks) == len(RULES)

    cli, dagster = _run_row(tmp_path / "cli.duckdb"), _run_row(published)
    assert cli == dagster  # the same run record, apart from ids and times
    assert set(cli["seconds"]) >= {"ingest", "staging", "subjects", "gx", "findings"}


TIMES = {"run_id", "started_at", "finished_at", "loaded_at", "generated_at"}


def _without_times(value: object) -> object:
    """The value with run ids, times and durations taken out, at any depth."""
    if isinstance(value, dict):
        return {k: _without_times(v) for k, v in value.items() if k not in TIMES}
    if isinstance(value, list):
        return [_without_times(v) for v in value]
    return value


def _run_row(db: Path) -> dict:
    import json

    with duckdb.connect(str(db), read_only=True) as conn:
        cursor = conn.execute("select * from audit.runs")
        names = [d[0] for d in cursor.description]
        (row,) = cursor.fetchall()
    record = dict(zip(names, row, strict=True))
    for name in ("findings_by_rule", "rows_by_dataset", "manifest", "seconds"):
        record[name] = json.loads(record[name])
    record["seconds"] = {step: 0 for step in record["seconds"]}  # which stages, not how long
    return _without_times(record)


@pytest.mark.parametrize("asset", ["raw_orders", "staging_orders"])
def test_assets_have_descriptions(tmp_path: Path, asset: str) -> None:
    graph = build_definitions(_settings(tmp_path, "a.duckdb")).resolve_asset_graph()
    assert graph.get(dg.AssetKey(asset)).description


def test_a_dagster_run_and_a_cli_audit_exclude_each_other(tmp_path: Path) -> None:
    from pipelines.publish import AuditRunning, audit_lock

    settings = _settings(tmp_path, "w.duckdb")
    generate_estate(tmp_path / "exports", 60, 12, settings.as_of)
    run_audit(settings)
    before = settings.db_path.read_bytes()
    job = build_definitions(settings).resolve_job_def("audit")

    with audit_lock(settings.db_path):  # a CLI audit is running
        result = job.execute_in_process(raise_on_error=False)
    assert not result.success
    failure = " ".join(
        str(getattr(e.event_specific_data, "error", "")) for e in result.all_events if e.is_failure
    )
    assert "an audit is already running" in failure
    assert settings.db_path.read_bytes() == before  # nothing damaged

    seen: list[str] = []

    @dg.op
    def meanwhile(audit: AuditResource) -> None:  # while a Dagster run holds the run
        try:
            run_audit(settings)
        except AuditRunning as error:
            seen.append(str(error))

    dg.GraphDefinition("g", node_defs=[meanwhile]).to_job(
        resource_defs={"audit": build_definitions(settings).resources["audit"]}
    ).execute_in_process()
    assert seen and "an audit is already running" in seen[0]
    assert settings.db_path.read_bytes() == before
