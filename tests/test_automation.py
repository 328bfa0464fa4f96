"""The weekly schedule and the new-exports sensor, with Dagster's own test helpers."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
from conftest import audit_settings

from pipelines.defs import build_definitions

REPO = Path(__file__).resolve().parents[1]


def _defs(tmp_path: Path) -> dg.Definitions:
    return build_definitions(audit_settings(tmp_path))


def _put(tmp_path: Path, relative: str, text: str = "a,b\n1,2\n") -> Path:
    path = tmp_path / "exports" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_weekly_schedule_runs_the_audit_monday_0600_london(tmp_path: Path) -> None:
    schedule = _defs(tmp_path).resolve_schedule_def("weekly_audit")
    assert schedule.job_name == "audit"
    assert schedule.execution_timezone == "Europe/London"
    ticks = dg.build_schedule_context(
        scheduled_execution_time=datetime(2026, 11, 30, 6, 0, tzinfo=ZoneInfo("Europe/London"))
    )
    result = schedule.evaluate_tick(ticks)
    assert len(result.run_requests) == 1
    from dagster._utils.schedules import cron_string_iterator

    start = datetime(2026, 6, 3, 12, 0, tzinfo=ZoneInfo("Europe/London")).timestamp()
    upcoming = cron_string_iterator(start, schedule.cron_schedule, "Europe/London")
    first, second = next(upcoming), next(upcoming)
    for tick in (first, second):
        local = tick.astimezone(ZoneInfo("Europe/London"))
        assert (local.weekday(), local.hour, local.minute) == (0, 6, 0)  # Monday, summer time
    winter = next(
        cron_string_iterator(
            datetime(2026, 12, 1, tzinfo=ZoneInfo("UTC")).timestamp(),
            schedule.cron_schedule,
            "Europe/London",
        )
    )
    assert (winter.astimezone(ZoneInfo("UTC")).hour, winter.day) == (6, 7)  # GMT in December


def test_sensor_starts_one_run_per_new_file(tmp_path: Path) -> None:
    sensor = _defs(tmp_path).resolve_sensor_def("new_exports")
    empty = sensor.evaluate_tick(dg.build_sensor_context(cursor=None))
    assert not empty.run_requests

    _put(tmp_path, "crm_contacts/contacts.csv")
    first = sensor.evaluate_tick(dg.build_sensor_context(cursor=None))
    assert len(first.run_requests) == 1 and first.run_requests[0].job_name in (None, "audit")
    assert "crm_contacts/contacts.csv" in json.loads(first.cursor)

    again = sensor.evaluate_tick(dg.build_sensor_context(cursor=first.cursor))
    assert not again.run_requests  # the same file does not start a second run

    _put(tmp_path, "orders/orders_export_2.csv")
    _put(tmp_path, "orders/notes.txt")  # not an export the data map reads
    second = sensor.evaluate_tick(dg.build_sensor_context(cursor=first.cursor))
    assert len(second.run_requests) == 1
    assert second.run_requests[0].tags["new_files"] == "1"
    assert second.run_requests[0].run_key != first.run_requests[0].run_key

    changed = _put(tmp_path, "crm_contacts/contacts.csv", "a,b\n1,2\n3,4\n")
    os.utime(changed, (1_900_000_000, 1_900_000_000))
    third = sensor.evaluate_tick(dg.build_sensor_context(cursor=second.cursor))
    assert len(third.run_requests) == 1  # new content in a known file is new data


def test_sensor_first_tick_takes_what_the_warehouse_audited_as_seen(tmp_path: Path) -> None:
    from pipelines.audit import run_audit
    from pipelines.sample import generate_estate

    settings = audit_settings(tmp_path)
    generate_estate(settings.exports_dir, 40, 3, settings.as_of)
    run_audit(settings)
    sensor = build_definitions(settings).resolve_sensor_def("new_exports")

    first = sensor.evaluate_tick(dg.build_sensor_context(cursor=None))
    assert not first.run_requests  # every file here is in the warehouse already
    assert "call_recordings/Master.csv" in json.loads(first.cursor)

    _put(tmp_path, "orders/orders_export_99.csv", "Name,Email\n#9,a@example.com\n")
    second = sensor.evaluate_tick(dg.build_sensor_context(cursor=first.cursor))
    assert len(second.run_requests) == 1
    assert second.run_requests[0].tags["new_files"] == "1"


def test_sensor_first_tick_runs_for_files_the_warehouse_has_not_read(tmp_path: Path) -> None:
    from pipelines.audit import run_audit
    from pipelines.sample import generate_estate

    settings = audit_settings(tmp_path)
    generate_estate(settings.exports_dir, 40, 3, settings.as_of)
    run_audit(settings)
    touched = settings.exports_dir / "call_recordings" / "Master.csv"
    os.utime(touched, (1_900_000_000, 1_900_000_000))  # the same content, newer: still seen
    _put(tmp_path, "disclosures/later.csv", "Date,Recipient,Purpose,Country\n")
    sensor = build_definitions(settings).resolve_sensor_def("new_exports")
    result = sensor.evaluate_tick(dg.build_sensor_context(cursor=None))
    assert len(result.run_requests) == 1 and result.run_requests[0].tags["new_files"] == "1"
