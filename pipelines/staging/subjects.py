"""core.subjects: one row per person across all sources, by email and phone (identity resolution).

Records that share an email or a phone belong to the same person, transitively: the connected
components of the graph of identifiers, found by label propagation in SQL. A person's subject_key
is the keyed pseudonym (HMAC) of their smallest identifier, emails before phones.
"""

from __future__ import annotations

import duckdb

from pipelines import pseudonyms
from pipelines.datamap.models import DatasetSpec
from pipelines.warehouse import ident, literal, table_exists, unordered

MAX_ROUNDS = 100
# Rows of one record share its key (an order's line items); a row without a key is its own record.
RECORD = "coalesce(nullif(record_key, ''), _source_file || '#' || _row_number)"


def build_subjects(
    conn: duckdb.DuckDBPyConnection,
    specs: list[DatasetSpec],
    secret: bytes,
    not_a_person: list[str] | tuple[str, ...] = (),
) -> int:
    """(Re)build core.subject_records, core.subject_identifiers and core.subjects.

    `not_a_person` holds identifiers (normalised as staging writes them) that link no records:
    the company's own switchboard and shared mailboxes.
    """
    with unordered(conn):
        return _build(conn, specs, secret, list(not_a_person))


def _build(
    conn: duckdb.DuckDBPyConnection,
    specs: list[DatasetSpec],
    secret: bytes,
    not_a_person: list[str],
) -> int:
    conn.execute(
        f"create or replace temp table _ids as select * from ({_identifier_rows(conn, specs)}) "
        "where value not in (select unnest($skip::varchar[]))",
        {"skip": not_a_person},
    )
    conn.execute("""
        create or replace temp table _nodes as
        select row_number() over (order by kind, value) as node, kind, value
        from (select distinct kind, value from _ids)
    """)
    # one row per record: its smallest and largest identifier node (equal: nothing to link)
    conn.execute("""
        create or replace temp table _records as
        select i.dataset, i.record, any_value(i.record_key) as record_key,
               min(n.node) as first, max(n.node) as last
        from _ids i join _nodes n using (kind, value) group by i.dataset, i.record
    """)
    # a record with several identifiers links each of them to its first: the only edges. The
    # identifier join is repeated rather than kept: at a million contacts materialising its
    # 12 million rows cost more than joining twice
    conn.execute("""
        create or replace temp table _edges as
        select distinct n.node, r.first
        from _ids i join _nodes n using (kind, value)
        join (select * from _records where first <> last) r using (dataset, record)
        where n.node <> r.first
    """)
    conn.execute("drop table _ids")
    _propagate_labels(conn)
    _publish(conn, secret)
    for table in ("_nodes", "_records", "_edges", "_labels"):
        conn.execute(f"drop table if exists {table}")
    return conn.execute("select count(*) from core.subjects").fetchall()[0][0]


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


def _identifier_rows(conn: duckdb.DuckDBPyConnection, specs: list[DatasetSpec]) -> str:
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
                )
    if not parts:
        return (
            "select null::varchar as dataset, null::varchar as record_key, null as record, "
            "null::varchar as kind, null::varchar as value where false"
        )
    return " union all ".join(parts)


def _propagate_labels(conn: duckdb.DuckDBPyConnection) -> None:
    """Each linked node takes the smallest label among its neighbours, until nothing moves.

    Only nodes on an edge take part; every other node is a person of its own. After each round
    a node also takes its label's label (pointer jumping), so long chains settle in few rounds.
    """
    conn.execute("""
        create or replace temp table _labels as
        select node, min(first) as label from (
            select node, first from _edges union all select first, first from _edges
        ) group by node
    """)
    for _ in range(MAX_ROUNDS):
        conn.execute("""
            create or replace temp table _next as
            with stepped as (
                select node, min(label) as label from (
                    select e.node, l.label from _edges e join _labels l on l.node = e.first
                    union all
                    select e.first, l.label from _edges e join _labels l on l.node = e.node
                    union all
                    select node, label from _labels
                ) group by node
            )
            select s.node, least(s.label, coalesce(j.label, s.label)) as label
            from stepped s left join stepped j on j.node = s.label
        """)
        moved = conn.execute("""
            select count(*) from _next n join _labels l using (node) where n.label < l.label
        """).fetchall()[0][0]
        conn.execute("create or replace temp table _labels as select * from _next")
        conn.execute("drop table _next")
        if not moved:
            return
    raise RuntimeError(f"identity resolution did not settle in {MAX_ROUNDS} rounds")


def _publish(conn: duckdb.DuckDBPyConnection, secret: bytes) -> None:
    """The core tables, grouped by each person's label (an integer) and keyed once per person."""
    conn.execute("""
        create or replace temp table _roots as
        select n.node, coalesce(l.label, n.node) as label
        from _nodes n left join _labels l using (node)
    """)
    conn.execute(
        f"""
        create or replace temp table _root_keys as
        select r.label, {pseudonyms.keyed_sql("n.value")} as subject_key
        from (select distinct label from _roots) r join _nodes n on n.node = r.label
        """,
        pseudonyms.pads(secret),
    )
    conn.execute("""
        create or replace table core.subject_identifiers as
        select n.kind, n.value, k.subject_key
        from _nodes n join _roots r using (node) join _root_keys k using (label)
    """)
    conn.execute("""
        create or replace temp table _record_labels as
        select r.dataset, r.record_key, o.label
        from _records r join _roots o on o.node = r.first
    """)
    conn.execute("""
        create or replace table core.subject_records as
        with keyed as (
            select r.dataset, r.record_key, k.subject_key
            from _record_labels r join _root_keys k using (label)
        )
        -- a non-empty record key is its record: one row each; rows without a key may repeat
        select * from keyed where record_key <> ''
        union all
        select distinct * from keyed where record_key is null or record_key = ''
    """)
    conn.execute("""
        create or replace table core.subjects as
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
    """)
    for table in ("_roots", "_root_keys", "_record_labels"):
        conn.execute(f"drop table {table}")
