"""The management report of one audit run: one self-contained HTML file (plotly.js inside).

    build_management_report(conn, data_map, suites, run_id, out_dir) -> out_dir/report.html

It reads only audit.findings and audit.runs (aggregated in DuckDB), the rule catalogue and the data
map. No personal data goes in: counts, rule and clause texts, systems and datasets, record keys
(personal parts replaced by pseudonyms) and the rules' masked details. Jinja2 autoescapes every
value; chart data sits in <script type="application/json"> with <, > and & escaped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import plotly.offline
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from pipelines.datamap import DataMap
from pipelines.datamap.remediation import ACTIONS
from pipelines.remediation.follow_up import follow_up, planned_counts
from pipelines.reporting import charts, diagram, model, queries, responsible
from pipelines.reporting.changes import compare
from pipelines.reporting.ropa_observed import observed
from pipelines.reporting.status import status
from pipelines.rules.catalogue import SEVERITY_ORDER, Suite

TEMPLATES = Path(__file__).parent / "templates"
REPORT_NAME = "report.html"


@dataclass(frozen=True)
class Chart:
    id: str
    json: Markup


def build_management_report(
    conn: duckdb.DuckDBPyConnection,
    data_map: DataMap,
    suites: list[Suite],
    run_id: str,
    out_dir: Path,
) -> Path:
    """Write out_dir/report.html for the run and return its path."""
    context = report_context(conn, data_map, suites, run_id)
    html = environment().get_template("management.html.j2").render(**context)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / REPORT_NAME
    path.write_text(html, encoding="utf-8")
    return path


def report_context(
    conn: duckdb.DuckDBPyConnection, data_map: DataMap, suites: list[Suite], run_id: str
) -> dict[str, object]:
    run = queries.this_run(conn, run_id)
    previous = queries.previous_run(conn, run)
    changes = compare(conn, run_id)
    rules = model.build_rules(conn, data_map, suites, run_id)
    model.add_previous(conn, data_map, rules, changes)
    decided = model.build_decided(conn, data_map, rules, run_id)
    ordered = sorted(rules.values(), key=lambda r: r.rank)
    severities = shown_severities(ordered)
    clauses = model.build_clauses(data_map, rules, queries.clause_counts(conn, run_id))
    systems = [  # every system of the map; a recipient only when responsible for something
        view
        for view in responsible.build_systems(
            conn, data_map, {r.id: r.severity for r in rules.values()}, run_id
        )
        if view.kind == "system" or view.total
    ]
    ages = model.age_buckets(queries.age_counts(conn, run_id), rules, run.as_of)
    trend = model.trend_series(queries.trend(conn, run))
    return {
        "run": run,
        "previous": previous,
        "company": data_map.policy.controller.split(",")[0],
        "policy": data_map.policy,
        "status": status(ordered),
        "rules": ordered,
        "oldest": oldest_open(ordered),
        "clauses": clauses,
        "broken_clauses": sorted((c for c in clauses if c.count), key=lambda c: c.rank),
        "clause_breaches": sum(c.count for c in clauses),
        "systems": systems,
        "shared_findings": responsible.shared_findings(conn, run_id),
        "areas": area_rows(suites, ordered),
        "ages": ages,
        "trend": trend,
        "changes": changes,
        "decided": decided,
        "unmatched_decisions": queries.unmatched_decisions(conn, run_id),
        "resolved": [r for r in ordered if r.resolved],
        "remediation": remediation_rows(conn, data_map, run_id),
        "follow_up": (done := follow_up(conn, run_id)),
        "follow_up_rows": follow_up_rows(data_map, done),
        "actions": ACTIONS,
        "files": queries.loaded_files(conn),
        "manifest": queries.run_manifest(conn, run_id),
        "severities": severities,
        "generated": datetime.now(UTC),
        "plotly_js": Markup(plotly.offline.get_plotlyjs()),  # trusted: the bundled library
        "charts": chart_specs(
            data_map,
            ordered,
            clauses,
            systems,
            ages,
            trend,
            severities,
            observed(conn, data_map, run_id, run.as_of).disclosures,
        ),  # fmt: skip
    }


def remediation_rows(conn, data_map: DataMap, run_id: str) -> list[tuple[str, dict[str, int]]]:
    """(system label, actions per action) of the run's plan, the systems with most first."""
    labels = responsible.system_labels(data_map)
    counts = planned_counts(conn, run_id)
    rows = [(labels.get(system, system), actions) for system, actions in counts.items()]
    return sorted(rows, key=lambda row: (-sum(row[1].values()), row[0]))


def follow_up_rows(data_map: DataMap, done) -> list[tuple[str, int, int, str]]:
    """(system label, carried out, not yet, the actions not yet) per system, most left first."""
    labels = responsible.system_labels(data_map)
    per: dict[str, list] = {}
    for (system, action), (carried, left) in done.actions.items():
        row = per.setdefault(system, [0, 0, []])
        row[0] += carried
        row[1] += left
        if left:
            row[2].append(f"{left} {action.replace('_', ' ')}")
    rows = [(labels.get(k, k), v[0], v[1], ", ".join(v[2])) for k, v in per.items()]
    return sorted(rows, key=lambda r: (-r[2], r[0]))


def oldest_open(rules: list[model.RuleView]) -> model.RuleView | None:
    """The rule whose findings have been open longest (the most serious of equals)."""
    found = [r for r in rules if r.count and r.open_since]
    return min(found, key=lambda r: (r.open_since, r.rank)) if found else None


def shown_severities(rules: list[model.RuleView]) -> tuple[str, ...]:
    """The severities some rule of the catalogue (or a finding of the run) has, in order:
    a tile, legend entry or column for a severity no rule has would only be noise."""
    present = {rule.severity for rule in rules}
    return tuple(s for s in SEVERITY_ORDER if s in present) or SEVERITY_ORDER


def chart_specs(
    data_map, rules, clauses, systems, ages, trend, severities, logged
) -> dict[str, Chart]:
    counts = {s: sum(r.count for r in rules if r.severity == s) for s in SEVERITY_ORDER}
    figures = {
        "severity": charts.by_severity(counts, severities),
        "area": charts.by_area(rules, severities),
        "rule": charts.by_rule(rules),
        "trend": charts.trend(trend, severities),
        "age": charts.ages(ages, severities),
        "system": charts.by_system(systems, severities),
        "coverage": charts.coverage(clauses),
        "datamap": diagram.sankey(data_map, logged, {r.id: r.severity for r in rules}),
    }
    return {
        name: Chart(f"chart-{name}", Markup(charts.to_script_json(fig)))
        for name, fig in figures.items()
    }


def area_rows(suites: list[Suite], rules: list[model.RuleView]) -> list[dict[str, object]]:
    """Per area (suite): its description, rules and counts by severity, the worst first."""
    descriptions = {suite.suite: suite.description for suite in suites}
    rows: dict[str, dict[str, object]] = {}
    for rule in rules:
        row = rows.setdefault(
            rule.area,
            {
                "id": rule.area,
                "name": charts.area_label(rule.area),
                "description": descriptions.get(rule.area, ""),
                "counts": dict.fromkeys(SEVERITY_ORDER, 0),
                "rules": [],
            },
        )
        row["counts"][rule.severity] += rule.count  # type: ignore[index]
        row["rules"].append(rule)  # type: ignore[union-attr]
    return sorted(rows.values(), key=lambda r: tuple(-r["counts"][s] for s in SEVERITY_ORDER))


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["day"] = long_date
    env.filters["change"] = change_words
    env.filters["size"] = size_words
    env.filters["css_string"] = css_string
    env.globals["age"] = age_words
    return env


def long_date(value: date | datetime | None) -> str:
    if value is None:
        return "–"
    return f"{value.day} {value:%B %Y}"


def size_words(size: int | None) -> str:
    """12,345,678 bytes -> '11.8 MB'."""
    if size is None:
        return "–"
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:,.1f} {unit}"
    return f"{size:,} B"


def css_string(value: object) -> str:
    """Text safe inside a CSS string in a <style> block: quotes, backslashes, line breaks and
    anything that could close the tag are escaped as CSS code points."""
    out = []
    for ch in str(value):
        if ch.isalnum() or ch in " .,:;·-_()/#'":
            out.append(ch)
        else:
            out.append(f"\\{ord(ch):06x}")
    return Markup("".join(out))


def change_words(change: int | None) -> str:
    if change is None:
        return ""
    if change == 0:
        return "no change"
    return f"▲ {change} more" if change > 0 else f"▼ {-change} fewer"


def age_words(since: date | None, as_of: date, new: bool = True) -> str:
    """How long something has been open, in words a manager uses; `new`: first seen in this
    run (a finding first seen by an earlier audit as of the same date is not new)."""
    if since is None:
        return ""
    days = (as_of - since).days
    if days <= 0:
        return "new in this audit" if new else "seen by an earlier audit as of this date"
    if days < 60:
        return f"{days} days"
    months = round(days / 30.44)
    if months < 24:
        return f"{months} months"
    return f"{months // 12} years" + (f" {months % 12} months" if months % 12 else "")
