"""Identity resolution on Spark (pipelines/spark/subjects.py) makes the core tables DuckDB makes,
resolving everyone and resolving only the people new files touch, with the same keyed
pseudonyms."""

from __future__ import annotations

import pytest
from test_subjects_incremental import SECRET, SENDS, base, contact, core, from_scratch, line

from pipelines import parts, pseudonyms
from pipelines.spark.subjects import OnSpark
from pipelines.staging import subjects
from pipelines.staging.subjects import build_subjects

__all__ = ["base"]  # the fixture: A, B, C in the CRM, D's order of two lines, a send to E


@pytest.fixture(scope="module")
def spark():
    from pipelines.spark.session import spark_session

    return spark_session("local[1]")


def test_everyone_resolved_by_spark_as_by_duckdb(base, spark, tmp_path) -> None:
    on_duckdb = core(base)
    base.conn.execute("delete from staging._built where target = 'subjects'")
    specs = list(base.data_map.datasets.values())
    build_subjects(base.conn, specs, SECRET, engine=OnSpark.engine(spark, tmp_path / "spark"))
    on_spark = core(base)
    assert on_spark == on_duckdb
    assert len(on_spark["subjects"]) == 6
    # the key is the HMAC of the person's smallest identifier, computed here in Python
    keys = {s[0] for s in on_spark["subjects"]}
    assert pseudonyms.keyed(SECRET, "a@x.com") in keys
    assert not (tmp_path / "spark" / "_subjects").exists()  # the working files are gone


def test_new_files_resolved_by_spark_equal_a_full_resolution(
    base, layouts, spark, tmp_path, monkeypatch
) -> None:
    engine = OnSpark.engine(spark, tmp_path / "spark")
    specs = list(base.data_map.datasets.values())
    base.conn.execute("delete from staging._built where target = 'subjects'")
    build_subjects(base.conn, specs, SECRET, engine=engine)  # everyone, by Spark
    kept = {table: parts.parts_of(base.conn, "core", table) for table in subjects.CORE}
    assert all(len(found) == 1 for found in kept.values())  # each core table is Spark's part
    base.put(  # links B to C's phone: B and C become one person
        "crm_contacts",
        "more/contacts-2.csv",
        layouts.hubspot([contact("10000000009", "b@x.com", "07700 900003")]),
    )
    base.put(
        "orders", "more/orders_export_2.csv", layouts.shopify([line("#1", "", "07700 900004")])
    )
    base.put(
        "marketing_sends",
        "more/sends-2.csv",
        layouts.csv(SENDS, [["c2", "Summer", "f@x.com", "2024-06-01T09:00:00Z"]]),
    )
    for dataset in ("crm_contacts", "orders", "marketing_sends"):
        base.ingest(dataset)
    updated: list[bool] = []
    original = subjects._update
    monkeypatch.setattr(subjects, "_update", lambda *a: updated.append(True) or original(*a))
    build_subjects(base.conn, specs, SECRET, engine=engine)
    monkeypatch.undo()
    assert updated == [True]
    for table, before in kept.items():  # written again as one part, in place of the first
        [after] = parts.parts_of(base.conn, "core", table)
        assert after != before[0]
    on_spark = core(base)
    assert on_spark == from_scratch(base)  # DuckDB resolving everyone again
    assert not parts.is_parts(base.conn, "core", "subjects")  # and keeping a table
    people = {tuple(s[1]): (tuple(s[2]), s[4]) for s in on_spark["subjects"]}
    assert people[("b@x.com", "c@x.com")] == (("+447700900003",), 3)
