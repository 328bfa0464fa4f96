"""The Spark engine finds what the DuckDB engine finds (DESIGN.md section 7).

The same generated estate (2,000 contacts: every rule has findings) and the hand-written vendor
fixtures are audited twice, `engine="duckdb"` and `engine="spark"`, with the same key, and the
rule rows, the findings, reports/<run>/findings.parquet, every staged row and suspicious value,
the rejects and the people must be the same. The helper functions of each engine's library are
checked on hand-picked values against the answers the functions' own words give, on both
engines, and the conversions on raw values chosen where the two engines' own SQL disagrees.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from conftest import REPO, audit_settings

from pipelines.audit import run_audit
from pipelines.datamap import DataMap
from pipelines.rules import parameters
from pipelines.rules.catalogue import all_rules, load_catalogue
from pipelines.sample import generate_estate
from pipelines.settings import Settings
from pipelines.staging.subjects import CORE
from pipelines.warehouse import prepare

AS_OF = date(2026, 11, 1)
VENDOR = REPO / "tests" / "fixtures" / "vendor" / "exports"
RULE_ROWS = """
    select rule_id, dataset, record_key, detail, list_sort(responsible) as responsible,
           list_sort(clause_ids) as clause_ids
    from audit.rule_rows
"""
# a run's own id is the only column of the extract that differs between two runs
EXTRACT = """
    select * exclude (run_id, first_seen_run), list_sort(responsible) as responsible,
           list_sort(clause_ids) as clause_ids
    from read_parquet($path)
"""


def audit_both(exports: Path, root: Path) -> dict[str, Settings]:
    """The exports audited on each engine, each in its own folder, with one key. Spark reads
    its copy through a URI (its --exports folder does not exist), as from object storage."""
    runs = {}
    for engine in ("duckdb", "spark"):
        folder = root / engine
        shutil.copytree(exports, folder / "exports")
        settings = audit_settings(folder, AS_OF).with_(engine=engine, key_file=root / "key")
        if engine == "spark":
            uri = (folder / "exports").as_uri()
            settings = settings.with_(exports_dir=folder / "not-here", exports_uri=uri)
        run_audit(settings)
        runs[engine] = settings
    return runs


def rows(settings: Settings, sql: str, **params: object) -> list[tuple]:
    with duckdb.connect(str(settings.db_path), read_only=True) as conn:
        return sorted(conn.execute(sql, params).fetchall(), key=repr)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> dict[str, Settings]:
    root = tmp_path_factory.mktemp("parity")
    generate_estate(root / "estate", 2000, 7, AS_OF)
    (root / "estate" / "ground_truth.csv").unlink()
    return audit_both(root / "estate", root)


@pytest.fixture(scope="module")
def vendor(tmp_path_factory) -> dict[str, Settings]:
    return audit_both(VENDOR, tmp_path_factory.mktemp("vendor-parity"))


# what each engine wrote besides the findings: (table, columns); a load's time differs by run
WAREHOUSE = [
    (
        "raw._loads",
        "dataset, source_file, size_bytes, sha256, spec_digest, status, message, rows_read, "
        "rows_loaded, rows_rejected, gap",
    ),
    ("raw._quality", "*"),
    ("staging._text_values", "*"),
    ("core.subjects", "*"),
    ("core.subject_records", "*"),
    ("core.subject_identifiers", "*"),
    ("audit.retention_due", "*"),
]


def warehouse_tables(settings: Settings) -> list[tuple[str, str]]:
    """Every table compared: WAREHOUSE, each staging.<dataset>, raw.<dataset> (the rows as
    exported) and raw.<dataset>__rejects."""
    with duckdb.connect(str(settings.db_path), read_only=True) as conn:
        names = conn.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('staging', 'raw') and table_name not like '\\_%' escape '\\'"
        ).fetchall()
    rejects = "_source_file, _row_number, _raw_line, _reason"
    columns = {"staging": "*", "raw": "* exclude (_loaded_at)"}
    return WAREHOUSE + [
        (f'{schema}."{table}"', rejects if table.endswith("__rejects") else columns[schema])
        for schema, table in sorted(names)
    ]


def assert_same_warehouse(runs: dict[str, Settings]) -> None:
    tables = warehouse_tables(runs["duckdb"])
    assert tables == warehouse_tables(runs["spark"])
    assert len([t for t, _ in tables if t.startswith("staging.")]) >= 12
    for table, columns in tables:
        duck, spark = (rows(runs[e], f"select {columns} from {table}") for e in runs)
        assert duck == spark, table
    subjects = "select count(*) from core.subjects"
    assert rows(runs["duckdb"], subjects) == rows(runs["spark"], subjects) != [(0,)]


def test_staging_rejects_people_and_retention_are_the_same_on_both_engines(
    generated: dict[str, Settings], vendor: dict[str, Settings]
) -> None:
    assert_same_warehouse(generated)
    assert_same_warehouse(vendor)
    rejects = "select count(*) from raw._loads where rows_rejected > 0"
    assert rows(vendor["spark"], rejects) != [(0,)]  # the fixtures do have rejects


def rule_ids(data_map: DataMap) -> set[str]:
    return {rule.id for _, rule in all_rules(load_catalogue(REPO / "expectations", data_map))}


def test_every_rule_finds_the_same_records_with_the_same_detail_on_both_engines(
    generated: dict[str, Settings], data_map: DataMap
) -> None:
    duck, spark = (rows(generated[e], RULE_ROWS) for e in ("duckdb", "spark"))
    assert duck == spark
    # every rule of the catalogue has rows, so every rule's SQL was compared on real findings
    assert {row[0] for row in duck} == rule_ids(data_map)


def test_the_findings_extract_is_the_same_on_both_engines(generated: dict[str, Settings]) -> None:
    extracts = {
        engine: rows(s, EXTRACT, path=str(s.reports_dir / "latest" / "findings.parquet"))
        for engine, s in generated.items()
    }
    assert extracts["duckdb"] == extracts["spark"]
    assert len(extracts["duckdb"]) > 100


def test_the_spark_run_read_its_parquet_copy_and_kept_it_private(
    generated: dict[str, Settings],
) -> None:
    folder = generated["spark"].spark_dir
    files = sorted(folder.rglob("*.parquet"))
    assert folder / "core" / "declared_categories" / "part-0.parquet" in files  # DuckDB's
    assert not (folder / "staging").exists()  # staging is read from its parts
    assert {oct(p.stat().st_mode & 0o777) for p in files} == {"0o600"}
    assert {oct(p.stat().st_mode & 0o777) for p in folder.rglob("*") if p.is_dir()} == {"0o700"}
    assert not generated["duckdb"].spark_dir.exists()  # the DuckDB engine writes none


def test_the_spark_run_kept_its_tables_as_parquet_parts_the_published_warehouse_reads(
    generated: dict[str, Settings],
) -> None:
    kinds = "select table_name, table_type from information_schema.tables where " + (
        "table_schema = 'staging' and table_name not like '\\_%' escape '\\' order by 1"
    )
    duck, spark = (dict(rows(generated[e], kinds)) for e in ("duckdb", "spark"))
    assert duck.keys() == spark.keys()
    assert set(duck.values()) == {"BASE TABLE"} and set(spark.values()) == {"VIEW"}
    listed = "select distinct layer || '.' || name from staging._parts"
    assert {name for (name,) in rows(generated["spark"], listed)} == {
        *(f"staging.{table}" for table in [*spark, "_text_values"]),
        *(f"core.{table}" for table in CORE),
        "audit.retention_periods",
    }
    root = generated["spark"].db_path.with_suffix(".tables")
    files = [p for p in root.rglob("*") if p.is_file()]
    assert {oct(p.stat().st_mode & 0o777) for p in files} == {"0o600"}
    assert not generated["duckdb"].db_path.with_suffix(".tables").exists()


def test_the_look_up_reads_the_same_person_from_either_engines_warehouse(
    generated: dict[str, Settings], data_map: DataMap
) -> None:
    from pipelines.lookup.subject import look_up_subject

    people = rows(  # the people with the most records, and a phone number
        generated["duckdb"],
        "select i.kind, i.value from core.subject_identifiers i join core.subjects s "
        "using (subject_key) order by s.records desc, i.value limit 12",
    )
    assert {kind for kind, _ in people} == {"email", "phone"}
    for _, value in people:
        reports = []
        for settings in generated.values():
            report = look_up_subject(settings.db_path, data_map, value)
            assert report.held, value
            reports.append(repr(report).replace(report.run_id, "<run>"))
        assert reports[0] == reports[1], value


def test_a_duckdb_run_removes_the_parquet_copy_a_spark_run_left(tmp_path: Path) -> None:
    shutil.copytree(VENDOR, tmp_path / "exports")
    settings = audit_settings(tmp_path, AS_OF)
    stale = settings.spark_dir / "staging" / "crm_contacts" / "part-0.parquet"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"personal data of an earlier Spark run")
    run_audit(settings)
    assert not settings.spark_dir.exists()


def test_the_vendor_fixtures_give_the_same_findings_on_both_engines(
    vendor: dict[str, Settings], data_map: DataMap
) -> None:
    duck, spark = (rows(vendor[e], RULE_ROWS) for e in ("duckdb", "spark"))
    assert duck == spark
    assert {row[0] for row in duck} == rule_ids(data_map)


STAMP, MINUTE = "strftime", "'%Y-%m-%d %H:%M'"  # an instant's text, in UTC on both engines
# each helper on values whose answers follow from its own words (functions_duckdb.sql)
CASES = [
    ("luhn_valid('4111111111111111')", True),
    ("luhn_valid('4111111111111112')", False),
    ("luhn_valid('79927398713')", True),
    ("card_scheme('4111111111111111')", "Visa"),
    ("card_scheme('5500000000000004')", "Mastercard"),
    ("card_scheme('2221000000000009')", "Mastercard"),
    ("card_scheme('378282246310005')", "American Express"),
    ("card_scheme('6011111111111117')", "Discover"),
    ("card_scheme('3530111333300000')", "JCB"),
    ("card_scheme('30569309025904')", "Diners Club"),
    ("card_scheme('1234567890123')", None),
    ("fy_end(date '2026-03-31', 3, 31)", date(2026, 3, 31)),
    ("fy_end(date '2026-04-01', 3, 31)", date(2027, 3, 31)),
    ("next_working_day(date '2026-11-07')", date(2026, 11, 9)),  # Saturday
    ("next_working_day(date '2026-11-08')", date(2026, 11, 9)),  # Sunday
    ("next_working_day(date '2026-11-06')", date(2026, 11, 6)),  # Friday
    # 23:30 UTC on 31 October 2026 is already 1 November in Paris, still 31 October in London
    ("local_date(timestamptz '2026-10-31 23:30:00+00', 'Europe/Paris')", date(2026, 11, 1)),
    ("local_date(timestamptz '2026-10-31 23:30:00+00', 'Europe/London')", date(2026, 10, 31)),
    # London's clocks went back at 02:00 BST on 27 October 2024 (01:30 happened twice) and on at
    # 01:00 GMT on 31 March 2024 (01:30 never happened): DuckDB (ICU) takes the later instant
    (
        f"{STAMP}(local_instant(timestamp '2024-10-27 01:30:00', 'Europe/London'), {MINUTE})",
        "2024-10-27 01:30",
    ),
    (
        f"{STAMP}(local_instant(timestamp '2024-03-31 01:30:00', 'Europe/London'), {MINUTE})",
        "2024-03-31 01:30",
    ),
    (
        f"{STAMP}(local_instant(timestamp '2024-07-01 12:00:00', 'Europe/London'), {MINUTE})",
        "2024-07-01 11:00",
    ),
    (
        f"{STAMP}(local_time(timestamptz '2024-07-01 11:00:00+00', 'Europe/London'), {MINUTE})",
        "2024-07-01 12:00",
    ),
    ("cast(date '2024-02-29' + to_years(1) as date)", date(2025, 2, 28)),
    ("cast(date '2024-03-31' - to_months(1) as date)", date(2024, 2, 29)),
    ("cast(timestamp '2026-03-31 10:00:00' - to_days(3) as date)", date(2026, 3, 28)),
    ("regexp_full_match('_ga_X1', '_ga_.*')", True),
    ("regexp_full_match('x_ga_X1', '_ga_.*')", False),
    ("card_runs_possible('card 4111 1111 1111 1111.')", True),
    ("card_runs_possible('c49428764041863.1')", False),  # touches a letter
    ("card_digit_runs('ref A4111111111111111 or 4111-1111-1111-1111')", ["4111111111111111"]),
    ("card_digit_runs('4111111111111111 then 5500000000000004x')", ["4111111111111111"]),
    ("card_digit_runs('no digits')", []),
    ("holds_security_code('CVV: 123')", True),
    ("holds_security_code('cvv is 12')", False),
    ("holds_date_of_birth('DOB 01/02/1980')", True),
    ("holds_date_of_birth('dobbin 01/02/1980')", False),
    ("holds_ni_number('NI AB 12 34 56 C')", True),
    ("holds_ni_number('NI QQ123456C')", False),  # Q is never a first letter
    ("holds_ni_number('NI GB123456A')", False),  # never allocated
    ("holds_ni_number('XAB123456C')", False),  # touches a letter
]


def test_each_helper_function_gives_the_same_answer_on_both_engines() -> None:
    from pipelines.spark.session import spark_session
    from pipelines.spark.sql import install_functions, translate

    conn = prepare(duckdb.connect())  # in UTC, as the warehouse is
    parameters.install_functions(conn)
    spark = spark_session("local[1]")
    install_functions(spark)
    for expression, wanted in CASES:
        on_duckdb = conn.execute(f"select {expression}").fetchall()[0][0]
        [[on_spark]] = spark.sql(translate(f"select {expression}")).collect()
        assert on_duckdb == wanted, f"DuckDB: {expression} = {on_duckdb!r}"
        on_spark = list(on_spark) if isinstance(on_spark, list) else on_spark
        assert on_spark == wanted, f"Spark: {expression} = {on_spark!r}"


def test_a_dagster_run_on_the_spark_engine_finds_what_the_duckdb_run_finds(
    generated: dict[str, Settings], tmp_path: Path
) -> None:
    import dagster as dg

    from pipelines.defs import build_definitions

    duck = generated["duckdb"]
    settings = duck.with_(
        engine="spark", db_path=tmp_path / "dagster.duckdb", reports_dir=tmp_path / "reports"
    )
    defs = build_definitions(settings)
    graph = defs.resolve_asset_graph()
    assert "spark" in graph.get(dg.AssetKey("findings")).kinds
    result = defs.resolve_job_def("audit").execute_in_process()
    assert result.success
    [findings] = [
        e.materialization
        for e in result.get_asset_materialization_events()
        if e.asset_key == dg.AssetKey("findings")
    ]
    assert findings.metadata["engine"].value == "spark"
    assert rows(settings, RULE_ROWS) == rows(duck, RULE_ROWS)
    assert (tmp_path / "dagster.tables" / "staging" / "_text_values").is_dir()  # Spark's parts
