"""Retention is declared once: changing data_map/retention.yaml changes the findings, with
expectations/ untouched; audit.retention_due holds the periods the rules read."""

from __future__ import annotations

import calendar
import shutil
from dataclasses import replace
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
from conftest import DATA_MAP_DIR, REPO, audit_settings

from pipelines.audit import run_audit

AS_OF = date(2026, 11, 1)
LONDON = ZoneInfo("Europe/London")
FIXTURES = REPO / "tests" / "fixtures" / "vendor" / "exports"
HELD_CALLS = {"1710238500.11", "1721653331.19"}  # hold=1 in the fixture's userfield, 2024


def _audit(root: Path, data_map: Path = DATA_MAP_DIR) -> Path:
    shutil.copytree(FIXTURES, root / "exports")
    settings = replace(audit_settings(root, AS_OF), data_map_dir=data_map)
    run_audit(settings)
    return settings.db_path


def _findings(db: Path, rule: str) -> set[str]:
    with duckdb.connect(str(db), read_only=True) as conn:
        rows = conn.execute(
            "select record_key from audit.findings where rule_id = ?", [rule]
        ).fetchall()
    return {key for (key,) in rows}


def _edited_map(tmp_path: Path, old: str, new: str) -> Path:
    directory = tmp_path / "data_map"
    shutil.copytree(DATA_MAP_DIR, directory)
    path = directory / "retention.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return directory


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _audit(tmp_path_factory.mktemp("retention"))


def test_removing_the_legal_hold_exemption_makes_held_recordings_findings(
    audited: Path, tmp_path: Path
) -> None:
    data_map = _edited_map(tmp_path, "      exempt_when: legal_hold\n", "")
    without = _audit(tmp_path / "run", data_map)
    before, after = _findings(audited, "RET-CALLS"), _findings(without, "RET-CALLS")
    assert not HELD_CALLS & before
    assert after - before == HELD_CALLS
    assert before <= after


def test_a_changed_start_column_moves_every_prospects_period(audited: Path, tmp_path: Path) -> None:
    data_map = _edited_map(
        tmp_path,
        "      applies_to: {without: orders}\n      keep_for: {months: 24}\n"
        "      starts: last_activity_at\n",
        "      applies_to: {without: orders}\n      keep_for: {months: 24}\n"
        "      starts: created_at\n",
    )
    moved = _audit(tmp_path / "run", data_map)
    cut_off = datetime.combine(date(2024, 11, 1), time(0), LONDON)
    with duckdb.connect(str(moved), read_only=True) as conn:
        # by hand: contacts still identifiable, whose person has no order, created before it
        wanted = {
            key
            for key, created in conn.execute(
                """
                select c.record_key, c.created_at from staging.crm_contacts c
                where not c.is_anonymised and not exists (
                    select 1 from core.subject_records mine
                    join core.subject_records theirs
                        on theirs.subject_key = mine.subject_key and theirs.dataset = 'orders'
                    where mine.dataset = 'crm_contacts' and mine.record_key = c.record_key
                )
                """
            ).fetchall()
            if created < cut_off
        }
    assert wanted, "the fixture has old prospects"
    assert _findings(moved, "RET-PROSPECT") == wanted
    assert _findings(moved, "RET-PROSPECT") != _findings(audited, "RET-PROSPECT")


def _plus(day: date, years: int, months: int, days: int) -> date:
    index = day.year * 12 + day.month - 1 + years * 12 + months
    year, month = divmod(index, 12)
    moved = date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))
    return date.fromordinal(moved.toordinal() + days)


def test_every_row_is_due_exactly_when_past_its_period(audited: Path) -> None:
    from pipelines.datamap import load_data_map

    data_map = load_data_map(DATA_MAP_DIR)
    periods = {r.id: r.keep_for for r in data_map.retention.rules}
    zones = {
        r.id: ZoneInfo(data_map.datasets[r.dataset].timezone) for r in data_map.retention.rules
    }
    as_of_instant = datetime.combine(AS_OF, time(0), LONDON)
    with duckdb.connect(str(audited), read_only=True) as conn:
        rows = conn.execute(
            "select retention, record_key, period_start, starts_on, kept_until, exempt, due "
            "from audit.retention_due"
        ).fetchall()
    assert {row[0] for row in rows} >= {"call_recordings", "orders", "customers", "prospects"}
    for retention, key, start, starts_on, kept_until, exempt, due in rows:
        p = periods[retention]
        assert starts_on == start.astimezone(zones[retention]).date(), key  # the dataset's day
        local_start = start.astimezone(LONDON)
        # kept until: the start plus the period on the London calendar, month ends clamped
        until = _plus(local_start.date(), p.years, p.months, p.days)
        assert kept_until.astimezone(LONDON).date() == until, (retention, key)
        expected = (
            kept_until.astimezone(LONDON).replace(tzinfo=None) < as_of_instant.replace(tzinfo=None)
            and not exempt
        )
        assert due == expected, (retention, key, start, kept_until)
