"""Self-tests of the independent reference rules (tests/reference/rules.py) on hand-made values."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
import yaml

from tests.reference import rules as ref

LONDON = ZoneInfo("Europe/London")


# --- Luhn and card schemes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "digits, valid",
    [
        ("4111111111111111", True),
        ("5555555555554444", True),
        ("378282246310005", True),
        ("4111111111111112", False),
        ("79927398713", True),
        ("79927398710", False),
        ("", False),
        ("4111-1111", False),
    ],
)
def test_luhn(digits, valid):
    assert ref.luhn_valid(digits) is valid


@pytest.mark.parametrize(
    "digits, scheme",
    [
        ("4111111111111111", "Visa"),
        ("4222222222222", "Visa"),  # 13 digits
        ("411111111111111", None),  # Visa prefix, 15 digits: no such length
        ("5555555555554444", "Mastercard"),
        ("2221000000000009", "Mastercard"),
        ("2720990000000000", "Mastercard"),
        ("2721000000000000", None),
        ("378282246310005", "American Express"),
        ("341111111111111", "American Express"),
        ("6011111111111117", "Discover"),
        ("6445644564456445", "Discover"),
        ("6500000000000002", "Discover"),
        ("6430000000000000", None),
        ("3530111333300000", "JCB"),
        ("3590000000000000", None),
        ("30569309025904", "Diners Club"),
        ("36000000000000", "Diners Club"),
        ("30600000000000", None),
        ("356938035643809", None),  # an IMEI: 15 digits starting 35
        ("8944100000000000001", None),  # an ICCID starts 89
    ],
)
def test_card_scheme(digits, scheme):
    assert ref.card_scheme(digits) == scheme


def test_card_numbers_in_text():
    assert ref.card_numbers("card 4111 1111 1111 1111 exp 12/27") == ["4111111111111111"]
    assert ref.card_numbers("pay with 5555-5555-5555-4444.") == ["5555555555554444"]
    assert ref.card_numbers("amex 3782 822463 10005") == ["378282246310005"]
    # masked, Luhn failure, inside an id, a phone number, an IMEI: not cards
    assert ref.card_numbers("4111 11** **** 1111") == []
    assert ref.card_numbers("4111 1111 1111 1112") == []
    assert ref.card_numbers("id a4111111111111111") == []
    assert ref.card_numbers("ref 4111111111111111b") == []
    assert ref.card_numbers("call +44 7700 900123") == []
    assert ref.card_numbers("IMEI 356938035643809") == []
    # two spaces break the run; a run longer than 19 digits is not a card
    assert ref.card_numbers("4111  1111 1111 1111") == []
    assert ref.card_numbers("4111 1111 1111 1111 5555 5555 5555 4444") == []


# --- free-text patterns ---------------------------------------------------------------------------


def test_card_security_code():
    assert ref.has_card_security_code("CVV: 123")
    assert ref.has_card_security_code("the cvv2 is 4567")
    assert ref.has_card_security_code("Security Code - 999")
    assert ref.has_card_security_code("csc=321 thanks")
    assert not ref.has_card_security_code("CVV 12345")  # 5 digits
    assert not ref.has_card_security_code("CVV is probably 123")  # more than 5 non-digits
    assert not ref.has_card_security_code("discs 123")  # not a whole word
    assert not ref.has_card_security_code("CVV 12")


def test_date_of_birth():
    assert ref.has_date_of_birth("DOB: 12/03/1980")
    assert ref.has_date_of_birth("d.o.b. 12-03-1980")
    assert ref.has_date_of_birth("Date of birth 1980-03-12")
    assert ref.has_date_of_birth("dob 12.03.1980")
    assert not ref.has_date_of_birth("DOB: 12/03/80")
    assert not ref.has_date_of_birth("DOB unknown, 12/03/1980")  # more than 5 non-digits
    assert not ref.has_date_of_birth("born 12/03/1980")


@pytest.mark.parametrize(
    "prefix, ok",
    [
        ("AB", True),
        ("QQ", False),
        ("DA", False),
        ("AO", False),
        ("OA", True),
        ("GB", False),
        ("ZZ", False),
        ("NK", False),
        ("TN", False),
        ("BG", False),
        ("KN", False),
        ("NT", False),
        ("AV", False),
        ("VA", False),
        ("JY", True),
    ],
)
def test_ni_prefix(prefix, ok):
    assert ref.ni_prefix_allocatable(prefix) is ok


def test_ni_numbers():
    assert ref.ni_numbers("NI AB 12 34 56 C here") == ["AB123456C"]
    assert ref.ni_numbers("NI: JY123456D.") == ["JY123456D"]
    assert ref.ni_numbers("QQ123456C") == []  # HMRC's specimen
    assert ref.ni_numbers("AB123456E") == []  # suffix beyond D
    assert ref.ni_numbers("XAB123456C") == []  # preceded by a letter
    assert ref.ni_numbers("AB123456C9") == []  # followed by a digit
    assert ref.ni_numbers("ab123456c") == []  # capitals only


# --- calendar arithmetic --------------------------------------------------------------------------


def test_add_months_clamps_month_ends():
    assert ref.add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert ref.add_months(dt.date(2025, 1, 31), 1) == dt.date(2025, 2, 28)
    assert ref.add_months(dt.date(2025, 3, 31), -1) == dt.date(2025, 2, 28)
    assert ref.add_months(dt.date(2024, 3, 31), -1) == dt.date(2024, 2, 29)
    assert ref.add_months(dt.date(2024, 2, 29), -12) == dt.date(2023, 2, 28)
    assert ref.add_months(dt.date(2026, 11, 1), -24) == dt.date(2024, 11, 1)
    assert ref.add_months(dt.date(2025, 11, 30), 3) == dt.date(2026, 2, 28)


def test_cutoff_on_local_calendar():
    # winter (GMT): London midnight is 00:00 UTC; summer (BST): 23:00 UTC the day before
    assert ref.cutoff_instant(dt.date(2026, 11, 1), {"months": 12}, LONDON) == dt.datetime(
        2025, 11, 1, 0, 0, tzinfo=dt.UTC
    )
    assert ref.cutoff_instant(dt.date(2026, 11, 1), {"months": 6}, LONDON) == dt.datetime(
        2026, 4, 30, 23, 0, tzinfo=dt.UTC
    )
    assert ref.cutoff_instant(dt.date(2025, 3, 31), {"months": 1}, LONDON) == dt.datetime(
        2025, 2, 28, 0, 0, tzinfo=dt.UTC
    )
    assert ref.cutoff_instant(dt.date(2026, 11, 1), {"days": 30}, LONDON) == dt.datetime(
        2026, 10, 1, 23, 0, tzinfo=dt.UTC
    )


def test_fy_end():
    assert ref.fy_end(dt.date(2020, 3, 31), 3, 31) == dt.date(2020, 3, 31)
    assert ref.fy_end(dt.date(2020, 4, 1), 3, 31) == dt.date(2021, 3, 31)
    assert ref.fy_end(dt.date(2020, 1, 15), 3, 31) == dt.date(2020, 3, 31)
    assert ref.fy_end(dt.date(2023, 3, 1), 2, 29) == dt.date(2024, 2, 29)  # clamped year end
    # an order at 23:30 UTC on 31 March 2020 is 1 April local (BST): next financial year
    instant = dt.datetime(2020, 3, 31, 23, 30, tzinfo=dt.UTC)
    assert ref.fy_end(ref.local_date(instant, LONDON), 3, 31) == dt.date(2021, 3, 31)


def test_weekend_moves_to_monday():
    assert ref.next_weekday_if_weekend(dt.date(2026, 2, 28)) == dt.date(2026, 3, 2)  # Saturday
    assert ref.next_weekday_if_weekend(dt.date(2026, 3, 1)) == dt.date(2026, 3, 2)  # Sunday
    assert ref.next_weekday_if_weekend(dt.date(2026, 3, 2)) == dt.date(2026, 3, 2)  # Monday
    assert ref.next_weekday_if_weekend(dt.date(2026, 3, 6)) == dt.date(2026, 3, 6)  # Friday


def test_dsr_deadline():
    assert ref.dsr_deadline(dt.date(2026, 1, 31), 1) == dt.date(2026, 3, 2)  # 28 Feb is a Saturday
    assert ref.dsr_deadline(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)  # Thursday
    assert ref.dsr_deadline(dt.date(2024, 7, 15), 1) == dt.date(2024, 8, 15)
    assert ref.dsr_deadline(dt.date(2025, 11, 30), 3) == dt.date(2026, 3, 2)  # 28 Feb 2026 Saturday


# --- countries ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, code",
    [
        ("United Kingdom", "GB"),
        (" uk ", "GB"),
        ("U.K.", "GB"),
        ("England", "GB"),
        ("Northern Ireland", "GB"),
        ("gb", "GB"),
        ("GBR", "GB"),
        ("Great Britain", "GB"),
        ("USA", "US"),
        ("U.S.", "US"),
        ("united states of america", "US"),
        ("United States", "US"),
        ("Ireland", "IE"),
        ("Czech Republic", "CZ"),
        ("Czechia", "CZ"),
        ("DE", "DE"),
        ("germany", "DE"),
        ("Netherlands", "NL"),
        ("", None),
        (None, None),
        ("Atlantis", None),
    ],
)
def test_normalise_country(text, code):
    assert ref.normalise_country(text) == code


# --- identifiers and subjects ---------------------------------------------------------------------


def test_normalise_identifier():
    assert ref.normalise_identifier("  Info@Example.COM ") == "info@example.com"
    assert ref.normalise_identifier("01908 123456") == "+441908123456"
    assert ref.normalise_identifier("+44 (0)7700 900123") == "+4407700900123"
    assert ref.normalise_identifier("+44 7700 900123") == "+447700900123"
    assert ref.normalise_identifier("") is None


def test_union_find_links_transitively():
    records = {
        ("crm", "1"): {"a@x.com"},
        ("orders", "#1"): {"a@x.com", "+447700900001"},
        ("calls", "c1"): {"+447700900001"},
        ("crm", "2"): {"b@x.com"},
        ("calls", "c2"): set(),  # no identifier: no subject
    }
    subject = ref.resolve_subjects(records)
    assert subject[("crm", "1")] == subject[("orders", "#1")] == subject[("calls", "c1")]
    assert subject[("crm", "2")] != subject[("crm", "1")]
    assert ("calls", "c2") not in subject
    assert len(set(subject.values())) == 2


def test_union_find_basic():
    uf = ref.UnionFind()
    uf.union(1, 2)
    uf.union(3, 4)
    assert uf.find(1) == uf.find(2)
    assert uf.find(1) != uf.find(3)
    uf.union(2, 4)
    assert uf.find(1) == uf.find(3)


# --- hand-made warehouses for the rules on the later datasets -------------------------------------

REPO = Path(__file__).resolve().parents[1]
A = dt.date(2026, 11, 1)  # T = 2026-11-01 00:00 GMT; T - 6 months = 2026-04-30 23:00 UTC (BST)

# staging column types (anything else is VARCHAR)
STAGING_TYPES = {
    "scanned_on": "DATE",
    "expiry_days": "BIGINT",
    "set_before_consent": "BOOLEAN",
    "consented_at": "TIMESTAMPTZ",
    "applied_at": "TIMESTAMPTZ",
    "rejected_at": "TIMESTAMPTZ",
    "last_activity_at": "TIMESTAMPTZ",
    "keep_on_file_consent_at": "TIMESTAMPTZ",
    "hired_on": "DATE",
    "terminated_on": "DATE",
    "date_of_birth": "DATE",
    "received_on": "DATE",
    "completed_on": "DATE",
    "extended": "BOOLEAN",
    "is_anonymised": "BOOLEAN",
    "_row_number": "BIGINT",
}

INVENTORY = [
    {"name": "CookieConsent", "category": "strictly_necessary", "max_lifetime_days": 183},
    {"name": "bbx_session", "category": "strictly_necessary", "max_lifetime_days": 0},
    {"name": "sess_pref", "category": "functional", "max_lifetime_days": 0},
    {"name": "_ga", "category": "analytics", "max_lifetime_days": 395},
    {"name": "_ga_*", "category": "analytics", "max_lifetime_days": 395},
    # a pattern listed before an exact name it also matches: the exact name wins
    {"name": "ab*", "category": "functional", "max_lifetime_days": 10},
    {"name": "abc", "category": "strictly_necessary", "max_lifetime_days": 30},
    # two patterns both matching `xyz`: the first in file order wins
    {"name": "x*", "category": "marketing", "max_lifetime_days": 5},
    {"name": "xy*", "category": "strictly_necessary", "max_lifetime_days": 100},
    {"name": "q?*", "category": "strictly_necessary", "max_lifetime_days": 1},
    {"name": "exempt_one", "category": "analytics", "exemption": "PECR reg 6(4)(b)"},
    {"name": "blank_exemption", "category": "analytics", "exemption": "  ", "max_lifetime_days": 1},
]


def _utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def build_warehouse(
    tmp_path: Path,
    staging: dict[str, list[dict]],
    *,
    raw: dict[str, list[dict]] | None = None,
    cookies: list[dict] | None = INVENTORY,
    datasets: tuple[str, ...] | None = None,
) -> tuple[Path, Path]:
    """A DuckDB file with the given staging (and raw) rows, and a data map directory beside it: the
    real dataset YAMLs of `datasets` (default: the staged ones) and retention.yaml, plus `cookies`
    as cookies.yaml (None: no cookies.yaml at all).
    """
    db = tmp_path / "warehouse.duckdb"
    data_map = tmp_path / "data_map"
    (data_map / "datasets").mkdir(parents=True)
    for name in datasets if datasets is not None else tuple(staging) + tuple(raw or {}):
        shutil.copy(REPO / "data_map" / "datasets" / f"{name}.yaml", data_map / "datasets")
    shutil.copy(REPO / "data_map" / "retention.yaml", data_map)
    if cookies is not None:
        (data_map / "cookies.yaml").write_text(yaml.safe_dump({"cookies": cookies}))
    with duckdb.connect(str(db)) as conn:
        for schema, tables in (("staging", staging), ("raw", raw or {})):
            conn.execute(f"create schema {schema}")
            for name, rows in tables.items():
                lineage = ["_source_file", "_row_number"]
                if schema == "staging":
                    lineage = ["record_key", "is_anonymised", *lineage]
                columns = list(dict.fromkeys([*lineage, *(c for r in rows for c in r)]))
                types = {
                    c: STAGING_TYPES.get(c, "VARCHAR") if schema == "staging" else "VARCHAR"
                    for c in columns
                }
                types["_row_number"] = "BIGINT"
                conn.execute(
                    f'create table {schema}."{name}" ('
                    + ", ".join(f'"{c}" {types[c]}' for c in columns)
                    + ")"
                )
                for number, row in enumerate(rows, start=1):
                    row = {"_source_file": f"{name}.csv", "_row_number": number, **row}
                    if schema == "staging":
                        row.setdefault("record_key", str(number))
                    conn.execute(
                        f'insert into {schema}."{name}" values ('
                        + ", ".join("?" for _ in columns)
                        + ")",
                        [row.get(c) for c in columns],
                    )
    return db, data_map


def findings_of(rule: str, tmp_path: Path, staging, as_of: dt.date = A, **kwargs) -> set[str]:
    db, data_map = build_warehouse(tmp_path, staging, **kwargs)
    return {key for r, _, key in ref.reference_findings(db, data_map, as_of) if r == rule}


def scan(day: dt.date, name: str, **values) -> dict:
    return {"record_key": name, "scanned_on": day, "cookie_name": name, **values}


# --- cookies --------------------------------------------------------------------------------------


def test_cookie_entry_exact_pattern_and_order():
    def entry_name(cookie):
        entry = ref.cookie_entry(INVENTORY, cookie)
        return None if entry is None else entry["name"]

    assert entry_name("_ga") == "_ga"  # exact
    assert entry_name("_ga_ABC") == "_ga_*"  # pattern
    assert entry_name("_ga_8HQ2K1XZ") == "_ga_*"
    assert entry_name("_ga_") == "_ga_*"  # Reading: `*` may match an empty run
    assert entry_name("_GA") is None  # case-sensitive
    assert entry_name("y_ga_ABC") is None  # the pattern covers the whole name
    assert entry_name("_gax") is None  # `_ga` is exact only
    assert entry_name("abc") == "abc"  # exact beats an earlier pattern
    assert entry_name("abd") == "ab*"
    assert entry_name("xyz") == "x*"  # first pattern in file order
    assert entry_name("q?1") == "q?*"  # `?` is literal
    assert entry_name("qa1") is None
    assert entry_name(None) is None
    assert ref.cookie_pattern("a[b]*").fullmatch("a[b]c")
    assert not ref.cookie_pattern("a[b]*").fullmatch("abc")


def test_needs_consent():
    assert not ref.needs_consent({"category": "strictly_necessary"})
    assert ref.needs_consent({"category": "analytics"})
    assert ref.needs_consent({"category": "functional"})
    assert not ref.needs_consent({"category": "analytics", "exemption": "PECR reg 6(4)(b)"})
    assert ref.needs_consent({"category": "analytics", "exemption": None})
    assert ref.needs_consent({"category": "analytics", "exemption": ""})


def test_web_undeclared_cookie_latest_scan_only(tmp_path):
    rows = [
        scan(dt.date(2026, 9, 1), "old_unknown"),  # an earlier scan: ignored
        scan(dt.date(2026, 10, 1), "_ga"),
        scan(dt.date(2026, 10, 1), "_ga_ABC"),
        scan(dt.date(2026, 10, 1), "_GA"),
        scan(dt.date(2026, 10, 1), "mystery"),
        scan(dt.date(2026, 10, 1), "abd"),
        scan(dt.date(2026, 11, 2), "future_unknown"),  # after A: ignored
        {"record_key": "undated", "scanned_on": None, "cookie_name": "undated"},
    ]
    found = findings_of("WEB-UNDECLARED-COOKIE", tmp_path, {"cookie_scans": rows})
    assert found == {"_GA", "mystery"}


def test_web_undeclared_cookie_scan_on_as_of_counts(tmp_path):
    rows = [scan(dt.date(2026, 10, 1), "mystery"), scan(A, "other_unknown"), scan(A, "_ga")]
    found = findings_of("WEB-UNDECLARED-COOKIE", tmp_path, {"cookie_scans": rows})
    assert found == {"other_unknown"}


def test_web_undeclared_cookie_without_inventory(tmp_path):
    rows = [scan(dt.date(2026, 10, 1), "_ga"), scan(dt.date(2026, 10, 1), "CookieConsent")]
    db, data_map = build_warehouse(tmp_path, {"cookie_scans": rows}, cookies=None)
    found = ref.reference_findings(db, data_map, A)
    assert {(r, k) for r, _, k in found if r.startswith("WEB-")} == {
        ("WEB-UNDECLARED-COOKIE", "_ga"),
        ("WEB-UNDECLARED-COOKIE", "CookieConsent"),
    }


def test_web_before_consent(tmp_path):
    day = dt.date(2026, 10, 1)
    rows = [
        scan(day, "_ga_ABC", set_before_consent=True, platform_category="Necessary"),  # inventory
        scan(day, "bbx_session", set_before_consent=True, platform_category="Marketing"),
        scan(day, "abc", set_before_consent=True),  # exact strictly_necessary beats `ab*`
        scan(day, "abd", set_before_consent=True),  # `ab*`: functional
        scan(day, "xyz", set_before_consent=True),  # `x*` (marketing) before `xy*`
        scan(day, "exempt_one", set_before_consent=True),  # exemption named
        scan(day, "blank_exemption", set_before_consent=True),  # a blank exemption names none
        scan(day, "_ga", set_before_consent=False),
        scan(day, "sess_pref", set_before_consent=None),
        scan(day, "mystery", set_before_consent=True),  # no entry: WEB-UNDECLARED-COOKIE only
        scan(dt.date(2026, 9, 1), "_fbp_old", set_before_consent=True),
        scan(dt.date(2026, 11, 5), "_ga_LATER", set_before_consent=True),  # after A
    ]
    found = findings_of("WEB-BEFORE-CONSENT", tmp_path, {"cookie_scans": rows})
    assert found == {"_ga_ABC", "abd", "xyz", "blank_exemption"}


def test_web_before_consent_earlier_scan_ignored(tmp_path):
    rows = [
        scan(dt.date(2026, 9, 1), "_ga", set_before_consent=True),
        scan(dt.date(2026, 10, 1), "_ga", set_before_consent=False),
        scan(dt.date(2026, 11, 2), "_ga", set_before_consent=True),
    ]
    assert findings_of("WEB-BEFORE-CONSENT", tmp_path, {"cookie_scans": rows}) == set()


def test_web_lifetime(tmp_path):
    day = dt.date(2026, 10, 1)
    rows = [
        scan(day, "bbx_session", expiry_days=None),  # session cookie, session only: fine
        scan(day, "sess_pref", expiry_days=1),  # session only, persists a day
        scan(day, "_ga", expiry_days=395),  # exactly the maximum
        scan(day, "_ga_ABC", expiry_days=396),  # one day more
        scan(day, "abc", expiry_days=30),  # exact entry (30), not `ab*` (10)
        scan(day, "abd", expiry_days=11),  # `ab*` (10)
        scan(day, "xyz", expiry_days=6),  # `x*` (5), not `xy*` (100)
        scan(day, "exempt_one", expiry_days=10_000),  # no max_lifetime_days: no limit
        scan(day, "mystery", expiry_days=10_000),  # no entry
        scan(dt.date(2026, 9, 1), "CookieConsent", expiry_days=400),  # earlier scan
        scan(dt.date(2026, 12, 1), "cart_later", expiry_days=400),  # later scan
    ]
    found = findings_of("WEB-LIFETIME", tmp_path, {"cookie_scans": rows})
    assert found == {"sess_pref", "_ga_ABC", "abd", "xyz"}


def test_session_cookie_is_never_too_long_lived(tmp_path):
    day = dt.date(2026, 10, 1)
    rows = [scan(day, name, expiry_days=None) for name in ("bbx_session", "sess_pref", "_ga")]
    assert findings_of("WEB-LIFETIME", tmp_path, {"cookie_scans": rows}) == set()


def test_consent_record_missing():
    full = {
        "consented_at": _utc(2026, 10, 1, 12, 0),
        "banner_version": "v3",
        "action": "accept_all",
        "categories": "necessary;statistics",
    }
    assert ref.consent_record_missing(full) == []
    assert ref.consent_record_missing({**full, "consented_at": None}) == ["when"]
    assert ref.consent_record_missing({**full, "consented_at": "yesterday"}) == ["when"]
    assert ref.consent_record_missing({**full, "banner_version": " "}) == ["banner_version"]
    assert ref.consent_record_missing({**full, "action": "maybe"}) == ["action"]
    assert ref.consent_record_missing({**full, "action": None}) == ["action"]
    assert ref.consent_record_missing({**full, "categories": ""}) == ["categories"]
    assert ref.consent_record_missing({**full, "action": " Custom ", "categories": None}) == [
        "categories"
    ]
    assert ref.consent_record_missing({**full, "action": "reject_all", "categories": None}) == []
    assert ref.consent_record_missing({**full, "action": "WITHDRAW", "categories": ""}) == []
    assert ref.consent_record_missing({}) == ["when", "banner_version", "action"]


def test_web_consent_record(tmp_path):
    when = _utc(2026, 10, 1, 12, 0)
    good = {
        "consented_at": when,
        "banner_version": "v3",
        "action": "accept_all",
        "categories": "necessary;marketing",
    }
    rows = [
        good,  # 1
        {**good, "consented_at": None},  # 2: when
        {**good, "banner_version": ""},  # 3: what
        {**good, "action": "clicked"},  # 4: how
        {**good, "categories": None},  # 5: which categories (accept_all)
        {**good, "action": " custom ", "categories": "  "},  # 6: which categories (custom)
        {**good, "action": "Reject_All", "categories": None},  # 7: fine
        {**good, "action": "withdraw", "categories": None},  # 8: fine
        {**good, "action": "custom", "categories": "statistics"},  # 9: fine
    ]
    found = findings_of("WEB-CONSENT-RECORD", tmp_path, {"cookie_consents": rows})
    assert found == {"2", "3", "4", "5", "6"}


# --- applicants and leavers -----------------------------------------------------------------------


def applicant(key: str, status: str = "Rejected", **values) -> dict:
    person = {"first_name": "Ann", "last_name": "Lee", "email": f"{key}@example.com", "phone": None}
    return {"record_key": key, "status": status, "is_anonymised": False, **person, **values}


def test_applicant_cutoffs_are_on_the_london_calendar():
    assert ref.cutoff_instant(A, {"months": 6}, LONDON) == _utc(2026, 4, 30, 23, 0)
    assert ref.cutoff_instant(A, {"months": 12}, LONDON) == _utc(2025, 11, 1, 0, 0)


def test_ret_applicant(tmp_path):
    six = _utc(2026, 4, 30, 23, 0)  # T - 6 months (BST)
    second = dt.timedelta(seconds=1)
    old = _utc(2026, 1, 15, 9, 0)
    rows = [
        applicant("at-6mo", rejected_at=six),
        applicant("before-6mo", rejected_at=six - second),
        applicant("kept-11mo", rejected_at=old, keep_on_file_consent_at=_utc(2025, 12, 1, 9, 0)),
        applicant("kept-13mo", rejected_at=old, keep_on_file_consent_at=_utc(2025, 10, 1, 9, 0)),
        applicant("kept-at-12mo", rejected_at=old, keep_on_file_consent_at=_utc(2025, 11, 1)),
        applicant(
            "kept-before-12mo", rejected_at=old, keep_on_file_consent_at=_utc(2025, 11, 1) - second
        ),
        applicant("withdrawn-old", status=" withdrawn ", last_activity_at=old),
        applicant("withdrawn-recent", status="Withdrawn", last_activity_at=_utc(2026, 6, 1)),
        # rejected_at decides even when last_activity_at is older
        applicant("rejected-recent", rejected_at=_utc(2026, 6, 1), last_activity_at=old),
        applicant("rejected-by-activity", last_activity_at=six - second),
        applicant("no-decision"),
        applicant("hired", status="Hired", rejected_at=old, last_activity_at=old),
        applicant("active", status="Active", last_activity_at=old),
        applicant(
            "anonymised",
            rejected_at=old,
            first_name=None,
            last_name=" ",
            email="",
            is_anonymised=False,
        ),  # the columns decide, not the flag
        applicant(
            "phone-only",
            rejected_at=old,
            first_name=None,
            last_name=None,
            email=None,
            phone="+447700900001",
            is_anonymised=True,
        ),
    ]
    found = findings_of("RET-APPLICANT", tmp_path, {"job_applications": rows})
    assert found == {
        "before-6mo",
        "kept-13mo",
        "kept-before-12mo",
        "withdrawn-old",
        "rejected-by-activity",
        "phone-only",
    }


def leaver(key: str, terminated_on: dt.date | None, **values) -> dict:
    person = {"first_name": "Bo", "last_name": "Ng", "work_email": f"{key}@betterbox.co.uk"}
    return {
        "record_key": key,
        "terminated_on": terminated_on,
        "status": "Inactive",
        **person,
        **values,
    }


NOBODY = dict.fromkeys(ref.LEAVER_PERSONAL)


def test_ret_leaver(tmp_path):
    rows = [
        leaver("exactly-6y", dt.date(2020, 11, 1)),
        leaver("a-day-more", dt.date(2020, 10, 31)),
        leaver("recent", dt.date(2024, 3, 1)),
        leaver("still-employed", None, status="Active"),
        leaver("anonymised", dt.date(2010, 1, 1), **NOBODY),
        leaver("ni-only", dt.date(2010, 1, 1), **{**NOBODY, "ni_number": "AB123456C"}),
        leaver("dob-only", dt.date(2010, 1, 1), **{**NOBODY, "date_of_birth": dt.date(1970, 1, 2)}),
        leaver("home-email-only", dt.date(2010, 1, 1), **{**NOBODY, "home_email": "b@x.com"}),
        leaver(
            "blank-names", dt.date(2010, 1, 1), **{**NOBODY, "first_name": " ", "last_name": ""}
        ),
    ]
    found = findings_of("RET-LEAVER", tmp_path, {"employees": rows})
    assert found == {"a-day-more", "ni-only", "dob-only", "home-email-only"}


def test_ret_leaver_29_february(tmp_path):
    # A = 29 Feb 2032: A - 6 years = 28 Feb 2026 (clamped)
    rows = [leaver("on-28-feb", dt.date(2026, 2, 28)), leaver("on-27-feb", dt.date(2026, 2, 27))]
    found = findings_of("RET-LEAVER", tmp_path, {"employees": rows}, as_of=dt.date(2032, 2, 29))
    assert found == {"on-27-feb"}


# --- older warehouses, and the generic rules over the later datasets ------------------------------

NEW_RULES = {
    "WEB-UNDECLARED-COOKIE",
    "WEB-BEFORE-CONSENT",
    "WEB-LIFETIME",
    "WEB-CONSENT-RECORD",
    "RET-APPLICANT",
    "RET-LEAVER",
}


def test_rule_list():
    assert set(ref.RULES) >= NEW_RULES
    assert len(ref.RULES) == 25


def test_warehouse_without_the_new_tables(tmp_path):
    new = ("cookie_scans", "cookie_consents", "job_applications", "employees")
    # the data map declares the datasets, the warehouse has none of their tables
    db, data_map = build_warehouse(tmp_path, {"crm_contacts": []}, datasets=new)
    assert ref.reference_findings(db, data_map, A) == set()


def test_warehouse_without_any_schema(tmp_path):
    db = tmp_path / "empty.duckdb"
    duckdb.connect(str(db)).close()
    assert ref.reference_findings(db, REPO / "data_map", A) == set()


def test_declared_categories_of_the_new_datasets():
    def dataset(name):
        doc = yaml.safe_load((REPO / "data_map" / "datasets" / f"{name}.yaml").read_text())
        return ref.Dataset(name, doc["dataset"])

    employees, applications = dataset("employees"), dataset("job_applications")
    assert employees.declares_category(ref.DOB_CATEGORY)
    assert employees.declares_category(ref.NI_CATEGORY)
    assert not applications.declares_category(ref.DOB_CATEGORY)
    assert not applications.declares_category(ref.NI_CATEGORY)
    assert applications.free_text_headers() == {"Rejection Reason"}


def test_generic_rules_cover_the_new_datasets(tmp_path):
    staging = {
        "job_applications": [
            applicant("J1", status="Active"),
            applicant("J2", status="Active"),
            applicant("J3", status="Active"),
            applicant("J4", status="Active"),
        ],
        "employees": [leaver("E1", None, status="Active"), leaver("E2", None, status="Active")],
    }
    raw = {
        "job_applications": [
            {"Application ID": "J1", "Rejection Reason": "DOB: 12/03/1980 too junior"},
            {"Application ID": "J2", "Rejection Reason": "gave NI AB 12 34 56 C unasked"},
            {"Application ID": "J3", "Rejection Reason": "paid fee, CVV 123"},
            {"Application ID": "J4", "Rejection Reason": "card 4111 1111 1111 1111"},
        ],
        # declared DOB and NI columns: never undeclared; an extra header is
        "employees": [
            {
                "Employee #": "E1",
                "Date of Birth": "12/03/1980",
                "NI Number": "AB123456C",
                "Salary": "30000",
            },
            {"Employee #": "E2", "Job Title": "4111-1111-1111-1111"},
        ],
    }
    db, data_map = build_warehouse(tmp_path, staging, raw=raw)
    found = {(r, d, k) for r, d, k in ref.reference_findings(db, data_map, A)}
    assert found == {
        ("SEC-UNDECLARED", "job_applications", "J1"),
        ("SEC-UNDECLARED", "job_applications", "J2"),
        ("SEC-CVV", "job_applications", "J3"),
        ("SEC-PAN", "job_applications", "J4"),
        ("SEC-UNDECLARED", "employees", "Salary"),
        ("SEC-PAN", "employees", "E2"),
    }


def test_erasure_incomplete_sees_the_new_datasets(tmp_path):
    def request(ref_, email):
        return {
            "record_key": ref_,
            "ref": ref_,
            "requester_email": email,
            "request_type": "Erasure",
            "status": "Completed",
            "received_on": dt.date(2026, 10, 1),
            "completed_on": dt.date(2026, 10, 2),
        }

    staging = {
        "rights_requests": [
            request("R1", "ann@example.com"),
            request("R2", "bo@example.com"),
            request("R3", "cy@example.com"),
        ],
        "job_applications": [applicant("J1", status="Active", email="ann@example.com")],
        "employees": [leaver("E1", None, status="Active", home_email="bo@example.com")],
        "cookie_consents": [
            {
                "consent_id": "cy@example.com",
                "consented_at": _utc(2026, 10, 1),
                "banner_version": "v1",
                "action": "reject_all",
            }
        ],
    }
    found = findings_of("DSR-ERASURE-INCOMPLETE", tmp_path, staging)
    assert found == {"R1", "R2"}  # a consent id is pseudonymous: it identifies nobody
