"""audit.retention_due: where every record covered by retention.yaml stands against its period.

One row per retention row and record it covers (and whose period has a start): when the period
started, the cut-off it must not be older than, when it is kept until, whether an exemption holds,
whether the record is still identifiable, and `due` (past the period and not exempt). The RET-*
rules, the subject look-up and the ROPA read this table; none restates the schedule.

A period that ends exactly at the as-of instant is not yet exceeded: `due` is
`period_start < cut_off`, where cut_off is the as-of date's local midnight minus the period,
computed on the schedule's local calendar (audit.retention_cutoffs).

It has two parts. The table audit.retention_periods holds what does not depend on the as-of date
(period start, kept until, legal hold, the latest time of a time-bound exemption, identifiable),
and is kept up to date like the core tables: when every dataset only gained files since it was
built (and the people were resolved incrementally), only the records of the new files and of the
people they touch are worked out again. audit.retention_due is a view over it that adds each
run's cut-offs and time-bound exemptions.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from pipelines import parts
from pipelines.datamap import DataMap, DatasetSpec
from pipelines.datamap.retention import Retention, Start
from pipelines.rules.parameters import FUNCTIONS
from pipelines.staging import sources
from pipelines.warehouse import ident, literal, table_exists, text_list, unordered

PERIOD_COLUMNS = (
    "retention varchar, rule varchar, dataset varchar, record_key varchar, "
    "period_start timestamptz, starts_on date, kept_until timestamptz, "
    "held boolean, exempt_latest timestamptz, identifiable boolean"
)
TARGET = "retention"  # its rows in staging._built: the files each dataset's periods came from
CODE = [Path(__file__), FUNCTIONS]
AFFECTED = "_retention_affected"  # (dataset, record_key) worked out again by an update


# inserts the rows of a query (DuckDB's dialect) into audit.retention_periods: (conn, sql, params)
PeriodsEngine = Callable[[duckdb.DuckDBPyConnection, str, dict[str, Any]], None]


def on_duckdb(conn: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> None:
    conn.execute(f"insert into audit.retention_periods {sql}", params)


def build_retention_due(
    conn: duckdb.DuckDBPyConnection,
    data_map: DataMap,
    rebuild: bool = False,
    engine: PeriodsEngine = on_duckdb,
) -> int:
    """Bring audit.retention_periods up to date and define audit.retention_due over it for
    this run; needs staging, the core tables and the parameter tables (audit.retention_cutoffs,
    audit.run_parameters). `rebuild` works every record's period out again, for staging rows
    written other than from files; `engine` runs the periods' queries (Spark:
    pipelines/spark/retention.py). Returns the number of rows."""
    with unordered(conn):
        _bring_periods_up_to_date(conn, data_map, rebuild, engine)
    # a view: the run's cut-offs and exemption windows are literals, so nothing it reads
    # depends on this connection's helper functions (a notebook or the look-up reads it too)
    windows = [
        f"select {_quote(retention)} as retention, {literal(since.isoformat())}::timestamptz"
        for retention, since in conn.execute(_since(data_map)).fetchall()
    ]
    since = " union all ".join(
        ["select null::varchar as retention, null::timestamptz as since where false", *windows]
    )
    kind = conn.execute(
        "select any_value(table_type) from information_schema.tables "
        "where table_schema = 'audit' and table_name = 'retention_due'"
    ).fetchall()[0][0]
    if kind == "BASE TABLE":  # a warehouse from before the view
        conn.execute("drop table audit.retention_due")
    conn.execute(f"""
        create or replace view audit.retention_due as
        with since as ({since}),
        periods as (
            select p.*, coalesce(p.held, false)
                        or coalesce(p.exempt_latest >= since.since, false) as exempt
            from audit.retention_periods p left join since using (retention)
        )
        select p.retention, p.rule, p.dataset, p.record_key, p.period_start, p.starts_on,
               cut.cutoff as cut_off, p.kept_until, p.exempt, p.identifiable,
               p.period_start < cut.cutoff and not p.exempt as due, cut.action
        from periods p join audit.retention_cutoffs cut on cut.rule = p.retention
    """)
    return conn.execute("select count(*) from audit.retention_due").fetchall()[0][0]


def _bring_periods_up_to_date(
    conn: duckdb.DuckDBPyConnection, data_map: DataMap, rebuild: bool, engine: PeriodsEngine
) -> None:
    """audit.retention_periods for every record: built again, or updated for new files."""
    digest = _digest(conn, data_map)
    plans = {name: sources.plan(conn, TARGET, name, digest) for name in data_map.datasets}
    # Spark keeps the periods as Parquet parts (pipelines/parts.py), DuckDB as a table: the
    # other engine's periods are worked out again
    on_parts = engine is not on_duckdb
    kept = (
        table_exists(conn, "audit", "retention_periods")
        and not rebuild
        and parts.is_parts(conn, "audit", "retention_periods") == on_parts
    )
    new = sources.appended(plans) if kept else None
    if new is None:
        parts.drop(conn, "audit", "retention_periods")
        # the columns; on Spark a stand-in until the first part takes its place
        conn.execute(f"create or replace table audit.retention_periods ({PERIOD_COLUMNS})")
        for row in data_map.retention.rules:
            spec = data_map.datasets[row.dataset]
            engine(conn, _periods(row, spec, data_map), {"id": row.id})
    elif any(new.values()):
        _update(conn, data_map, new, engine)
    for name, plan in plans.items():
        sources.record(conn, TARGET, name, plan, digest)


def _digest(conn: duckdb.DuckDBPyConnection, data_map: DataMap) -> str:
    """What the periods depend on besides the files: the schedule, every dataset's spec, how
    staging and the people were built (their digests) and this code."""
    built = conn.execute(
        "select target, dataset, any_value(digest) from staging._built "
        "where target in ('staging', 'subjects') group by all order by all"
    ).fetchall()
    specs = [spec.model_dump_json() for spec in data_map.datasets.values()]
    return sources.digest(data_map.retention.model_dump_json(), *specs, *map(str, built), code=CODE)


def _update(
    conn: duckdb.DuckDBPyConnection,
    data_map: DataMap,
    new: dict[str, list[str]],
    engine: PeriodsEngine,
) -> None:
    """The periods of the new files' records, and of every record of the people they belong
    to (a linked start or a with/without condition may have changed), worked out again."""
    arrived = [
        f"select {literal(name)} as dataset, record_key from staging.{ident(name)} "
        f"where _source_file in (select unnest({text_list(files)}))"
        for name, files in new.items()
        if files and table_exists(conn, "staging", name)
    ]
    if not arrived:
        return
    conn.execute(
        f"create or replace temp table _arrived as select distinct * from "
        f"({' union all '.join(arrived)})"
    )
    conn.execute(f"""
        create or replace temp table {AFFECTED} as
        select dataset, record_key from _arrived
        union
        select r.dataset, r.record_key from core.subject_records r
        where r.subject_key in (
            select s.subject_key from core.subject_records s
            join _arrived using (dataset, record_key)
        )
    """)
    if parts.is_parts(conn, "audit", "retention_periods"):  # Spark's: written again, as a part
        parts.rewrite(
            conn,
            "audit",
            "retention_periods",
            f"select * from audit.retention_periods anti join {AFFECTED} "
            "using (dataset, record_key)",
        )
    else:
        conn.execute(f"""
            delete from audit.retention_periods p using {AFFECTED} a
            where p.dataset = a.dataset and p.record_key = a.record_key
        """)
    for row in data_map.retention.rules:
        spec = data_map.datasets[row.dataset]
        engine(conn, _periods(row, spec, data_map, affected=True), {"id": row.id})
    for table in ("_arrived", AFFECTED):
        conn.execute(f"drop table {table}")


def _periods(row: Retention, spec: DatasetSpec, data_map: DataMap, affected: bool = False) -> str:
    """The query giving the row's periods, of every record it covers or (`affected`) of those in
    _retention_affected only (portable: the Spark engine translates it)."""
    schedule_zone = _quote(data_map.retention.timezone)
    zone = _quote(spec.timezone)
    own = [s for s in row.starts if s.dataset in (None, spec.name)]
    linked = [s for s in row.starts if s.dataset not in (None, spec.name)]
    table = f"staging.{ident(spec.name)}"

    def only(alias: str) -> str:
        if not affected:
            return "true"
        wanted = f"select record_key from {AFFECTED} where dataset = {_quote(spec.name)}"
        return f"{alias}record_key in ({wanted})"

    rule = _quote(row.rule) if row.rule else "cast(null as varchar)"
    starts = []
    selects = ["record_key", "bool_or(not is_anonymised) as identifiable"]
    for i, start in enumerate(row.starts):
        starts.append(f"s{i}")
        if start in own:
            selects.append(f"min({_instant(start, spec, data_map)}) as s{i}")
    selects += _exemption(row, spec)
    mine = only("mine.")
    joins = "".join(
        f" left join ({_latest(start, spec, data_map, row.starts.index(start), mine)}) "
        f"as l{row.starts.index(start)} using (record_key)"
        for start in linked
    )
    return f"""
        with records as (
            select {", ".join(selects)} from {table} where {_applies(row, spec)} and {only("")}
            group by record_key
        ),
        started as (
            select records.*, coalesce({", ".join(starts)}) as period_start
            from records{joins}
        )
        select $id as retention, {rule} as rule, {_quote(spec.name)} as dataset,
               record_key, period_start,
               local_date(period_start, {zone}) as starts_on,
               local_instant(local_time(period_start, {schedule_zone}) + {_interval(row)},
                             {schedule_zone}) as kept_until,
               held, exempt_latest, identifiable
        from started
        where period_start is not null
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
        local = f"local_date({value}, {zone})" if column.type == "timestamp" else value
        return f"local_instant(cast(fy_end({local}, {month}, {day}) as timestamp), {zone})"
    if column.type == "date":
        return f"local_instant(cast({value} as timestamp), {_quote(owner.timezone)})"
    return value


def _latest(start: Start, spec: DatasetSpec, data_map: DataMap, i: int, only: str) -> str:
    """Per record of the dataset (those `only` picks): the latest start among the person's
    records in another."""
    other = f"staging.{ident(start.dataset)}"
    return f"""
        select mine.record_key, max({_instant(start, spec, data_map)}) as s{i}
        from core.subject_records mine
        join core.subject_records theirs
            on theirs.subject_key = mine.subject_key and theirs.dataset = {_quote(start.dataset)}
        join {other} o on o.record_key = theirs.record_key
        where mine.dataset = {_quote(spec.name)} and {only}
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


def _exemption(row: Retention, spec: DatasetSpec) -> list[str]:
    """`held` (a boolean exemption holds on one of the record's rows) and `exempt_latest` (the
    latest time of a time-bound exemption, which the as-of date's `since` is compared with)."""
    exempt = row.exempt_when
    if exempt is None:
        return ["false as held", "null::timestamptz as exempt_latest"]
    value = ident(exempt.column)
    if exempt.within is None:
        return [f"bool_or(coalesce({value}, false)) as held", "null::timestamptz as exempt_latest"]
    column = spec.column(exempt.column)
    if column is not None and column.type == "date":
        value = f"local_instant(cast({value} as timestamp), {_quote(spec.timezone)})"
    return ["false as held", f"max({value}) as exempt_latest"]


def _since(data_map: DataMap) -> str:
    """Per retention row with a time-bound exemption: the instant its window opens, the as-of
    date less the period at the schedule's local midnight."""
    zone = _quote(data_map.retention.timezone)
    parts = ["select null::varchar as retention, null::timestamptz as since where false"]
    for row in data_map.retention.rules:
        if row.exempt_when is None or row.exempt_when.within is None:
            continue
        period = row.exempt_when.within
        parts.append(
            f"select {_quote(row.id)}, timezone({zone}, cast((select as_of from "
            f"audit.run_parameters) - to_years({period.years}) - to_months({period.months}) "
            f"- to_days({period.days}) as timestamp))"
        )
    return " union all ".join(parts)


def _interval(row: Retention) -> str:
    period = row.keep_for
    return f"to_years({period.years}) + to_months({period.months}) + to_days({period.days})"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
