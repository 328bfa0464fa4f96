"""The analysts' notebooks run top to bottom against an audited warehouse, read-only.

Each notebook is executed in memory (a copy: nothing is written back to notebooks/) by the venv's
"python3" kernel, pointed at a small audited estate through the PRIVACY_AUDIT_* variables.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path

import duckdb
import nbformat
import pytest
from conftest import audit_settings
from nbclient import NotebookClient

from pipelines.audit import run_audit
from pipelines.reporting.masking import short_subject
from pipelines.sample import generate_estate
from pipelines.settings import Settings

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
NAMES = ("01_data_map_explorer", "02_findings_deep_dive", "03_subject_lookup")
AS_OF = date(2026, 11, 1)
PLOTLY = "application/vnd.plotly.v1+json"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
E164 = re.compile(r"\+\d{8,15}")
HOSTILE = "<img src=x onerror=alert(1)>"


def add_hostile_disclosure(log: Path) -> None:
    """A disclosure to a recipient named like an HTML attack, in the log's own layout."""
    header = log.read_text(encoding="cp1252").splitlines()[0].split(",")
    row = ["01/10/2026", HOSTILE, "courier", "Delivery", "name", "United Kingdom", "UK GDPR", "1"]
    row += ["x"] * (len(header) - len(row))
    with log.open("a", encoding="cp1252", newline="") as handle:
        handle.write(",".join(row) + "\r\n")


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    tmp = tmp_path_factory.mktemp("notebooks")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("PRIVACY_AUDIT_SECRET", raising=False)
        generate_estate(tmp / "exports", 300, 1, AS_OF)
        add_hostile_disclosure(tmp / "exports" / "disclosures" / "third_party_disclosures_log.csv")
        settings = audit_settings(tmp, AS_OF, db="warehouse/w.duckdb")
        run_audit(settings)
    return settings


def query(settings: Settings, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(settings.db_path), read_only=True) as conn:
        return conn.execute(sql, params or []).fetchall()


def state(settings: Settings) -> tuple:
    """The warehouse file's content hash and mtime, and what its folder holds."""
    path = settings.db_path
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return digest, path.stat().st_mtime_ns, sorted(p.name for p in path.parent.iterdir())


def execute(
    name: str, settings: Settings, monkeypatch, tmp_path: Path, parameters: str = ""
) -> tuple[nbformat.NotebookNode, str]:
    """Run a copy of the notebook (parameters injected after its parameters cell, as papermill
    does); check it left the warehouse and notebooks/ as they were; return it and its outputs."""
    monkeypatch.setenv("PRIVACY_AUDIT_DB_PATH", str(settings.db_path))
    monkeypatch.setenv("PRIVACY_AUDIT_DATA_MAP_DIR", str(settings.data_map_dir))
    monkeypatch.setenv("PRIVACY_AUDIT_EXPECTATIONS_DIR", str(settings.expectations_dir))
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")  # no __pycache__ in notebooks/
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    if parameters:
        at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
        nb.cells.insert(at + 1, nbformat.v4.new_code_cell(parameters))
    before, listing = state(settings), sorted(p.name for p in NOTEBOOKS.iterdir())
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=120,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()
    nbformat.write(nb, tmp_path / f"{name}.ipynb")  # the executed copy, for a look when it fails
    assert state(settings) == before, "a notebook changed the warehouse"
    assert sorted(p.name for p in NOTEBOOKS.iterdir()) == listing
    return nb, outputs_text(nb)


def outputs_text(nb: nbformat.NotebookNode) -> str:
    """Every output's text: streams, plain text, HTML tables and chart data (not plotly.js)."""
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            data = output.get("data", {})
            parts.append(data.get("text/plain", ""))
            if PLOTLY in data:
                parts.append(str(data[PLOTLY]))
            elif "window.PlotlyConfig" not in data.get("text/html", ""):
                parts.append(data.get("text/html", ""))
    return "\n".join(parts)


def charts(nb: nbformat.NotebookNode) -> int:
    return sum(PLOTLY in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))


def leaked(settings: Settings, text: str) -> set[str]:
    """Emails and phones of the estate's people that appear in full in the text."""
    identifiers = {
        value for (value,) in query(settings, "select value from core.subject_identifiers")
    }
    return identifiers & (set(EMAIL.findall(text)) | set(E164.findall(text)))


def test_committed_notebooks_have_no_outputs() -> None:
    for name in NAMES:
        nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
        nbformat.validate(nb)
        assert nb.metadata.kernelspec.name == "python3"
        code = [cell for cell in nb.cells if cell.cell_type == "code"]
        for cell in code:
            assert cell.outputs == [], f"{name}: a cell has outputs"
            assert cell.execution_count is None, f"{name}: a cell has an execution count"
        first = code[0]
        assert "parameters" in first.metadata.get("tags", [])
        for variable in ("DB_PATH", "DATA_MAP_DIR", "EXPECTATIONS_DIR"):
            assert f'os.environ.get("PRIVACY_AUDIT_{variable}"' in first.source
        source = "\n".join(cell.source for cell in code)
        assert "nbhelpers.open_warehouse(DB)" in source  # connect(DB, read_only=True)
        assert "notebook_connected" not in source  # charts must work offline


def test_data_map_explorer(audited: Settings, monkeypatch, tmp_path: Path) -> None:
    nb, text = execute("01_data_map_explorer", audited, monkeypatch, tmp_path)
    for name in ("crm", "ordering", "telephony", "email_marketing", "live_chat", "privacy_office"):
        assert name in text
    for dataset in ("crm_contacts", "orders", "call_recordings", "marketing_members"):
        assert dataset in text
    assert "user.contact.email" in text and "legitimate interests" in text
    assert "2025-11-01" in text  # call recordings: 12 months before the as-of date
    assert "Pure Chat" in text and "UK IDTA" in text
    staged = query(audited, "select count(*) from staging.crm_contacts")[0][0]
    assert str(staged) in text
    assert charts(nb) >= 2
    assert not leaked(audited, text)


def test_findings_deep_dive(audited: Settings, monkeypatch, tmp_path: Path) -> None:
    nb, text = execute("02_findings_deep_dive", audited, monkeypatch, tmp_path)
    (run_id, total), *_ = query(
        audited,
        "select run_id, count(*) from audit.findings group by run_id order by run_id desc",
    )
    assert run_id in text
    assert f"{total} findings in" in text
    top = query(
        audited,
        "select rule_id from audit.findings where run_id = ? group by rule_id "
        "order by count(*) desc, rule_id limit 1",
        [run_id],
    )[0][0]
    assert f"{top} in " in text  # the drill-down of the rule with most findings ran
    assert charts(nb) >= 3  # per rule, trend, age
    assert not leaked(audited, text)


def test_findings_deep_dive_filters(audited: Settings, monkeypatch, tmp_path: Path) -> None:
    filters = 'RULES = ["RET-CALLS", "SEC-PAN"]\nSYSTEMS = ["telephony"]\nDRILL_RULE = "RET-CALLS"'
    _, text = execute("02_findings_deep_dive", audited, monkeypatch, tmp_path, filters)
    found, rules = query(
        audited,
        "select count(*), count(distinct rule_id) from audit.findings "
        "where rule_id in ('RET-CALLS', 'SEC-PAN') and dataset = 'call_recordings'",
    )[0]
    assert found > 0
    assert f"{found} findings in {rules} rules" in text
    assert "RET-CALLS in call_recordings" in text


def test_subject_lookup(audited: Settings, monkeypatch, tmp_path: Path) -> None:
    _, text = execute("03_subject_lookup", audited, monkeypatch, tmp_path)
    subject_key, datasets = query(
        audited,
        "select subject_key, datasets from core.subjects where len(emails) > 0 "
        "order by len(datasets) desc, records desc, subject_key limit 1",
    )[0]
    assert len(datasets) >= 3
    assert short_subject(subject_key) in text
    for dataset in datasets:
        assert dataset in text
    assert "An erasure for" in text
    assert not leaked(audited, text)  # masked by default


def test_subject_lookup_by_phone_in_full(audited: Settings, monkeypatch, tmp_path: Path) -> None:
    subject_key, phone, email = query(
        audited,
        "select subject_key, phones[1], emails[1] from core.subjects "
        "where len(datasets) >= 2 and len(emails) = 1 and phones[1] like '+447%' "
        "order by subject_key limit 1",
    )[0]
    national = f"0{phone[3:7]} {phone[7:]}"  # as a person writes it: 07xxx xxxxxx
    parameters = f"LOOKUP = {national!r}\nSHOW_PERSONAL_DATA = True"
    _, text = execute("03_subject_lookup", audited, monkeypatch, tmp_path, parameters)
    assert f"looking up phone {phone}" in text
    assert short_subject(subject_key) in text
    assert email in text  # shown in full when asked to


def test_subject_lookup_unknown_person(audited: Settings, monkeypatch, tmp_path: Path) -> None:
    parameters = 'LOOKUP = "  Nobody@Example.invalid "'
    _, text = execute("03_subject_lookup", audited, monkeypatch, tmp_path, parameters)
    assert "No audited export holds this identifier" in text
    assert "covers 0 records" in text


def test_hostile_values_are_inert_text_in_rendered_tables(
    audited: Settings, monkeypatch, tmp_path: Path
) -> None:
    nb, _ = execute(
        "02_findings_deep_dive",
        audited,
        monkeypatch,
        tmp_path,
        'DRILL_RULE = "TPD-UNAPPROVED"\nDRILL_ROWS = 1000',
    )
    html = "\n".join(
        o.get("data", {}).get("text/html", "") for c in nb.cells for o in c.get("outputs", [])
    )
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # shown, as text
    assert HOSTILE not in html
