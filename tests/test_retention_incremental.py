"""audit.retention_due after new files arrive: only the new records and the people they touch
are worked out again, and the table equals what an audit from scratch of the same files gives."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
from conftest import Layouts, audit_settings

from pipelines.audit import run_audit
from pipelines.rules import retention_due
from pipelines.sample import generate_estate

AS_OF = date(2026, 11, 1)
LONDON = ZoneInfo("Europe/London")
ORDER_AT = "2021-05-04 10:00:00 +0000"  # financial year 2021-22: its end, 2022-03-31, starts
FY_END = datetime(2022, 3, 31, tzinfo=LONDON)  # the customer period (local midnight)


def _rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as conn:
        return sorted(conn.execute(sql).fetchall(), key=str)


def _due(db: Path) -> list[tuple]:
    return _rows(db, "select * from audit.retention_due")


def _add_new_people(exports: Path, tmp: Path) -> None:
    """A small estate of new people, each of its files dropped in as a new file."""
    generate_estate(tmp, 60, 2, AS_OF)
    for path in sorted(p for p in tmp.rglob("*") if p.is_file() and p.name != "ground_truth.csv"):
        target = exports / path.relative_to(tmp).parent / "increment" / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, target)


@pytest.fixture(scope="module", params=["duckdb", "spark"])
def audited(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A 300-contact estate audited once, then new files (new people, and a first order of an
    existing prospect) and audited again on the same warehouse, both times by DuckDB or both
    by Spark (which then works the new records' periods out: pipelines/spark/retention.py); its
    prospect's record key."""
    root = tmp_path_factory.mktemp("retention-incremental")
    generate_estate(root / "exports", 300, 1, AS_OF)
    settings = audit_settings(root, AS_OF).with_(engine=request.param)
    run_audit(settings)  # the same engine twice: the other's tables are built again, not updated
    prospect, email = _rows(
        settings.db_path,
        "select d.record_key, c.email from audit.retention_due d "
        "join staging.crm_contacts c using (record_key) "
        "where d.retention = 'prospects' and c.email is not null "
        "order by d.record_key limit 1",
    )[0]
    _add_new_people(root / "exports", root / "extra")
    order = {"Name": "#LATE-1", "Email": email, "Created at": ORDER_AT}
    late = root / "exports" / "orders" / "increment" / "late_orders.csv"
    late.parent.mkdir(parents=True, exist_ok=True)
    late.write_text(Layouts.shopify([order]))
    updates: list[int] = []
    original = retention_due._update

    def spy(conn, data_map, new, engine):
        updates.append(sum(len(files) for files in new.values()))
        return original(conn, data_map, new, engine)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(retention_due, "_update", spy)
        run_audit(settings)
    return settings, prospect, updates


def test_an_update_equals_an_audit_from_scratch(audited, tmp_path: Path) -> None:
    settings, _, updates = audited
    assert updates and updates[0] >= 2  # the second audit updated, for the new files
    fresh = tmp_path / "fresh"
    shutil.copytree(settings.exports_dir, fresh / "exports")
    shutil.copy(settings.key_file, fresh / "key")
    run_audit(audit_settings(fresh, AS_OF))
    assert _due(settings.db_path) == _due(fresh / "w.duckdb")
    ret = (
        "select rule_id, dataset, record_key, detail from audit.findings "
        "where rule_id like 'RET-%' and run_id = (select max(run_id) from audit.runs)"
    )
    assert _rows(settings.db_path, ret) == _rows(fresh / "w.duckdb", ret)


def test_a_prospects_first_order_makes_them_a_customer_from_its_financial_year(audited) -> None:
    settings, prospect, _ = audited
    rows = _rows(
        settings.db_path,
        f"select retention, period_start from audit.retention_due "
        f"where dataset = 'crm_contacts' and record_key = '{prospect}'",
    )
    assert rows == [("customers", FY_END)]


def test_a_time_bound_exemption_follows_the_as_of_date(tmp_path: Path, layouts) -> None:
    """A consent to keep an application on file exempts it for 12 months from when it was
    given: the same periods, audited on two as-of dates, give two answers."""
    header = (
        "Application ID,Candidate ID,First Name,Last Name,Email,Phone,Job,Applied At,Status,"
        "Rejected At,Rejection Reason,Last Activity,Keep On File Consent At"
    )
    rows = [
        ["A1", "C1", "Pat", "Doe", "pat@example.com", "", "Engineer", "2024-01-02 10:00:00",
         "Rejected", "2024-02-01 10:00:00", "", "2024-02-01 10:00:00", "2025-12-01 10:00:00"],
    ]  # fmt: skip
    folder = tmp_path / "exports" / "job_applications"
    folder.mkdir(parents=True)
    (folder / "job_applications_export_2026-11-01.csv").write_text(layouts.csv(header, rows))
    exempt = {}
    for as_of in (date(2026, 11, 1), date(2026, 12, 2)):
        settings = audit_settings(tmp_path, as_of)
        run_audit(settings)
        exempt[as_of] = _rows(
            settings.db_path,
            "select exempt, due from audit.retention_due where retention = "
            "'unsuccessful_applicants'",
        )
    assert exempt == {date(2026, 11, 1): [(True, False)], date(2026, 12, 2): [(False, True)]}
