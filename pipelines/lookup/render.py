"""A subject look-up as text on the terminal (rich tables), as JSON and as one HTML file.

The files answer a subject access request, so they hold the person's own data: they are written
with owner-only permissions (0600), in a folder created 0700. The HTML is self-contained (no
script, no external resource; a Content-Security-Policy forbids both) and Jinja2 autoescapes every
value. Terminal output escapes rich markup and control characters in the data.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from rich.console import Console
from rich.table import Table
from rich.text import Text

from pipelines.lookup.model import RecordFinding, SubjectRecord, SubjectReport
from pipelines.lookup.retention import RETENTION_AREA

TEMPLATE = "subject.html.j2"
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
TERMINAL_WIDTH = 100


def plain(value: object) -> object:
    """A JSON value: dates in ISO form, decimals as text (no rounding)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def other_findings(record: SubjectRecord) -> list[RecordFinding]:
    return [f for f in record.findings if f.area != RETENTION_AREA]


def report_dict(report: SubjectReport) -> dict[str, object]:
    """The whole look-up as plain JSON values."""
    return {
        "identifier": report.identifier,
        "identifier_kind": report.kind,
        "run_id": report.run_id,
        "as_of": plain(report.as_of),
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "subject_keys": report.subject_keys,
        "emails": report.emails,
        "phones": report.phones,
        "notes": report.notes,
        "records": [_record_dict(r) for r in report.records],
    }


def _record_dict(record: SubjectRecord) -> dict[str, object]:
    return {
        "system": {"id": record.system_id, "name": record.system_name, "vendor": record.vendor},
        "dataset": record.dataset,
        "description": record.description,
        "record_key": record.record_key,
        "fields": [
            {"name": f.name, "category": f.category, "values": [plain(v) for v in f.values]}
            for f in record.fields
        ],
        "sources": record.sources,
        "retention": {k: plain(v) for k, v in vars(record.retention).items()},
        "retention_finding": next(
            (_finding_dict(f) for f in record.findings if f.area == RETENTION_AREA), None
        ),
        "findings": [_finding_dict(f) for f in other_findings(record)],
        "erasure": {k: plain(v) for k, v in vars(record.erasure).items()}
        if record.erasure
        else None,
    }


def _finding_dict(finding: RecordFinding) -> dict[str, object]:
    return {k: plain(v) for k, v in vars(finding).items()}


def to_json(report: SubjectReport) -> str:
    return json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n"


def to_html(report: SubjectReport) -> str:
    environment = Environment(
        loader=FileSystemLoader(Path(__file__).parent),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template(TEMPLATE).render(report=report_dict(report))


def write_files(report: SubjectReport, out_dir: Path) -> list[Path]:
    """subject-<short key>.json and .html in out_dir, owner-only."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    base = f"subject-{report.short_key}"
    return [
        write_private(out_dir / f"{base}.json", to_json(report)),
        write_private(out_dir / f"{base}.html", to_html(report)),
    ]


def write_private(path: Path, text: str) -> Path:
    """Write through a 0600 temporary file renamed into place: never readable by others."""
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def terminal_text(value: object, limit: int = TERMINAL_WIDTH) -> Text:
    """A value as inert text: no rich markup, no control characters, cut to limit."""
    text = CONTROL.sub(" ", str(plain(value)))
    return Text(text if len(text) <= limit else text[: limit - 1] + "…")


def print_report(console: Console, report: SubjectReport) -> None:
    """The look-up on the terminal: the person, each record's fields, the erasure plan."""
    console.print(
        Text(
            f"subject {report.short_key} (found by {report.kind} {report.identifier}): "
            f"{len(report.records)} records, run {report.run_id} as of {report.as_of}"
        )
    )
    console.print(terminal_text("emails: " + (", ".join(report.emails) or "-"), 10_000))
    console.print(terminal_text("phones: " + (", ".join(report.phones) or "-"), 10_000))
    for note in report.notes:
        console.print(Text(f"note: {note}", style="yellow"))
    console.print(_records_table(report))
    for number, record in enumerate(report.records, 1):
        console.print(_fields_table(number, record))
    console.print(_erasure_table(report))


def _records_table(report: SubjectReport) -> Table:
    table = Table("#", "system", "dataset", "record key", "retention", "findings")
    table.title = "records held"
    for number, record in enumerate(report.records, 1):
        findings = ", ".join(f.rule_id for f in other_findings(record)) or "-"
        table.add_row(
            str(number),
            terminal_text(record.system_name),
            terminal_text(record.dataset),
            terminal_text(record.record_key),
            terminal_text(_retention_text(record)),
            terminal_text(findings),
        )
    return table


def _retention_text(record: SubjectRecord) -> str:
    retention = record.retention
    if retention.ends_on and retention.status == "within retention":
        return f"{retention.status} (until {retention.ends_on})"
    return retention.status


def _fields_table(number: int, record: SubjectRecord) -> Table:
    title = (
        f"{number}. {record.system_name} ({record.vendor}) · {record.dataset} · {record.record_key}"
    )
    table = Table("field", "category", "value", title=terminal_text(title), title_justify="left")
    for held in record.fields:
        shown = "; ".join(str(plain(v)) for v in held.values)
        table.add_row(Text(held.name), Text(held.category), terminal_text(shown))
    for finding in other_findings(record):
        table.add_row(
            Text(finding.rule_id, style="red"),
            Text(finding.severity),
            terminal_text(f"{finding.title}: {finding.detail}", 200),
        )
    return table


def _erasure_table(report: SubjectReport) -> Table:
    table = Table("dataset", "record key", "on erasure", "why", title="erasure request")
    for record in report.records:
        advice = record.erasure
        if advice is None:
            continue
        style = {"keep": "yellow", "suppress": "cyan"}.get(advice.action, "")
        table.add_row(
            terminal_text(record.dataset),
            terminal_text(record.record_key),
            Text(advice.text, style=style),
            terminal_text(advice.reason, 200),
        )
    return table
