"""Self-tests of the independent reference rules (tests/reference/rules.py) on hand-made values."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

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
