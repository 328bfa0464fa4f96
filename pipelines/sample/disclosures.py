"""The third-party disclosures log (a hand-kept Excel sheet).

Someone added a "Contact Name" column to the sheet (the person at the recipient who received the
data): the data map does not declare it, so the audit must report it (SEC-UNDECLARED)."""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

from .timeline import Clock, uk_date
from .vocab import DISCLOSURE_CONTACTS, DISCLOSURE_RECIPIENTS

EXTRA_COLUMN = "Contact Name"
CONTACT_NAME_RATE = 0.3
# How the people keeping the log write a recipient's country (the audit normalises them all)
COUNTRY_SPELLINGS: dict[str, tuple[tuple[str, int], ...]] = {
    "United Kingdom": (
        ("United Kingdom", 40),
        ("UK", 25),
        ("U.K.", 8),
        ("GB", 7),
        ("England", 12),
        ("Great Britain", 8),
    ),
    "United States": (
        ("United States", 45),
        ("USA", 30),
        ("U.S.", 10),
        ("United States of America", 15),
    ),
    "Ireland": (("Ireland", 70), ("IE", 30)),
}
_SPELLING_POOLS = {
    country: tuple(name for name, weight in spellings for _ in range(weight))
    for country, spellings in COUNTRY_SPELLINGS.items()
}


def spell_country(rng: Random, country: str) -> str:
    """`country` as someone typed it into the log (other countries as given)."""
    pool = _SPELLING_POOLS.get(country)
    return rng.choice(pool) if pool else country


@dataclass(slots=True)
class Disclosure:
    when: int
    recipient: str
    kind: str
    purpose: str
    shared: str
    country: str
    safeguard: str
    records: str
    expect: tuple[str, ...] = ()  # rule ids this (planted) row must be reported under


def disclosure_count(contacts: int) -> int:
    return max(50, contacts // 400)


def record_count(rng: Random) -> str:
    records = rng.randint(1, 20) if rng.random() < 0.2 else rng.randint(20, 6000)
    return f"{records:,}" if records >= 1000 and rng.random() < 0.5 else str(records)


def build_disclosure(rng: Random, clock: Clock) -> Disclosure:
    """One disclosure to an approved recipient, for one of its approved purposes."""
    when = clock.daytime(rng, clock.start)
    name, kind, country, safeguard, purposes = rng.choice(DISCLOSURE_RECIPIENTS)
    purpose, shared = rng.choice(purposes)
    country = spell_country(rng, country)
    return Disclosure(when, name, kind, purpose, shared, country, safeguard, record_count(rng))


def disclosure_rows(
    rng: Random, clock: Clock, n: int, planted: list[Disclosure]
) -> list[tuple[Disclosure, list[str]]]:
    """n log rows in date order, the planted ones among them (n counts them too)."""
    dated = planted + [build_disclosure(rng, clock) for _ in range(max(0, n - len(planted)))]
    dated.sort(key=lambda d: d.when)
    rows = []
    for d in dated:
        contact = rng.choice(DISCLOSURE_CONTACTS) if rng.random() < CONTACT_NAME_RATE else ""
        row = [uk_date(d.when), d.recipient, d.kind, d.purpose, d.shared, d.country]
        rows.append((d, [*row, d.safeguard, d.records, contact]))
    return rows
