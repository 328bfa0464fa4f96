"""`dagster dev` as an operator runs it: start, list assets over GraphQL, launch the audit, stop."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path

import pytest

from pipelines.sample import generate_estate

REPO = Path(__file__).resolve().parents[1]
DAGSTER = Path(sys.executable).with_name("dagster")
DAGSTER_YAML = REPO / "pipelines" / "defs" / "dagster.yaml"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _graphql(port: int, query: str, variables: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        body = json.loads(response.read())
    assert "errors" not in body, body
    return body["data"]


def _wait_until_up(port: int, process: subprocess.Popen, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "dagster dev exited early"
        try:
            _graphql(port, "{ version }")
            return
        except OSError:
            time.sleep(1)
    raise AssertionError("dagster dev did not answer in time")


@pytest.fixture
def dagster_dev(tmp_path: Path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(DAGSTER_YAML.read_text())
    generate_estate(tmp_path / "exports", 80, 4, date(2026, 11, 1))
    env = os.environ | {
        "DAGSTER_HOME": str(home),
        "PRIVACY_AUDIT_EXPORTS_DIR": str(tmp_path / "exports"),
        "PRIVACY_AUDIT_DATA_MAP_DIR": str(REPO / "data_map"),
        "PRIVACY_AUDIT_EXPECTATIONS_DIR": str(REPO / "expectations"),
        "PRIVACY_AUDIT_DB_PATH": str(tmp_path / "w.duckdb"),
        "PRIVACY_AUDIT_REPORTS_DIR": str(tmp_path / "reports"),
        "PRIVACY_AUDIT_KEY_FILE": str(tmp_path / "key"),
        "PRIVACY_AUDIT_AS_OF": "2026-11-01",
    }
    port = _free_port()
    log = (tmp_path / "dagster.log").open("w")
    process = subprocess.Popen(
        [str(DAGSTER), "dev", "-m", "pipelines.definitions", "-h", "127.0.0.1", "-p", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_until_up(port, process)
        yield port, tmp_path
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        log.close()


LAUNCH = """
mutation Launch($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
  }
}
"""


def test_dagster_dev_lists_assets_and_runs_the_audit(dagster_dev) -> None:
    port, tmp_path = dagster_dev
    nodes = _graphql(port, "{ assetNodes { assetKey { path } groupName } }")["assetNodes"]
    groups = {node["assetKey"]["path"][-1]: node["groupName"] for node in nodes}
    assert groups["raw_crm_contacts"] == "ingest" and groups["findings"] == "audit"

    locations = _graphql(
        port, "{ workspaceOrError { ... on Workspace { locationEntries { name } } } }"
    )["workspaceOrError"]["locationEntries"]
    params = {
        "selector": {
            "repositoryLocationName": locations[0]["name"],
            "repositoryName": "__repository__",
            "jobName": "audit",
        },
        "runConfigData": {},
    }
    launched = _graphql(port, LAUNCH, {"params": params})["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    run_id = launched["run"]["runId"]

    status = ""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        status = _graphql(
            port,
            "query R($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }",
            {"id": run_id},
        )["runOrError"]["status"]
        if status in ("SUCCESS", "FAILURE", "CANCELED"):
            break
        time.sleep(2)
    assert status == "SUCCESS", (tmp_path / "dagster.log").read_text()[-3000:]
    assert (tmp_path / "w.duckdb").exists()
