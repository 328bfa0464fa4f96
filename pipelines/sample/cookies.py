"""The consent platform's monthly site scans (cookie_scans): one CSV per scan.

Six monthly scans up to the as-of date (for some seeds the latest is dated the as-of date
itself), and for most seeds the next monthly scan too, dated after it (an export taken later):
the audit reads only the latest scan on or before the as-of date. Every scan lists the cookies the
inventory declares, each once, the way the site really sets them: within the inventory's
lifetimes, and only strictly necessary ones set before the banner is answered. The platform's own
Category is a guess that now and then differs from the inventory's. Planted cases
(planted/cookies.py) replace or add cookies of one scan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from random import Random

from .timeline import add_months
from .vocab.web import GA_ID_CHARS, INVENTORY_COOKIES, PAGES, PLATFORM_CATEGORIES, SITE

SCAN_MONTHS = 6
ON_AS_OF_RATE = 0.3  # the latest scan ran on the as-of date itself
AFTER_RATE = 0.7  # the export also holds the next monthly scan, dated after the as-of date
SECOND_PROPERTY_SCANS = 3  # a second GA4 property (the shop) in the last three scans
OTHER_GUESS_RATE = 0.08  # the platform's Category is not its usual guess
CATEGORY_ORDER = {c: n for n, c in enumerate(PLATFORM_CATEGORIES)}


@dataclass(slots=True)
class Cookie:
    name: str
    domain: str
    provider: str
    category: str  # the platform's guess
    expiry: int | None  # days; None: a session cookie (Expiry blank)
    page: str  # path of the first page the scanner found it on
    before: bool  # set before consent (on the first page load, before the banner was answered)


@dataclass(slots=True)
class Scan:
    day: date
    cookies: dict[str, Cookie] = field(default_factory=dict)
    planted: set[str] = field(default_factory=set)

    @property
    def file_name(self) -> str:
        return f"cookie-scan-{self.day.isoformat()}.csv"

    def plant(self, cookie: Cookie) -> None:
        """Put a planted cookie in this scan (replacing the ordinary one of that name); a name
        serves one planted case per scan."""
        assert cookie.name not in self.planted, cookie.name
        self.planted.add(cookie.name)
        self.cookies[cookie.name] = cookie

    def rows(self) -> list[list[str]]:
        """The report's rows: by the platform's Category, then name."""
        ordered = sorted(self.cookies.values(), key=lambda c: (CATEGORY_ORDER[c.category], c.name))
        iso = self.day.isoformat()
        return [
            [
                iso,
                c.name,
                c.domain,
                c.provider,
                c.category,
                "" if c.expiry is None else str(c.expiry),
                SITE + c.page,
                "Yes" if c.before else "No",
            ]
            for c in ordered
        ]


@dataclass(slots=True)
class Scans:
    older: list[Scan]  # oldest first
    latest: Scan  # the latest scan on or before the as-of date: the one the audit reads
    after: Scan | None  # dated after the as-of date: ignored
    ga_ids: set[str]  # GA4 property suffixes in use (planted ones must differ)

    def all(self) -> list[Scan]:
        return [*self.older, self.latest, *([self.after] if self.after else [])]


def ga_name(rng: Random, used: set[str]) -> str:
    """`_ga_<8 chars>`: one more GA4 property cookie, its id unused so far."""
    while True:
        suffix = "".join(rng.choice(GA_ID_CHARS) for _ in range(8))
        if suffix not in used:
            used.add(suffix)
            return f"_ga_{suffix}"


def scan_days(rng: Random, as_of: date) -> tuple[list[date], date | None]:
    """The monthly scan dates up to as_of (oldest first) and, maybe, the next one after it."""
    day = as_of.day if as_of.day <= 28 and rng.random() < ON_AS_OF_RATE else rng.randint(1, 28)
    latest = date(as_of.year, as_of.month, day)
    if latest > as_of:
        latest = add_months(latest, -1)
    days = [add_months(latest, -n) for n in range(SCAN_MONTHS - 1, -1, -1)]
    after = add_months(latest, 1) if rng.random() < AFTER_RATE else None
    assert days[-1] <= as_of and (after is None or after > as_of)
    return days, after


def inventory_cookie(rng: Random, entry: tuple, name: str | None = None) -> Cookie:
    """An inventory cookie as the site sets it (`name` for a `_ga_*` property cookie)."""
    cookie_name, domain, provider, guess, category, _, expiry = entry
    necessary = category == "strictly_necessary"
    if rng.random() < OTHER_GUESS_RATE:
        guess = rng.choice(PLATFORM_CATEGORIES)
    if expiry is not None and expiry > 1 and rng.random() < 0.1:
        expiry -= 1  # the scanner rounds the time left down
    page = "/" if necessary or rng.random() < 0.6 else rng.choice(PAGES)
    before = necessary and rng.random() < 0.85
    return Cookie(name or cookie_name, domain, provider, guess, expiry, page, before)


def ordinary_scan(rng: Random, day: date, properties: list[str]) -> Scan:
    scan = Scan(day)
    for entry in INVENTORY_COOKIES:
        for name in properties if entry[0] == "_ga_*" else [entry[0]]:
            scan.cookies[name] = inventory_cookie(rng, entry, name)
    return scan


def build_scans(rng: Random, as_of: date) -> Scans:
    days, after = scan_days(rng, as_of)
    used: set[str] = set()
    main, shop = ga_name(rng, used), ga_name(rng, used)
    scans = []
    for n, day in enumerate([*days, *([after] if after else [])]):
        shop_live = n >= SCAN_MONTHS - SECOND_PROPERTY_SCANS
        scans.append(ordinary_scan(rng, day, [main, shop] if shop_live else [main]))
    older, latest = scans[: SCAN_MONTHS - 1], scans[SCAN_MONTHS - 1]
    return Scans(older, latest, scans[SCAN_MONTHS] if after else None, used)


def ga_entry() -> tuple:
    """The inventory row of the `_ga_*` pattern."""
    return next(e for e in INVENTORY_COOKIES if e[0] == "_ga_*")


def entry_of(name: str) -> tuple:
    """The inventory row of an exactly named cookie."""
    return next(e for e in INVENTORY_COOKIES if e[0] == name)
