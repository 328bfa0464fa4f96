"""Planted cases: for every audit rule, records that break it and near misses that do not.

Each case is a small builder run inside the generator's single pass at a scheduled contact
index. A `slot` case writes the CRM contact of its index instead of an ordinary contact (so the
CRM keeps exactly `contacts` rows); other cases add people outside the CRM (guest buyers, chat
visitors, unknown callers, former contacts still in Mailchimp), tracker rows or log rows.
Builders record every finding they cause in the estate's ground truth, including findings of
other rules a case cannot avoid.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from random import Random
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..generator import Estate

PER_RULE_BASE = 3
PER_RULE_STEP = 50_000  # one more violation per rule for every 50,000 contacts


@dataclass(frozen=True, slots=True)
class Case:
    rule: str  # the rule the case exercises
    violation: bool  # False: a near miss, which no rule may report
    label: str
    build: Callable[[Estate, int], None]
    slot: bool = False


@dataclass(slots=True)
class Schedule:
    slots: dict[int, list[Case]] = field(default_factory=dict)
    extras: dict[int, list[Case]] = field(default_factory=dict)

    def at(self, i: int) -> tuple[list[Case], list[Case]]:
        return self.slots.get(i, []), self.extras.get(i, [])


def violations_per_rule(contacts: int) -> int:
    return PER_RULE_BASE + contacts // PER_RULE_STEP


def all_cases(k: int) -> list[Case]:
    """Every planted case for k violations per rule (plus each rule's fixed boundary cases)."""
    from . import consent, retention, rights, security, third_parties

    return [
        *retention.cases(k),
        *consent.cases(k),
        *security.cases(k),
        *third_parties.cases(k),
        *rights.cases(k),
    ]


def late_cases(k: int) -> list[Case]:
    """The cases of the exports built after the pass (cookie scans, the consent log, job
    applications, employees), for k violations per rule: the generator runs them in this order
    on those exports' own random stream, before their ordinary records."""
    from . import consents, cookies, personnel

    return [*cookies.cases(k), *consents.cases(k), *personnel.cases(k)]


def schedule(rng: Random, contacts: int) -> Schedule:
    """Spread the cases over the contact indices: slot cases on distinct indices (at most half
    of them: tiny estates keep fewer slot cases), the others anywhere."""
    plan = Schedule()
    if contacts <= 0:
        return plan
    cases = all_cases(violations_per_rule(contacts))
    slot_cases = [c for c in cases if c.slot]
    rng.shuffle(slot_cases)
    slot_cases = slot_cases[: contacts // 2]
    indices = sorted(rng.sample(range(contacts), len(slot_cases)))
    for case, i in zip(slot_cases, indices, strict=True):
        plan.slots.setdefault(i, []).append(case)
    for case in (c for c in cases if not c.slot):
        plan.extras.setdefault(rng.randrange(contacts), []).append(case)
    return plan
