"""What the audit run itself observed for the ROPA: possible breaches, and the disclosure log.

Possible breaches (columns 24 and 25): the run's open critical findings of the security area
(queries.OPEN: no decision, or one that expired), per dataset, so that each processing row counts
those in its system's datasets. Only counts, rule ids, titles and dates come back: no record key
and no detail, so no personal data.

Disclosures (columns 6, 8 and 9): the recipients, countries and safeguards of staging.disclosures
(the disclosure log, as staged in this warehouse), grouped in DuckDB, each group with the rules of
the run's open findings on its disclosures (TPD-UNAPPROVED, TPD-TRANSFER, TPD-SALE) and their
counts. The log is kept by the privacy office, but what it records is the disclosure of other
systems' data, and it does not say which system the data came from. So a disclosure is placed
where the data map can vouch for it and nowhere else:

- to a recipient the data map declares for a purpose: on that purpose's rows (the data map says
  this purpose's data goes there);
- to any other recipient (not in recipients.yaml, not approved, or declared for no purpose): in
  the controller-level section "Disclosures no purpose declares" of ropa.html and ropa.xlsx, and
  on every row whose data subjects include the log's data subjects (disclosures.yaml: customers),
  marked as not tied to a system: any of those rows may be the source, none is known to be.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import duckdb

from pipelines.datamap import DataMap
from pipelines.datamap.models import Purpose
from pipelines.reporting.queries import OPEN
from pipelines.reporting.ropa_words import NOT_RECORDED
from pipelines.warehouse import table_exists

# the dataset the third-party rules (expectations/third_parties.yaml) read: the disclosure log
DISCLOSURE_LOG = "disclosures"
# a possible personal data breach: an open finding of this area and severity (UK GDPR Art. 33)
BREACH_AREA = "security"
BREACH_SEVERITY = "critical"
NO_BREACH = "No possible breach found by this audit"
ASSESS = (
    "assess within 72 hours of becoming aware whether to report it to the ICO (UK GDPR Art. 33)"
)


@dataclass(frozen=True)
class BreachCount:
    """Open critical security findings of one rule in one dataset."""

    rule_id: str
    title: str
    dataset: str
    count: int
    first_seen: date


@dataclass(frozen=True)
class Disclosures:
    """Disclosures in the log with the same recipient, country and safeguard."""

    recipient: str  # as the log first spells it
    country: str | None  # ISO 3166-1 code, as staged
    safeguard: str | None  # as logged; None when it says there is none (rules.yaml)
    count: int
    records: int
    rules: dict[str, int] = field(default_factory=dict)  # rule id -> open findings


@dataclass(frozen=True)
class Observed:
    """Everything the run observed that the ROPA reports beside the data map."""

    run_id: str
    as_of: date
    breaches: list[BreachCount]
    log_subjects: tuple[str, ...] = ()
    disclosures: list[Disclosures] | None = None  # None: no disclosure log in the warehouse

    def breaches_in(self, datasets: Iterable[str]) -> list[BreachCount]:
        names = set(datasets)
        return [b for b in self.breaches if b.dataset in names]

    def to_recipients(self, names: Iterable[str]) -> list[Disclosures]:
        wanted = {_name_key(n) for n in names}
        return [d for d in self.disclosures or [] if _name_key(d.recipient) in wanted]

    def undeclared(self, data_map: DataMap) -> list[Disclosures]:
        """Disclosures to a recipient no purpose of the data map declares."""
        declared = declared_recipients(data_map)
        return [d for d in self.disclosures or [] if _name_key(d.recipient) not in declared]

    def reaches(self, purpose: Purpose) -> bool:
        """Does the purpose hold the kind of people whose data the log shows disclosed?"""
        return bool(set(purpose.data_subjects) & set(self.log_subjects))


def observed(
    conn: duckdb.DuckDBPyConnection, data_map: DataMap, run_id: str, as_of: date
) -> Observed:
    log = data_map.datasets.get(DISCLOSURE_LOG)
    has_log = log is not None and table_exists(conn, "staging", DISCLOSURE_LOG)
    return Observed(
        run_id,
        as_of,
        _breaches(conn, run_id),
        tuple(log.data_subjects) if log else (),
        _disclosures(conn, data_map, run_id) if has_log else None,
    )


def declared_recipients(data_map: DataMap) -> set[str]:
    """The names (compared as the rules compare them) of recipients some purpose declares."""
    ids = {r for system in data_map.systems for p in system.purposes for r in p.recipients}
    return {_name_key(r.name) for r in data_map.recipients if r.id in ids}


def approved(data_map: DataMap, name: str) -> bool:
    """Is the logged recipient on the approved list (as TPD-UNAPPROVED reads it)?"""
    return any(r.approved and _name_key(r.name) == _name_key(name) for r in data_map.recipients)


def _name_key(name: str) -> str:
    return name.strip().lower()


def _breaches(conn: duckdb.DuckDBPyConnection, run_id: str) -> list[BreachCount]:
    rows = conn.execute(
        f"""
        select rule_id, any_value(title), dataset, count(*), min(first_seen_as_of)
        from audit.findings
        where run_id = ? and area = ? and severity = ? and {OPEN}
        group by rule_id, dataset
        order by rule_id, dataset
        """,
        [run_id, BREACH_AREA, BREACH_SEVERITY],
    ).fetchall()
    return [BreachCount(*row) for row in rows]


def _disclosures(
    conn: duckdb.DuckDBPyConnection, data_map: DataMap, run_id: str
) -> list[Disclosures]:
    rows = conn.execute(
        f"""
        with log as (
            select record_key, trim(recipient) as recipient, country,
                   nullif(trim(safeguard), '') as safeguard, coalesce(records, 0) as records,
                   _source_file, _row_number
            from staging.disclosures
        ),
        flagged as (
            select record_key, list(rule_id order by rule_id) as rules
            from audit.findings
            where run_id = $run and dataset = $log and {OPEN}
            group by record_key
        ),
        final as (
            select lower(l.recipient) as name, l.country,
                   case when list_contains($none, lower(coalesce(l.safeguard, '')))
                        then null else l.safeguard end as safeguard,
                   arg_min(l.recipient, (l._source_file, l._row_number)) as recipient,
                   count(*) as disclosures, sum(l.records) as records,
                   flatten(list(coalesce(f.rules, []))) as rules,
                   min((l._source_file, l._row_number)) as first_logged
            from log l left join flagged f using (record_key)
            where l.recipient is not null
            group by all
        )
        select recipient, country, safeguard, disclosures, records, rules from final
        order by first_logged
        """,
        {
            "run": run_id,
            "log": DISCLOSURE_LOG,
            "none": sorted({v.strip().lower() for v in data_map.rules.no_safeguard_values}),
        },
    ).fetchall()
    return [
        Disclosures(recipient, country, safeguard, n, int(records), _counted(rules))
        for recipient, country, safeguard, n, records, rules in rows
    ]


def _counted(rules: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for rule_id in sorted(rules):
        counts[rule_id] = counts.get(rule_id, 0) + 1
    return counts


def breach_cells(observed: Observed, datasets: list[str]) -> tuple[str, str]:
    """Columns 24 and 25 for a row whose system holds `datasets`."""
    found = observed.breaches_in(datasets)
    if not found:
        return NO_BREACH, "Not applicable"
    by_rule: dict[str, list[BreachCount]] = {}
    for count in found:
        by_rule.setdefault(count.rule_id, []).append(count)
    parts = []
    for rule_id, counts in by_rule.items():
        total = sum(c.count for c in counts)
        records = f"{total:,} record{'' if total == 1 else 's'}"
        where = (
            f"{records} of {counts[0].dataset}"
            if len(counts) == 1
            else f"{records} ({', '.join(f'{c.dataset} {c.count:,}' for c in counts)})"
        )
        title = counts[0].title[:1].lower() + counts[0].title[1:]
        first = min(c.first_seen for c in counts).isoformat()
        parts.append(f"{title} ({rule_id}) in {where}, first seen {first}")
    link = (
        f"{NOT_RECORDED} (no breach log); the findings are in findings.csv of run "
        f"{observed.run_id} ({', '.join(by_rule)})"
    )
    return f"Possible breach: {'; '.join(parts)}; {ASSESS}", link
