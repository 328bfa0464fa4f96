"""Mailchimp: the campaign calendar, audience members and campaign sends."""

from __future__ import annotations

import calendar
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from random import Random

from .cells import Quoted
from .ids import scrambled
from .people import Person, messy_email, messy_phone
from .timeline import DAY, HOUR, Clock, utc_iso, utc_seconds
from .vocab import CAMPAIGN_THEMES, MEMBER_TAGS, UNSUB_OTHER, UNSUB_REASONS

MEMBER_PHONE_WEIGHTS = (30, 20, 30, 0, 5, 5, 10)
DOC_NETS = ("192.0.2", "198.51.100", "203.0.113")  # RFC 5737 documentation ranges
ADMIN_UNSUB = "N/A (Unsubscribed by an admin)"
BIRTHDAY_RATE = 0.25  # of named members: the sign-up form's optional Birthday field


@dataclass(slots=True)
class Campaigns:
    """~2 campaigns a month, sorted by send time."""

    times: list[int] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)

    def window(self, lo: int, hi: int) -> range:
        """Indices of campaigns sent in the open interval (lo, hi)."""
        return range(bisect_right(self.times, lo), bisect_left(self.times, hi))


def build_campaigns(rng: Random, clock: Clock) -> Campaigns:
    camps = Campaigns()
    seen: set[str] = set()
    year, month = _ym(clock.start)
    while (year, month) <= _ym(clock.end):
        days = sorted(rng.sample(range(1, 29), rng.choice((1, 2, 2, 2, 2, 2, 2, 2, 3))))
        for day in days:
            t = calendar.timegm((year, month, day, rng.choice((9, 9, 10, 18)), 0, 0))
            if not clock.start <= t < clock.end:
                continue
            cid = f"{rng.getrandbits(40):010x}"
            while cid in seen:
                cid = f"{rng.getrandbits(40):010x}"
            seen.add(cid)
            camps.times.append(t)
            camps.ids.append(cid)
            camps.titles.append(f"{rng.choice(CAMPAIGN_THEMES[month - 1])} {year}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return camps


def _ym(t: int) -> tuple[int, int]:
    y, m = utc_seconds(t)[:7].split("-")
    return int(y), int(m)


@dataclass(slots=True)
class Member:
    status: str  # subscribed | unsubscribed | cleaned
    email: str  # as stored in Mailchimp (messy case/spacing)
    start: int  # subscription confirmed
    end: int  # unsubscribe / clean instant, or clock.end while subscribed
    sends: list[int]  # campaign indices, ascending
    exit_campaign: int | None  # campaign that led to the unsubscribe / bounce
    optin: bool = True  # OPTIN_TIME recorded (consent evidence)
    reduced: bool | None = None  # a suppression entry only (None: as the 30-day rule says)
    named: bool = True  # First Name / Last Name filled in at sign-up
    phone: bool = False  # Phone Number filled in at sign-up
    notes: str = ""


def plan_member(
    p: Person, rng: Random, clock: Clock, camps: Campaigns, stop: tuple[int, int] | None = None
) -> Member:
    """Subscription history of one audience member, including which campaigns reached them.

    stop: (asked, done) of an objection to marketing: subscribed before it was asked,
    unsubscribed (by an admin) between asking and done."""
    horizon = clock.end if stop is None else stop[0] - DAY
    room = max(0, horizon - 2 * HOUR - p.created)
    start = p.created + HOUR + int(room * rng.random() ** 2)
    r = rng.random()
    status = "subscribed" if r < 0.75 else "unsubscribed" if r < 0.95 else "cleaned"
    if stop is None:
        end = clock.end if status == "subscribed" else clock.uniform(rng, start + 60)
    else:
        status, end = "unsubscribed", clock.uniform(rng, stop[0], stop[1])
    window = camps.window(start, end)
    k = min(len(window), rng.randint(1, 10))
    sends = sorted(rng.sample(window, k))
    exit_campaign = None
    if status == "cleaned" and sends:
        exit_campaign = sends[-1]
        end = clock.before_end(camps.times[sends[-1]] + rng.randint(60, 3 * DAY))
    elif status == "unsubscribed" and sends and stop is None and rng.random() < 0.85:
        exit_campaign = sends[-1]
    email = messy_email(p.email, rng, 0.08, 0.02, 0.06)
    member = Member(status, email, start, end, sends, exit_campaign)
    member.named = rng.random() < 0.85
    member.phone = rng.random() < 0.4
    return member


def send_rows(m: Member, camps: Campaigns) -> list[tuple[str, str, str, str]]:
    return [(camps.ids[c], camps.titles[c], m.email, utc_iso(camps.times[c])) for c in m.sends]


def build_member(
    p: Person, m: Member, rng: Random, clock: Clock, camps: Campaigns, k: int
) -> list[str]:
    """One row of the member's status file (k: the member's ordinal, for LEID/EUID)."""
    quote_times = rng.random() < 0.15

    def ts(t: int | None) -> str:
        if t is None:
            return ""
        return Quoted(utc_seconds(t)) if quote_times else utc_seconds(t)

    ip = f"{rng.choice(DOC_NETS)}.{rng.randint(1, 254)}" if rng.random() < 0.7 else ""
    optin = m.start - rng.randint(30, 3600) if m.optin else None
    reduced = bool(m.reduced)
    geo = rng.random() < 0.3 and not reduced
    named = m.named and not reduced
    row = [
        m.email,
        p.first if named else "",
        p.last if named else "",
        messy_phone(p.mobile, rng, MEMBER_PHONE_WEIGHTS) if m.phone and not reduced else "",
        birthday(rng) if named and rng.random() < BIRTHDAY_RATE else "",
        "html",
        str(1 if m.status == "cleaned" else rng.choice((2, 2, 2, 3, 3, 4, 5, 1))),
        ts(optin),
        ip if optin else "",
        ts(m.start if optin else None),
        ip if optin else "",
        p.lat if geo else "",
        p.lon if geo else "",
        "0",
        "1",
        "Europe/London",
        "GB",
        "" if reduced else p.region,
    ]
    row += status_columns(m, rng, clock, camps, ts)
    notes = m.notes or ("Signed up in store" if rng.random() < 0.02 else "")
    row += [str(leid(k)), f"{scrambled(k, 40):010x}", notes, member_tags(rng)]
    return row


def status_columns(
    m: Member, rng: Random, clock: Clock, camps: Campaigns, fmt: Callable[[int], str]
) -> list[str]:
    """LAST_CHANGED, or the UNSUB_* / CLEAN_* columns."""
    c = m.exit_campaign
    title, cid = (camps.titles[c], camps.ids[c]) if c is not None else ("", "")
    if m.status == "subscribed":
        return [fmt(clock.uniform(rng, m.start, clock.end))]
    if m.status == "cleaned":
        return [fmt(m.end), title, cid]
    reason = rng.choice(UNSUB_REASONS) if c is not None else ADMIN_UNSUB
    other = rng.choice(UNSUB_OTHER) if reason.startswith("Other") else ""
    return [fmt(m.end), title, cid, reason, other]


def birthday(rng: Random) -> str:
    """The Birthday merge field as Mailchimp exports it: MM/DD, no year."""
    month = rng.randint(1, 12)
    return f"{month:02d}/{rng.randint(1, calendar.monthrange(2024, month)[1]):02d}"


def leid(k: int) -> int:
    return 101_000_000 + 7 * k


def member_tags(rng: Random) -> str:
    """TAGS cell content: `"VIP","Blog"` (csv then doubles the quotes), or empty."""
    if rng.random() < 0.65:
        return ""
    tags = rng.sample(MEMBER_TAGS, rng.choice((1, 1, 2)))
    return ",".join(f'"{t}"' for t in tags)
