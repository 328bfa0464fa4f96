"""The report's headline: a red, amber or green status in plain words, the worst first."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipelines.reporting.model import RuleView
from pipelines.rules.catalogue import SEVERITY_ORDER

WORDS = {
    "red": "Critical problems",
    "amber": "Serious problems",
    "green": "No serious problems",
}


@dataclass
class Status:
    colour: str  # red, amber or green
    label: str
    problems: list[RuleView] = field(default_factory=list)  # the rules named in the headline
    counts: dict[str, int] = field(default_factory=dict)
    changes: dict[str, int | None] = field(default_factory=dict)  # vs the previous audit

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def headline(self) -> str:
        if not self.problems:
            if self.total:
                return f"{self.label}: {self.total} minor findings to tidy up"
            return "No problems found: every automated check passed"
        return f"{self.label}: " + "; ".join(lower_first(r.title) for r in self.problems)


def lower_first(title: str) -> str:
    """'Full card number stored' -> 'full card number stored' (an 'ICO ...' stays)."""
    if len(title) > 1 and title[0].isupper() and title[1].islower():
        return title[0].lower() + title[1:]
    return title


def status(rules: list[RuleView]) -> Status:
    counts = {s: sum(r.count for r in rules if r.severity == s) for s in SEVERITY_ORDER}
    previous = None
    if rules and all(r.previous is not None for r in rules):
        previous = {
            s: sum(r.previous or 0 for r in rules if r.severity == s) for s in SEVERITY_ORDER
        }
    changes = {s: (counts[s] - previous[s]) if previous else None for s in SEVERITY_ORDER}
    worst = sorted((r for r in rules if r.count), key=lambda r: r.rank)
    if counts["critical"]:
        colour = "red"
        named = [r for r in worst if r.severity == "critical"]
    elif counts["high"]:
        colour = "amber"
        named = [r for r in worst if r.severity == "high"]
    else:
        colour, named = "green", []
    return Status(colour, WORDS[colour], named, counts, changes)
