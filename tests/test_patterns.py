"""The detectors' patterns live once (pipelines/detectors/patterns.py): whatever a rule's macro
flags, the text scan's pre-filter keeps, so no rule silently loses a match to the pre-filter."""

from __future__ import annotations

import re

import duckdb
import pytest

from pipelines.detectors.patterns import SUSPICIOUS, macros_sql

VALUES = [
    "card 4111 1111 1111 1111 exp 04/29",
    "4111-1111-1111-1111",
    "customer read out CVV 123",
    "Security Code: 4567",
    "security  code 123",
    "cvc2 999",
    "DOB 12/03/1980",
    "d.o.b. 1980-03-12",
    "Date of birth: 12.03.1980",
    "NI AB 12 34 56 C",
    "ni jy123456d",  # lower case: not an NI number
    "JY123456D",
    "QQ 12 34 56 C",
    "nothing here",
    "IMEI 356938035643809",
]


@pytest.fixture(scope="module")
def conn():
    with duckdb.connect() as conn:
        conn.execute(macros_sql())
        yield conn


@pytest.mark.parametrize("value", VALUES)
def test_whatever_a_rule_flags_the_pre_filter_keeps(conn, value: str) -> None:
    flagged = conn.execute(
        "select card_runs_possible($v) or holds_security_code($v) or holds_date_of_birth($v) "
        "or holds_ni_number($v)",
        {"v": value},
    ).fetchall()[0][0]
    kept = re.search(SUSPICIOUS, value) is not None
    assert kept or not flagged, value


def test_ni_numbers_by_hmrc_allocation_rules(conn) -> None:
    def holds(text: str) -> bool:
        return conn.execute("select holds_ni_number($v)", {"v": text}).fetchall()[0][0]

    assert holds("AB 12 34 56 C") and holds("JY123456D") and holds("x: CE 12 34 56 A.")
    for never in ("QQ123456C", "DA123456A", "AO123456A", "GB123456A", "BG123456B", "ZZ123456D",
                  "NK123456A", "TN123456A", "AB123456E", "XAB123456C", "AB1234567C"):  # fmt: skip
        assert not holds(never), never
    assert holds("GB123456A then AB123456C")  # one allocatable number among unissued ones
    assert holds("GB123456A AB123456C") and holds("QQ 12 34 56 C,AB 12 34 56 C")  # adjacent
