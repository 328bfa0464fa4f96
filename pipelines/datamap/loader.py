"""Read data_map/ into a DataMap, collecting every problem before giving up."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from pipelines.datamap.decisions import Decision
from pipelines.datamap.models import (
    DataMap,
    DatasetSpec,
    Identity,
    Policy,
    Recipient,
    RuleParameters,
)
from pipelines.datamap.models import System as SystemModel
from pipelines.datamap.problems import DataMapError, Problem
from pipelines.datamap.remediation import Remediation
from pipelines.datamap.retention import Cookie, RetentionSchedule
from pipelines.datamap.validator import check_data_map, check_dataset

TOP_FILES = {
    "policy.yaml": "policy",
    "systems.yaml": "systems",
    "recipients.yaml": "recipients",
    "retention.yaml": "retention",
    "rules.yaml": "rules",
}


def load_data_map(directory: Path | str) -> DataMap:
    """Load and validate a data map directory; raise DataMapError listing every problem."""
    directory = Path(directory)
    problems: list[Problem] = []
    if not directory.is_dir():
        raise DataMapError(
            [
                Problem(
                    str(directory),
                    "-",
                    "data map directory not found",
                    "pass --data-map with the folder holding policy.yaml",
                )
            ]
        )
    parts = {kind: _read_kind(directory / name, kind, problems) for name, kind in TOP_FILES.items()}
    policy = _build(Policy, parts["policy"], directory / "policy.yaml", "policy", problems)
    systems = _build_list(
        SystemModel, parts["systems"], directory / "systems.yaml", "systems", problems
    )
    recipients = _build_list(
        Recipient, parts["recipients"], directory / "recipients.yaml", "recipients", problems
    )
    retention = _build(
        RetentionSchedule, parts["retention"], directory / "retention.yaml", "retention", problems
    )
    rules = _build(RuleParameters, parts["rules"], directory / "rules.yaml", "rules", problems)
    datasets = _load_datasets(directory / "datasets", problems)
    identity = Identity()
    if (directory / "identity.yaml").is_file():  # optional: identifiers that are no one's
        path = directory / "identity.yaml"
        identity = _build(
            Identity, _read_kind(path, "identity", problems), path, "identity", problems
        )
    cookies: list[Cookie] | None = []
    if (directory / "cookies.yaml").is_file():  # optional: a company without a website
        path = directory / "cookies.yaml"
        cookies = _build_list(
            Cookie, _read_kind(path, "cookies", problems), path, "cookies", problems
        )
    decisions: list[Decision] | None = []
    if (directory / "decisions.yaml").is_file():  # optional: what the DPO decided
        path = directory / "decisions.yaml"
        found = _read_kind(path, "decisions", problems)
        decisions = _build_list(Decision, found, path, "decisions", problems) if found else []
    remediation: Remediation | None = Remediation()
    if (directory / "remediation.yaml").is_file():  # optional: what to do about findings
        path = directory / "remediation.yaml"
        remediation = _build(
            Remediation, _read_kind(path, "remediation", problems), path, "remediation", problems
        )
    if problems or None in (
        policy,
        systems,
        recipients,
        retention,
        rules,
        cookies,
        decisions,
        remediation,
    ):
        for spec in datasets.values():  # a problem elsewhere must not hide these
            problems += check_dataset(spec, directory / "datasets" / f"{spec.name}.yaml")
        raise DataMapError(problems)
    data_map = DataMap(
        policy=policy,
        systems=systems,
        recipients=recipients,
        retention=retention,
        rules=rules,
        datasets=datasets,
        digest=digest(directory),
        identity=identity or Identity(),
        cookies=cookies or [],
        decisions=decisions or [],
        remediation=remediation or Remediation(),
        directory=str(directory),
    )
    problems.extend(check_data_map(data_map, directory))
    if problems:
        raise DataMapError(problems)
    return data_map


def digest(directory: Path) -> str:
    """SHA-256 over every YAML file of the data map, by relative path and content."""
    sha = hashlib.sha256()
    for path in sorted(directory.rglob("*.yaml")):
        sha.update(path.relative_to(directory).as_posix().encode() + b"\0")
        sha.update(path.read_bytes() + b"\0")
    return sha.hexdigest()


def _read_kind(path: Path, kind: str, problems: list[Problem]) -> Any:
    if not path.is_file():
        problems.append(Problem(str(path), kind, "file missing", f"create {path.name}"))
        return None
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "-"
        problems.append(
            Problem(
                str(path), where, f"not valid YAML: {error}", "correct the YAML syntax at that line"
            )
        )
        return None
    if not isinstance(document, dict) or kind not in document:
        problems.append(
            Problem(
                str(path),
                kind,
                f"the top-level key '{kind}' is missing",
                f"start the file with '{kind}:'",
            )
        )
        return None
    return document[kind]


def _build(
    model: type[BaseModel], data: Any, path: Path, kind: str, problems: list[Problem]
) -> Any:
    if data is None:
        return None
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems.extend(_from_validation(error, path, kind))
        return None


def _build_list(
    model: type[BaseModel], data: Any, path: Path, kind: str, problems: list[Problem]
) -> list | None:
    if data is None:
        return None
    if not isinstance(data, list):
        problems.append(Problem(str(path), kind, "expected a list", f"write '{kind}:' as a list"))
        return None
    items = [_build(model, item, path, f"{kind}[{i}]", problems) for i, item in enumerate(data)]
    return None if None in items else items


def _load_datasets(folder: Path, problems: list[Problem]) -> dict[str, DatasetSpec]:
    datasets: dict[str, DatasetSpec] = {}
    if not folder.is_dir():
        problems.append(
            Problem(
                str(folder),
                "datasets",
                "folder missing",
                "create data_map/datasets/ with one YAML file per export",
            )
        )
        return datasets
    for path in sorted(folder.glob("*.yaml")):
        spec = _build(DatasetSpec, _read_kind(path, "dataset", problems), path, "dataset", problems)
        if spec is None:
            continue
        if spec.name != path.stem:
            problems.append(
                Problem(
                    str(path),
                    "dataset.name",
                    f"name '{spec.name}' differs from the file name",
                    f"rename the file to {spec.name}.yaml or the dataset to {path.stem}",
                )
            )
        datasets[spec.name] = spec
    return datasets


def _from_validation(error: ValidationError, path: Path, kind: str) -> list[Problem]:
    problems = []
    for item in error.errors():
        key = ".".join([kind, *(f"[{p}]" if isinstance(p, int) else str(p) for p in item["loc"])])
        key = key.replace(".[", "[")
        if item["type"] == "extra_forbidden":
            message, fix = "unknown key", "remove it or correct its spelling"
        elif item["type"] == "missing":
            message, fix = "required key missing", "add it"
        else:
            message, fix = item["msg"], "correct the value"
        problems.append(Problem(str(path), key, message, fix))
    return problems
