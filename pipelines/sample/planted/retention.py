"""Planted retention cases: RET-CALLS, RET-PROSPECT, RET-CUSTOMER, RET-ORDERS, RET-UNSUB, RET-CHAT.

Boundaries (T = as_of 00:00 London): a recording or chat exactly 12 months old is kept, one a
minute older is a finding; a prospect last active exactly 24 months ago is kept; an order on
31 March 23:30 London time belongs to the financial year ending that day, one on 1 April 00:30
London time (31 March 23:30 UTC) to the next; a member unsubscribed exactly 30 days (or 29 days)
before T may still hold a full profile.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from ..calls import Recording
from ..orders import ORDER_COLUMN
from ..people import messy_email, messy_phone
from ..timeline import DAY, HOUR, local_instant, london_midnight
from . import Case
from .kit import between, days_ago, member, person, quiet_contact, slot_person

if TYPE_CHECKING:
    from ..generator import Estate

MINUTE = 60
YEAR = 365 * DAY


def cases(k: int) -> list[Case]:
    return [
        *_calls(k),
        *_prospects(k),
        *_customers(k),
        *_orders(k),
        *_unsubscribed(k),
        *_chats(k),
    ]


# ---- RET-CALLS -----------------------------------------------------------------------------------


def _calls(k: int) -> list[Case]:
    def recording(
        age: str, violation: bool, hold: bool = False, disposition: str = "ANSWERED"
    ) -> Case:
        def build(e: Estate, i: int) -> None:
            cut = e.cut.recordings
            start = {
                "exact": lambda: cut,
                "minute": lambda: cut - MINUTE,
                "old": lambda: between(e, e.clock.end - 3 * YEAR, cut - DAY),
            }[age]()
            p = person(e)
            answered = disposition == "ANSWERED"
            notice = "played" if answered else "skipped"  # preset before the call was answered
            rec = Recording(True, notice=notice, hold=hold, disposition=disposition)
            key = e.write_call(p.mobile, start, person=p, recording=rec)
            if violation:
                e.truth.add("RET-CALLS", "call_recordings", key)

        label = f"recording {age}, hold={hold}, {disposition}"
        return Case("RET-CALLS", violation, label, build)

    return [
        recording("minute", True),
        *(recording("old", True) for _ in range(k - 1)),
        recording("exact", False),
        recording("old", False, hold=True),
        # the queue preset rec=<file>.wav;notice=skipped;hold=0, but nobody answered: no file
        recording("old", False, disposition="NO ANSWER"),
        recording("minute", False, disposition="BUSY"),
    ]


# ---- RET-PROSPECT --------------------------------------------------------------------------------


def _prospects(k: int) -> list[Case]:
    def prospect(age: str, violation: bool) -> Case:
        def build(e: Estate, i: int) -> None:
            cut = e.cut.prospects
            last = {
                "exact": lambda: cut,
                "minute": lambda: cut - MINUTE,
                "old": lambda: between(e, cut - 3 * YEAR, cut - DAY),
                "23 months": lambda: between(e, cut + 20 * DAY, cut + 40 * DAY),
                "old, anonymised": lambda: between(e, cut - 3 * YEAR, cut - DAY),
            }[age]()
            if age.endswith("anonymised"):  # HubSpot kept the record, names and contact blanked
                p = slot_person(e, i, last - e.rng.randint(1, 400) * DAY)
                e.write_contact(p, i, last, unsubscribed=True, anonymised=True)
                return
            _, record_id = quiet_contact(e, i, last)
            if violation:
                e.truth.add("RET-PROSPECT", "crm_contacts", record_id)

        return Case("RET-PROSPECT", violation, f"prospect last active {age}", build, slot=True)

    return [
        prospect("minute", True),
        *(prospect("old", True) for _ in range(k - 1)),
        prospect("exact", False),
        prospect("23 months", False),
        prospect("old, anonymised", False),
    ]


# ---- RET-CUSTOMER --------------------------------------------------------------------------------


def _fy_last_evening(e: Estate) -> int:
    """31 March 23:30 London time of the latest financial year past retention."""
    return local_instant(e.cut.expired_fy_end, 23, 30)


def _next_fy_first_night(e: Estate) -> int:
    """1 April 00:30 London time (BST: 31 March 23:30 UTC), first day of the next year."""
    return local_instant(e.cut.expired_fy_end + timedelta(days=1), 0, 30)


def _customers(k: int) -> list[Case]:
    def customer(latest: str, violation: bool) -> Case:
        def build(e: Estate, i: int) -> None:
            cut = e.cut.orders
            when = {
                "fy end 23:30": lambda: _fy_last_evening(e),
                "expired": lambda: between(e, e.clock.start + 400 * DAY, cut - 30 * DAY),
                "next fy 00:30": lambda: _next_fy_first_night(e),
                "recent": lambda: days_ago(e, 20, 400),
            }[latest]()
            p = slot_person(e, i, when - e.rng.randint(40, 300) * DAY)
            if e.rng.random() < 0.6 and p.created < cut - 3 * DAY:  # an earlier, anonymised order
                e.write_order(p, between(e, p.created, min(when, cut) - DAY))
            name = e.write_order(p, when, anonymise=False)
            record_id = e.write_contact(p, i, when)
            if violation:
                e.truth.add("RET-CUSTOMER", "crm_contacts", record_id)
                e.truth.add("RET-ORDERS", "orders", name)  # still linked: not anonymised

        return Case("RET-CUSTOMER", violation, f"latest order {latest}", build, slot=True)

    def anonymised_customer(e: Estate, i: int) -> None:
        """Orders past retention and the contact all anonymised: nobody left to link."""
        cut = e.cut.orders
        latest = between(e, e.clock.start + 400 * DAY, cut - 30 * DAY)
        p = slot_person(e, i, latest - e.rng.randint(40, 300) * DAY)
        if e.rng.random() < 0.5:
            e.write_order(p, between(e, p.created, latest - DAY))
        e.write_order(p, latest)  # past retention: anonymised on every row
        last = between(e, latest, min(cut, latest + 200 * DAY))
        e.write_contact(p, i, last, unsubscribed=True, anonymised=True)

    return [
        customer("fy end 23:30", True),
        *(customer("expired", True) for _ in range(k - 1)),
        customer("next fy 00:30", False),
        customer("recent", False),
        Case("RET-CUSTOMER", False, "anonymised, orders past retention", anonymised_customer, True),
    ]


# ---- RET-ORDERS ----------------------------------------------------------------------------------


def _orders(k: int) -> list[Case]:
    def keep_emails(e: Estate, email: str):
        def tweak(rows: list[list[str]]) -> None:  # continuation rows missed by the anonymiser
            for row in rows[1:]:
                row[ORDER_COLUMN["Email"]] = email

        return tweak

    def guest_order(kind: str, violation: bool) -> Case:
        def build(e: Estate, i: int) -> None:
            p = person(e)
            cut = e.cut.orders
            old = between(e, e.clock.start + 30 * DAY, cut - DAY)
            if kind == "fy end 23:30":
                name = e.write_order(p, _fy_last_evening(e), anonymise=False)
            elif kind == "next fy 00:30":
                name = e.write_order(p, _next_fy_first_night(e), anonymise=False)
            elif kind == "continuation rows keep email":
                email = messy_email(p.email, e.rng, 0.08, 0.04, 0.02)
                name = e.write_order(p, old, items=2, tweak=keep_emails(e, email))
            elif kind == "phone kept":
                phone = messy_phone(p.mobile, e.rng, (30, 10, 25, 2, 3, 10, 20))

                def tweak(rows: list[list[str]]) -> None:
                    rows[0][ORDER_COLUMN["Phone"]] = phone

                name = e.write_order(p, old, tweak=tweak)
            elif kind == "city kept":

                def tweak(rows: list[list[str]]) -> None:
                    for side in ("Billing", "Shipping"):
                        rows[0][ORDER_COLUMN[f"{side} City"]] = p.city

                name = e.write_order(p, old, tweak=tweak)
            else:  # "old, never anonymised"
                name = e.write_order(p, old, anonymise=False)
            if violation:
                e.truth.add("RET-ORDERS", "orders", name)

        return Case("RET-ORDERS", violation, f"guest order: {kind}", build)

    def anonymised_order(e: Estate, i: int) -> None:
        """Three line items, every identifying column blank on every row."""
        old = between(e, e.clock.start + 30 * DAY, e.cut.orders - DAY)
        e.write_order(person(e), old, items=3)

    variants = ("continuation rows keep email", "phone kept", "old, never anonymised")
    return [
        guest_order("fy end 23:30", True),
        *(guest_order(variants[n % 3], True) for n in range(max(2, k - 1))),
        guest_order("next fy 00:30", False),
        guest_order("city kept", False),
        Case("RET-ORDERS", False, "anonymised on every line-item row", anonymised_order),
    ]


# ---- RET-UNSUB -----------------------------------------------------------------------------------


def _unsubscribed(k: int) -> list[Case]:
    def former_member(when: str, violation: bool, named: bool = True) -> Case:
        def build(e: Estate, i: int) -> None:
            unsub = {
                "29 days": lambda: london_midnight(e.clock.as_of - timedelta(days=29)) + 7 * HOUR,
                "exactly 30 days": lambda: e.cut.unsub,
                "months ago": lambda: between(e, e.clock.end - 400 * DAY, e.cut.unsub - DAY),
            }[when]()
            p = person(e)
            start = between(e, unsub - 3 * YEAR, unsub - 30 * DAY)
            m = member(e, p, "unsubscribed", start, unsub, reduced=False, named=named)
            m.phone = m.phone or not named
            key = e.write_member(p, m)
            if violation:
                e.truth.add("RET-UNSUB", "marketing_members", key)

        label = f"unsubscribed {when}, {'full profile' if named else 'phone only'}"
        return Case("RET-UNSUB", violation, label, build)

    return [
        former_member("months ago", True, named=False),
        *(former_member("months ago", True) for _ in range(k - 1)),
        former_member("29 days", False),
        former_member("exactly 30 days", False),
    ]


# ---- RET-CHAT ------------------------------------------------------------------------------------


def _chats(k: int) -> list[Case]:
    def chat(age: str, violation: bool) -> Case:
        def build(e: Estate, i: int) -> None:
            cut = e.cut.chats
            started = {
                "exact": lambda: cut,
                "minute": lambda: cut - MINUTE,
                "old": lambda: between(e, e.clock.end - 3 * YEAR, cut - DAY),
                "a day younger": lambda: cut + DAY,
            }[age]()
            key = e.write_chat(person(e), started)
            if violation:
                e.truth.add("RET-CHAT", "chat_transcripts", key)

        return Case("RET-CHAT", violation, f"chat {age}", build)

    return [
        chat("minute", True),
        *(chat("old", True) for _ in range(k - 1)),
        chat("exact", False),
        chat("a day younger", False),
    ]
