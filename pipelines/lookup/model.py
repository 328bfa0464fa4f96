"""What a subject look-up finds: the person's records, their retention and erasure advice."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class HeldField:
    """One canonical column of a record that holds a value, with its fideslang category."""

    name: str
    category: str
    values: list[object]


@dataclass(frozen=True)
class RecordFinding:
    rule_id: str
    title: str
    severity: str
    area: str
    detail: str
    open_since: date | None


@dataclass(frozen=True)
class RetentionStatus:
    """The retention rule that applies to a record and where the record stands against it."""

    status: str
    rule: str | None = None
    data: str | None = None
    period: str | None = None
    starts: str | None = None
    started_on: date | None = None
    ends_on: date | None = None
    action: str | None = None
    exempt: str | None = None  # the exemption that holds (legal hold), in words
    past: bool = False  # a retention finding of the run
    ended: bool = False  # past its period and not exempt (audit.retention_due)


@dataclass(frozen=True)
class ErasureAdvice:
    """What an erasure request does to one record: delete, keep (until), or suppress."""

    action: str  # delete | keep | suppress
    text: str
    reason: str
    keep_until: date | None = None
    then: str | None = None
    suppression_entry: str | None = None


@dataclass
class SubjectRecord:
    dataset: str
    record_key: str
    system_id: str
    system_name: str
    vendor: str
    description: str
    fields: list[HeldField] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    findings: list[RecordFinding] = field(default_factory=list)
    retention: RetentionStatus = field(default_factory=lambda: RetentionStatus("no retention rule"))
    erasure: ErasureAdvice | None = None

    def values(self, column: str) -> list[object]:
        return next((f.values for f in self.fields if f.name == column), [])


@dataclass
class SubjectReport:
    identifier: str
    kind: str  # email | phone
    run_id: str
    as_of: date
    subject_keys: list[str]
    emails: list[str]
    phones: list[str]
    records: list[SubjectRecord]
    notes: list[str] = field(default_factory=list)

    @property
    def short_key(self) -> str:
        return self.subject_keys[0][:12]
