"""The consent platform's consent log (cookie_consents): one CSV, one row per banner choice.

A finding points at the log's 1-based data row number, so the log is one file, its rows in
date order. Ordinary entries hold everything a consent record must: an ISO 8601 UTC time (with
milliseconds since banner v4), the banner version shown, the action and, always, the categories
(`necessary` at least). Planted entries (planted/consents.py) leave parts out.
"""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

from .ids import guid
from .timeline import HOUR, Clock, add_months, london_midnight, utc_iso
from .vocab.web import (
    ACTIONS,
    BANNER_VERSIONS,
    CAMPAIGN_QUERIES,
    IP_FIRST_OCTETS,
    OPTIONAL_CATEGORIES,
    PAGES,
    SITE,
    USER_AGENTS,
)

LOG_MONTHS = 13
MS_FROM_VERSION = "v4.0"  # banner v4's platform release writes milliseconds
ALL_CATEGORIES = "necessary;" + ";".join(OPTIONAL_CATEGORIES)
_ACTION_POOL = tuple(action for action, weight in ACTIONS for _ in range(weight))


def consent_count(contacts: int) -> int:
    return max(200, contacts // 2)


@dataclass(slots=True)
class Consent:
    when: int  # the instant of the choice (the log's order, even when the date is missing)
    consent_id: str
    date: str  # Consent Date as exported
    action: str
    categories: str
    banner: str
    page: str
    ip: str
    agent: str
    expect: tuple[str, ...] = ()  # rule ids this (planted) row must be reported under

    def cells(self) -> list[str]:
        return [
            self.consent_id,
            self.date,
            self.action,
            self.categories,
            self.banner,
            self.page,
            self.ip,
            self.agent,
        ]


class ConsentLog:
    """Builds entries; consent ids are unique across ordinary and planted ones."""

    def __init__(self, rng: Random, clock: Clock) -> None:
        self.rng, self.clock = rng, clock
        self.start = london_midnight(add_months(clock.as_of, -LOG_MONTHS))
        self.versions = [
            (london_midnight(add_months(clock.as_of, -months)), version)
            for version, months in BANNER_VERSIONS
        ]
        self.ms_since = dict((v, t) for t, v in self.versions)[MS_FROM_VERSION]
        self.entries: list[Consent] = []
        self._ids = 0

    def banner_at(self, t: int) -> str:
        return [version for since, version in self.versions if since <= t][-1]

    def stamp(self, t: int) -> str:
        iso = utc_iso(t)
        if t >= self.ms_since:
            return f"{iso[:-1]}.{self.rng.getrandbits(10) % 1000:03d}Z"
        return iso

    def categories(self, action: str) -> str:
        if action == "accept_all":
            return ALL_CATEGORIES
        if action == "custom":
            r = self.rng.random
            chosen = [c for c in OPTIONAL_CATEGORIES if r() < 0.45]
            return ";".join(["necessary", *chosen])
        return "necessary"  # reject_all, withdraw: the strictly necessary cookies only

    def entry(self, when: int | None = None, action: str | None = None) -> Consent:
        """An ordinary entry (not yet in the log), at `when` (default: any time in the log).
        (Drawn with random() and getrandbits(): the log is the estate's longest late export.)"""
        rng = self.rng
        r, bits = rng.random, rng.getrandbits
        if when is None:
            when = self.start + int(r() * (self.clock.end - HOUR - self.start))
        action = action or _ACTION_POOL[int(r() * len(_ACTION_POOL))]
        page = SITE + PAGES[int(r() * len(PAGES))]
        if r() < 0.15:
            page += CAMPAIGN_QUERIES[int(r() * len(CAMPAIGN_QUERIES))]
        self._ids += 1
        return Consent(
            when,
            guid(self._ids, rng),
            self.stamp(when),
            action,
            self.categories(action),
            self.banner_at(when),
            page,
            f"{IP_FIRST_OCTETS[int(r() * len(IP_FIRST_OCTETS))]}.{bits(8)}.{bits(8)}.0",
            USER_AGENTS[int(r() * len(USER_AGENTS))],
        )

    def add(self, consent: Consent) -> Consent:
        self.entries.append(consent)
        return consent

    def fill(self, n: int) -> None:
        """Ordinary entries until the log holds n (planted ones count too)."""
        while len(self.entries) < n:
            self.add(self.entry())

    def rows(self) -> list[tuple[Consent, list[str]]]:
        """The log in date order: a row's position is its record key."""
        ordered = sorted(self.entries, key=lambda c: c.when)
        return [(c, c.cells()) for c in ordered]
