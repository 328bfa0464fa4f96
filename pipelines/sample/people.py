"""The person model: names, unique e-mail addresses, UK mobiles, addresses, and the
per-system messiness (e-mail case/spacing, phone formats) real exports show."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from random import Random

from .timeline import DAY, Clock
from .vocab import (
    CITIES,
    EMAIL_DOMAINS,
    FIRST_NAMES,
    LAST_NAMES,
    POSTCODE_INWARD_LETTERS,
    STREET_NAMES,
    STREET_TYPES,
)

MOBILE_PREFIXES = "12345789"  # 07x: skip 070 (personal numbers) and 076 (pagers)
_MOBILES = len(MOBILE_PREFIXES) * 10**8  # 8e8 = 2**11 * 5**8


@dataclass(slots=True)
class Person:
    first: str
    last: str
    email: str  # canonical: lower case, no spaces, unique across the estate
    mobile: str  # national significant number, e.g. "7700900123"
    street: str
    flat: str  # address line 2, often empty
    city: str
    postcode: str
    region: str
    lat: str
    lon: str
    created: int  # epoch seconds the person first appears (CRM create date)

    @property
    def full_name(self) -> str:
        return f"{self.first} {self.last}"


@cache
def ascii_slug(name: str) -> str:
    """Zoë -> zoe, O'Brien -> obrien, Ó Súilleabháin -> osuilleabhain."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(c for c in folded.lower() if c.isalnum())


class PhoneBook:
    """Hands out UK mobiles that are never reused: the k-th number is an affine bijection of k
    on the 8e8 numbers of MOBILE_PREFIXES, so no memory is needed to keep them unique (the audit
    links records by phone: two people must never share one)."""

    def __init__(self, rng: Random) -> None:
        self._a = rng.randrange(10**7, _MOBILES)
        while self._a % 2 == 0 or self._a % 5 == 0:
            self._a += 1
        self._b = rng.randrange(_MOBILES)
        self._k = 0

    def take(self) -> str:
        x = (self._a * self._k + self._b) % _MOBILES
        self._k += 1
        return f"7{MOBILE_PREFIXES[x // 10**8]}{x % 10**8:08d}"


class PersonFactory:
    """Makes people; guarantees canonical e-mails (membership checks) and mobiles are unique."""

    def __init__(self, rng: Random, clock: Clock) -> None:
        self._rng = rng
        self._clock = clock
        self._emails: set[str] = set()
        self.phones = PhoneBook(rng)

    def fork(self, rng: Random) -> PersonFactory:
        """A factory drawing from `rng` that shares this one's e-mails and phone book: the people
        either makes are unique across both."""
        other = PersonFactory.__new__(PersonFactory)
        other._rng, other._clock = rng, self._clock
        other._emails, other.phones = self._emails, self.phones
        return other

    def make(self, created: int) -> Person:
        rng = self._rng
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        city, area, districts, region, lat, lon = rng.choice(CITIES)
        return Person(
            first=first,
            last=last,
            email=self._unique_email(first, last),
            mobile=self.phones.take(),
            street=f"{rng.randint(1, 240)} {rng.choice(STREET_NAMES)} {rng.choice(STREET_TYPES)}",
            flat=f"Flat {rng.randint(1, 30)}" if rng.random() < 0.12 else "",
            city=city,
            postcode=random_postcode(rng, area, districts),
            region=region,
            lat=lat,
            lon=lon,
            created=created,
        )

    def make_any_time(self) -> Person:
        """Someone outside the CRM (guest checkout, unknown caller)."""
        clock = self._clock
        return self.make(clock.uniform(self._rng, clock.start, clock.end - 3 * DAY))

    def _unique_email(self, first: str, last: str) -> str:
        rng = self._rng
        f, la = ascii_slug(first), ascii_slug(last)
        pattern = rng.randrange(8)
        local = (
            f"{f}.{la}",
            f"{f}{la}",
            f"{f[0]}{la}",
            f"{f}.{la}{rng.randint(1, 99)}",
            f"{f}_{la}",
            f"{la}.{f}",
            f"{f}{rng.randint(1960, 2008)}",
            f"{f[0]}.{la}",
        )[pattern]
        domain = rng.choice(EMAIL_DOMAINS)
        email = f"{local}@{domain}"
        while email in self._emails:
            email = f"{local}{rng.randint(2, 9999)}@{domain}"
        self._emails.add(email)
        return email


def random_postcode(rng: Random, area: str, districts: int) -> str:
    letters = POSTCODE_INWARD_LETTERS
    return (
        f"{area}{rng.randint(1, districts)} {rng.randint(0, 9)}"
        f"{rng.choice(letters)}{rng.choice(letters)}"
    )


# ---- messiness ------------------------------------------------------------------------

# Phone layouts seen across the systems, for mobile "7700900123".
PHONE_STYLES = (
    "07700 900123",
    "+44 7700 900123",
    "+447700900123",
    "(07700) 900123",
    "0044 7700 900123",
    "447700900123",
    "07700900123",
)


def format_phone(mobile: str, style: int) -> str:
    a, b = mobile[:4], mobile[4:]
    if style == 0:
        return f"0{a} {b}"
    if style == 1:
        return f"+44 {a} {b}"
    if style == 2:
        return f"+44{mobile}"
    if style == 3:
        return f"(0{a}) {b}"
    if style == 4:
        return f"0044 {a} {b}"
    if style == 5:
        return f"44{mobile}"
    return f"0{mobile}"


def messy_phone(mobile: str, rng: Random, weights: tuple[int, ...]) -> str:
    """One of PHONE_STYLES, drawn with per-system integer weights (len 7)."""
    pick = rng.randrange(sum(weights))
    for style, w in enumerate(weights):
        if pick < w:
            return format_phone(mobile, style)
        pick -= w
    return format_phone(mobile, 0)


def title_email(email: str) -> str:
    """jane.doe@example.com -> Jane.Doe@Example.com"""
    local, _, domain = email.partition("@")
    local = ".".join(part[:1].upper() + part[1:] for part in local.split("."))
    return f"{local}@{domain[:1].upper()}{domain[1:]}"


def messy_email(email: str, rng: Random, p_title: float, p_upper: float, p_space: float) -> str:
    """Case and whitespace variants only: lower/strip always gives back `email`."""
    r = rng.random()
    if r < p_title:
        email = title_email(email)
    elif r < p_title + p_upper:
        email = email.upper()
    if rng.random() < p_space:
        email = (f" {email}", f"{email} ", f" {email} ")[rng.randrange(3)]
    return email
