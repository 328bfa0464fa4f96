"""Checks across data map files: references, taxonomy names, regexes, time zones."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import duckdb

from pipelines.countries import country_code
from pipelines.datamap.models import DataMap, DatasetSpec
from pipelines.datamap.problems import Problem, check_timezone
from pipelines.datamap.taxonomy import unknown
from pipelines.datamap.validate_remediation import check_remediation
from pipelines.datamap.validate_retention import (
    check_cookies,
    check_decisions,
    check_retention,
)

RESERVED = {"record_key", "is_anonymised"}


def check_data_map(data_map: DataMap, directory: Path) -> list[Problem]:
    problems: list[Problem] = []
    problems += _check_policy_and_parties(data_map, directory)
    for spec in data_map.datasets.values():
        path = directory / "datasets" / f"{spec.name}.yaml"
        problems += check_dataset(spec, path)
        if data_map.system(spec.system) is None:
            problems.append(
                Problem(
                    str(path),
                    "dataset.system",
                    f"unknown system '{spec.system}'",
                    "add it to systems.yaml or correct the id",
                )
            )
    problems += check_retention(data_map, directory / "retention.yaml")
    problems += check_cookies(data_map, directory / "cookies.yaml")
    problems += check_decisions(data_map, directory / "decisions.yaml")
    problems += check_remediation(data_map, directory / "remediation.yaml")
    problems += [
        Problem(
            str(directory / "rules.yaml"),
            "rules.safe_countries",
            f"'{name}' is not a country this audit recognises",
            "write an ISO 3166 code (GB, DE) or the country's English name",
        )
        for name in data_map.rules.safe_countries
        if country_code(name) is None
    ]
    if country_code(data_map.policy.controller_country) is None:
        problems.append(
            Problem(
                str(directory / "policy.yaml"),
                "policy.controller_country",
                f"'{data_map.policy.controller_country}' is not a country this audit recognises",
                "write an ISO 3166 code (GB) or the country's English name",
            )
        )
    return problems


def _duplicates(values: list[str]) -> list[str]:
    return [value for value, count in Counter(values).items() if count > 1]


def _check_policy_and_parties(data_map: DataMap, directory: Path) -> list[Problem]:
    problems = []
    for kind, file, ids in (
        ("policy.clauses", "policy.yaml", [c.id for c in data_map.policy.clauses]),
        ("systems", "systems.yaml", [s.id for s in data_map.systems]),
        ("recipients", "recipients.yaml", [r.id for r in data_map.recipients]),
    ):
        problems += [
            Problem(
                str(directory / file),
                f"{kind}.{dup}",
                "id used twice",
                "give each entry its own id",
            )
            for dup in _duplicates(ids)
        ]
    recipients = {r.id for r in data_map.recipients}
    path = str(directory / "systems.yaml")
    for system in data_map.systems:
        for i, purpose in enumerate(system.purposes):
            key = f"systems.{system.id}.purposes[{i}]"
            if fix := unknown("data use", purpose.data_use):
                problems.append(
                    Problem(
                        path,
                        f"{key}.data_use",
                        f"'{purpose.data_use}' is not a fideslang data use",
                        fix,
                    )
                )
            problems += [
                Problem(path, f"{key}.data_subjects", f"'{s}' is not a fideslang data subject", fix)
                for s in purpose.data_subjects
                if (fix := unknown("data subject", s))
            ]
            problems += [
                Problem(
                    path,
                    f"{key}.recipients",
                    f"unknown recipient '{r}'",
                    "add it to recipients.yaml or correct the id",
                )
                for r in purpose.recipients
                if r not in recipients
            ]
    return problems


def check_dataset(spec: DatasetSpec, path: Path) -> list[Problem]:
    """Checks of one dataset file that need no other file of the data map."""
    file = str(path)
    problems = []
    problems += [
        Problem(file, "dataset.data_subjects", f"'{s}' is not a fideslang data subject", fix)
        for s in spec.data_subjects
        if (fix := unknown("data subject", s))
    ]
    problems += [
        Problem(
            file,
            f"dataset.columns.{d}",
            "canonical name used twice",
            "give each column its own name",
        )
        for d in _duplicates([c.name for c in spec.columns])
    ]
    for key, names, what, fix in (
        ("dataset.key", spec.key, "key column", "declare it under columns or correct the key"),
        (
            "dataset.anonymised_when_empty",
            spec.anonymised_when_empty,
            "column",
            "list canonical column names declared under columns",
        ),
    ):
        problems += [
            Problem(file, key, f"{what} '{name}' is not declared", fix)
            for name in names
            if spec.column(name) is None
        ]
    problems += check_timezone(file, "dataset.timezone", spec.timezone)
    for column in spec.columns:
        problems += _check_column(spec, column, file)
    return problems


def _check_column(spec, column, file: str) -> list[Problem]:
    key = f"dataset.columns.{column.name}"
    problems = []
    if fix := unknown("data category", column.category):
        problems.append(
            Problem(
                file,
                f"{key}.category",
                f"'{column.category}' is not a fideslang data category",
                fix,
            )
        )
    given = [
        name
        for name, value in (
            ("source", column.source),
            ("sources", column.sources),
            ("from_file_name", column.from_file_name),
            ("absent", column.absent or None),
        )
        if value is not None
    ]
    if len(given) != 1:
        problems.append(
            Problem(
                file,
                key,
                f"needs exactly one of source, sources, from_file_name or absent: true "
                f"(has {', '.join(given) or 'none'})",
                "name the exported header in source, or say `absent: true` if the export has none",
            )
        )
    if column.name in RESERVED:
        problems.append(
            Problem(
                file,
                f"{key}.name",
                f"'{column.name}' is a name staging gives its own column",
                f"choose another canonical name (reserved: {', '.join(sorted(RESERVED))})",
            )
        )
    if column.absent and column.required:
        problems.append(
            Problem(file, key, "an absent column cannot be required", "drop one of the two")
        )
    names = spec.files.column_names
    for header in column.headers:
        if names is not None and header not in names:
            problems.append(
                Problem(
                    file,
                    f"{key}.source",
                    f"'{header}' is not in files.column_names",
                    "use one of the names listed under files.column_names",
                )
            )
    for field in ("from_file_name", "extract"):
        pattern = getattr(column, field)
        if pattern is not None:
            problems += _check_regex(file, f"{key}.{field}", pattern)
    if column.type in ("timestamp", "date") and not column.formats:
        problems.append(
            Problem(
                file,
                f"{key}.formats",
                "a timestamp column needs formats",
                "list strptime formats, e.g. ['%Y-%m-%d %H:%M']",
            )
        )
    for fmt in column.formats:
        if error := _duckdb_error("select try_strptime('', $value)", fmt):
            problems.append(
                Problem(
                    file,
                    f"{key}.formats",
                    f"DuckDB cannot use '{fmt}': {error}",
                    "use strptime directives DuckDB knows (%Y %m %d %H %M %S %z %p ...)",
                )
            )
    if column.timezone:
        problems += check_timezone(file, f"{key}.timezone", column.timezone)
    return problems


def _check_regex(file: str, key: str, pattern: str) -> list[Problem]:
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        return [Problem(file, key, f"invalid regular expression: {error}", "correct the pattern")]
    if error := _duckdb_error("select regexp_extract('', $value, 1)", pattern):
        return [
            Problem(
                file,
                key,
                f"DuckDB (RE2) cannot run this pattern: {error}",
                "avoid look-around and back-references",
            )
        ]
    if compiled.groups != 1:
        return [
            Problem(
                file,
                key,
                "the pattern must have exactly one capture group",
                "wrap the part to keep in ( )",
            )
        ]
    return []


def _duckdb_error(query: str, value: str) -> str | None:
    """The first line of DuckDB's error when it runs `query` with $value, else None."""
    try:
        duckdb.execute(query, {"value": value}).fetchall()
    except duckdb.Error as error:
        return str(error).splitlines()[0]
    return None
