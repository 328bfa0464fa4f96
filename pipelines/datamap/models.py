"""Pydantic models of the data map: policy, systems, recipients and dataset specs (retention and
cookies: datamap/retention.py)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pipelines.datamap.decisions import Decision
from pipelines.datamap.remediation import Remediation
from pipelines.datamap.retention import Cookie, RetentionSchedule

ColumnType = Literal[
    "text",
    "integer",
    "decimal",
    "boolean",
    "timestamp",
    "date",
    "email",
    "phone",
    "json",
    "country",
]
LawfulBasis = Literal[
    "consent",
    "contract",
    "legal_obligation",
    "vital_interests",
    "public_task",
    "legitimate_interests",
]

CANONICAL_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Clause(_Strict):
    id: str
    heading: str
    text: str


class Policy(_Strict):
    document: str
    controller: str
    controller_country: str = Field(description="where the controller is: transfers are from here")
    issued: str
    source: str | None = None
    contact: str | None = Field(
        default=None, description="where a person exercises their rights (the policy's address)"
    )
    dpo: str | None = Field(
        default=None, description="the data protection officer, or who acts for one and why"
    )
    representative: str | None = Field(
        default=None, description="the UK or EU representative, or why none is needed"
    )
    clauses: list[Clause]


class Purpose(_Strict):
    name: str
    data_use: str
    lawful_basis: LawfulBasis
    legitimate_interest: str | None = None
    data_subjects: list[str]
    recipients: list[str] = []
    dpia: str | None = Field(
        default=None, description="the DPIA's reference, or why none is needed"
    )


class System(_Strict):
    id: str
    name: str
    vendor: str
    business_function: str
    owner: str
    processor: str | None = None
    location: str
    security_measures: str
    purposes: list[Purpose]


class Recipient(_Strict):
    id: str
    name: str
    category: str
    country: str
    safeguard: str
    contract: str | None = None
    approved: bool = True


class RuleParameters(_Strict):
    optout_grace_days: int = Field(ge=0)
    response_months: int = Field(ge=1)
    extended_response_months: int = Field(ge=1)
    sale_words: list[str]
    safe_countries: list[str]
    no_safeguard_values: list[str]


class NotAPerson(_Strict):
    value: str = Field(description="an email or phone number as any system writes it")
    what: str = Field(description="whose it is: the switchboard, a shared mailbox")


class Identity(_Strict):
    """Identifiers that are not one person's, and when a shared one should be suspected."""

    not_a_person: list[NotAPerson] = []
    # an identifier linking more records than this, under more distinct names than
    # `shared_warning_names`, is probably shared (an office line): the audit warns, naming it
    shared_warning_records: int = Field(default=25, ge=2)
    shared_warning_names: int = Field(default=3, ge=2)


class FileSpec(_Strict):
    pattern: str = "*"
    format: Literal["csv", "json", "parquet", "xlsx"]
    encoding: str = "utf-8"
    encoding_errors: Literal["strict", "replace"] = "strict"
    header: bool = True
    delimiter: str = ","
    quote: str = '"'
    column_names: list[str] | None = None
    pad_missing_columns: bool = False
    sheet: str | None = None
    records_path: str | None = Field(
        default=None, description="json: where an API dump's object holds its records (a.b)"
    )
    max_rejected_share: float = Field(
        default=0.05, ge=0, le=1, description="a file rejecting more rows than this is a gap"
    )


class ColumnSpec(_Strict):
    name: str
    source: str | None = None
    sources: list[str] | None = Field(
        default=None, description="several exported columns joined (first + last name)"
    )
    join_with: str = " "
    from_file_name: str | None = None
    absent: bool = Field(default=False, description="the export has no such column: always empty")
    optional: bool = Field(default=False, description="some files of the export lack the column")
    extract: str | None = None
    type: ColumnType = "text"
    category: str
    identifies: bool | None = None
    required: bool = False
    formats: list[str] = []
    timezone: str | None = None
    strip_prefix: str | None = None
    true_values: list[str] = ["true", "yes", "y", "1"]
    false_values: list[str] = ["false", "no", "n", "0"]
    description: str | None = None
    consent_evidence: bool = Field(
        default=False, description="when the person consented: the ROPA's link to consent"
    )

    @field_validator("name")
    @classmethod
    def _snake_case(cls, value: str) -> str:
        if not CANONICAL_NAME.match(value):
            raise ValueError(f"{value!r} is not a snake_case canonical name")
        return value

    @property
    def headers(self) -> list[str]:
        """The exported columns this column is read from."""
        return list(self.sources or ([self.source] if self.source else []))

    @property
    def is_identifier(self) -> bool:
        if self.identifies is not None:
            return self.identifies
        return self.type in ("email", "phone")


class DatasetSpec(_Strict):
    name: str
    system: str
    description: str
    data_subjects: list[str]
    collected_from: str | None = Field(
        default=None, description="where the data comes from (Art. 15(1)(g), Art. 14)"
    )
    files: FileSpec
    timezone: str = "Europe/London"
    phone_region: str = "GB"
    key: list[str] = Field(default=[], description="canonical columns; empty means row number")
    anonymised_when_empty: list[str] = Field(
        default=[], description="canonical columns: a record with all of them empty is anonymised"
    )
    columns: list[ColumnSpec]

    def column(self, name: str) -> ColumnSpec | None:
        return next((c for c in self.columns if c.name == name), None)

    @property
    def source_columns(self) -> list[str]:
        return [h for c in self.columns for h in c.headers]

    def must_load(self, column: ColumnSpec) -> bool:
        """A key or required column: a row without a readable value there is rejected."""
        return column.required or column.name in self.key


class DataMap(_Strict):
    policy: Policy
    systems: list[System]
    recipients: list[Recipient]
    retention: RetentionSchedule
    rules: RuleParameters
    datasets: dict[str, DatasetSpec]
    digest: str
    identity: Identity = Identity()
    cookies: list[Cookie] = []  # the website's cookie inventory (cookies.yaml)
    decisions: list[Decision] = []  # what the company decided about findings (decisions.yaml)
    remediation: Remediation = Remediation()  # what to do about findings (remediation.yaml)
    directory: str = ""  # the folder the data map was read from

    def system(self, system_id: str) -> System | None:
        return next((s for s in self.systems if s.id == system_id), None)
