"""The third-party disclosures log (a hand-kept Excel sheet)."""

from __future__ import annotations

from random import Random

from .timeline import Clock, uk_date
from .vocab import DISCLOSURE_RECIPIENTS


def disclosure_count(contacts: int) -> int:
    return max(50, contacts // 400)


def build_disclosure(rng: Random, clock: Clock) -> tuple[int, list[str]]:
    """(instant, row) for one disclosure to an approved recipient."""
    when = clock.daytime(rng, clock.start)
    name, kind, country, safeguard, purposes = rng.choice(DISCLOSURE_RECIPIENTS)
    purpose, shared = rng.choice(purposes)
    records = rng.randint(1, 20) if rng.random() < 0.2 else rng.randint(20, 6000)
    count = f"{records:,}" if records >= 1000 and rng.random() < 0.5 else str(records)
    return when, [uk_date(when), name, kind, purpose, shared, country, safeguard, count]


def disclosure_rows(rng: Random, clock: Clock, n: int) -> list[list[str]]:
    dated = [build_disclosure(rng, clock) for _ in range(n)]
    dated.sort(key=lambda pair: pair[0])
    return [row for _, row in dated]
