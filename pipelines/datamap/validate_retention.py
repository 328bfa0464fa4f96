"""Checks of retention.yaml, cookies.yaml and decisions.yaml against the datasets they name."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from pipelines.datamap.models import DataMap, DatasetSpec
from pipelines.datamap.problems import Problem, check_timezone

TIMES = ("timestamp", "date")
FIX_DATASET = "name a file in data_map/datasets/"


def check_retention(data_map: DataMap, path: Path) -> list[Problem]:
    file = str(path)
    clauses = {c.id for c in data_map.policy.clauses}
    problems = check_timezone(file, "retention.timezone", data_map.retention.timezone)
    problems += [
        Problem(file, "retention.rules", f"id '{i}' is used twice", "give each row its own id")
        for i, n in Counter(r.id for r in data_map.retention.rules).items()
        if n > 1
    ]
    for row in data_map.retention.rules:
        key = f"retention.rules.{row.id}"
        spec = data_map.datasets.get(row.dataset)
        if spec is None:
            problems.append(
                Problem(file, f"{key}.dataset", f"unknown dataset '{row.dataset}'", FIX_DATASET)
            )
            continue
        for start in row.starts:
            problems += _column(
                data_map, spec, start.dataset, start.column, TIMES, file, key, "starts"
            )
        if (applies := row.applies_to) is not None:
            for other in (applies.with_records_in, applies.without_records_in):
                if other and other not in data_map.datasets:
                    problems.append(
                        Problem(
                            file, f"{key}.applies_to", f"unknown dataset '{other}'", FIX_DATASET
                        )
                    )
            if applies.column:
                problems += _column(
                    data_map, spec, None, applies.column, (), file, key, "applies_to"
                )
        if (exempt := row.exempt_when) is not None:
            kinds = TIMES if exempt.within else ("boolean",)
            problems += _column(
                data_map, spec, None, exempt.column, kinds, file, key, "exempt_when"
            )
        problems += [
            Problem(
                file,
                f"{key}.clauses",
                f"unknown policy clause '{c}'",
                "use a clause id from policy.yaml",
            )
            for c in row.clauses
            if c not in clauses
        ]
    return problems


def _column(
    data_map: DataMap,
    spec: DatasetSpec,
    dataset: str | None,
    column: str,
    kinds: tuple[str, ...],
    file: str,
    key: str,
    field: str,
) -> list[Problem]:
    """The column must be declared in its dataset (and be of one of `kinds`, if given)."""
    target = data_map.datasets.get(dataset) if dataset else spec
    if target is None:
        return [Problem(file, f"{key}.{field}", f"unknown dataset '{dataset}'", FIX_DATASET)]
    declared = target.column(column)
    if declared is None:
        return [
            Problem(
                file,
                f"{key}.{field}",
                f"column '{column}' is not declared in dataset '{target.name}'",
                f"declare it in datasets/{target.name}.yaml or correct the name",
            )
        ]
    if kinds and declared.type not in kinds:
        return [
            Problem(
                file,
                f"{key}.{field}",
                f"column '{target.name}.{column}' is {declared.type}, not {' or '.join(kinds)}",
                "name a column of that type",
            )
        ]
    return []


def check_cookies(data_map: DataMap, path: Path) -> list[Problem]:
    return [
        Problem(str(path), "cookies", f"cookie '{name}' is listed twice", "keep one entry")
        for name, n in Counter(c.name for c in data_map.cookies).items()
        if n > 1
    ]


def check_decisions(data_map: DataMap, path: Path) -> list[Problem]:
    """A decision about one finding must name a dataset of the data map (rule ids are checked
    against the catalogue when it is loaded)."""
    return [
        Problem(str(path), f"decisions[{i}].dataset", f"unknown dataset '{d.dataset}'", FIX_DATASET)
        for i, d in enumerate(data_map.decisions)
        if d.dataset and d.dataset not in data_map.datasets
    ]
