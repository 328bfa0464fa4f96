"""The parameter tables rule SQL reads, written from the data map and the as-of date each run.

Rules never carry a company value as a literal: retention periods, approved recipients, grace
periods and word lists come from these tables, so changing data_map/ changes the findings.
"""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from pipelines.countries import country_code
from pipelines.datamap import DataMap
from pipelines.detectors.patterns import macros_sql

FUNCTIONS = Path(__file__).with_name("functions_duckdb.sql")


def install_functions(conn: duckdb.DuckDBPyConnection) -> None:
    """Create the engine-specific helper macros (luhn_valid, card_scheme, fy_end, ...)."""
    conn.execute(FUNCTIONS.read_text())
    conn.execute(macros_sql())  # the detectors' patterns


def as_of_instant(as_of: date, zone: str) -> datetime:
    """The as-of date at 00:00 local time: every period is measured up to this instant."""
    return datetime.combine(as_of, time(0), ZoneInfo(zone))


def write_parameters(conn: duckdb.DuckDBPyConnection, data_map: DataMap, as_of: date) -> None:
    schedule, rules = data_map.retention, data_map.rules
    month, day = (int(part) for part in schedule.financial_year_end.split("-"))
    conn.execute(
        "create or replace table audit.run_parameters as select $as_of::date as as_of, "
        "$instant::timestamptz as as_of_instant, $zone as local_timezone, "
        "$fy_month as fy_end_month, $fy_day as fy_end_day, $grace as optout_grace_days, "
        "$response as response_months, $extended as extended_response_months",
        {
            "as_of": as_of,
            "instant": as_of_instant(as_of, schedule.timezone),
            "zone": schedule.timezone,
            "fy_month": month,
            "fy_day": day,
            "grace": rules.optout_grace_days,
            "response": rules.response_months,
            "extended": rules.extended_response_months,
        },
    )
    _write_cutoffs(conn, data_map, as_of)
    _write_cookies(conn, data_map)
    conn.execute("create or replace table audit.parameter_lists (name varchar, value varchar)")
    conn.executemany(
        "insert into audit.parameter_lists values (?, ?)",
        [
            (name, value)
            for name in ("sale_words", "no_safeguard_values")
            for value in getattr(rules, name)
        ]
        # countries as ISO codes, like staged country columns (the validator checks each one)
        + [
            ("safe_countries", code)
            for code in sorted(set(map(country_code, rules.safe_countries)))
        ],
    )
    conn.execute(
        "create or replace table audit.dataset_parameters "
        "(dataset varchar, timezone varchar, system varchar)"
    )
    conn.executemany(
        "insert into audit.dataset_parameters values (?, ?, ?)",
        [(spec.name, spec.timezone, spec.system) for spec in data_map.datasets.values()],
    )
    conn.execute(
        "create or replace table audit.approved_recipients "
        "(id varchar, name varchar, category varchar, country varchar, safeguard varchar)"
    )
    conn.executemany(
        "insert into audit.approved_recipients values (?, ?, ?, ?, ?)",
        [
            (r.id, r.name, r.category, r.country, r.safeguard)
            for r in data_map.recipients
            if r.approved
        ],
    )


def _write_cookies(conn: duckdb.DuckDBPyConnection, data_map: DataMap) -> None:
    """The cookie inventory; `position` orders the patterns (the first matching one applies)."""
    conn.execute(
        "create or replace table audit.cookie_inventory (position integer, name varchar, "
        "is_pattern boolean, name_regex varchar, provider varchar, category varchar, "
        "max_lifetime_days integer, needs_consent boolean)"
    )
    conn.executemany(
        "insert into audit.cookie_inventory values (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                i,
                c.name,
                c.is_pattern,
                c.regex(),
                c.provider,
                c.category,
                c.max_lifetime_days,
                c.needs_consent,
            )
            for i, c in enumerate(data_map.cookies)
        ],
    )


def _write_cutoffs(conn: duckdb.DuckDBPyConnection, data_map: DataMap, as_of: date) -> None:
    """Per retention rule: the instant and the date a kept record must not be older than."""
    zone = data_map.retention.timezone
    conn.execute(
        "create or replace table audit.retention_cutoffs (rule varchar, dataset varchar, "
        "cutoff timestamptz, cutoff_date date, action varchar)"
    )
    for rule in data_map.retention.rules:
        period = rule.keep_for
        conn.execute(
            "insert into audit.retention_cutoffs select $rule, $dataset, "
            "timezone($zone, cast(cutoff_date as timestamp)), cutoff_date, $action "
            "from (select cast($as_of::date - to_years($years) - to_months($months) "
            "- to_days($days) as date) as cutoff_date)",
            {
                "rule": rule.id,
                "dataset": rule.dataset,
                "zone": zone,
                "as_of": as_of,
                "years": period.years,
                "months": period.months,
                "days": period.days,
                "action": rule.action,
            },
        )
