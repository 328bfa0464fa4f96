"""What to do about a finding, in the system that must act (remediation.yaml).

`rules` says, for the rules whose fix is not a retention action, what to do and where: on the
finding's own record (a card number in CRM notes: redact that field), or on the records of the
finding's person in other datasets (an erasure not carried out: delete them wherever they are).
Retention rules take the action of their retention.yaml row; a rule named nowhere gets `review`
(a person must judge). `targets` says what a system acts on for each dataset (its Record ID, a
recording file, a Mailchimp subscriber hash). `layouts` describe, per system, the files its own
import or API takes (a HubSpot GDPR-delete list, a Mailchimp unsubscribe import): which actions go
in each file and which column holds what. Another company changes this file, not code.

Column sources (a layout's `columns` values and a dataset's `target`):
- `system`, `dataset`, `record_key`, `target`, `field`, `rules`, `action`, `detail`, `reference`
  (the finding a row comes from): the remediation row's own values;
- `column <name>`: the staged value of a column of the record (an email: personal data);
- `subscriber_hash <column>`: MD5 of the lower-cased, trimmed value (Mailchimp's member id);
- `sha256 <column>`: SHA-256 of the lower-cased, trimmed value (a suppression entry);
- `'text'`: that text on every row.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Action = Literal[
    "delete", "anonymise", "reduce_to_suppression_entry", "unsubscribe", "redact_field", "review"
]
ACTIONS: tuple[str, ...] = Action.__args__  # type: ignore[attr-defined]

SOURCE = re.compile(
    r"^(?:system|dataset|record_key|target|field|rules|action|detail|reference|'[^']*'"
    r"|(?:column|subscriber_hash|sha256) [a-z_][a-z0-9_]*)$"
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleAction(_Strict):
    action: Action
    scope: Literal["record", "subject"] = Field(
        default="record", description="the finding's record, or its person's records elsewhere"
    )
    datasets: list[str] = Field(
        default=[], description="scope subject: only these datasets (empty: every dataset)"
    )
    except_datasets: list[str] = Field(default=[], description="scope subject: never these")
    field: str | None = Field(
        default=None,
        description="a regex on the finding's detail whose first group is the field to act on",
    )
    review_when: str | None = Field(
        default=None, description="a regex on the detail: such findings get `review` instead"
    )
    why: str = ""

    @field_validator("field", "review_when")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            re.compile(value)
        return value


def _known_sources(sources: dict[str, str], what: str) -> dict[str, str]:
    """The mapping as given when every value is a source SOURCE knows, else the unknown ones."""
    if bad := [s for s in sources.values() if not SOURCE.match(s)]:
        raise ValueError(f"unknown {what} source(s): {', '.join(bad)}")
    return sources


class LayoutFile(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*\.(csv|txt)$")
    description: str
    actions: list[Action]
    columns: dict[str, str] = Field(description="header: source (see the module's docstring)")
    header: bool = True

    @field_validator("columns")
    @classmethod
    def _sources(cls, columns: dict[str, str]) -> dict[str, str]:
        return _known_sources(columns, "column")


class Remediation(_Strict):
    rules: dict[str, RuleAction] = {}
    targets: dict[str, str] = Field(
        default={}, description="dataset: what the system acts on (default: record_key)"
    )
    layouts: dict[str, list[LayoutFile]] = Field(default={}, description="system id: its files")

    @field_validator("targets")
    @classmethod
    def _targets(cls, targets: dict[str, str]) -> dict[str, str]:
        return _known_sources(targets, "target")
