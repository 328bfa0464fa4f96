"""Retention of each of a person's records, and what an erasure request does to it.

Where a record stands against its retention period is the audit's own table,
audit.retention_due (pipelines/rules/retention_due.py): which retention row covers it, when its
period started, until when it is kept, whether an exemption holds, whether it is past the period.
Whether it is a violation is the latest run's retention finding.

Erasure (DESIGN 3): a record under an exemption (a legal hold) is kept while it lasts; a record
the organisation must keep by law (a system purpose with lawful basis legal_obligation: orders as
accounting records, rights-request records) is kept until its period ends, then given the
schedule's action; a marketing member becomes a suppression entry (SHA-256 of the email) so the
address is never mailed again; everything else is deleted.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date

import duckdb

from pipelines.datamap import DataMap
from pipelines.datamap.models import Purpose
from pipelines.datamap.retention import Retention, Start
from pipelines.lookup.model import ErasureAdvice, RetentionStatus, SubjectRecord
from pipelines.reporting.ropa_words import EVENT_WORDS

RETENTION_AREA = "retention"  # the suite of the RET-* rules
ACTIONS = {
    "delete": "delete",
    "anonymise": "anonymise",
    "reduce_to_suppression_entry": "reduce to a suppression entry",
}


@dataclass(frozen=True)
class Due:
    """One row of audit.retention_due."""

    retention: str
    starts_on: date
    kept_until: date
    exempt: bool
    due: bool


def read_due(
    conn: duckdb.DuckDBPyConnection, records: list[SubjectRecord], zone: str, order: list[str]
) -> dict[tuple[str, str], Due]:
    """audit.retention_due for the records, by (dataset, record key); the first row covering a
    record in the schedule's order (`order`: the retention rows' ids)."""
    keys = [[r.dataset, r.record_key] for r in records]
    if not keys:
        return {}
    try:
        rows = conn.execute(
            """
            select d.dataset, d.record_key, d.retention, d.starts_on,
                   cast(timezone($zone, d.kept_until) as date), d.exempt, d.due
            from audit.retention_due d
            join (select unnest($keys) as k) on d.dataset = k[1] and d.record_key = k[2]
            order by list_position($order, d.retention)
            """,
            {"zone": zone, "keys": keys, "order": order},
        ).fetchall()
    except duckdb.CatalogException:  # a warehouse from before audit.retention_due
        return {}
    due: dict[tuple[str, str], Due] = {}
    for dataset, key, *values in rows:
        due.setdefault((dataset, key), Due(*values))
    return due


def assess(
    records: list[SubjectRecord], data_map: DataMap, due: dict[tuple[str, str], Due]
) -> None:
    """Set each record's retention status and erasure advice."""
    for record in records:
        record.retention = retention_status(
            record, data_map, due.get((record.dataset, record.record_key))
        )
        record.erasure = erasure_advice(record, data_map)


def retention_status(record: SubjectRecord, data_map: DataMap, due: Due | None) -> RetentionStatus:
    finding = next((f for f in record.findings if f.area == RETENTION_AREA), None)
    past = f"past retention ({finding.rule_id} since {finding.open_since})" if finding else None
    rule = next((r for r in data_map.retention.rules if due and r.id == due.retention), None)
    if rule is None or due is None:
        return RetentionStatus(past or "no retention rule", past=finding is not None)
    exempt = rule.exempt_when.words() if due.exempt and rule.exempt_when else None
    if past or exempt:
        status = past or f"exempt ({exempt})"
    elif due.due:  # e.g. a call without a recording, a member reduced to a suppression entry
        status = f"retention period ended {due.kept_until}, no retention finding"
    else:
        status = "within retention"
    return RetentionStatus(
        status=status,
        rule=rule.id,
        data=rule.data,
        period=rule.keep_for.words(),
        starts=start_words(data_map, rule),
        started_on=due.starts_on,
        ends_on=due.kept_until,
        action=rule.action,
        exempt=exempt,
        past=finding is not None,
        ended=due.due,
    )


def erasure_advice(record: SubjectRecord, data_map: DataMap) -> ErasureAdvice:
    """Delete, keep (while exempt or until the legal period ends), or suppress."""
    retention = record.retention
    then = ACTIONS.get(retention.action or "", retention.action)
    if retention.exempt:
        return ErasureAdvice(
            "keep",
            f"keep while the {retention.exempt} lasts, then {then}",
            f"{retention.data} under {retention.exempt} are exempt from the schedule",
            then=then,
        )
    if keep := _legal_keep(record, data_map):
        return keep
    if suppress := _suppression(record, data_map):
        return suppress
    return ErasureAdvice("delete", "delete", _delete_reason(retention))


def _legal_keep(record: SubjectRecord, data_map: DataMap) -> ErasureAdvice | None:
    """Keep until the period ends when a legal obligation requires keeping the record."""
    retention = record.retention
    purposes = legal_obligations(record, data_map)
    if not purposes or retention.rule is None or retention.past:
        return None
    if retention.ended:
        return None
    then = ACTIONS.get(retention.action or "", retention.action)
    until = str(retention.ends_on) if retention.ends_on else _pending(retention)
    return ErasureAdvice(
        "keep",
        f"keep until {until}, then {then}",
        f"{retention.data} are kept {retention.period} from {retention.starts} "
        f"by legal obligation ({'; '.join(p.name for p in purposes)})",
        keep_until=retention.ends_on,
        then=then,
    )


def legal_obligations(record: SubjectRecord, data_map: DataMap) -> list[Purpose]:
    """The purposes of the record's system with lawful basis legal_obligation for its subjects."""
    spec = data_map.datasets.get(record.dataset)
    system = data_map.system(record.system_id)
    if spec is None or system is None:
        return []
    legal = [p for p in system.purposes if p.lawful_basis == "legal_obligation"]
    covering = [p for p in legal if set(spec.data_subjects) <= set(p.data_subjects)]
    return covering or legal


def _suppression(record: SubjectRecord, data_map: DataMap) -> ErasureAdvice | None:
    """A marketing member becomes a suppression entry: the SHA-256 of the normalised email."""
    rules = [r for r in data_map.retention.rules if r.dataset == record.dataset]
    spec = data_map.datasets.get(record.dataset)
    if spec is None or not any(r.action == "reduce_to_suppression_entry" for r in rules):
        return None
    emails = [v for c in spec.columns if c.type == "email" for v in record.values(c.name)]
    if not emails:
        return None
    digest = hashlib.sha256(str(emails[0]).strip().lower().encode()).hexdigest()
    return ErasureAdvice(
        "suppress",
        "delete the profile, keep a suppression entry (SHA-256 of the email)",
        "so the address is never mailed again (retention schedule: reduce to suppression entry)",
        suppression_entry=f"sha256:{digest}",
    )


def _delete_reason(retention: RetentionStatus) -> str:
    if retention.past:
        return f"{retention.status}: nothing requires keeping it"
    if retention.ended:
        return f"its retention period ended {retention.ends_on}"
    if retention.rule:
        return f"no legal obligation to keep {retention.data}"
    return "no retention rule requires keeping it"


def _pending(retention: RetentionStatus) -> str:
    return f"{retention.period} after {retention.starts} (not yet recorded)"


def start_words(data_map: DataMap, rule: Retention) -> str:
    """The events a period runs from, in words, the first with a value first."""
    return ", else ".join(_start_words(data_map, rule.dataset, start) for start in rule.starts)


def _start_words(data_map: DataMap, dataset: str, start: Start) -> str:
    """'started_at' -> 'the start time'; end_of_financial_year(orders.created_at) -> 'the end of
    the financial year (31 March) of the latest order's creation time'."""
    spec = data_map.datasets.get(start.dataset or dataset)
    column = spec.column(start.column) if spec else None
    base = re.sub(r"_(at|on|date|time)$", "", start.column)
    first, _, rest = base.partition("_")
    words = " ".join(filter(None, [EVENT_WORDS.get(first, first), rest.replace("_", " ")]))
    words += {"timestamp": " time", "date": " date"}.get(column.type if column else "", "")
    if start.dataset:
        words = f"latest {start.dataset.replace('_', ' ')} {words}"
    if start.financial_year_end:
        end = date.fromisoformat(f"2000-{data_map.retention.financial_year_end}")
        return f"the end of the financial year ({end.day} {end:%B}) of the {words}"
    return f"the {words}"
