"""Retention of each of a person's records, and what an erasure request does to it.

The retention rule of a record comes from retention.yaml: a rule without `applies_to` applies to
every record of its dataset; one whose start is in another dataset (customers:
end_of_financial_year(orders.created_at)) applies when the person has records there; one whose
`applies_to` is a value the record holds (a member's status `unsubscribed`) applies to those
records; one whose `applies_to` is a data subject of the dataset (prospect) applies when no more
specific rule does. Whether the record is past its period is the latest run's retention finding.

Erasure (DESIGN 3): a record under an exemption (a legal hold) is kept while it lasts; a record
the organisation must keep by law (a system purpose with lawful basis legal_obligation: orders as
accounting records, rights-request records) is kept until its period ends, then given the
schedule's action; a marketing member becomes a suppression entry (SHA-256 of the email) so the
address is never mailed again; everything else is deleted.
"""

from __future__ import annotations

import calendar
import hashlib
import re
from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pipelines.datamap import DataMap
from pipelines.datamap.models import Purpose, Retention, RetentionPeriod, RetentionSchedule
from pipelines.lookup.model import ErasureAdvice, RetentionStatus, SubjectRecord

RETENTION_AREA = "retention"  # the suite of the RET-* rules
STARTS = re.compile(
    r"^(?P<fy>end_of_financial_year\()?(?:(?P<dataset>[a-z][a-z0-9_]*)\.)?"
    r"(?P<column>[a-z][a-z0-9_]*)\)?$"
)
ACTIONS = {
    "delete": "delete",
    "anonymise": "anonymise",
    "reduce_to_suppression_entry": "reduce to a suppression entry",
}
Records = dict[str, list[SubjectRecord]]


def assess(records: list[SubjectRecord], data_map: DataMap, as_of: date) -> None:
    """Set each record's retention status and erasure advice."""
    by_dataset: Records = defaultdict(list)
    for record in records:
        by_dataset[record.dataset].append(record)
    for record in records:
        record.retention = retention_status(record, data_map, by_dataset, as_of)
        record.erasure = erasure_advice(record, data_map, as_of)


def retention_status(
    record: SubjectRecord, data_map: DataMap, by_dataset: Records, as_of: date
) -> RetentionStatus:
    rule = applicable_rule(record, data_map, by_dataset)
    finding = next((f for f in record.findings if f.area == RETENTION_AREA), None)
    past = f"past retention ({finding.rule_id} since {finding.open_since})" if finding else None
    if rule is None:
        return RetentionStatus(past or "no retention rule", past=finding is not None)
    started = start_date(rule, record, by_dataset, data_map.retention)
    ends = add_period(started, rule.keep_for) if started else None
    exempt = _exemption(rule, record)
    if past or exempt:
        status = past or f"exempt ({_label(exempt or '')})"
    elif ends and ends < as_of:  # e.g. a call without a recording, a reduced member
        status = f"retention period ended {ends}, no retention finding"
    else:
        status = "within retention"
    return RetentionStatus(
        status=status,
        rule=rule.id,
        data=rule.data,
        period=period_text(rule.keep_for),
        starts=rule.starts,
        started_on=started,
        ends_on=ends,
        action=rule.action,
        exempt=exempt,
        past=finding is not None,
    )


def _exemption(rule: Retention, record: SubjectRecord) -> str | None:
    """The exempting column (legal_hold) when it is set on the record."""
    if rule.exempt_when and any(v is True for v in record.values(rule.exempt_when)):
        return rule.exempt_when
    return None


def applicable_rule(
    record: SubjectRecord, data_map: DataMap, by_dataset: Records
) -> Retention | None:
    """The most specific retention rule of the record's dataset that applies to it."""
    ranked = [
        (_match(rule, record, data_map, by_dataset), -index, rule)
        for index, rule in enumerate(data_map.retention.rules)
        if rule.dataset == record.dataset
    ]
    ranked = [item for item in ranked if item[0] > 0]
    return max(ranked, key=lambda item: item[:2])[2] if ranked else None


def _match(rule: Retention, record: SubjectRecord, data_map: DataMap, by_dataset: Records) -> int:
    """0: does not apply; 1: by data subject only; 2: to every record; 3, 4: specifically."""
    start = STARTS.match(rule.starts)
    other = start["dataset"] if start and start["dataset"] != record.dataset else None
    if rule.applies_to is None:
        return 2
    if other:
        return 4 if by_dataset.get(other) else 0
    wanted = rule.applies_to.casefold()
    if any(isinstance(v, str) and v.casefold() == wanted for f in record.fields for v in f.values):
        return 3
    spec = data_map.datasets.get(record.dataset)
    return 1 if spec and rule.applies_to in spec.data_subjects else 0


def start_date(
    rule: Retention, record: SubjectRecord, by_dataset: Records, schedule: RetentionSchedule
) -> date | None:
    """The local date the period runs from: the record's own event, or the person's latest
    event in another dataset (a customer's last order); a financial year's end if asked."""
    start = STARTS.match(rule.starts)
    if start is None:
        return None
    other = start["dataset"] and start["dataset"] != record.dataset
    sources = by_dataset.get(start["dataset"], []) if other else [record]
    days = [
        day
        for source in sources
        for value in source.values(start["column"])
        if (day := local_date(value, schedule.timezone)) is not None
    ]
    if not days:
        return None
    day = max(days) if other else min(days)
    return financial_year_end(day, schedule.financial_year_end) if start["fy"] else day


def local_date(value: object, zone: str) -> date | None:
    if isinstance(value, datetime):
        return value.astimezone(ZoneInfo(zone)).date() if value.tzinfo else value.date()
    return value if isinstance(value, date) else None


def financial_year_end(day: date, year_end: str) -> date:
    """The first financial year end (MM-DD) on or after the day."""
    month, last = (int(part) for part in year_end.split("-"))
    end = _clamped(day.year, month, last)
    return end if day <= end else _clamped(day.year + 1, month, last)


def add_period(day: date, period: RetentionPeriod) -> date:
    """The day plus years, months (clamped to the month's end) and days."""
    months = day.month - 1 + period.years * 12 + period.months
    moved = _clamped(day.year + months // 12, months % 12 + 1, day.day)
    return moved + timedelta(days=period.days)


def _clamped(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def period_text(period: RetentionPeriod) -> str:
    parts = [(period.years, "year"), (period.months, "month"), (period.days, "day")]
    return ", ".join(f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in parts if n) or "0 days"


def erasure_advice(record: SubjectRecord, data_map: DataMap, as_of: date) -> ErasureAdvice:
    """Delete, keep (while exempt or until the legal period ends), or suppress."""
    retention = record.retention
    then = ACTIONS.get(retention.action or "", retention.action)
    if retention.exempt:
        return ErasureAdvice(
            "keep",
            f"keep while the {_label(retention.exempt)} lasts, then {then}",
            f"{retention.data} under {_label(retention.exempt)} are exempt from the schedule",
            then=then,
        )
    if keep := _legal_keep(record, data_map, as_of):
        return keep
    if suppress := _suppression(record, data_map):
        return suppress
    return ErasureAdvice("delete", "delete", _delete_reason(retention, as_of))


def _legal_keep(record: SubjectRecord, data_map: DataMap, as_of: date) -> ErasureAdvice | None:
    """Keep until the period ends when a legal obligation requires keeping the record."""
    retention = record.retention
    purposes = legal_obligations(record, data_map)
    if not purposes or retention.rule is None or retention.past:
        return None
    if retention.ends_on is not None and retention.ends_on < as_of:
        return None
    then = ACTIONS.get(retention.action or "", retention.action)
    until = str(retention.ends_on) if retention.ends_on else _pending(retention)
    return ErasureAdvice(
        "keep",
        f"keep until {until}, then {then}",
        f"{retention.data} are kept {retention.period} from {_starts_text(retention.starts)} "
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


def _delete_reason(retention: RetentionStatus, as_of: date) -> str:
    if retention.past:
        return f"{retention.status}: nothing requires keeping it"
    if retention.ends_on and retention.ends_on < as_of:
        return f"its retention period ended {retention.ends_on}"
    if retention.rule:
        return f"no legal obligation to keep {retention.data}"
    return "no retention rule requires keeping it"


def _pending(retention: RetentionStatus) -> str:
    return f"{retention.period} after {_starts_text(retention.starts)} (not yet recorded)"


def _starts_text(starts: str | None) -> str:
    """end_of_financial_year(orders.created_at) -> the end of the financial year of the latest
    orders.created_at"""
    match = STARTS.match(starts or "")
    if match is None:
        return starts or ""
    column = match["column"]
    if match["dataset"]:
        column = f"the latest {match['dataset']}.{column}"
    return f"the end of the financial year of {column}" if match["fy"] else column


def _label(name: str) -> str:
    return name.replace("_", " ")
