"""Who is responsible for the open findings: "Which systems are worst?".

A finding is seen in one dataset but may be someone else's doing: a disclosure log records data
sold to a broker, an erased person is still held by two other systems. audit.findings names them
in `responsible` (rules/findings.py): system ids of the data map, or a recipient as the disclosure
log spells it. Here each name becomes a row of the report: a system (its name and owner), an
approved recipient (its category and contract), or a recipient the data map does not approve. A
finding with several responsible counts once under each of them, which the report says.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from pipelines.datamap import DataMap
from pipelines.reporting.queries import OPEN
from pipelines.rules.catalogue import SEVERITY_ORDER


@dataclass
class SystemView:
    id: str
    name: str
    owner: str
    kind: str = "system"  # system, recipient, unapproved recipient
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SEVERITY_ORDER, 0))
    rules: set[str] = field(default_factory=set)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def rank(self) -> tuple[int, ...]:
        return tuple(-self.counts[s] for s in SEVERITY_ORDER)


def system_label(name: str, vendor: str) -> str:
    """'CRM (HubSpot)'; a vendor's own note in brackets is left out."""
    return f"{name} ({vendor.split(' (')[0]})"


def system_labels(data_map: DataMap) -> dict[str, str]:
    """Each system id's label."""
    return {s.id: system_label(s.name, s.vendor) for s in data_map.systems}


def name_key(name: str) -> str:
    """A recipient's name as compared with another spelling of it (spacing and case aside)."""
    return " ".join(name.split()).casefold()


def system_of(data_map: DataMap, dataset: str) -> tuple[str, str, str]:
    """(system id, name, owner) of a dataset; the dataset itself when the map lacks it."""
    spec = data_map.datasets.get(dataset)
    system = data_map.system(spec.system) if spec else None
    if system is None:
        return (dataset, f"{dataset} (not in the data map)", "unknown")
    return (system.id, system_label(system.name, system.vendor), system.owner)


def responsible_view(data_map: DataMap, name: str) -> SystemView:
    """The report's row for one responsible name: a system, or a recipient approved or not."""
    system = data_map.system(name)
    if system is not None:
        return SystemView(system.id, system_label(system.name, system.vendor), system.owner)
    wanted = name_key(name)
    for r in data_map.recipients:
        if wanted in (r.id.casefold(), name_key(r.name)):
            kind = "recipient" if r.approved else "unapproved recipient"
            return SystemView(f"recipient-{r.id}", f"{r.name} ({kind})", r.category, kind)
    slug = "".join(ch if ch.isalnum() else "-" for ch in wanted).strip("-")
    return SystemView(
        f"recipient-{slug}", f"{' '.join(name.split())} (recipient, not approved)",
        "not in the data map's recipients", "unapproved recipient",
    )  # fmt: skip


def build_systems(
    conn: duckdb.DuckDBPyConnection, data_map: DataMap, severities: dict[str, str], run_id: str
) -> list[SystemView]:
    """Every system of the data map, and every recipient responsible for an open finding, the
    worst first. `severities` maps rule id to severity."""
    views = {
        s.id: SystemView(s.id, system_label(s.name, s.vendor), s.owner) for s in data_map.systems
    }
    for rule_id, dataset, names, count in responsible_counts(conn, run_id):
        for found in responsible_views(data_map, names, dataset):
            view = views.setdefault(found.id, found)
            severity = severities[rule_id]
            view.counts[severity] = view.counts.get(severity, 0) + count
            view.rules.add(rule_id)
    return sorted(views.values(), key=lambda s: (s.rank, s.name))


def responsible_views(data_map: DataMap, names: list[str] | None, dataset: str) -> list[SystemView]:
    """Who is responsible for findings in a dataset; the dataset's system for a finding recorded
    before findings named anyone."""
    if not names:
        return [SystemView(*system_of(data_map, dataset))]
    return [responsible_view(data_map, name) for name in names]


def responsible_counts(
    conn: duckdb.DuckDBPyConnection, run_id: str
) -> list[tuple[str, str, list[str] | None, int]]:
    """(rule, dataset, responsible names, open findings) of a run."""
    return conn.execute(
        f"""
        select rule_id, dataset, responsible, count(*)
        from audit.findings where run_id = ? and {OPEN}
        group by all order by all
        """,
        [run_id],
    ).fetchall()


def shared_findings(conn: duckdb.DuckDBPyConnection, run_id: str) -> int:
    """Open findings with more than one responsible (they count under each)."""
    return conn.execute(
        f"select count(*) from audit.findings where run_id = ? and {OPEN} and len(responsible) > 1",
        [run_id],
    ).fetchall()[0][0]
