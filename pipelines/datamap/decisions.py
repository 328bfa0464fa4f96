"""What the company decided about findings (decisions.yaml): accepted risk, false positive, in
progress; per finding (rule, dataset, record key) or for a whole rule, with who decided.

The audit applies them to each run's findings (rules/decisions.py): a decided finding is kept apart
from open ones, an acceptance past its `until` date (or work past its `due` date) reopens it, and a
decision that names no finding of the run is reported. The file is part of the data map, so every
decision is in the run's data map digest and in audit.decisions: the audit trail.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

DecisionKind = Literal["accepted_risk", "false_positive", "in_progress"]


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rule: str = Field(description="the rule id (RET-CALLS)")
    dataset: str | None = Field(default=None, description="with record_key: one finding")
    record_key: str | None = None
    decision: DecisionKind
    reason: str = ""
    until: date | None = Field(default=None, description="accepted_risk: accepted until then")
    ticket: str | None = Field(default=None, description="in_progress: the work's reference")
    due: date | None = Field(default=None, description="in_progress: when it will be done")
    decided_by: str
    decided_on: date

    @model_validator(mode="after")
    def _complete(self) -> Decision:
        if (self.dataset is None) != (self.record_key is None):
            raise ValueError("give dataset and record_key together (one finding), or neither")
        needs = {
            "accepted_risk": ("reason", "until"),
            "false_positive": ("reason",),
            "in_progress": ("ticket", "due"),
        }[self.decision]
        missing = [name for name in needs if not getattr(self, name)]
        if missing:
            raise ValueError(f"a {self.decision} decision needs {' and '.join(missing)}")
        return self

    @property
    def scope(self) -> str:
        return f"{self.rule} {self.dataset} {self.record_key}" if self.record_key else self.rule
