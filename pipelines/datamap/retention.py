"""The retention schedule (retention.yaml) and the cookie inventory (cookies.yaml), typed.

`starts`, `applies_to` and `exempt_when` are parsed here, once: the audit's retention table
(audit.retention_due), the validator, the subject look-up and the ROPA all read these models.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

RetentionAction = Literal["delete", "anonymise", "reduce_to_suppression_entry"]
CookieCategory = Literal["strictly_necessary", "functional", "analytics", "marketing"]

START = re.compile(
    r"^(?:(?P<fy>end_of_financial_year)\(\s*(?P<inner>[^()]*?)\s*\)|(?P<plain>[^()\s]+))$"
)
NAME = re.compile(r"^(?:(?P<dataset>[a-z][a-z0-9_]*)\.)?(?P<column>[a-z][a-z0-9_]*)$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class RetentionPeriod(_Strict):
    days: int = Field(default=0, ge=0)
    months: int = Field(default=0, ge=0)
    years: int = Field(default=0, ge=0)

    def words(self) -> str:
        parts = [(self.years, "year"), (self.months, "month"), (self.days, "day")]
        return ", ".join(f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in parts if n) or "0 days"


class Start(_Strict):
    """One event a period may run from: a column of the record's own dataset, or the latest
    value among the same person's records in another dataset; optionally the end of the
    financial year that value's local date falls in."""

    column: str
    dataset: str | None = None
    financial_year_end: bool = False

    @classmethod
    def parse(cls, text: str) -> Start:
        match = START.match(text.strip())
        name = NAME.match((match["inner"] if match["fy"] else match["plain"]) if match else "")
        if match is None or name is None:
            raise ValueError(
                f"cannot read '{text}': write a column, dataset.column or "
                "end_of_financial_year(column)"
            )
        return cls(
            column=name["column"], dataset=name["dataset"], financial_year_end=bool(match["fy"])
        )

    def text(self) -> str:
        name = f"{self.dataset}.{self.column}" if self.dataset else self.column
        return f"end_of_financial_year({name})" if self.financial_year_end else name

    def words(self) -> str:
        """end_of_financial_year(orders.created_at) -> 'the end of the financial year of the
        latest orders.created_at'"""
        name = f"the latest {self.dataset}.{self.column}" if self.dataset else self.column
        return f"the end of the financial year of {name}" if self.financial_year_end else name


class AppliesTo(_Strict):
    """Which records of the dataset a retention row covers."""

    column: str | None = None
    values: list[str] = Field(default=[], description="compared trimmed and case-insensitively")
    with_records_in: str | None = Field(default=None, alias="with")
    without_records_in: str | None = Field(default=None, alias="without")

    @model_validator(mode="after")
    def _one_way(self) -> AppliesTo:
        ways = [self.column is not None, bool(self.with_records_in), bool(self.without_records_in)]
        if sum(ways) != 1:
            raise ValueError("give exactly one of column (with values), with or without")
        if self.column is not None and not self.values:
            raise ValueError("a column needs the values that select the records")
        return self

    def words(self) -> str:
        if self.column:
            return f"{self.column} {' or '.join(self.values)}"
        if self.with_records_in:
            return f"people with records in {self.with_records_in}"
        return f"people with no records in {self.without_records_in}"


class Exemption(_Strict):
    """A boolean column that exempts a record while it is true (a legal hold), or a time
    column that exempts it while the time is within `within` before the as-of date (an
    applicant's agreement to be kept on file)."""

    column: str
    within: RetentionPeriod | None = None

    def words(self) -> str:
        label = self.column.replace("_", " ")
        return f"{label} in the last {self.within.words()}" if self.within else label


class Retention(_Strict):
    id: str
    rule: str | None = Field(default=None, description="the rule enforcing this row (RET-CALLS)")
    data: str
    dataset: str
    applies_to: AppliesTo | None = None
    keep_for: RetentionPeriod
    starts: list[Start] = Field(description="the first of these with a value")
    action: RetentionAction
    exempt_when: Exemption | None = None
    clauses: list[str] = []

    @field_validator("starts", mode="before")
    @classmethod
    def _parse_starts(cls, value: Any) -> Any:
        items = value if isinstance(value, list) else [value]
        return [Start.parse(item) if isinstance(item, str) else item for item in items]

    @field_validator("exempt_when", mode="before")
    @classmethod
    def _parse_exemption(cls, value: Any) -> Any:
        return {"column": value} if isinstance(value, str) else value

    def starts_words(self) -> str:
        return ", else ".join(start.words() for start in self.starts)


class RetentionSchedule(_Strict):
    financial_year_end: str = Field(pattern=r"^\d{2}-\d{2}$", description="MM-DD")
    timezone: str
    rules: list[Retention]

    def for_rule(self, rule_id: str) -> list[Retention]:
        return [row for row in self.rules if row.rule == rule_id]


class Cookie(_Strict):
    """One cookie of the website's inventory; `name` exact, or a pattern with `*`."""

    name: str
    provider: str
    category: CookieCategory
    purpose: str
    max_lifetime_days: int = Field(ge=0, description="0: a session cookie only")
    exemption: str | None = Field(
        default=None, description="the legal exemption relied on to set it without consent"
    )

    @property
    def needs_consent(self) -> bool:
        return self.category != "strictly_necessary" and not self.exemption

    @property
    def is_pattern(self) -> bool:
        return "*" in self.name

    def regex(self) -> str:
        """The name as an anchored regular expression (`*`: any run of characters)."""
        return "^" + ".*".join(re.escape(part) for part in self.name.split("*")) + "$"
