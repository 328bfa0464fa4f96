"""Card numbers and the telecom numbers that look like them (reference/uk-rules.md).

A card number: 13-19 digits with a scheme's prefix and length, Luhn-valid. IMEIs (15 digits,
Luhn-valid, starting 35) and SIM ICCIDs (19-20 digits starting 89) are not card numbers.
"""

from __future__ import annotations

import re
from random import Random

from .ids import luhn_valid

TEST_CARDS: tuple[str, ...] = ("4111 1111 1111 1111", "5555-5555-5555-4444", "3782 822463 10005")
_SCHEMES: tuple[tuple[tuple[int, int], tuple[int, ...]], ...] = (
    ((4, 4), (13, 16, 19)),  # Visa
    ((51, 55), (16,)),  # Mastercard
    ((2221, 2720), (16,)),
    ((34, 34), (15,)),  # American Express
    ((37, 37), (15,)),
    ((6011, 6011), (16, 17, 18, 19)),  # Discover
    ((644, 649), (16, 17, 18, 19)),
    ((65, 65), (16, 17, 18, 19)),
    ((3528, 3589), (16, 17, 18, 19)),  # JCB
    ((300, 305), (14, 15, 16, 17, 18, 19)),  # Diners Club
    ((36, 36), (14, 15, 16, 17, 18, 19)),
)
_DIGIT_RUN = re.compile(r"[0-9](?:[ -]?[0-9])*")


def is_card_number(digits: str) -> bool:
    if not 13 <= len(digits) <= 19 or not luhn_valid(digits):
        return False
    for (lo, hi), lengths in _SCHEMES:
        width = len(str(lo))
        if len(digits) in lengths and lo <= int(digits[:width]) <= hi:
            return True
    return False


def card_readings(text: str) -> list[str]:
    """Every way text could hold a card number: any run of whole digit groups (groups split by
    one space or dash) inside a longer run counts, so callers can prove a text holds none."""
    found = []
    for match in _DIGIT_RUN.finditer(text):
        groups = re.split(r"[ -]", match.group())
        for i in range(len(groups)):
            for j in range(i + 1, len(groups) + 1):
                digits = "".join(groups[i:j])
                if is_card_number(digits):
                    found.append(digits)
    return found


def with_check_digit(body: str) -> str:
    """body + the digit that makes the whole Luhn-valid."""
    return next(body + d for d in "0123456789" if luhn_valid(body + d))


def random_card(rng: Random) -> str:
    """A random Luhn-valid 16-digit Visa or Mastercard number (digits only)."""
    prefix = rng.choice(("4", "51", "52", "53", "54", "55", "2221", "2720"))
    body = prefix + "".join(str(rng.randrange(10)) for _ in range(15 - len(prefix)))
    return with_check_digit(body)


def spaced(digits: str, rng: Random) -> str:
    """Digits as staff paste them: in fours with spaces or dashes, or in one run."""
    style = rng.randrange(3)
    if style == 2:
        return digits
    sep = " -"[style]
    return sep.join(digits[i : i + 4] for i in range(0, len(digits), 4))


def luhn_failing(rng: Random) -> str:
    """A 16-digit Visa/Mastercard-shaped number failing the Luhn check, in groups of four."""
    card = random_card(rng)
    bad = card[:-1] + str((int(card[-1]) + 1 + rng.randrange(9)) % 10)
    return " ".join(bad[i : i + 4] for i in range(0, 16, 4))


def imei(rng: Random) -> str:
    """A 15-digit Luhn-valid IMEI starting 35 (one run of digits)."""
    return with_check_digit("35" + "".join(str(rng.randrange(10)) for _ in range(12)))


def iccid(rng: Random) -> str:
    """A 19- or 20-digit SIM ICCID starting 8944 (UK), one run of digits."""
    length = rng.choice((19, 20))
    return with_check_digit("8944" + "".join(str(rng.randrange(10)) for _ in range(length - 5)))


def masked(card: str) -> str:
    """4111 **** **** 1111: only the first and last four digits shown."""
    digits = "".join(c for c in card if c.isdigit())
    return f"{digits[:4]} **** **** {digits[-4:]}"
