"""The house (DESIGN 9): import directions between the packages of pipelines/, from the code."""

from __future__ import annotations

import ast
from pathlib import Path

PIPELINES = Path(__file__).resolve().parents[1] / "pipelines"


def _imports(path: Path) -> set[str]:
    """Every module the file imports, at any depth (function-level imports included)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules(under: str) -> dict[str, set[str]]:
    root = PIPELINES / under
    files = [root] if root.suffix == ".py" else sorted(root.rglob("*.py"))
    return {str(f.relative_to(PIPELINES)): _imports(f) for f in files}


def _offending(under: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{module} imports {name}"
        for module, names in _modules(under).items()
        for name in sorted(names)
        if name.startswith(forbidden)
    ]


def test_nothing_imports_the_dagster_wiring_or_the_cli() -> None:
    offending = [
        f"{module} imports {name}"
        for module, names in _modules(".").items()
        if not module.startswith(("defs/", "definitions.py", "cli.py"))
        for name in names
        if name.startswith(("pipelines.defs", "pipelines.cli", "pipelines.definitions"))
    ]
    assert not offending


def test_the_data_map_detectors_and_warehouse_import_neither_dagster_nor_gx() -> None:
    forbidden = ("dagster", "great_expectations")
    for under in ("datamap", "detectors", "warehouse.py", "audit.py", "steps.py"):
        assert not _offending(under, forbidden), under


def test_the_data_map_imports_nothing_of_the_audit() -> None:
    assert not [
        line
        for line in _offending("datamap", ("pipelines.",))
        if not line.endswith(("pipelines.datamap", "pipelines.countries"))
        and ".datamap." not in line.split(" imports ")[1]
    ]


def test_great_expectations_lives_in_one_module() -> None:
    users = [
        module
        for module, names in _modules(".").items()
        if any(name.startswith("great_expectations") for name in names)
    ]
    assert users == ["rules/gx_duckdb.py"]


def test_earlier_layers_never_import_later_ones() -> None:
    later = {
        "ingest": (
            "pipelines.staging",
            "pipelines.rules",
            "pipelines.reporting",
            "pipelines.lookup",
        ),
        "staging": ("pipelines.rules", "pipelines.reporting", "pipelines.lookup"),
        "rules": ("pipelines.reporting", "pipelines.lookup", "pipelines.steps"),
    }
    for layer, forbidden in later.items():
        assert not _offending(layer, forbidden), layer
