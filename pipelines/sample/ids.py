"""Unique identifiers that look like the vendors' ones.

Long numeric ids are made to FAIL the Luhn check, so no identifier in the clean estate
can be mistaken for a payment card number.
"""

from __future__ import annotations

from random import Random


def luhn_valid(digits: str) -> bool:
    total = 0
    for pos, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if pos % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def not_luhn(n: int) -> int:
    """n, or n with its lowest bit flipped when n passes Luhn (stays in its even pair)."""
    return n ^ 1 if luhn_valid(str(n)) else n


def spaced_id(k: int, rng: Random, base: int, step: int) -> int:
    """The k-th id of an increasing sequence with random gaps; unique for distinct k.

    base and step must be even so that flipping the lowest bit stays in the k-th slot.
    """
    return not_luhn(base + k * step + rng.randrange(step))


def scrambled(k: int, bits: int = 48, salt: int = 0x5DEECE66D) -> int:
    """A bijection of k on [0, 2**bits): distinct k give distinct, random-looking values."""
    mask = (1 << bits) - 1
    return (((k + salt) * 0x9E3779B97F4A7C15) & mask) ^ (salt & (mask >> 1))


def guid(k: int, rng: Random) -> str:
    """A UUID-looking id, unique per k (the last group encodes k).

    The second group starts with a letter and the fourth starts and ends with one, so no run of
    digit groups can read as a 13-19 digit card number."""
    a, b, c, d = rng.getrandbits(32), rng.getrandbits(12), rng.getrandbits(12), rng.getrandbits(8)
    b |= (0xA + rng.randrange(6)) << 12
    variant = ((0xA + rng.randrange(2)) << 12) | (d << 4) | (0xA + rng.randrange(6))
    tail = scrambled(k, 48, salt=0x2545F4914F6C)
    return f"{a:08x}-{b:04x}-4{c:03x}-{variant:04x}-{tail:012x}"
