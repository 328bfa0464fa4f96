"""Small helpers the planted cases share: instants, quiet people, members, campaigns."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..marketing import Member
from ..people import Person, messy_email
from ..timeline import DAY

if TYPE_CHECKING:
    from ..generator import Estate


def between(e: Estate, lo: int, hi: int) -> int:
    """A daytime instant in [lo, hi)."""
    assert lo < hi, (lo, hi)
    return e.clock.daytime(e.rng, lo, hi)


def days_ago(e: Estate, nearest: float, furthest: float) -> int:
    """A daytime instant between `furthest` and `nearest` days before the as-of instant."""
    return between(e, e.clock.end - int(furthest * DAY), e.clock.end - int(nearest * DAY))


def slot_person(e: Estate, i: int, latest: int) -> Person:
    """The person of contact slot i, created no later than `latest`."""
    created = max(e.clock.start + DAY, min(e.created_at(i), latest))
    return e.people.make(created)


def quiet_contact(
    e: Estate, i: int, last: int, *, notes: str | None = None, unsubscribed: bool = False
) -> tuple[Person, str]:
    """A CRM contact with no other record (a prospect), last active at `last`."""
    p = slot_person(e, i, last - e.rng.randint(1, 400) * DAY)
    return p, e.write_contact(p, i, last, notes=notes, unsubscribed=unsubscribed)


def person(e: Estate) -> Person:
    """Someone outside the CRM (a guest buyer, a chat visitor, a former contact)."""
    return e.people.make_any_time()


def member(
    e: Estate,
    p: Person,
    status: str,
    start: int,
    end: int | None = None,
    *,
    sends: list[int] | None = None,
    optin: bool = True,
    reduced: bool | None = None,
    named: bool = True,
    phone: bool | None = None,
    notes: str = "",
    exit_campaign: int | None = None,
) -> Member:
    """A member who joined at `start` and left at `end` (subscribed: end is None); by default a
    few of the campaigns sent while subscribed reached them."""
    end = e.clock.end if end is None else end
    assert e.clock.start < start < end <= e.clock.end, (start, end)
    if sends is None:
        window = e.campaigns.window(start, end)
        sends = sorted(e.rng.sample(window, min(len(window), e.rng.randint(1, 5))))
    return Member(
        status,
        messy_email(p.email, e.rng, 0.08, 0.02, 0.06),
        start,
        end,
        sends,
        exit_campaign,
        optin=optin,
        reduced=reduced,
        named=named,
        phone=e.rng.random() < 0.4 if phone is None else phone,
        notes=notes,
    )


def campaign_in(e: Estate, lo: int, hi: int) -> int:
    """A random campaign sent strictly between lo and hi."""
    window = e.campaigns.window(lo, hi)
    assert len(window) > 0, "no campaign in the window"
    return e.rng.choice(window)


def sends_before(e: Estate, start: int, before: int, most: int = 4) -> list[int]:
    """Up to `most` campaigns sent while subscribed from `start` until `before`."""
    window = e.campaigns.window(start, before)
    return sorted(e.rng.sample(window, min(len(window), e.rng.randint(0, most))))
