"""The management report's content as plain data: rules, clauses, systems, ages, trend, status.

Built from the small aggregates of queries.py, the rule catalogue and the data map; the template
and the charts only lay this out. Everything that could hold personal data (record keys, details)
is masked here, before it reaches a template or a chart.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import duckdb

from pipelines.datamap import DataMap
from pipelines.reporting import queries
from pipelines.reporting.changes import Changes
from pipelines.reporting.masking import mask_key, redact, short_subject
from pipelines.reporting.responsible import responsible_counts, responsible_views
from pipelines.rules.catalogue import SEVERITY_ORDER, Suite

EXAMPLES_PER_RULE = 20
AGE_BUCKETS = (  # (label, most days open)
    ("First seen as of this date", 0),
    ("Under 3 months", 91),
    ("3 to 6 months", 183),
    ("6 to 12 months", 366),
    ("Over a year", None),
)


@dataclass
class ExampleView:
    record_key: str
    subject: str
    dataset: str
    detail: str
    open_since: date
    new: bool = False  # first seen in this run


@dataclass
class RuleView:
    id: str
    title: str
    severity: str
    area: str
    clauses: list[str]
    count: int = 0
    previous: int | None = None
    new: int = 0  # findings the previous run did not have
    resolved: int = 0  # findings of the previous run this one has not
    decided: int = 0  # findings a decision keeps apart (not counted in `count`)
    reopened: int = 0  # open findings whose decision expired
    open_since: date | None = None
    datasets: list[str] = field(default_factory=list)
    systems: list[str] = field(default_factory=list)  # who is responsible (responsible.py)
    examples: list[ExampleView] = field(default_factory=list)
    resolved_examples: list[ExampleView] = field(default_factory=list)

    @property
    def rank(self) -> tuple[int, int, str]:
        return (severity_rank(self.severity), -self.count, self.id)

    @property
    def all_new(self) -> bool:
        return bool(self.count) and self.new == self.count


@dataclass
class ClauseView:
    id: str
    heading: str
    text: str
    rules: list[RuleView]
    counts: dict[str, int] = field(default_factory=dict)  # rule id: open findings breaking it

    @property
    def count(self) -> int:
        return sum(self.counts.values())

    @property
    def broken_by(self) -> list[RuleView]:
        return sorted((r for r in self.rules if self.counts.get(r.id)), key=lambda r: r.rank)

    @property
    def status(self) -> str:
        if not self.rules:
            return "unchecked"
        return "broken" if self.count else "checked"

    @property
    def rank(self) -> tuple[int, int, str]:
        worst = min(
            (severity_rank(r.severity) for r in self.broken_by), default=len(SEVERITY_ORDER)
        )
        return (worst, -self.count, self.id)


def severity_rank(severity: str) -> int:
    return SEVERITY_ORDER.index(severity) if severity in SEVERITY_ORDER else len(SEVERITY_ORDER)


def build_rules(
    conn: duckdb.DuckDBPyConnection, data_map: DataMap, suites: list[Suite], run_id: str
) -> dict[str, RuleView]:
    """Every rule of the catalogue (and any rule this run recorded that it no longer has)."""
    rules = {
        rule.id: RuleView(rule.id, rule.title, rule.severity, suite.suite, list(rule.clauses))
        for suite in suites
        for rule in suite.rules
    }
    for old in queries.recorded_rules(conn, run_id):
        rules.setdefault(
            old.rule_id,
            RuleView(old.rule_id, old.title, old.severity, old.area, list(old.clauses)),
        )
    for row in queries.rule_counts(conn, run_id):
        rule = rules[row.rule_id]
        rule.count += row.count
        rule.open_since = min(filter(None, (rule.open_since, row.open_since)))
        rule.datasets.append(row.dataset)
    for rule_id, dataset, names, _ in responsible_counts(conn, run_id):
        for view in responsible_views(data_map, names, dataset):
            if view.name not in rules[rule_id].systems:
                rules[rule_id].systems.append(view.name)
    for example in queries.examples(conn, run_id, EXAMPLES_PER_RULE):
        rules[example.rule_id].examples.append(example_view(data_map, example, run_id))
    return rules


def example_view(data_map: DataMap, example: queries.Example, run_id: str) -> ExampleView:
    return ExampleView(
        mask_key(data_map, example.dataset, example.record_key),
        short_subject(example.subject_key),
        example.dataset,
        redact(example.detail),
        example.open_since,
        example.first_seen_run == run_id,
    )


def add_previous(
    conn: duckdb.DuckDBPyConnection,
    data_map: DataMap,
    rules: dict[str, RuleView],
    changes: Changes,
) -> None:
    """Counts of the previous run, and what is new and resolved since (changes.py)."""
    for rule_id, n in changes.new.items():
        rules[rule_id].new = n
    if changes.previous_run is None:
        return
    previous = queries.counts_by_rule(conn, changes.previous_run)
    for rule in rules.values():
        rule.previous = previous.get(rule.id, 0)
        rule.resolved = changes.resolved.get(rule.id, 0)
    for example in queries.resolved_examples(
        conn, changes.run_id, changes.previous_run, EXAMPLES_PER_RULE
    ):
        if example.rule_id in rules:
            view = example_view(data_map, example, changes.run_id)
            rules[example.rule_id].resolved_examples.append(view)


def build_clauses(
    data_map: DataMap, rules: dict[str, RuleView], counts: dict[tuple[str, str], int]
) -> list[ClauseView]:
    """Every clause of the policy, in policy order, with the rules that check it and the open
    findings breaking it (queries.clause_counts: a finding breaks the clauses it names, so a
    late access request is under 8.4 and a late rectification under 8.3)."""
    by_clause: dict[str, list[RuleView]] = defaultdict(list)
    for rule in rules.values():
        for clause in rule.clauses:
            by_clause[clause].append(rule)
    return [
        ClauseView(
            c.id,
            c.heading,
            c.text,
            sorted(by_clause[c.id], key=lambda r: r.rank),
            {rule: n for (clause, rule), n in counts.items() if clause == c.id},
        )  # fmt: skip
        for c in data_map.policy.clauses
    ]


def age_buckets(
    rows: list[tuple[str, date, int]], rules: dict[str, RuleView], as_of: date
) -> dict[str, dict[str, int]]:
    """Open findings per age bucket and severity: {bucket label: {severity: count}}."""
    buckets = {label: dict.fromkeys(SEVERITY_ORDER, 0) for label, _ in AGE_BUCKETS}
    for rule_id, first_seen, count in rows:
        days = (as_of - first_seen).days
        label = next(lbl for lbl, most in AGE_BUCKETS if most is None or days <= most)
        severity = rules[rule_id].severity
        buckets[label][severity] = buckets[label].get(severity, 0) + count
    return buckets


def trend_series(points: list[queries.TrendPoint]) -> dict[str, list]:
    """Per run, in the order they ran: as_of, run_id, a label (the as-of date, numbered when
    several runs share it) and the count of each severity and in total."""
    runs: dict[str, dict] = {}
    for p in points:
        run = runs.setdefault(p.run_id, {"as_of": p.as_of, **dict.fromkeys(SEVERITY_ORDER, 0)})
        if p.severity is not None:
            run[p.severity] = run.get(p.severity, 0) + p.count
    ordered = sorted(runs.items())
    seen: dict[date, int] = defaultdict(int)
    labels = []
    for _, run in ordered:
        seen[run["as_of"]] += 1
        label = f"{run['as_of']:%d %b %Y}"
        labels.append(label if seen[run["as_of"]] == 1 else f"{label} ({seen[run['as_of']]})")
    series: dict[str, list] = {
        "run_id": [run_id for run_id, _ in ordered],
        "as_of": [run["as_of"] for _, run in ordered],
        "label": labels,
    }
    for severity in SEVERITY_ORDER:
        series[severity] = [run[severity] for _, run in ordered]
    series["total"] = [sum(run[s] for s in SEVERITY_ORDER) for _, run in ordered]
    return series


@dataclass
class DecidedView:
    rule: RuleView
    state: str
    decision: str
    count: int
    records: list[str]  # masked record keys, at most 5


def build_decided(
    conn: duckdb.DuckDBPyConnection, data_map: DataMap, rules: dict[str, RuleView], run_id: str
) -> list[DecidedView]:
    """Findings kept apart from the open ones by a decision, per rule and decision."""
    views = []
    for group in queries.decided(conn, run_id):
        rule = rules[group.rule_id]
        rule.decided += group.count
        keys = [mask_key(data_map, dataset, key) for dataset, key in group.records]
        views.append(DecidedView(rule, group.state, group.decision, group.count, keys))
    for rule_id, n in queries.reopened(conn, run_id).items():
        rules[rule_id].reopened = n
    return sorted(views, key=lambda v: (v.rule.rank, v.state))
