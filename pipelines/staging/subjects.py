"""core.subjects: one row per person across all sources, by email and phone (identity resolution).

Records that share an email or a phone belong to the same person, transitively: the connected
components of the graph of identifiers (scipy's connected components on integer node ids). A
person's subject_key is the keyed pseudonym (HMAC) of their smallest identifier, emails before
phones.

Resolution is incremental: when the staging tables hold what they held at the last resolution
plus the rows of new files, only the people the new rows' identifiers (or record keys) touch are
resolved again, over every row of theirs and the new rows, and replace their old rows in the core
tables. A component holds all of its people's identifiers, so the result is the one a full
resolution gives (tests/test_subjects_incremental.py). Anything else (a file changed or removed,
another spec, secret or not-a-person list, other code) resolves everyone again.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pyarrow as pa

from pipelines import parts, pseudonyms
from pipelines.datamap.models import DatasetSpec
from pipelines.staging import sources
from pipelines.warehouse import ident, literal, table_exists, text_list, unordered

# Rows of one record share its key (an order's line items); a row without a key is its own record.
RECORD = "coalesce(nullif(record_key, ''), _source_file || '#' || _row_number)"
TARGET = "subjects"  # its rows in staging._built: the files each dataset's people were built from
CORE = ("subject_identifiers", "subject_records", "subjects")
FULL = "table core."  # where a full resolution makes the core tables (an update: temp tables)
Filter = Callable[[DatasetSpec, str, str], str]  # (spec, kind, column) -> SQL condition


def build_subjects(
    conn: duckdb.DuckDBPyConnection,
    specs: list[DatasetSpec],
    secret: bytes,
    not_a_person: list[str] | tuple[str, ...] = (),
    engine: Engine | None = None,
) -> int:
    """Bring core.subject_records, core.subject_identifiers and core.subjects up to date.

    `not_a_person` holds identifiers (normalised as staging writes them) that link no records:
    the company's own switchboard and shared mailboxes. `engine` resolves elsewhere (Spark:
    pipelines/spark/subjects.py), else DuckDB does.
    """
    with unordered(conn):
        skip = list(not_a_person)
        conn.execute(sources.BUILT_DDL)
        digests = {s.name: _digest(conn, s, secret, skip) for s in specs}
        plans = {s.name: sources.plan(conn, TARGET, s.name, digests[s.name]) for s in specs}
        new = _appended(conn, plans, engine is not None)
        resolver = engine or OnDuckDB
        if new is None:
            _build(conn, specs, secret, skip, resolver)
        elif any(new.values()):
            _update(conn, specs, secret, skip, new, resolver)
        for name, plan in plans.items():
            sources.record(conn, TARGET, name, plan, digests[name])
        return conn.execute("select count(*) from core.subjects").fetchall()[0][0]


def _digest(
    conn: duckdb.DuckDBPyConnection, spec: DatasetSpec, secret: bytes, skip: list[str]
) -> str:
    """What a dataset's people depend on besides its files: how staging was built (its own
    digest), the secret (by a fingerprint, never itself), the not-a-person list and this code."""
    staged = conn.execute(
        "select any_value(digest) from staging._built where target = 'staging' and dataset = ?",
        [spec.name],
    ).fetchall()[0][0]
    fingerprint = pseudonyms.keyed(secret, "subjects digest")  # an HMAC: reveals nothing
    return sources.digest(str(staged), fingerprint, *sorted(skip), code=[Path(__file__)])


def _appended(
    conn: duckdb.DuckDBPyConnection, plans: dict[str, sources.Plan], on_parts: bool
) -> dict[str, list[str]] | None:
    """The new files per dataset when every dataset only gained files since the last
    resolution (or has none, then and now); None when everyone must be resolved again, as when
    the core tables are kept the other engine's way (Spark: as Parquet parts)."""
    for table in CORE:
        if not table_exists(conn, "core", table) or parts.is_parts(conn, "core", table) != on_parts:
            return None
    return sources.appended(plans)


def _build(
    conn: duckdb.DuckDBPyConnection,
    specs: list[DatasetSpec],
    secret: bytes,
    not_a_person: list[str],
    engine: Engine,
) -> None:
    """Everyone resolved from every staged row."""
    rows = _identifier_rows(conn, specs)
    for table in CORE:  # the views over an earlier Spark resolution's parts
        parts.drop(conn, "core", table)
    _resolve(engine(conn, FULL), rows, secret, not_a_person)


def _update(
    conn: duckdb.DuckDBPyConnection,
    specs: list[DatasetSpec],
    secret: bytes,
    not_a_person: list[str],
    new: dict[str, list[str]],
    engine: Engine,
) -> None:
    """The people the new files' rows touch resolved again, over all their rows and the new."""

    def new_rows(spec: DatasetSpec, kind: str, column: str) -> str:
        return f"_source_file in (select unnest({text_list(new.get(spec.name, []))}))"

    conn.execute(
        f"create or replace temp table _arrived as select * from "
        f"({_identifier_rows(conn, specs, new_rows)}) "
        "where value not in (select unnest($skip::varchar[]))",
        {"skip": not_a_person},
    )
    # touched: whoever holds a new identifier, or a record the new rows add rows to
    conn.execute("""
        create or replace temp table _touched as
        select distinct i.subject_key from core.subject_identifiers i
        join (select distinct kind, value from _arrived) a using (kind, value)
        union
        select distinct r.subject_key from core.subject_records r
        join (select distinct dataset, record_key from _arrived where record_key <> '') a
        using (dataset, record_key)
    """)
    conn.execute("""
        create or replace temp table _touched_values as
        select kind, value from core.subject_identifiers
        where subject_key in (select subject_key from _touched)
    """)

    def theirs(spec: DatasetSpec, kind: str, column: str) -> str:
        touched = f"(select value from _touched_values where kind = {literal(kind)})"
        return f"({new_rows(spec, kind, column)} or {ident(column)} in {touched})"

    rows = _identifier_rows(conn, specs, theirs)
    _resolve(engine(conn, "temp table _new_"), rows, secret, not_a_person)
    for table in CORE:
        if parts.is_parts(conn, "core", table):  # Spark's: the table written again, as a part
            parts.rewrite(
                conn,
                "core",
                table,
                f"select * from core.{table} where subject_key not in "
                f"(select subject_key from _touched) union all by name select * from _new_{table}",
            )
        else:
            conn.execute(
                f"delete from core.{table} where subject_key in (select subject_key from _touched)"
            )
            conn.execute(f"insert into core.{table} select * from _new_{table}")
        conn.execute(f"drop table _new_{table}")
    for table in ("_arrived", "_touched", "_touched_values"):
        conn.execute(f"drop table {table}")


class Resolver(Protocol):
    """Where a resolution's statements run: DuckDB (OnDuckDB) or Spark. Each statement is a
    query in DuckDB's dialect that a table of the resolution is made from."""

    def identifiers(self, rows: str, not_a_person: list[str]) -> None:
        """_ids: the identifier rows of the query `rows` (run by DuckDB), less not-a-person."""

    def make(self, table: str, select: str, params: dict[str, Any] | None = None) -> None:
        """The table from the query: a working one (its name starts with _), or one of CORE,
        created as the resolver's `into` + its name in the warehouse."""

    def edges(self) -> tuple[Any, Any, int]:
        """_edges as two integer arrays (node, first) and the number of node ids."""

    def labels(self, found: pa.Table) -> None:
        """_labels(node, label), from an Arrow table."""

    def drop(self, table: str) -> None:
        """A working table no later statement reads."""

    def close(self) -> None:
        """Every working table gone."""


Engine = Callable[[duckdb.DuckDBPyConnection, str], Resolver]  # (conn, into) -> its Resolver


class OnDuckDB:
    """A resolution run by DuckDB, in temporary tables of the warehouse's connection."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, into: str):
        self.conn, self.into = conn, into

    def identifiers(self, rows: str, not_a_person: list[str]) -> None:
        self.conn.execute(
            f"create or replace temp table _ids as select * from ({rows}) "
            "where value not in (select unnest($skip::varchar[]))",
            {"skip": not_a_person},
        )

    def make(self, table: str, select: str, params: dict[str, Any] | None = None) -> None:
        target = f"temp table {table}" if table.startswith("_") else f"{self.into}{table}"
        self.conn.execute(f"create or replace {target} as {select}", params or {})

    def edges(self) -> tuple[Any, Any, int]:
        edges = self.conn.execute("select node, first from _edges").fetchnumpy()
        size = self.conn.execute("select coalesce(max(node), 0) + 1 from _nodes").fetchall()
        return edges["node"], edges["first"], size[0][0]

    def labels(self, found: pa.Table) -> None:
        self.conn.register("_found_labels", found)
        self.conn.execute("create or replace temp table _labels as select * from _found_labels")
        self.conn.unregister("_found_labels")

    def drop(self, table: str) -> None:
        self.conn.execute(f"drop table if exists {table}")

    def close(self) -> None:
        for table in WORKING:
            self.drop(table)


def _resolve(engine: Resolver, rows: str, secret: bytes, not_a_person: list[str]) -> None:
    """The core tables' rows for the identifier rows `rows` (a query, holding every row of each
    person it reaches), made by `engine` as its `into` + each of CORE."""
    engine.identifiers(rows, not_a_person)
    for table, select in LINKING:
        engine.make(table, select)
        if table == "_rn":
            engine.drop("_ids")
        elif table == "_edges":
            engine.drop("_rn")
    engine.labels(_components(*engine.edges()))
    for table, select in PUBLISHING:
        engine.make(table, select, pseudonyms.pads(secret) if table == "_root_keys" else None)
    engine.close()


# the working tables a resolution makes besides _ids and _rn (dropped as soon as they are read)
WORKING = ("_nodes", "_records", "_edges", "_labels", "_roots", "_root_keys", "_record_labels")
# the resolution up to the graph: (table, the query it is made from), in order
LINKING = [
    (
        "_nodes",
        "select row_number() over (order by kind, value) as node, kind, value "
        "from (select distinct kind, value from _ids)",
    ),
    # each identifier row with its node, joined once (by text) and then only by integers
    (
        "_rn",
        "select i.dataset, i.record, (i.record_key is null or i.record_key = '') as keyless, "
        "n.node from _ids i join _nodes n using (kind, value)",
    ),
    # one row per record: its smallest and largest identifier node (equal: nothing to link); a
    # keyed record's key is its `record`
    (
        "_records",
        "select dataset, case when bool_or(keyless) then '' else record end as record_key, "
        "record, min(node) as first, max(node) as last from _rn group by dataset, record",
    ),
    # a record with several identifiers links each of them to its first: the only edges
    (
        "_edges",
        "select distinct i.node, r.first from _rn i "
        "join (select * from _records where first <> last) r using (dataset, record) "
        "where i.node <> r.first",
    ),
]


def shared_identifiers(
    conn: duckdb.DuckDBPyConnection, specs: list[DatasetSpec], records: int, names: int
) -> list[tuple[str, int, int]]:
    """Identifiers linking more than `records` records under more than `names` distinct names:
    (identifier, records, names), most records first. Such a number is probably shared.

    Only the identifiers of people with more than `records` records can be one (core.subjects
    counts them), so usually nothing is scanned at all."""
    conn.execute(
        "create or replace temp table _busy as select i.value from core.subject_identifiers i "
        "join core.subjects s using (subject_key) where s.records > $records",
        {"records": records},
    )
    if not conn.execute("select count(*) from _busy").fetchall()[0][0]:
        conn.execute("drop table _busy")
        return []
    parts = []
    for spec in specs:
        named = [c for c in spec.columns if c.category.startswith("user.name")]
        if not named or not table_exists(conn, "staging", spec.name):
            continue
        name = "lower(concat_ws(' ', " + ", ".join(ident(c.name) for c in named) + "))"
        for column in spec.columns:
            if column.is_identifier:
                parts.append(
                    f"select {ident(column.name)} as value, {literal(spec.name)} as dataset, "
                    f"{RECORD} as record, nullif({name}, '') as name "
                    f"from staging.{ident(spec.name)} "
                    f"where {ident(column.name)} in (select value from _busy)"
                )
    if not parts:
        conn.execute("drop table _busy")
        return []
    found = conn.execute(
        "select value, count(distinct (dataset, record)) as records, "
        f"count(distinct name) as names from ({' union all '.join(parts)}) group by value "
        "having count(distinct (dataset, record)) > $records and count(distinct name) > $names "
        "order by records desc, value",
        {"records": records, "names": names},
    ).fetchall()
    conn.execute("drop table _busy")
    return found


def _identifier_rows(
    conn: duckdb.DuckDBPyConnection, specs: list[DatasetSpec], where: Filter | None = None
) -> str:
    """Every staged (dataset, record_key, record, kind, value) with an identifier; only the rows
    `where` picks, when given."""
    parts = []
    for spec in specs:
        if not table_exists(conn, "staging", spec.name):
            continue
        for column in spec.columns:
            if column.is_identifier:
                kind = "email" if column.type == "email" else "phone"
                parts.append(
                    f"select {literal(spec.name)} as dataset, record_key, {RECORD} as record, "
                    f"{literal(kind)} as kind, {ident(column.name)} as value "
                    f"from staging.{ident(spec.name)} where {ident(column.name)} is not null"
                    + (f" and {where(spec, kind, column.name)}" if where else "")
                )
    if not parts:
        return (
            "select null::varchar as dataset, null::varchar as record_key, null as record, "
            "null::varchar as kind, null::varchar as value where false"
        )
    return " union all ".join(parts)


def _components(nodes: Any, firsts: Any, size: int) -> pa.Table:
    """(node, label): each linked node and the smallest node of its connected component.

    The edges come as two integer arrays (no Python per row) and go to scipy's connected
    components; nodes absent from the result are people of their own.
    """
    import numpy as np
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    nodes, firsts = np.asarray(nodes, np.int64), np.asarray(firsts, np.int64)
    graph = coo_matrix((np.ones(len(nodes), np.int8), (nodes, firsts)), shape=(size, size))
    count, component = connected_components(graph, directed=False)
    smallest = np.full(count, size, np.int64)
    np.minimum.at(smallest, component, np.arange(size, dtype=np.int64))
    label = smallest[component]
    linked = np.flatnonzero(label != np.arange(size))
    return pa.table({"node": linked, "label": label[linked]})


# the core tables, grouped by each person's label (an integer) and keyed once per person
PUBLISHING = [
    (
        "_roots",
        "select n.node, coalesce(l.label, n.node) as label "
        "from _nodes n left join _labels l using (node)",
    ),
    (
        "_root_keys",
        f"select r.label, {pseudonyms.keyed_sql('n.value')} as subject_key "
        "from (select distinct label from _roots) r join _nodes n on n.node = r.label",
    ),
    (
        "subject_identifiers",
        "select n.kind, n.value, k.subject_key "
        "from _nodes n join _roots r using (node) join _root_keys k using (label)",
    ),
    (
        "_record_labels",
        "select r.dataset, r.record_key, o.label from _records r join _roots o on o.node = r.first",
    ),
    (
        "subject_records",
        """
        with keyed as (
            select r.dataset, r.record_key, k.subject_key
            from _record_labels r join _root_keys k using (label)
        )
        -- a non-empty record key is its record: one row each; rows without a key may repeat
        select * from keyed where record_key <> ''
        union all
        select distinct * from keyed where record_key is null or record_key = ''
        """,
    ),
    (
        "subjects",
        """
        with identifiers as (
            select r.label,
                   list_sort(list(n.value) filter (where n.kind = 'email')) as emails,
                   list_sort(list(n.value) filter (where n.kind = 'phone')) as phones
            from _nodes n join _roots r using (node) group by r.label
        ),
        per_dataset as (  -- a non-empty key is one record; rows without a key count once
            select label, dataset,
                   count(*) filter (where record_key <> '')
                   + bool_or(record_key is null or record_key = '')::int as records
            from _record_labels group by label, dataset
        ),
        records as (
            select label, list(dataset order by dataset) as datasets,
                   sum(records)::bigint as records
            from per_dataset group by label
        )
        select k.subject_key, coalesce(i.emails, []) as emails, coalesce(i.phones, []) as phones,
               r.datasets, r.records
        from identifiers i join records r using (label) join _root_keys k using (label)
        """,
    ),
]
