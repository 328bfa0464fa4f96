"""core.subjects: one row per person across all sources, by email and phone (identity resolution).

Records that share an email or a phone belong to the same person, transitively: the connected
components of the graph of identifiers, found by label propagation in SQL. A person's subject_key
is the keyed pseudonym (HMAC) of their smallest identifier, emails before phones.
"""

from __future__ import annotations

import duckdb

from pipelines import pseudonyms
from pipelines.datamap.models import DatasetSpec
from pipelines.warehouse import ident, literal, table_exists

MAX_ROUNDS = 100
# Rows of one record share its key (an order's line items); a row without a key is its own record.
RECORD = "coalesce(nullif(record_key, ''), _source_file || '#' || _row_number)"


def build_subjects(conn: duckdb.DuckDBPyConnection, specs: list[DatasetSpec], secret: bytes) -> int:
    """(Re)build core.subject_records, core.subject_identifiers and core.subjects."""
    pseudonyms.register(conn, secret)
    conn.execute(f"create or replace temp table _ids as {_identifier_rows(conn, specs)}")
    conn.execute("""
        create or replace temp table _nodes as
        select row_number() over (order by kind, value) as node, kind, value
        from (select distinct kind, value from _ids)
    """)
    conn.execute("""
        create or replace temp table _members as
        select distinct i.dataset, i.record, i.record_key, n.node
        from _ids i join _nodes n using (kind, value)
    """)
    _propagate_labels(conn)
    _publish(conn)
    for table in ("_ids", "_nodes", "_members", "_labels"):
        conn.execute(f"drop table if exists {table}")
    return conn.execute("select count(*) from core.subjects").fetchall()[0][0]


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
    """Each node takes the smallest label among the records it appears in, until nothing moves."""
    conn.execute("create or replace temp table _labels as select node, node as label from _nodes")
    for _ in range(MAX_ROUNDS):
        conn.execute("""
            create or replace temp table _next as
            with record_labels as (
                select m.dataset, m.record, min(l.label) as label
                from _members m join _labels l using (node)
                group by m.dataset, m.record
            )
            select m.node, min(r.label) as label
            from _members m join record_labels r using (dataset, record)
            group by m.node
        """)
        moved = conn.execute("""
            select count(*) from _next n join _labels l using (node) where n.label < l.label
        """).fetchall()[0][0]
        conn.execute("create or replace temp table _labels as select * from _next")
        conn.execute("drop table _next")
        if not moved:
            return
    raise RuntimeError(f"identity resolution did not settle in {MAX_ROUNDS} rounds")


def _publish(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute("""
        create or replace temp table _keys as
        select l.node, subject_key(r.value) as subject_key
        from _labels l join _nodes r on r.node = l.label
    """)
    conn.execute("""
        create or replace table core.subject_identifiers as
        select n.kind, n.value, k.subject_key
        from _nodes n join _keys k using (node) order by subject_key, kind, value
    """)
    conn.execute("""
        create or replace table core.subject_records as
        select distinct m.dataset, m.record_key, k.subject_key
        from _members m join _keys k using (node) order by dataset, record_key
    """)
    conn.execute("""
        create or replace table core.subjects as
        with identifiers as (
            select subject_key,
                   list(value order by value) filter (where kind = 'email') as emails,
                   list(value order by value) filter (where kind = 'phone') as phones
            from core.subject_identifiers group by subject_key
        ),
        records as (
            select subject_key, list(distinct dataset order by dataset) as datasets,
                   count(*) as records
            from core.subject_records group by subject_key
        )
        select subject_key, coalesce(emails, []) as emails, coalesce(phones, []) as phones,
               datasets, records
        from identifiers join records using (subject_key) order by subject_key
    """)
    conn.execute("drop table _keys")
