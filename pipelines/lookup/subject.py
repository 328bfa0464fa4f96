"""Everything the warehouse holds on one person, for access and erasure requests.

The warehouse is opened read-only. The identifier is normalised as staging normalises it (emails
lower-cased and trimmed, phones in E.164), its subject_key(s) found in core.subject_identifiers,
and every record of core.subject_records read back from staging.<dataset>: the canonical columns
that hold a value, with their data categories, and the findings of the latest completed run.
Card numbers and security codes are masked even here (DESIGN 8: never copied anywhere).
Beside the records: the datasets searched (searched.py), the Article 15 pack (art15.py) and the
verdict on the person's erasure request (erasure.py). Nobody found is an answer too: a report
with no records, saying what was searched.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from pathlib import Path

import duckdb

from pipelines.datamap import DataMap, DatasetSpec
from pipelines.lookup.art15 import art15_pack
from pipelines.lookup.erasure import erasure_request, judge
from pipelines.lookup.model import HeldField, RecordFinding, SubjectRecord, SubjectReport
from pipelines.lookup.retention import assess, read_due
from pipelines.lookup.searched import searched_datasets
from pipelines.reporting.masking import redact
from pipelines.staging.identity import not_a_person_values
from pipelines.staging.phones import to_e164
from pipelines.warehouse import connect, ident, table_columns, table_exists

PHONE_REGION = "GB"
CARD = re.compile(r"(?<![0-9A-Za-z])[0-9](?:[ -]?[0-9]){12,18}(?![0-9A-Za-z])")
SECURITY_CODE = re.compile(
    r"(?i)(?<![a-z0-9])(cvv2?|cvc2?|csc|security code)(?![a-z0-9])([^0-9]{0,5})[0-9]{3,4}(?![0-9])"
)


class InvalidIdentifier(ValueError):
    """Neither an email address nor a phone number."""


def normalise(identifier: str, region: str = PHONE_REGION) -> tuple[str, str]:
    """('email', lower-cased trimmed address) or ('phone', E.164 number), as staging has them."""
    text = identifier.strip()
    if "@" in text:
        return "email", text.lower()
    number = to_e164(text, region) if text else None
    if number is None:
        raise InvalidIdentifier(f"{identifier!r} is neither an email address nor a phone number")
    return "phone", number


def look_up_subject(db_path: Path, data_map: DataMap, identifier: str) -> SubjectReport:
    """The person's records in every source, with the datasets searched, the Article 15 pack
    and the erasure verdicts; no records (report.held false) when nobody has the identifier."""
    kind, value = normalise(identifier)
    with open_warehouse(db_path) as conn:
        run_id, as_of, digest = latest_run(conn)
        keys = subject_keys(conn, kind, value)
        searched = searched_datasets(conn, data_map, None if keys else kind)
        emails, phones = identifiers(conn, keys) if keys else ([], [])
        records = read_records(conn, data_map, keys, run_id) if keys else []
        notes = undeclared_notes(conn, sorted({r.dataset for r in records}))
        due = read_due(
            conn, records, data_map.retention.timezone, [r.id for r in data_map.retention.rules]
        )
    assess(records, data_map, due)
    request = erasure_request(records)
    judge(records, data_map, request)
    report = SubjectReport(value, kind, run_id, as_of, keys, emails, phones, records, notes)
    report.searched, report.erasure_request = searched, request
    report.art15 = art15_pack(records, data_map) if records else None
    if not keys and value in not_a_person_values(data_map):
        report.notes.append(
            f"{value} is listed in identity.yaml as no one person's: it links no records"
        )
    if digest != data_map.digest:
        report.notes.append(
            "the data map has changed since this run: categories and retention are read from "
            "the current data map"
        )
    return report


def open_warehouse(db_path: Path) -> duckdb.DuckDBPyConnection:
    path = Path(db_path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no warehouse here; run `privacy-audit run` first")
    try:
        return connect(path, read_only=True)
    except duckdb.Error as error:
        raise RuntimeError(f"{path}: cannot open the warehouse read-only: {error}") from error


def latest_run(conn: duckdb.DuckDBPyConnection) -> tuple[str, date, str]:
    """run_id, as_of and data map digest of the newest completed audit run."""
    rows = []
    if table_exists(conn, "audit", "runs"):
        rows = conn.execute(
            "select run_id, as_of, data_map_digest from audit.runs "
            "where status = 'completed' order by run_id desc limit 1"
        ).fetchall()
    if not rows or not table_exists(conn, "core", "subject_identifiers"):
        raise RuntimeError("no completed audit run in the warehouse; run `privacy-audit run` first")
    return rows[0]


def subject_keys(conn: duckdb.DuckDBPyConnection, kind: str, value: str) -> list[str]:
    rows = conn.execute(
        "select distinct subject_key from core.subject_identifiers "
        "where kind = $kind and value = $value order by subject_key",
        {"kind": kind, "value": value},
    ).fetchall()
    return [row[0] for row in rows]


def identifiers(conn: duckdb.DuckDBPyConnection, keys: list[str]) -> tuple[list[str], list[str]]:
    """Every email and phone the warehouse links to the person."""
    rows = conn.execute(
        "select kind, value from core.subject_identifiers "
        "where list_contains($keys, subject_key) order by kind, value",
        {"keys": keys},
    ).fetchall()
    return [v for k, v in rows if k == "email"], [v for k, v in rows if k == "phone"]


def read_records(
    conn: duckdb.DuckDBPyConnection, data_map: DataMap, keys: list[str], run_id: str
) -> list[SubjectRecord]:
    """The person's records, with the fields they hold and the run's findings on them."""
    rows = conn.execute(
        "select distinct dataset, record_key from core.subject_records "
        "where list_contains($keys, subject_key) order by dataset, record_key",
        {"keys": keys},
    ).fetchall()
    by_dataset: dict[str, list[str]] = defaultdict(list)
    for dataset, record_key in rows:
        by_dataset[dataset].append(record_key)
    findings = record_findings(conn, keys, run_id)
    records = []
    for dataset, record_keys in by_dataset.items():
        for record in _dataset_records(conn, data_map, dataset, record_keys):
            record.findings = findings.get((record.dataset, record.record_key), [])
            records.append(record)
    return records


def _dataset_records(
    conn: duckdb.DuckDBPyConnection, data_map: DataMap, dataset: str, record_keys: list[str]
) -> list[SubjectRecord]:
    spec = data_map.datasets.get(dataset)
    records = {key: _new_record(data_map, spec, dataset, key) for key in record_keys}
    if spec is None or not table_exists(conn, "staging", dataset):
        return list(records.values())
    present = set(table_columns(conn, "staging", dataset))
    columns = [c for c in spec.columns if c.name in present]
    select = "".join(f", {ident(c.name)}" for c in columns)
    cursor = conn.execute(
        f"select record_key, _source_file, _row_number{select} from staging.{ident(dataset)} "
        "where list_contains($keys, record_key) order by record_key, _source_file, _row_number",
        {"keys": record_keys},
    )
    rows_by_key: dict[str, list[tuple]] = defaultdict(list)
    for row in cursor.fetchall():
        rows_by_key[row[0]].append(row)
    for key, rows in rows_by_key.items():
        records[key].sources = [f"{row[1]} row {row[2]}" for row in rows]
        records[key].fields = _held_fields(spec, columns, [row[3:] for row in rows])
    return list(records.values())


def _new_record(
    data_map: DataMap, spec: DatasetSpec | None, dataset: str, key: str
) -> SubjectRecord:
    system = data_map.system(spec.system) if spec else None
    return SubjectRecord(
        dataset=dataset,
        record_key=key,
        system_id=spec.system if spec else "",
        system_name=system.name if system else "(not in the data map)",
        vendor=system.vendor if system else "",
        description=spec.description if spec else "(dataset not in the data map)",
    )


def _held_fields(spec: DatasetSpec, columns: list, rows: list[tuple]) -> list[HeldField]:
    """Non-null columns of the record's rows (an order has one row per line item)."""
    fields = []
    for index, column in enumerate(columns):
        values: list[object] = []
        for row in rows:
            value = mask_cards(row[index]) if isinstance(row[index], str) else row[index]
            if value is not None and value not in values:
                values.append(value)
        if values:
            fields.append(HeldField(column.name, column.category, values))
    return fields


def undeclared_notes(conn: duckdb.DuckDBPyConnection, datasets: list[str]) -> list[str]:
    """Exported columns the data map does not declare (not read into staging, so not shown)."""
    if not table_exists(conn, "core", "undeclared_columns"):
        return []
    rows = conn.execute(
        "select dataset, list(column_name order by column_name) from core.undeclared_columns "
        "where list_contains($datasets, dataset) group by dataset order by dataset",
        {"datasets": datasets},
    ).fetchall()
    return [
        f"{dataset} exports also hold columns the data map does not declare, not shown here: "
        + ", ".join(columns)
        for dataset, columns in rows
    ]


def record_findings(
    conn: duckdb.DuckDBPyConnection, keys: list[str], run_id: str
) -> dict[tuple[str, str], list[RecordFinding]]:
    """The run's findings on the person's records, by (dataset, record key)."""
    if not table_exists(conn, "audit", "findings"):
        return {}
    rows = conn.execute(
        """
        select f.dataset, f.record_key, f.rule_id, f.title, f.severity, f.area, f.detail,
               f.first_seen_as_of
        from audit.findings f
        join (select distinct dataset, record_key from core.subject_records
              where list_contains($keys, subject_key)) s using (dataset, record_key)
        where f.run_id = $run
        order by f.dataset, f.record_key, f.rule_id
        """,
        {"keys": keys, "run": run_id},
    ).fetchall()
    found: dict[tuple[str, str], list[RecordFinding]] = defaultdict(list)
    for dataset, key, rule_id, title, severity, area, detail, since in rows:
        found[(dataset, key)].append(
            RecordFinding(rule_id, title, severity, area, redact(mask_cards(detail)), since)
        )
    return found


def mask_cards(text: str | None) -> str | None:
    """Card numbers (Luhn-valid digit runs) and security codes replaced, as DESIGN 8 asks."""
    if not text:
        return text
    text = CARD.sub(_mask_card, text)
    return SECURITY_CODE.sub(lambda m: f"{m.group(1)}{m.group(2)}[removed]", text)


def _mask_card(match: re.Match[str]) -> str:
    digits = re.sub(r"[^0-9]", "", match.group())
    return f"[card number ending {digits[-4:]}]" if luhn_valid(digits) else match.group()


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0
