"""The data-flow diagram: declared recipients from the data map, observed disclosures from the
log, widths in records disclosed, problems coloured; never a cross product of data kinds and
recipients."""

from __future__ import annotations

from pipelines.reporting import diagram
from pipelines.reporting.ropa_observed import Disclosures

SEVERITIES = {"TPD-SALE": "critical", "TPD-UNAPPROVED": "high", "TPD-TRANSFER": "high"}


def _logged() -> list[Disclosures]:
    return [
        Disclosures("Worldpay", "GB", "contract", 2, 500),
        Disclosures("Royal  Mail", "GB", None, 1, 120),  # spelt with two spaces in the log
        Disclosures("Apex Data Brokers Inc", "US", None, 1, 3000,
                    {"TPD-SALE": 1, "TPD-UNAPPROVED": 1, "TPD-TRANSFER": 1}),
    ]  # fmt: skip


def test_flows_are_declared_recipients_and_logged_disclosures(data_map) -> None:
    flows = {(f.source[1], f.target[1]): f for f in diagram.flows(data_map, _logged())}
    orders = "Online orders (Shopify)"  # declares Worldpay, Royal Mail and DPD UK
    assert flows[(orders, "Worldpay (payment processor)")].records == 500
    assert flows[(orders, "Royal Mail (courier)")].records == 120
    dpd = flows[(orders, "DPD UK (courier)")]
    assert dpd.records == 0 and dpd.disclosures == 0  # declared, nothing logged
    apex = flows[("Not declared by any system", "Apex Data Brokers Inc (not approved, US)")]
    assert apex.records == 3000 and set(apex.rules) == set(SEVERITIES)
    # each declared recipient hangs off the systems declaring it, nothing else
    declared = {(s.name, r) for s in data_map.systems for p in s.purposes for r in p.recipients}
    assert len([f for f in flows.values() if f.source[0] == "system"]) == len(
        {(system, recipient) for system, recipient in declared}
    )


def test_the_diagram_colours_problems_and_sizes_by_records(data_map) -> None:
    figure = diagram.sankey(data_map, _logged(), SEVERITIES)
    sankey = figure.data[0]
    labels = list(sankey.node.label)
    links = zip(sankey.link.target, sankey.link.value, sankey.link.color, strict=True)
    by_target = {labels[t]: (v, c) for t, v, c in links}
    value, colour = by_target["Apex Data Brokers Inc (not approved, US)"]
    assert value == 3000 and colour.startswith("rgba(179,38,30")  # critical: data sold
    value, colour = by_target["DPD UK (courier)"]
    assert 0 < value <= 30 and colour == diagram.DECLARED_ONLY  # thin: nothing logged
    assert by_target["Worldpay (payment processor)"] == (500, diagram.CLEAN_LINK)
    assert "Not declared by any system" in labels
