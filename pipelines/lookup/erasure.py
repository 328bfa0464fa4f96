"""The verdict on a person's erasure request: for each record still held, kept or not, and why.

The request is the person's own record in the rights-request tracker (staging.rights_requests)
with request_type erasure (compared trimmed and case-insensitively, as DSR-ERASURE-INCOMPLETE
compares it); the latest received wins. Once it is completed every record still held needs a
reason to be there: the request's own records (the tracker and the disclosure log, which
DSR-ERASURE-INCOMPLETE leaves out too) are its evidence; an exemption (a legal hold) keeps a record
while it lasts; a legal obligation keeps it until its retention period ends (retention.py's
erasure advice). Anything else should have been erased, or reduced to a suppression entry.
"""

from __future__ import annotations

from datetime import date

from pipelines.datamap import DataMap
from pipelines.lookup.model import ErasureRequest, ErasureVerdict, SubjectRecord
from pipelines.lookup.retention import legal_obligations

RIGHTS_DATASET = "rights_requests"
EVIDENCE_DATASETS = ("rights_requests", "disclosures")  # as DSR-ERASURE-INCOMPLETE reads them
ERASURE = "erasure"


def erasure_request(records: list[SubjectRecord]) -> ErasureRequest | None:
    """The person's latest erasure request, from their records in the tracker."""
    requests = [
        ErasureRequest(
            ref=r.record_key,
            status=str(_first(r, "status") or "").strip(),
            received_on=_date(_first(r, "received_on")),
            completed_on=_date(_first(r, "completed_on")),
        )
        for r in records
        if r.dataset == RIGHTS_DATASET
        and str(_first(r, "request_type") or "").strip().lower() == ERASURE
    ]
    requests.sort(key=lambda q: (q.received_on or date.min, q.ref))
    return requests[-1] if requests else None


def judge(records: list[SubjectRecord], data_map: DataMap, request: ErasureRequest | None) -> None:
    """Set each record's verdict against the request (none without a request)."""
    if request is None:
        return
    for record in records:
        record.verdict = verdict(record, data_map, request)


def verdict(record: SubjectRecord, data_map: DataMap, request: ErasureRequest) -> ErasureVerdict:
    if record.dataset in EVIDENCE_DATASETS:
        rows = [r.data for r in data_map.retention.rules if r.dataset == record.dataset]
        what = record.retention.data or next(iter(rows), record.description)
        until = f", until {record.retention.ends_on}" if record.retention.ends_on else ""
        return ErasureVerdict("kept", f"kept: evidence of the request ({what}{until})")
    if not request.completed:
        return ErasureVerdict("requested", _requested(request))
    advice, retention = record.erasure, record.retention
    if retention.exempt:
        return ErasureVerdict("kept", f"kept: {retention.exempt}")
    if advice is not None and advice.action == "keep":
        until = f" until {advice.keep_until}" if advice.keep_until else ""
        why = "; ".join(p.name for p in legal_obligations(record, data_map))
        return ErasureVerdict("kept", f"kept: legal obligation{until} ({retention.data}, {why})")
    held = f"still held after erasure completed on {request.completed_on}"
    if advice is not None and advice.action == "suppress":
        return ErasureVerdict(
            "should_have_been_erased", f"{held}: should have been reduced to a suppression entry"
        )
    return ErasureVerdict("should_have_been_erased", f"{held}: should have been erased")


def describe(request: ErasureRequest) -> str:
    """'received 2026-09-01, completed 2026-09-20' (or its status)."""
    parts = []
    if request.received_on:
        parts.append(f"received {request.received_on}")
    if request.completed:
        parts.append(f"completed {request.completed_on}")
    else:
        parts.append(f"not completed (status {request.status or 'not recorded'})")
    return ", ".join(parts)


def _requested(request: ErasureRequest) -> str:
    received = f" on {request.received_on}" if request.received_on else ""
    if request.status.lower() == "rejected":
        return f"erasure requested{received}, refused ({request.ref})"
    status = f"status {request.status}" if request.status else "no status"
    return f"erasure requested{received}, not yet completed ({request.ref}, {status})"


def _first(record: SubjectRecord, column: str) -> object:
    values = record.values(column)
    return values[0] if values else None


def _date(value: object) -> date | None:
    return value if isinstance(value, date) else None
