"""The data map as a Sankey diagram: systems -> kinds of personal data -> recipients.

Kinds of data are the datasets' fideslang categories grouped at the second level (user.contact,
user.name, ...); a system's recipients are those of its purposes (systems.yaml), named as in
recipients.yaml. A link's width is the number of columns holding that kind of data.
"""

from __future__ import annotations

from collections import Counter
from functools import cache

import plotly.graph_objects as go

from pipelines.datamap import DataMap
from pipelines.reporting.charts import FONT, text
from pipelines.reporting.responsible import system_label

NODE_COLOURS = {
    "system": "#37474f", "category": "#1565c0", "recipient": "#6a1b9a", "kept": "#9e9e9e"
}  # fmt: skip
LINK_COLOURS = {"system": "rgba(21,101,192,0.25)", "category": "rgba(106,27,154,0.22)"}
NOT_SHARED = ("kept", "Not shared with third parties")


@cache
def category_names() -> dict[str, str]:
    from fideslang.default_taxonomy import DEFAULT_TAXONOMY

    return {c.fides_key: c.name for c in DEFAULT_TAXONOMY.data_category}


def data_kind(category: str) -> str | None:
    """user.contact.email -> user.contact; None for data that is not about a person."""
    parts = category.split(".")
    return ".".join(parts[:2]) if parts[0] == "user" else None


def kind_label(kind: str) -> str:
    return f"{category_names().get(kind, kind)} ({kind})"


def system_kinds(data_map: DataMap) -> dict[str, Counter[str]]:
    """Per system id: columns holding each kind of personal data."""
    kinds: dict[str, Counter[str]] = {}
    for spec in data_map.datasets.values():
        counter = kinds.setdefault(spec.system, Counter())
        counter.update(k for c in spec.columns if (k := data_kind(c.category)))
    return kinds


def flows(data_map: DataMap) -> list[tuple[tuple[str, str], tuple[str, str], float]]:
    """((kind, label), (kind, label), columns) links of the diagram.

    A system's columns of a kind flow on to its recipients in equal shares (so that what leaves
    a kind equals what comes in), or to "Not shared" when its purposes name no recipient.
    """
    names = {r.id: f"{r.name} ({r.category})" for r in data_map.recipients}
    links: dict[tuple[tuple[str, str], tuple[str, str]], float] = {}
    for system_id, kinds in system_kinds(data_map).items():
        system = data_map.system(system_id)
        label = system_label(system.name, system.vendor) if system else system_id
        recipients = sorted({r for p in system.purposes for r in p.recipients}) if system else []
        targets = [("recipient", names.get(r, r)) for r in recipients] or [NOT_SHARED]
        for kind, columns in kinds.items():
            category = ("category", kind_label(kind))
            _add(links, ("system", label), category, columns)
            for target in targets:
                _add(links, category, target, columns / len(targets))
    return [(source, target, value) for (source, target), value in sorted(links.items())]


def _add(links: dict, source: tuple[str, str], target: tuple[str, str], value: float) -> None:
    links[(source, target)] = links.get((source, target), 0) + value


def sankey(data_map: DataMap) -> go.Figure:
    links = flows(data_map)
    nodes = sorted({end for link in links for end in link[:2]}, key=_node_order)
    index = {node: i for i, node in enumerate(nodes)}
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={
                "label": [text(label) for _, label in nodes],
                "color": [NODE_COLOURS[kind] for kind, _ in nodes],
                "pad": 14,
                "thickness": 16,
            },
            link={
                "source": [index[s] for s, _, _ in links],
                "target": [index[t] for _, t, _ in links],
                "value": [v for _, _, v in links],
                "color": [LINK_COLOURS[s[0]] for s, _, _ in links],
                "hovertemplate": "%{source.label} → %{target.label}<extra></extra>",
            },
        )
    )
    fig.update_layout(
        height=max(420, 26 * len(nodes)),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        font={"family": FONT, "size": 12, "color": "#222"},
        annotations=[
            {"x": x, "y": 1.06, "xref": "paper", "yref": "paper", "text": title,
             "showarrow": False, "font": {"size": 13, "color": "#555"}, "xanchor": anchor}
            for x, title, anchor in (
                (0, "Systems", "left"), (0.5, "Personal data they hold", "center"),
                (1, "Shared with", "right"),
            )
        ],
    )  # fmt: skip
    return fig


def _node_order(node: tuple[str, str]) -> tuple[int, str]:
    return (list(NODE_COLOURS).index(node[0]), node[1])
