"""HubSpot CRM contact records."""

from __future__ import annotations

from collections.abc import Callable
from random import Random

from .people import Person, messy_email, messy_phone
from .timeline import Clock, local_minutes, local_uk_excel, local_us_excel
from .vocab import CONTACT_OWNERS, CRM_NOTES, JOB_TITLES, LEAD_STATUSES

CRM_PHONE_WEIGHTS = (50, 20, 15, 5, 3, 2, 5)
RECORD_ID_BASE = 51_000_000_000
RECORD_ID_STEP = 150_000


def pick_date_layout(rng: Random) -> Callable[[int], str]:
    """Mostly HubSpot's own layout; a few rows were round-tripped through Excel."""
    r = rng.random()
    if r < 0.03:
        return local_us_excel
    if r < 0.06:
        return local_uk_excel
    return local_minutes


def build_contact(
    p: Person,
    rng: Random,
    clock: Clock,
    record_id: int,
    last_activity: int | None,
    member_status: str | None,
) -> list[str]:
    """One row of the contacts export, in CRM_HEADER order."""
    fmt = pick_date_layout(rng)
    is_marketing = member_status == "subscribed" or (member_status is None and rng.random() < 0.05)
    unsubscribed = member_status == "unsubscribed"
    yes_no = ("Yes", "No") if rng.random() < 0.05 else ("true", "false")
    unsub_text = yes_no[0] if unsubscribed else yes_no[1]
    return [
        str(record_id),
        p.first,
        p.last,
        "" if rng.random() < 0.03 else messy_email(p.email, rng, 0.10, 0.02, 0.03),
        "" if rng.random() < 0.05 else messy_phone(p.mobile, rng, CRM_PHONE_WEIGHTS),
        rng.choice(JOB_TITLES) if rng.random() < 0.2 else "",
        rng.choice(CONTACT_OWNERS) if rng.random() < 0.6 else "",
        fmt(last_activity) if last_activity is not None else "",
        lead_status(rng, last_activity is not None),
        "Marketing contact" if is_marketing else "Non-marketing contact",
        fmt(p.created),
        unsub_text,
        f"{p.flat}, {p.street}" if p.flat else p.street,
        p.city,
        p.postcode,
        "United Kingdom",
        rng.choice(CRM_NOTES) if rng.random() < 0.12 else "",
    ]


def lead_status(rng: Random, active: bool) -> str:
    if active and rng.random() < 0.6:
        return "CONNECTED"
    return rng.choice(LEAD_STATUSES)
