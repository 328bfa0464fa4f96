"""The detectors' patterns live once (pipelines/detectors/patterns.py): whatever a rule's macro
flags, the text scan's pre-filter keeps, so no rule silently loses a match to the pre-filter."""

from __future__ import annotations

import random
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
    "c49428764041863.1",  # Shopify's payment reference: the run touches a letter
    "4503000001853",
    "ref-4111111111111111-x",
    "4111 1111 1111 1111x",
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


def pan_could_flag(value: str) -> bool:
    """SEC-PAN's first steps, from its words: a maximal run of digits (single spaces or dashes
    between them) of 13 to 19 digits, the characters either side of it not letters."""
    for match in re.finditer(r"[0-9](?:[ -]?[0-9])*", value):
        before, after = (
            value[match.start() - 1 : match.start()],
            value[match.end() : match.end() + 1],
        )
        digits = re.sub(r"[ -]", "", match.group())
        if 13 <= len(digits) <= 19 and not re.search(r"[A-Za-z]", before + after):
            return True
    return False


def test_every_value_sec_pan_could_flag_is_kept_and_ids_are_not() -> None:
    rng = random.Random(7)
    alphabet = "0123456789" * 4 + "  --cx.A/"
    values = [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(12, 40))) for _ in range(20_000)
    ]
    could = [v for v in values if pan_could_flag(v)]
    kept = [v for v in values if re.search(SUSPICIOUS, v)]
    assert len(could) > 1000  # the sample holds plenty of both kinds
    assert [v for v in could if not re.search(SUSPICIOUS, v)] == []
    assert not re.search(SUSPICIOUS, "c49428764041863.1")
    assert len(kept) < len(values)


def test_the_rule_macro_and_the_pre_filter_agree_on_card_runs(conn) -> None:
    rng = random.Random(11)
    alphabet = "0123456789" * 4 + "  --cx.A"
    values = [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(12, 30))) for _ in range(2_000)
    ]
    flagged = conn.execute(
        "select list(card_runs_possible(v) order by i) from "
        "(select unnest($values) as v, generate_subscripts($values, 1) as i)",
        {"values": values},
    ).fetchall()[0][0]
    python = [re.search(SUSPICIOUS, v) is not None for v in values]
    assert [v for v, f, p in zip(values, flagged, python, strict=True) if f and not p] == []
