"""Audit rules as GX UnexpectedRowsExpectations inside DuckDB (pipelines.rules.gx_duckdb)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines.rules import gx_duckdb
from pipelines.rules.gx_duckdb import RuleCheck, ValidationError, suite_json, validate_suite

REPO = Path(__file__).resolve().parents[1]

BAD_EMAIL = "select * from staging.contacts where email not like '%@%'"
MISSING_TABLE = "select * from staging.no_such_table"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A closed DuckDB file: audit.run_parameters (the batch) and staging.contacts, 1 of 3 bad."""
    path = tmp_path / "warehouse.duckdb"
    conn = duckdb.connect(str(path))
    conn.execute("create schema audit")
    conn.execute("create table audit.run_parameters (name varchar, value varchar)")
    conn.execute("insert into audit.run_parameters values ('as_of', '2026-11-25')")
    conn.execute("create schema staging")
    conn.execute("create table staging.contacts (id integer, email varchar, seen timestamptz)")
    conn.execute(
        "insert into staging.contacts values (1, 'ann@example.com', '2026-01-01 23:30:00+00'),"
        " (2, 'not-an-email', '2026-02-01 12:00:00+00'), (3, 'bob@example.org', null)"
    )
    conn.close()
    return path


def check(rule_id: str, sql: str, **meta: object) -> RuleCheck:
    return RuleCheck(rule_id=rule_id, sql=sql, description=f"rule {rule_id}", meta=dict(meta))


def by_rule(results: list[gx_duckdb.CheckResult] | tuple[gx_duckdb.CheckResult, ...]) -> dict:
    return {result.rule_id: result for result in results}


def assert_file_released(path: Path) -> None:
    """A read-write connection in this process only opens once GX has let go of the file."""
    conn = duckdb.connect(str(path))
    try:
        conn.execute("insert into audit.run_parameters values ('released', 'yes')")
    finally:
        conn.close()


def test_known_bad_row_is_caught_and_clean_rule_passes(db: Path) -> None:
    results = validate_suite(
        db,
        "contacts",
        [
            check("EMAIL", BAD_EMAIL, severity="high"),
            check("IDS", "select * from staging.contacts where id is null"),
        ],
    )
    assert [result.rule_id for result in results] == ["EMAIL", "IDS"]
    email, ids = results
    assert (email.success, email.unexpected_count, email.error) == (False, 1, None)
    assert (ids.success, ids.unexpected_count, ids.error) == (True, 0, None)
    assert_file_released(db)


def test_rule_sql_as_written_works(db: Path) -> None:
    """Braces (regex quantifiers), a trailing semicolon and comment, CTEs, duplicate columns."""
    results = by_rule(
        validate_suite(
            db,
            "shapes",
            [
                check("REGEX", "select * from staging.contacts\n"
                      "where not regexp_matches(email, '^[a-z]{3}@[a-z]+\\.[a-z]{2,3}$');"),
                check("COMMENT", f"{BAD_EMAIL} -- a trailing comment"),
                check("CTE", "with c as (select * from staging.contacts) "
                      "select * from c where email not like '%@%'"),
                check("JOIN", "select a.id, b.id from staging.contacts a "
                      "join staging.contacts b on a.id = b.id where a.email not like '%@%'"),
                check("SAME_SQL", BAD_EMAIL),
                check("SAME_SQL_TOO", BAD_EMAIL),
            ],
        )
    )  # fmt: skip
    assert {rule: result.unexpected_count for rule, result in results.items()} == {
        "REGEX": 1, "COMMENT": 1, "CTE": 1, "JOIN": 1, "SAME_SQL": 1, "SAME_SQL_TOO": 1,
    }  # fmt: skip


def test_session_runs_in_utc_like_the_warehouse(db: Path) -> None:
    """23:30 UTC on 1 January is still 1 January: the GX connection sets TimeZone as warehouse."""
    sql = "select * from staging.contacts where id = 1 and cast(seen as date) <> date '2026-01-01'"
    (result,) = validate_suite(db, "tz", [check("TZ", sql)])
    assert (result.success, result.unexpected_count) == (True, 0)


def test_erroring_expectation_fails_the_run_and_later_rules_still_run(db: Path) -> None:
    with pytest.raises(ValidationError) as raised:
        validate_suite(db, "mixed", [check("BROKEN", MISSING_TABLE), check("EMAIL", BAD_EMAIL)])
    error = raised.value
    assert error.rule_ids == ("BROKEN",)
    assert "BROKEN" in str(error) and "no_such_table" in str(error)
    assert "EMAIL" not in str(error)
    # The rule after the erroring one was evaluated correctly: the failed query was rolled back.
    results = by_rule(error.results)
    assert results["BROKEN"].unexpected_count is None and results["BROKEN"].error
    assert (results["EMAIL"].success, results["EMAIL"].unexpected_count) == (False, 1)
    assert results["EMAIL"].error is None
    assert_file_released(db)
    # And the good rule alone runs fine.
    (alone,) = validate_suite(db, "good", [check("EMAIL", BAD_EMAIL)])
    assert (alone.success, alone.unexpected_count, alone.error) == (False, 1, None)


def test_without_the_rollback_one_bad_rule_aborts_the_rest(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Control for the test above: it does exercise the rollback (GX 1.24.1 pin guard)."""
    gx_duckdb._duckdb_datasource_type()  # defines the data source and engine types
    monkeypatch.setattr(gx_duckdb._types["engine"], "_roll_back", lambda self: None)
    with pytest.raises(ValidationError) as raised:
        validate_suite(db, "mixed", [check("BROKEN", MISSING_TABLE), check("EMAIL", BAD_EMAIL)])
    assert raised.value.rule_ids == ("BROKEN", "EMAIL")


def test_every_erroring_rule_is_named(db: Path) -> None:
    with pytest.raises(ValidationError) as raised:
        validate_suite(
            db,
            "broken",
            [
                check("ONE", MISSING_TABLE),
                check("FINE", BAD_EMAIL),
                check("TWO", "select no_such_column from staging.contacts"),
            ],
        )
    assert raised.value.rule_ids == ("ONE", "TWO")
    assert "ONE" in str(raised.value) and "TWO" in str(raised.value)
    assert "no_such_column" in by_rule(raised.value.results)["TWO"].error


def test_count_is_exact_beyond_gx_row_cap(tmp_path: Path) -> None:
    path = tmp_path / "big.duckdb"
    conn = duckdb.connect(str(path))
    conn.execute("create schema audit")
    conn.execute("create table audit.run_parameters as select 'as_of' as name, 'x' as value")
    conn.execute("create schema staging")
    conn.execute(
        "create table staging.contacts as select i as id, "
        "case when i < 500 then 'bad' else 'ok@example.com' end as email from range(600) t(i)"
    )
    conn.close()
    (result,) = validate_suite(path, "big", [check("EMAIL", BAD_EMAIL)])
    assert (result.success, result.unexpected_count, result.error) == (False, 500, None)


def test_missing_batch_table_fails_the_run(db: Path) -> None:
    with pytest.raises(ValidationError, match="no_such_batch"):
        validate_suite(db, "s", [check("EMAIL", BAD_EMAIL)], batch_table="audit.no_such_batch")
    assert_file_released(db)


def test_other_batch_table_and_empty_suite(db: Path) -> None:
    (result,) = validate_suite(db, "s", [check("EMAIL", BAD_EMAIL)], batch_table="staging.contacts")
    assert result.unexpected_count == 1
    assert validate_suite(db, "empty", []) == []


def test_duplicate_rule_ids_are_refused(db: Path) -> None:
    with pytest.raises(ValueError, match="EMAIL"):
        validate_suite(db, "s", [check("EMAIL", BAD_EMAIL), check("EMAIL", MISSING_TABLE)])


def test_suite_json_round_trips_rule_ids_in_meta() -> None:
    checks = [
        check("EMAIL", BAD_EMAIL, severity="high", clauses=["4.2"]),
        check("IDS", "select * from staging.contacts where id is null"),
    ]
    suite = suite_json("contacts", checks)
    assert suite["name"] == "contacts"
    expectations = suite["expectations"]
    assert [e["type"] for e in expectations] == ["unexpected_row_count_expectation"] * 2
    assert [e["meta"]["rule_id"] for e in expectations] == ["EMAIL", "IDS"]
    assert expectations[0]["meta"]["severity"] == "high"
    assert expectations[0]["meta"]["clauses"] == ["4.2"]
    assert expectations[0]["description"] == "rule EMAIL"
    query = expectations[0]["kwargs"]["unexpected_rows_query"]
    assert "{batch}" in query and BAD_EMAIL in query
    # Deterministic, so it can be written to disk without churn.
    assert suite_json("contacts", checks) == suite

    import great_expectations as gx

    loaded = gx.ExpectationSuite(**suite)
    assert [e.meta["rule_id"] for e in loaded.expectations] == ["EMAIL", "IDS"]


def test_importing_the_module_does_not_import_great_expectations() -> None:
    code = (
        "import sys\n"
        "import pipelines.rules.gx_duckdb\n"
        "assert 'great_expectations' not in sys.modules, 'great_expectations was imported'\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr


def test_an_expectation_asks_duckdb_for_the_count_only(db: Path) -> None:
    """The stock expectation also fetches up to 200 rows (a second run of the query) and drops
    them from a SUMMARY result; ours asks for the count, and the result is the same."""
    from pipelines.rules.gx_duckdb import _rule_expectation_type

    assert _rule_expectation_type().metric_dependencies == ("unexpected_rows_query.row_count",)
    [result] = validate_suite(db, "contacts", [check("EMAIL", BAD_EMAIL)])
    assert (result.success, result.unexpected_count, result.error) == (False, 1, None)
