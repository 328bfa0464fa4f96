"""One audit run as plain functions: the CLI calls run_audit, the Dagster assets call the steps."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipelines import pseudonyms
from pipelines.datamap import DataMap, load_data_map
from pipelines.ingest.load import DatasetLoad, find_files, load_dataset
from pipelines.progress import progress_bar
from pipelines.publish import audit_lock, building
from pipelines.reporting.outputs import write_outputs
from pipelines.rules import gx_duckdb
from pipelines.rules.catalogue import Suite, catalogue_digest, load_catalogue
from pipelines.rules.findings import RuleError, record_findings
from pipelines.rules.inputs import prepare_rules
from pipelines.rules.runs import new_run_id, record_run
from pipelines.settings import SAMPLE_CONTACTS, SAMPLE_SEED, Settings
from pipelines.staging.build import build_staging
from pipelines.staging.phones import to_e164
from pipelines.staging.subjects import build_subjects, shared_identifiers
from pipelines.warehouse import connect


@dataclass
class AuditSummary:
    run_id: str
    as_of: str
    data_map_digest: str
    loads: list[DatasetLoad] = field(default_factory=list)
    staged: dict[str, int] = field(default_factory=dict)
    subjects: int = 0
    findings: dict[str, int] = field(default_factory=dict)
    severities: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    report: Path | None = None
    report_note: str = ""


class NoExports(RuntimeError):
    """Not one file of any dataset: nothing to audit (a mis-mounted export share, say)."""


def require_exports(exports_dir: Path, data_map: DataMap, data_map_dir: Path) -> None:
    """Refuse to audit an exports folder holding no file of any dataset of the data map."""
    specs = data_map.datasets.values()
    if any(find_files(exports_dir, spec) for spec in specs):
        return
    wanted = ", ".join(f"{spec.name}/{spec.files.pattern}" for spec in specs)
    raise NoExports(
        f"no exports found in {exports_dir} for any dataset of {data_map_dir}: {wanted}"
    )


def generate_sample(
    settings: Settings, contacts: int | None = None, seed: int = SAMPLE_SEED
) -> dict[str, int]:
    """Write the sample estate into the exports folder, with a progress bar on a terminal."""
    from pipelines.sample import generate_estate

    contacts = contacts or SAMPLE_CONTACTS
    with progress_bar() as bar:
        task = bar.add_task("generating sample exports", total=contacts)
        return generate_estate(
            settings.exports_dir,
            contacts,
            seed,
            settings.as_of,
            progress=lambda n: bar.advance(task, n),
        )


def ingest(
    conn: duckdb.DuckDBPyConnection, data_map: DataMap, exports_dir: Path
) -> list[DatasetLoad]:
    """Load every dataset's files into raw.*, one progress step per file."""
    specs = list(data_map.datasets.values())
    total = sum(len(find_files(exports_dir, spec)) for spec in specs)
    loads = []
    with progress_bar() as bar:
        task = bar.add_task("loading exports", total=total)
        for spec in specs:
            bar.update(task, description=f"loading {spec.name}")
            loads.append(load_dataset(conn, spec, exports_dir, lambda _: bar.advance(task)))
    return loads


def stage(conn: duckdb.DuckDBPyConnection, data_map: DataMap) -> dict[str, int]:
    return {name: build_staging(conn, spec) for name, spec in data_map.datasets.items()}


def resolve_subjects(conn: duckdb.DuckDBPyConnection, data_map: DataMap, key_file: Path) -> int:
    secret = pseudonyms.load_secret(key_file)
    return build_subjects(
        conn, list(data_map.datasets.values()), secret, not_a_person_values(data_map)
    )


def not_a_person_values(data_map: DataMap) -> list[str]:
    """The data map's shared identifiers, normalised as staging normalises emails and phones."""
    values = []
    for entry in data_map.identity.not_a_person:
        text = entry.value.strip()
        values.append(text.lower() if "@" in text else (to_e164(text, "GB") or text))
    return values


def shared_identifier_warnings(conn: duckdb.DuckDBPyConnection, data_map: DataMap) -> list[str]:
    """One line per identifier that links implausibly many records under different names."""
    identity, known = data_map.identity, set(not_a_person_values(data_map))
    found = shared_identifiers(
        conn,
        list(data_map.datasets.values()),
        identity.shared_warning_records,
        identity.shared_warning_names,
    )
    return [
        f"{value} links {records:,} records under {names:,} different names: "
        "probably shared (an office line or mailbox); list it under not_a_person in "
        "data_map/identity.yaml if it is no one person's"
        for value, records, names in found
        if value not in known
    ]


def validate_rules(db_path: Path, suites: list[Suite]) -> dict[str, int]:
    """Run every suite through Great Expectations on the warehouse; rows each rule returned.

    The warehouse connection must be closed: GX opens its own. An erroring expectation raises.
    """
    from pipelines.rules.gx_duckdb import RuleCheck, validate_suite

    counts = {}
    for suite in suites:
        checks = [
            RuleCheck(
                rule.id, rule.sql, rule.title, {"severity": rule.severity, "clauses": rule.clauses}
            )
            for rule in suite.rules
        ]
        for result in validate_suite(db_path, suite.suite, checks, "audit.run_parameters"):
            counts[result.rule_id] = result.unexpected_count or 0
    return counts


def check_agreement(gx_counts: dict[str, int], returned: dict[str, tuple[int, int]]) -> None:
    """GX and our own run of each rule's SQL must see the same rows, else stop the audit."""
    differing = [
        f"{rule}: GX {gx_counts.get(rule)}, DuckDB {rows}"
        for rule, (rows, _) in returned.items()
        if gx_counts.get(rule) != rows
    ]
    if differing:
        raise RuleError("GX and DuckDB disagree on " + "; ".join(differing))


def run_audit(settings: Settings) -> AuditSummary:
    """The whole audit on the exports in settings; raises on anything that prevents it."""
    data_map = load_data_map(settings.data_map_dir)
    suites = load_catalogue(settings.expectations_dir, data_map)
    started = datetime.now(UTC)
    summary = AuditSummary(new_run_id(started), settings.as_of.isoformat(), data_map.digest)
    summary.severities = {r.id: r.severity for s in suites for r in s.rules}
    require_exports(settings.exports_dir, data_map, settings.data_map_dir)
    clock = time.perf_counter()
    with audit_lock(settings.db_path), building(settings.db_path) as work:
        _audit(settings, data_map, suites, summary, started, work, clock)
    return summary


def _audit(
    settings: Settings,
    data_map: DataMap,
    suites: list[Suite],
    summary: AuditSummary,
    started: datetime,
    work: Path,
    clock: float,
) -> None:
    """Every step of the audit on the working copy of the warehouse."""
    clock = _lap(summary, "working_copy", clock)  # the last warehouse, copied to work on
    with connect(work) as conn:
        summary.loads = ingest(conn, data_map, settings.exports_dir)
        clock = _lap(summary, "ingest", clock)
        # the steps up to the rules run inside DuckDB (Python's GIL free) and loading does not:
        # import GX meanwhile, after loading, so loading new files costs only what they cost
        gx_duckdb.preload()
        summary.staged = stage(conn, data_map)
        clock = _lap(summary, "staging", clock)
        summary.subjects = resolve_subjects(conn, data_map, settings.key_file)
        summary.warnings = shared_identifier_warnings(conn, data_map)
        clock = _lap(summary, "subjects", clock)
        prepare_rules(conn, data_map, settings.as_of)
        clock = _lap(summary, "text_scan", clock)
    gx_counts = validate_rules(work, suites)
    clock = _lap(summary, "gx", clock)
    with connect(work) as conn:
        returned = record_findings(conn, suites, summary.run_id, settings.as_of)
        check_agreement(gx_counts, returned)
        summary.findings = {rule: found for rule, (_, found) in returned.items()}
        clock = _lap(summary, "findings", clock)
        record_run(
            conn,
            summary.run_id,
            settings.as_of,
            started,
            data_map.digest,
            catalogue_digest(settings.expectations_dir),
            summary.findings,
            summary.seconds,
        )
        outputs = write_outputs(conn, data_map, suites, summary.run_id, settings.reports_dir)
        summary.report, summary.report_note = outputs.report, outputs.note
        _lap(summary, "reports", clock)


def _lap(summary: AuditSummary, step: str, started: float) -> float:
    now = time.perf_counter()
    summary.seconds[step] = round(now - started, 2)
    return now
