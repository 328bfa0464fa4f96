"""A subject look-up as JSON and as one HTML file (the terminal's tables: terminal.py).

The files answer a subject access request, so they hold the person's own data: they are written
with owner-only permissions (0600), in a folder created 0700. The HTML is self-contained (no
script, no external resource; a Content-Security-Policy forbids both) and Jinja2 autoescapes every
value. A look-up that found nobody writes the same two files, saying what was searched.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from pipelines.lookup.erasure import describe
from pipelines.lookup.model import (
    Art15Pack,
    ErasureRequest,
    RecordFinding,
    SubjectRecord,
    SubjectReport,
)
from pipelines.lookup.retention import RETENTION_AREA
from pipelines.private import write_private

TEMPLATE = "subject.html.j2"
ENTRY_LISTS = ("purposes", "recipients", "kept_until")  # an Art. 15 entry's lists of dataclasses


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
        "held": report.held,
        "notes": report.notes,
        "searched": [vars(s) for s in report.searched],
        "erasure_request": _request_dict(report.erasure_request),
        "records": [_record_dict(r) for r in report.records],
        "art15": _art15_dict(report.art15),
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
        "erasure": _plain_dict(record.erasure),
        "verdict": _plain_dict(record.verdict),
    }


def _finding_dict(finding: RecordFinding) -> dict[str, object]:
    return {k: plain(v) for k, v in vars(finding).items()}


def _plain_dict(item: object | None) -> dict[str, object] | None:
    return {k: plain(v) for k, v in vars(item).items()} if item is not None else None


def _request_dict(request: ErasureRequest | None) -> dict[str, object] | None:
    if request is None:
        return None
    return {**(_plain_dict(request) or {}), "summary": describe(request)}


def _art15_dict(pack: Art15Pack | None) -> dict[str, object] | None:
    if pack is None:
        return None
    return {
        "controller": pack.controller,
        "contact": pack.contact,
        "country": pack.country,
        "dpo": pack.dpo,
        "entries": [
            {
                **{k: v for k, v in vars(e).items() if k not in ENTRY_LISTS},
                **{k: [_plain_dict(i) for i in getattr(e, k)] for k in ENTRY_LISTS},
            }
            for e in pack.entries
        ],
        "rights": [vars(r) for r in pack.rights],
    }


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
