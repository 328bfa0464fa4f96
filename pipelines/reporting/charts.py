"""The report's plotly figures, built from model.py's views; serialised for a <script> tag.

Plotly reads a little HTML in labels (<b>, <br>, <a>), so every label taken from data is escaped
first (plotly shows &lt;b&gt; as the text <b>).
"""

from __future__ import annotations

import html

import plotly.graph_objects as go
import plotly.io as pio

from pipelines.reporting.model import ClauseView, RuleView
from pipelines.reporting.responsible import SystemView
from pipelines.rules.catalogue import SEVERITY_ORDER

COLOURS = {"critical": "#b3261e", "high": "#e8710a", "medium": "#e0a800", "low": "#6b8299"}
STATUS_COLOURS = {"broken": "#b3261e", "checked": "#2e7d32", "unchecked": "#9e9e9e"}
FONT = "Segoe UI, Helvetica Neue, Arial, sans-serif"
LABEL_CHARS = 60
Severities = tuple[str, ...]


def text(value: object) -> str:
    """A data value as plotly label text: escaped, and short enough for an axis."""
    words = str(value)
    if len(words) > LABEL_CHARS:
        words = words[: LABEL_CHARS - 1] + "…"
    return html.escape(words, quote=False)


def to_script_json(fig: go.Figure) -> str:
    """The figure as JSON that is safe inside <script type="application/json">."""
    raw = pio.to_json(fig, validate=False, pretty=False)
    return raw.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _layout(fig: go.Figure, height: int, **extra: object) -> go.Figure:
    settings = {
        "template": "plotly_white",
        "height": height,
        "margin": {"l": 10, "r": 20, "t": 30, "b": 10},
        "font": {"family": FONT, "size": 13, "color": "#222"},
        "legend": {
            "orientation": "h",
            "x": 0,
            "y": 1.0,
            "yanchor": "bottom",
            "traceorder": "normal",
        },
    }
    fig.update_layout(**(settings | extra))
    fig.update_yaxes(automargin=True)
    fig.update_xaxes(automargin=True)
    return fig


def by_severity(counts: dict[str, int], severities: Severities = SEVERITY_ORDER) -> go.Figure:
    fig = go.Figure(
        go.Bar(
            x=[s.capitalize() for s in severities],
            y=[counts.get(s, 0) for s in severities],
            marker_color=[COLOURS[s] for s in severities],
            text=[counts.get(s, 0) for s in severities],
            textposition="outside",
            hovertemplate="%{x}: %{y} open findings<extra></extra>",
        )
    )
    return _layout(fig, 280, yaxis_title="open findings", showlegend=False)


def _stacked(
    labels: list[str],
    series: dict[str, list[int]],
    anchors: list[str],
    severities: Severities = SEVERITY_ORDER,
) -> go.Figure:
    """Horizontal bars, one per label (first label on top), stacked by severity."""
    fig = go.Figure()
    for severity in severities:
        fig.add_bar(
            y=labels,
            x=series[severity],
            name=severity.capitalize(),
            orientation="h",
            marker_color=COLOURS[severity],
            customdata=anchors,
            hovertemplate="%{y}<br>" + severity + ": %{x}<extra></extra>",
        )
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, 90 + 34 * max(len(labels), 1), barmode="stack", xaxis_title="open findings")


def by_area(rules: list[RuleView], severities: Severities = SEVERITY_ORDER) -> go.Figure:
    areas: dict[str, dict[str, int]] = {}
    for rule in sorted(rules, key=lambda r: r.rank):
        area = areas.setdefault(rule.area, dict.fromkeys(SEVERITY_ORDER, 0))
        area[rule.severity] = area.get(rule.severity, 0) + rule.count
    names = sorted(areas, key=lambda a: tuple(-areas[a][s] for s in SEVERITY_ORDER))
    series = {s: [areas[a][s] for a in names] for s in SEVERITY_ORDER}
    anchors = [f"#area-{a}" for a in names]
    return _stacked([text(area_label(a)) for a in names], series, anchors, severities)


def area_label(area: str) -> str:
    return area.replace("_", " ").capitalize()


def by_rule(rules: list[RuleView]) -> go.Figure:
    shown = [r for r in sorted(rules, key=lambda r: r.rank) if r.count]
    fig = go.Figure(
        go.Bar(
            y=[text(f"{r.id} · {r.title}") for r in shown],
            x=[r.count for r in shown],
            orientation="h",
            marker_color=[COLOURS.get(r.severity, "#777") for r in shown],
            text=[r.count for r in shown],
            textposition="outside",
            customdata=[f"#rule-{r.id}" for r in shown],
            hovertemplate="%{y}: %{x} open findings<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, 80 + 30 * max(len(shown), 1), showlegend=False, xaxis_title="open findings")


def trend(series: dict[str, list], severities: Severities = SEVERITY_ORDER) -> go.Figure:
    """One point per audit run, in the order they ran (labels: as-of dates, numbered when
    several runs share one)."""
    fig = go.Figure()
    dates = series["label"]
    for severity in severities:
        fig.add_scatter(
            x=dates, y=series[severity], name=severity.capitalize(), mode="lines+markers",
            line={"color": COLOURS[severity], "width": 3},
            hovertemplate="audit as of %{x}: %{y} " + severity + "<extra></extra>",
        )  # fmt: skip
    fig.add_scatter(
        x=dates, y=series["total"], name="All open findings", mode="lines+markers",
        line={"color": "#222", "width": 2, "dash": "dot"},
        hovertemplate="audit as of %{x}: %{y} in all<extra></extra>",
    )  # fmt: skip
    fig.update_xaxes(type="category")
    return _layout(fig, 320, yaxis_title="open findings", yaxis_rangemode="tozero")


def ages(buckets: dict[str, dict[str, int]], severities: Severities = SEVERITY_ORDER) -> go.Figure:
    labels = list(buckets)
    fig = go.Figure()
    for severity in severities:
        fig.add_bar(
            x=labels, y=[buckets[b].get(severity, 0) for b in labels],
            name=severity.capitalize(), marker_color=COLOURS[severity],
            hovertemplate="%{x}: %{y} " + severity + "<extra></extra>",
        )  # fmt: skip
    return _layout(fig, 300, barmode="stack", yaxis_title="open findings")


def by_system(systems: list[SystemView], severities: Severities = SEVERITY_ORDER) -> go.Figure:
    series = {s: [view.counts.get(s, 0) for view in systems] for s in SEVERITY_ORDER}
    anchors = [f"#system-{view.id}" for view in systems]
    return _stacked([text(view.name) for view in systems], series, anchors, severities)


def coverage(clauses: list[ClauseView]) -> go.Figure:
    labels = {
        "broken": "Broken (checked, problems found)",
        "checked": "Checked, no problems found",
        "unchecked": "No automated check",
    }
    counts = {status: sum(c.status == status for c in clauses) for status in labels}
    fig = go.Figure(
        go.Pie(
            labels=list(labels.values()),
            values=list(counts.values()),
            marker={"colors": [STATUS_COLOURS[s] for s in labels]},
            hole=0.55,
            sort=False,
            text=[str(n) if n else "" for n in counts.values()],
            textinfo="text",
            hovertemplate="%{label}: %{value} clauses<extra></extra>",
        )
    )
    return _layout(fig, 280, legend={"orientation": "v", "x": 1.0, "y": 0.5})
