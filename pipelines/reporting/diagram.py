"""Who personal data goes to, as a Sankey diagram: systems -> recipients, declared and observed.

Declared flows come from the data map: a system's purposes name their recipients (systems.yaml).
Observed flows come from the run: the disclosure log's disclosures grouped by recipient
(ropa_observed.py, the same groups the ROPA reports), each with the run's open findings on them.
A logged disclosure to a recipient some system declares is drawn from that system (split evenly
when several declare it); one to a recipient no system declares comes from "Not declared by any
system". A link's width is what a director can read: records disclosed, as the log counts them;
a declared recipient with nothing logged is drawn thin. Links with open findings are coloured by
the worst severity found, so unapproved recipients, sales and unsafe transfers stand out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import plotly.graph_objects as go

from pipelines.countries import country_code
from pipelines.datamap import DataMap
from pipelines.reporting.charts import COLOURS, FONT, text
from pipelines.reporting.responsible import name_key, system_label
from pipelines.reporting.ropa_observed import Disclosures
from pipelines.rules.catalogue import SEVERITY_ORDER

NODE_COLOURS = {"system": "#37474f", "undeclared": "#b3261e", "recipient": "#6a1b9a"}
CLEAN_LINK = "rgba(106,27,154,0.22)"
DECLARED_ONLY = "rgba(120,120,120,0.18)"
UNDECLARED = ("undeclared", "Not declared by any system")
THIN = 0.01  # a declared flow with nothing logged: this share of the widest link


@dataclass
class Flow:
    source: tuple[str, str]  # (node kind, label)
    recipient: str  # as the data map or the log first spells it
    target: tuple[str, str] = ("recipient", "")  # its node, labelled once all flows are known
    records: float = 0
    disclosures: float = 0
    rules: dict[str, int] = field(default_factory=dict)  # open findings on these disclosures
    shared_by: int = 1  # systems the logged records are split between


def flows(data_map: DataMap, logged: list[Disclosures] | None) -> list[Flow]:
    """One flow per (system, recipient) pair, declared or observed."""
    declarers: dict[str, list[str]] = {}  # recipient name key -> labels of declaring systems
    found: dict[tuple, Flow] = {}
    for system in data_map.systems:
        label = ("system", system_label(system.name, system.vendor))
        for recipient_id in sorted({r for p in system.purposes for r in p.recipients}):
            recipient = next((r for r in data_map.recipients if r.id == recipient_id), None)
            name = recipient.name if recipient else recipient_id
            declarers.setdefault(name_key(name), []).append(label[1])
            found[(label, name_key(name))] = Flow(label, name)
    for group in logged or []:
        key = name_key(group.recipient)
        sources = declarers.get(key)
        for source in [("system", s) for s in sources] if sources else [UNDECLARED]:
            flow = found.setdefault((source, key), Flow(source, group.recipient))
            share = len(sources) if sources else 1
            flow.records += group.records / share
            flow.disclosures += group.count / share
            flow.shared_by = share
            for rule_id, n in group.rules.items():
                flow.rules[rule_id] = flow.rules.get(rule_id, 0) + n
    countries = _countries(logged or [])
    for flow in found.values():
        abroad = countries.get(name_key(flow.recipient))
        flow.target = ("recipient", _recipient_label(data_map, flow.recipient, abroad))
    return sorted(found.values(), key=lambda f: (_order(f.source), f.target[1]))


def _recipient_label(data_map: DataMap, name: str, countries: set[str] | None) -> str:
    recipient = next((r for r in data_map.recipients if name_key(r.name) == name_key(name)), None)
    approved = recipient is not None and recipient.approved
    status = recipient.category if approved else "not approved"
    home = country_code(data_map.policy.controller_country)
    abroad = sorted(c for c in countries or () if c != home)
    return f"{name} ({status}{', ' + ', '.join(abroad) if abroad else ''})"


def _countries(logged: list[Disclosures]) -> dict[str, set[str]]:
    countries: dict[str, set[str]] = {}
    for group in logged:
        if group.country:
            countries.setdefault(name_key(group.recipient), set()).add(group.country)
    return countries


def worst(rules: dict[str, int], severities: dict[str, str]) -> str | None:
    found = [severities.get(r, "low") for r in rules]
    return min(found, key=SEVERITY_ORDER.index) if found else None


def sankey(
    data_map: DataMap, logged: list[Disclosures] | None, severities: dict[str, str]
) -> go.Figure:
    links = flows(data_map, logged)
    widest = max((f.records for f in links), default=0) or 1
    nodes = sorted({end for f in links for end in (f.source, f.target)}, key=_order)
    index = {node: i for i, node in enumerate(nodes)}
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={
                "label": [text(label) for _, label in nodes],
                "color": [NODE_COLOURS[kind] for kind, _ in nodes],
                "pad": 14,
                "thickness": 16,
                "hovertemplate": "%{label}: %{value:,.0f} records<extra></extra>",
            },
            link={
                "source": [index[f.source] for f in links],
                "target": [index[f.target] for f in links],
                "value": [f.records or widest * THIN for f in links],
                "color": [_link_colour(f, severities) for f in links],
                "customdata": [text(_link_words(f)) for f in links],
                "hovertemplate": "%{source.label} → %{target.label}<br>%{customdata}"
                "<extra></extra>",
            },
        )
    )
    fig.update_layout(
        height=max(380, 30 * len(nodes)),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        font={"family": FONT, "size": 12, "color": "#222"},
        annotations=[
            {"x": x, "y": 1.06, "xref": "paper", "yref": "paper", "text": title,
             "showarrow": False, "font": {"size": 13, "color": "#555"}, "xanchor": anchor}
            for x, title, anchor in ((0, "From", "left"), (1, "Shared with", "right"))
        ],
    )  # fmt: skip
    return fig


def _link_colour(flow: Flow, severities: dict[str, str]) -> str:
    severity = worst(flow.rules, severities)
    if severity is not None:
        return _translucent(COLOURS[severity], 0.55)
    return CLEAN_LINK if flow.records else DECLARED_ONLY


def _link_words(flow: Flow) -> str:
    if not flow.disclosures:
        return "declared in the data map; no disclosure in the log"
    words = f"{flow.records:,.0f} records in {flow.disclosures:,.0f} logged disclosures"
    if flow.shared_by > 1:
        words += f" (split between the {flow.shared_by} systems declaring this recipient)"
    if flow.rules:
        words += "; findings: " + ", ".join(f"{r} ({n})" for r, n in sorted(flow.rules.items()))
    return words


def _translucent(colour: str, alpha: float) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def _order(node: tuple[str, str]) -> tuple[int, str]:
    return (list(NODE_COLOURS).index(node[0]), node[1])
