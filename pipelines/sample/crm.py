"""HubSpot CRM contact records."""

from __future__ import annotations

from collections.abc import Callable
from random import Random

from .people import Person, messy_email, messy_phone
from .timeline import local_minutes, local_uk_excel, local_us_excel
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
    record_id: int,
    last_activity: int,
    marketing: bool,
    unsubscribed: bool,
    with_email: bool = True,
    with_phone: bool = True,
    notes: str | None = None,
    anonymised: bool = False,
) -> list[str]:
    """One row of the contacts export, in CRM_HEADER order.

    unsubscribed: "Unsubscribed from all email" (set when the person opted out anywhere);
    last_activity is never empty (HubSpot counts the flag change as activity too).
    anonymised: HubSpot keeps the record with who it was blanked (names, email, phone, address,
    notes): it links to no person; its dates and statuses stay."""
    fmt = pick_date_layout(rng)
    if anonymised:
        return [
            str(record_id),
            *("", "", "", "", ""),  # First Name, Last Name, Email, Phone Number, Job Title
            rng.choice(CONTACT_OWNERS) if rng.random() < 0.6 else "",
            fmt(last_activity),
            lead_status(rng, last_activity > p.created),
            "Non-marketing contact",
            fmt(p.created),
            "true",
            *("", "", ""),  # Street Address, City, Postal Code
            "United Kingdom",
            "",
        ]
    is_marketing = marketing or (not unsubscribed and rng.random() < 0.02)
    yes_no = ("Yes", "No") if rng.random() < 0.05 else ("true", "false")
    email = messy_email(p.email, rng, 0.10, 0.02, 0.03) if with_email else ""
    phone = messy_phone(p.mobile, rng, CRM_PHONE_WEIGHTS) if with_phone else ""
    if notes is None:
        notes = rng.choice(CRM_NOTES) if rng.random() < 0.12 else ""
    return [
        str(record_id),
        p.first,
        p.last,
        email,
        phone,
        rng.choice(JOB_TITLES) if rng.random() < 0.2 else "",
        rng.choice(CONTACT_OWNERS) if rng.random() < 0.6 else "",
        fmt(last_activity),
        lead_status(rng, last_activity > p.created),
        "Marketing contact" if is_marketing and not unsubscribed else "Non-marketing contact",
        fmt(p.created),
        yes_no[0] if unsubscribed else yes_no[1],
        f"{p.flat}, {p.street}" if p.flat else p.street,
        p.city,
        p.postcode,
        "United Kingdom",
        notes,
    ]


def lead_status(rng: Random, active: bool) -> str:
    if active and rng.random() < 0.6:
        return "CONNECTED"
    return rng.choice(LEAD_STATUSES)
