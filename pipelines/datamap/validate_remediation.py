"""Checks of remediation.yaml against the datasets and systems it names (rule ids are checked
against the catalogue when it is loaded, rules/catalogue.py)."""

from __future__ import annotations

from pathlib import Path

from pipelines.datamap.models import DataMap
from pipelines.datamap.problems import Problem

FIX_DATASET = "name a file in data_map/datasets/"


def check_remediation(data_map: DataMap, path: Path) -> list[Problem]:
    file, plan = str(path), data_map.remediation
    problems = []
    for rule_id, action in plan.rules.items():
        for name in (*action.datasets, *action.except_datasets):
            if name not in data_map.datasets:
                problems.append(
                    Problem(file, f"remediation.rules.{rule_id}", f"unknown dataset '{name}'",
                            FIX_DATASET)
                )  # fmt: skip
    for dataset, source in plan.targets.items():
        if dataset not in data_map.datasets:
            problems.append(
                Problem(file, f"remediation.targets.{dataset}", "unknown dataset", FIX_DATASET)
            )
        else:
            problems += _column_source(data_map, [dataset], source, file,
                                       f"remediation.targets.{dataset}")  # fmt: skip
    for system_id, files in plan.layouts.items():
        key = f"remediation.layouts.{system_id}"
        if data_map.system(system_id) is None:
            problems.append(
                Problem(file, key, f"unknown system '{system_id}'", "use an id of systems.yaml")
            )
            continue
        held = [d.name for d in data_map.datasets.values() if d.system == system_id]
        names = [f.name for f in files]
        problems += [
            Problem(file, key, f"file '{n}' named twice", "give each file its own name")
            for n in sorted({n for n in names if names.count(n) > 1})
        ]
        for layout in files:
            for header, source in layout.columns.items():
                problems += _column_source(data_map, held, source, file,
                                           f"{key}.{layout.name}.{header}")  # fmt: skip
    return problems


def _column_source(
    data_map: DataMap, datasets: list[str], source: str, file: str, key: str
) -> list[Problem]:
    """`column x` (or a hash of it) must be a column of at least one of the datasets."""
    parts = source.split(" ")
    if len(parts) != 2 or not datasets:  # a system without datasets is reported elsewhere
        return []
    column = parts[1]
    if any(data_map.datasets[d].column(column) for d in datasets):
        return []
    return [
        Problem(
            file,
            key,
            f"no dataset of the system has a column '{column}'",
            f"use a canonical column name of {', '.join(datasets)}",
        )  # fmt: skip
    ]
