"""audit.retention_due: where every record covered by retention.yaml stands against its period.

One row per retention row and record it covers (and whose period has a start): when the period
started, the cut-off it must not be older than, when it is kept until, whether an exemption holds,
whether the record is still identifiable, and `due` (past the period and not exempt). The RET-*
rules, the subject look-up and the ROPA read this table; none restates the schedule.

A period that ends exactly at the as-of instant is not yet exceeded: `due` is
`period_start < cut_off`, where cut_off is the as-of date's local midnight minus the period,
computed on the schedule's local calendar (audit.retention_cutoffs).
"""

from __future__ import annotations

import duckdb

from pipelines.datamap import DataMap, DatasetSpec
from pipelines.datamap.retention import Retention, Start
from pipelines.warehouse import ident

COLUMNS = (
    "retention varchar, rule varchar, dataset varchar, record_key varchar, "
    "period_start timestamptz, starts_on date, cut_off timestamptz, kept_until timestamptz, "
    "exempt boolean, identifiable boolean, due boolean, action varchar"
)


def build_retention_due(conn: duckdb.DuckDBPyConnection, data_map: DataMap) -> int:
    """Write audit.retention_due from the schedule; needs staging, core.subject_records and
    the parameter tables (audit.retention_cutoffs, audit.run_parameters)."""
    conn.execute(f"create or replace table audit.retention_due ({COLUMNS})")
    for row in data_map.retention.rules:
        spec = data_map.datasets[row.dataset]
        conn.execute(_insert(row, spec, data_map), {"id": row.id})
    return conn.execute("select count(*) from audit.retention_due").fetchall()[0][0]


def _insert(row: Retention, spec: DatasetSpec, data_map: DataMap) -> str:
    schedule_zone = _quote(data_map.retention.timezone)
    zone = _quote(spec.timezone)
    own = [s for s in row.starts if s.dataset in (None, spec.name)]
    linked = [s for s in row.starts if s.dataset not in (None, spec.name)]
    table = f"staging.{ident(spec.name)}"
    starts = []
    selects = ["record_key", "bool_or(not is_anonymised) as identifiable"]
    for i, start in enumerate(row.starts):
        starts.append(f"s{i}")
        if start in own:
            selects.append(f"min({_instant(start, spec, data_map)}) as s{i}")
    selects.append(f"bool_or({_exempt(row, spec, schedule_zone)}) as exempt")
    joins = "".join(
        f" left join ({_latest(start, spec, data_map, row.starts.index(start))}) "
        f"as l{row.starts.index(start)} using (record_key)"
        for start in linked
    )
    return f"""
        insert into audit.retention_due
        with records as (
            select {", ".join(selects)} from {table} where {_applies(row, spec)}
            group by record_key
        ),
        started as (
            select records.*, coalesce({", ".join(starts)}) as period_start
            from records{joins}
        )
        select $id, {_quote(row.rule) if row.rule else "null"}, {_quote(spec.name)},
               started.record_key, period_start,
               cast(timezone({zone}, period_start) as date) as starts_on, cut.cutoff,
               timezone({schedule_zone}, timezone({schedule_zone}, period_start)
                        + {_interval(row)}) as kept_until,
               coalesce(exempt, false), identifiable,
               period_start < cut.cutoff and not coalesce(exempt, false), cut.action
        from started, audit.retention_cutoffs cut
        where cut.rule = $id and period_start is not null
    """


def _instant(start: Start, spec: DatasetSpec, data_map: DataMap) -> str:
    """The start as an instant: a timestamp as is, a date at local midnight, a financial
    year's end at local midnight of that day."""
    owner = data_map.datasets[start.dataset] if start.dataset else spec
    column = owner.column(start.column)
    assert column is not None  # the validator checks every start's column
    value, schedule = ident(column.name), data_map.retention
    if start.financial_year_end:
        month, day = (int(part) for part in schedule.financial_year_end.split("-"))
        zone = _quote(schedule.timezone)
        local = f"cast(timezone({zone}, {value}) as date)" if column.type == "timestamp" else value
        return f"timezone({zone}, cast(fy_end({local}, {month}, {day}) as timestamp))"
    if column.type == "date":
        return f"timezone({_quote(owner.timezone)}, cast({value} as timestamp))"
    return value


def _latest(start: Start, spec: DatasetSpec, data_map: DataMap, i: int) -> str:
    """Per record of the dataset: the latest start among the person's records in another."""
    other = f"staging.{ident(start.dataset)}"
    return f"""
        select mine.record_key, max({_instant(start, spec, data_map)}) as s{i}
        from core.subject_records mine
        join core.subject_records theirs
            on theirs.subject_key = mine.subject_key and theirs.dataset = {_quote(start.dataset)}
        join {other} o on o.record_key = theirs.record_key
        where mine.dataset = {_quote(spec.name)}
        group by mine.record_key
    """


def _applies(row: Retention, spec: DatasetSpec) -> str:
    applies = row.applies_to
    if applies is None:
        return "true"
    if applies.column:
        values = ", ".join(_quote(v.strip().lower()) for v in applies.values)
        return f"lower(trim(cast({ident(applies.column)} as varchar))) in ({values})"
    other, wanted = (
        (applies.with_records_in, "")
        if applies.with_records_in
        else (applies.without_records_in, "not ")
    )
    return f"""{wanted}exists (
        select 1 from core.subject_records mine
        join core.subject_records theirs
            on theirs.subject_key = mine.subject_key and theirs.dataset = {_quote(other)}
        where mine.dataset = {_quote(spec.name)} and mine.record_key = {ident(spec.name)}.record_key
    )"""


def _exempt(row: Retention, spec: DatasetSpec, schedule_zone: str) -> str:
    exempt = row.exempt_when
    if exempt is None:
        return "false"
    value = ident(exempt.column)
    if exempt.within is None:
        return f"coalesce({value}, false)"
    period = exempt.within
    since = (
        f"timezone({schedule_zone}, cast((select as_of from audit.run_parameters) "
        f"- to_years({period.years}) - to_months({period.months}) - to_days({period.days}) "
        "as timestamp))"
    )
    column = spec.column(exempt.column)
    if column is not None and column.type == "date":
        value = f"timezone({_quote(spec.timezone)}, cast({value} as timestamp))"
    return f"coalesce({value} >= {since}, false)"


def _interval(row: Retention) -> str:
    period = row.keep_for
    return f"to_years({period.years}) + to_months({period.months}) + to_days({period.days})"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
