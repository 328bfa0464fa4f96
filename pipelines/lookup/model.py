"""What a subject look-up finds: the person's records, their retention and erasure advice, the
datasets searched, the Article 15 pack and the verdict on an erasure request."""

from __future__ import annotations

import hashlib
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


@dataclass(frozen=True)
class ErasureRequest:
    """The person's erasure request in the rights-request tracker."""

    ref: str
    status: str
    received_on: date | None
    completed_on: date | None

    @property
    def completed(self) -> bool:
        return self.status.strip().lower() == "completed" and self.completed_on is not None


@dataclass(frozen=True)
class ErasureVerdict:
    """Where one record still held stands against the erasure request."""

    kind: str  # should_have_been_erased | kept | requested
    text: str


@dataclass(frozen=True)
class Searched:
    """One dataset of the data map and whether the look-up could search it."""

    dataset: str
    system: str
    columns: list[str]  # the email and phone columns identity resolution links by
    rows: int
    files: int
    rejected: int  # rows that could not be read: not searched
    note: str = ""  # why it was not searched


@dataclass(frozen=True)
class Art15Purpose:
    name: str
    lawful_basis: str  # in words: Article 6(1)(b) contract
    legitimate_interest: str | None = None


@dataclass(frozen=True)
class Art15Recipient:
    name: str
    category: str
    country: str
    safeguard: str
    abroad: bool  # a transfer outside the controller's country


@dataclass(frozen=True)
class Art15KeptUntil:
    record_key: str
    kept_until: date | None
    status: str


@dataclass(frozen=True)
class Art15Entry:
    """Article 15(1) for one dataset holding the person: why, on what basis, shared with whom,
    for how long, from where."""

    system: str
    vendor: str
    dataset: str
    description: str
    subjects: str  # the person as the purposes see them (a customer), or how it was decided
    categories: list[str]  # the kinds of personal data the person's records hold
    purposes: list[Art15Purpose]
    recipients: list[Art15Recipient]
    hosting: str  # who holds it for us, where
    retention: list[str]
    kept_until: list[Art15KeptUntil]
    source: str


@dataclass(frozen=True)
class Art15Right:
    name: str
    article: str
    text: str
    applies: list[str]  # the purposes it applies to; empty: all of them
    not_for: list[str]  # the purposes it does not apply to (their lawful basis)


@dataclass(frozen=True)
class Art15Pack:
    controller: str
    contact: str
    country: str  # the controller's: a recipient elsewhere is a transfer
    dpo: str | None
    entries: list[Art15Entry]
    rights: list[Art15Right]


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
    verdict: ErasureVerdict | None = None  # against the person's erasure request, if any

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
    searched: list[Searched] = field(default_factory=list)
    art15: Art15Pack | None = None
    erasure_request: ErasureRequest | None = None

    @property
    def held(self) -> bool:
        return bool(self.records)

    @property
    def short_key(self) -> str:
        """The first 12 characters of the subject key; for nobody, of the SHA-256 of the
        identifier (the file names of two look-ups of the same nobody agree)."""
        if self.subject_keys:
            return self.subject_keys[0][:12]
        digest = hashlib.sha256(f"{self.kind}:{self.identifier}".encode()).hexdigest()
        return f"none-{digest[:12]}"
