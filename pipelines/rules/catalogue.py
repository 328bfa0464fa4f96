"""The rule catalogue: expectations/<area>.yaml suites of rules, checked against the data map."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from pipelines.datamap import DataMap, DataMapError, Problem

Severity = Literal["critical", "high", "medium", "low"]
SEVERITY_ORDER = ("critical", "high", "medium", "low")


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    title: str
    severity: Severity
    clauses: list[str]
    reads: list[str]
    dataset: str | None = None  # None: the SQL returns a dataset column (rules over every dataset)
    sql: str


class Suite(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    suite: str
    description: str
    rules: list[Rule]


def load_catalogue(directory: Path | str, data_map: DataMap) -> list[Suite]:
    """Every suite in the folder; raise DataMapError naming file and key for any problem."""
    directory = Path(directory)
    problems: list[Problem] = []
    suites = []
    paths = sorted(directory.glob("*.yaml"))
    if not paths:
        raise DataMapError(
            [
                Problem(
                    str(directory),
                    "-",
                    "no rule suites found",
                    "point --expectations at the folder of <area>.yaml suites",
                )
            ]
        )
    for path in paths:
        try:
            suite = Suite.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        except (yaml.YAMLError, ValidationError) as error:
            problems.append(
                Problem(
                    str(path),
                    "suite",
                    str(error).splitlines()[0] + " ...",
                    "correct the suite file",
                )
            )
            continue
        problems += _check_suite(suite, path, data_map)
        suites.append(suite)
    ids = [rule.id for suite in suites for rule in suite.rules]
    problems += [
        Problem(str(directory), dup, "rule id used twice", "give each rule its own id")
        for dup in sorted({i for i in ids if ids.count(i) > 1})
    ]
    problems += _check_links(data_map, set(ids), directory)
    if not problems:  # every rule bound against the data map (datasets, columns)
        from pipelines.rules.dry_run import check_rules

        problems += check_rules(suites, data_map, directory)
    if problems:
        raise DataMapError(problems)
    return suites


def _check_suite(suite: Suite, path: Path, data_map: DataMap) -> list[Problem]:
    clauses = {clause.id for clause in data_map.policy.clauses}
    problems = []
    for rule in suite.rules:
        key = f"rules.{rule.id}"
        problems += [
            Problem(
                str(path),
                f"{key}.clauses",
                f"unknown policy clause '{c}'",
                "use a clause id from data_map/policy.yaml",
            )
            for c in rule.clauses
            if c not in clauses
        ]
        if rule.dataset is not None and rule.dataset not in data_map.datasets:
            problems.append(
                Problem(
                    str(path),
                    f"{key}.dataset",
                    f"unknown dataset '{rule.dataset}'",
                    "name a dataset of data_map/datasets/",
                )
            )
    return problems


def _check_links(data_map: DataMap, ids: set[str], directory: Path) -> list[Problem]:
    """Rules the data map names (retention rows' `rule`, decisions) must be in the catalogue."""
    folder = Path(data_map.directory or "data_map")
    named = (
        [
            (folder / "retention.yaml", f"retention.rules.{row.id}.rule", row.rule)
            for row in data_map.retention.rules
            if row.rule
        ]
        + [
            (folder / "decisions.yaml", f"decisions[{i}].rule", d.rule)
            for i, d in enumerate(data_map.decisions)
        ]
        + [
            (folder / "remediation.yaml", f"remediation.rules.{rule}", rule)
            for rule in data_map.remediation.rules
        ]
    )
    return [
        Problem(
            str(file),
            key,
            f"rule '{rule}' is not in the catalogue",
            f"use a rule id of {directory}/",
        )
        for file, key, rule in named
        if rule not in ids
    ]


def catalogue_digest(directory: Path | str) -> str:
    sha = hashlib.sha256()
    for path in sorted(Path(directory).glob("*.yaml")):
        sha.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return sha.hexdigest()


def all_rules(suites: list[Suite]) -> list[tuple[Suite, Rule]]:
    return [(suite, rule) for suite in suites for rule in suite.rules]
