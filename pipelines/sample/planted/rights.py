"""Planted rights requests: DSR-OVERDUE, DSR-ERASURE-INCOMPLETE, DSR-OBJECTION-IGNORED.

Deadlines follow expectations/README.md exactly: received + 1 calendar month (3 when extended
with a reason), the day clamped to the month's end, a weekend deadline moved to the Monday.
Near misses: answered on the deadline; extended with a reason and answered at 2.5 months; a
Saturday deadline answered on the Monday; an erasure that left only tracker rows (or an
anonymised order nobody can be linked to); a send on the completion day, before the unsubscribe.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING

from ..people import Person
from ..policy import response_deadline
from ..rights import completed_request
from ..timeline import DAY, HOUR, add_months, local_date, local_instant, weekend_to_monday
from ..truth import send_key
from ..vocab import EXTENSION_REASONS
from . import Case
from .kit import between, campaign_in, days_ago, member, person, quiet_contact, sends_before

if TYPE_CHECKING:
    from ..generator import Estate

YEAR = 365 * DAY
OVERDUE = ("DSR-OVERDUE",)


def cases(k: int) -> list[Case]:
    return [*_overdue(k), *_erasures(k), *_objections(k)]


# ---- DSR-OVERDUE ---------------------------------------------------------------------------------


def _received(e: Estate, fits: Callable[[date], bool], back: int = 3 * 365) -> date:
    """A received date within `back` days (at least 100 days ago) for which `fits` holds."""
    latest = e.clock.as_of - timedelta(days=100)
    day = latest - timedelta(days=e.rng.randrange(back - 100))
    while not fits(day):
        day -= timedelta(days=1)
    return day


def _request(
    e: Estate,
    received: date,
    completed: date | None,
    extended: bool = False,
    reason: bool = False,
    expect: tuple[str, ...] = (),
) -> None:
    """A request from someone known nowhere else (Access or Rectification)."""
    assert completed is None or received < completed < e.clock.as_of
    kind = e.rng.choice(("Access", "Access", "Rectification"))
    req = completed_request(person(e), e.rng, kind, received, completed or received, expect)
    if completed is None:
        req.status, req.completed = "Open", None
    req.extended = extended
    req.extension_reason = e.rng.choice(EXTENSION_REASONS) if reason else ""
    e.requests.append(req)


def _overdue(k: int) -> list[Case]:
    def one_day_late(e: Estate, i: int) -> None:
        r = _received(e, lambda d: response_deadline(d, False).weekday() < 4)
        _request(e, r, response_deadline(r, False) + timedelta(days=1), expect=OVERDUE)

    def late(e: Estate, i: int) -> None:
        r = _received(e, lambda d: True)
        days = e.rng.randint(2, 20)
        _request(e, r, response_deadline(r, False) + timedelta(days=days), expect=OVERDUE)

    def open_past_deadline(e: Estate, i: int) -> None:
        r = e.clock.as_of - timedelta(days=e.rng.randint(40, 120))
        _request(e, r, None, expect=OVERDUE)

    def extended_without_reason(e: Estate, i: int) -> None:
        r = _received(e, lambda d: True)
        _request(e, r, add_months(r, 2), extended=True, expect=OVERDUE)

    def month_end_clamped(e: Estate, i: int) -> None:
        """Received 31 January, deadline the end of February (or the Monday after), answered
        the next working day: still within 31 days of receipt, but late."""
        r = date(e.clock.as_of.year - 1, 1, 31)
        answered = weekend_to_monday(response_deadline(r, False) + timedelta(days=1))
        _request(e, r, answered, expect=OVERDUE)

    def on_deadline(e: Estate, i: int) -> None:
        r = _received(e, lambda d: add_months(d, 1).weekday() < 5)
        _request(e, r, response_deadline(r, False))

    def extended_with_reason(e: Estate, i: int) -> None:
        r = _received(e, lambda d: True)
        _request(e, r, add_months(r, 2) + timedelta(days=15), extended=True, reason=True)

    def saturday_deadline(e: Estate, i: int) -> None:
        r = _received(e, lambda d: add_months(d, 1).weekday() == 5)
        _request(e, r, add_months(r, 1) + timedelta(days=2))

    def open_in_time(e: Estate, i: int) -> None:
        _request(e, e.clock.as_of - timedelta(days=e.rng.randint(3, 20)), None)

    violations = [
        ("answered a day late", one_day_late),
        ("open past its deadline", open_past_deadline),
        ("extended without a reason, answered at 2 months", extended_without_reason),
        ("received 31 Jan, answered after the clamped deadline", month_end_clamped),
    ]
    while len(violations) < k:
        violations.append(("answered late", late))
    return [
        *(Case("DSR-OVERDUE", True, label, build) for label, build in violations),
        Case("DSR-OVERDUE", False, "answered on its deadline", on_deadline),
        Case("DSR-OVERDUE", False, "extended with a reason, answered at 2.5 months",
             extended_with_reason),
        Case("DSR-OVERDUE", False, "Saturday deadline, answered on the Monday",
             saturday_deadline),
        Case("DSR-OVERDUE", False, "open, deadline still ahead", open_in_time),
    ]  # fmt: skip


# ---- DSR-ERASURE-INCOMPLETE ----------------------------------------------------------------------


def _erasure(e: Estate, p: Person, after: int, expect: tuple[str, ...] = ()) -> None:
    """A completed erasure received after instant `after`, answered within 3-20 days."""
    received = local_date(after) + timedelta(days=e.rng.randint(1, 5))
    completed = min(received + timedelta(days=e.rng.randint(3, 20)), e.clock.as_of - timedelta(1))
    e.requests.append(completed_request(p, e.rng, "Erasure", received, completed, expect))


def _erasures(k: int) -> list[Case]:
    incomplete = ("DSR-ERASURE-INCOMPLETE",)

    def still_in_crm(e: Estate, i: int) -> None:
        last = days_ago(e, 30, 300)
        p, _ = quiet_contact(e, i, last)
        _erasure(e, p, last, incomplete)

    def still_in_mailchimp(e: Estate, i: int) -> None:
        p = person(e)
        unsub = days_ago(e, 40, 400)
        e.write_member(
            p, member(e, p, "unsubscribed", between(e, unsub - YEAR, unsub - DAY), unsub)
        )
        _erasure(e, p, unsub, incomplete)

    def order_not_anonymised(e: Estate, i: int) -> None:
        p = person(e)
        when = between(e, max(e.cut.orders, e.clock.end - 3 * YEAR), e.clock.end - 30 * DAY)
        e.write_order(p, when)
        _erasure(e, p, when, incomplete)

    def nothing_left(e: Estate, i: int) -> None:
        _erasure(e, person(e), days_ago(e, 40, 700))

    def access_then_erasure(e: Estate, i: int) -> None:
        p = person(e)
        asked = days_ago(e, 200, 700)
        received = local_date(asked)
        done = received + timedelta(days=e.rng.randint(3, 20))
        e.requests.append(completed_request(p, e.rng, "Access", received, done))
        _erasure(e, p, local_instant(done, 12))

    def anonymised_order_left(e: Estate, i: int) -> None:
        p = person(e)
        old = between(e, e.clock.start + DAY, e.cut.orders - DAY)
        e.write_order(p, old)  # past retention: anonymised, linked to nobody
        _erasure(e, p, days_ago(e, 40, 400))

    builders = (
        ("contact still in the CRM", still_in_crm, True),
        ("suppression entry still in Mailchimp", still_in_mailchimp, False),
        ("order still holds the email", order_not_anonymised, False),
    )
    return [
        *(Case("DSR-ERASURE-INCOMPLETE", True, *builders[n % 3]) for n in range(k)),
        Case("DSR-ERASURE-INCOMPLETE", False, "nothing left", nothing_left),
        Case("DSR-ERASURE-INCOMPLETE", False, "only an earlier access request left",
             access_then_erasure),
        Case("DSR-ERASURE-INCOMPLETE", False, "only an anonymised order left",
             anonymised_order_left),
    ]  # fmt: skip


# ---- DSR-OBJECTION-IGNORED -----------------------------------------------------------------------


def _objection(
    e: Estate, p: Person, received: date, completed: date, expect: tuple[str, ...] = ()
) -> None:
    kind = e.rng.choice(("Objection to marketing", "Withdraw consent"))
    e.requests.append(completed_request(p, e.rng, kind, received, completed, expect))


def _objections(k: int) -> list[Case]:
    ignored = ("DSR-OBJECTION-IGNORED",)

    def still_subscribed(e: Estate, i: int) -> None:
        p = person(e)
        start = days_ago(e, 200, 900)
        e.write_member(p, member(e, p, "subscribed", start))
        received = local_date(between(e, start + 30 * DAY, e.clock.end - 30 * DAY))
        _objection(e, p, received, received + timedelta(days=e.rng.randint(2, 20)), ignored)

    def unsubscribed_too_late(e: Estate, i: int) -> None:
        """Marked done, but Mailchimp was only updated days later: a campaign went out between."""
        p = person(e)
        c = campaign_in(e, e.clock.end - 2 * YEAR, e.clock.end - 10 * DAY)
        sent = e.campaigns.times[c]
        completed = local_date(sent) - timedelta(days=e.rng.randint(1, 6))
        received = completed - timedelta(days=e.rng.randint(3, 15))
        unsub = e.clock.before_end(sent + e.rng.randint(HOUR, 3 * DAY))
        start = between(e, unsub - 2 * YEAR, local_instant(received, 0) - DAY)
        sends = [*sends_before(e, start, local_instant(received, 0)), c]
        e.write_member(p, member(e, p, "unsubscribed", start, unsub, sends=sends))
        _objection(e, p, received, completed, ignored)

    def sent_after_unsubscribe(e: Estate, i: int) -> None:
        """Unsubscribed in time, yet a later campaign still reached them."""
        p = person(e)
        c = campaign_in(e, e.clock.end - 2 * YEAR, e.clock.end - 10 * DAY)
        sent = e.campaigns.times[c]
        completed = local_date(sent) - timedelta(days=e.rng.randint(2, 8))
        received = completed - timedelta(days=e.rng.randint(3, 10))
        unsub = local_instant(completed, 11)
        start = between(e, unsub - 2 * YEAR, local_instant(received, 0) - DAY)
        sends = [*sends_before(e, start, local_instant(received, 0)), c]
        m = member(e, p, "unsubscribed", start, unsub, sends=sends)
        e.write_member(p, m)
        _objection(e, p, received, completed, ignored)
        key = send_key(e.campaigns.ids[c], m.email)
        e.truth.add("CON-SEND-AFTER-OPTOUT", "marketing_sends", key)

    def same_day_send(e: Estate, i: int) -> None:
        """A campaign on the completion day itself, before the unsubscribe that evening."""
        p = person(e)
        c = campaign_in(e, e.clock.end - 2 * YEAR, e.clock.end - 10 * DAY)
        sent = e.campaigns.times[c]
        completed = local_date(sent)
        received = completed - timedelta(days=e.rng.randint(5, 15))
        unsub = sent + 30 * 60
        assert local_date(unsub) == completed
        start = between(e, unsub - 2 * YEAR, local_instant(received, 0) - DAY)
        sends = [*sends_before(e, start, local_instant(received, 0)), c]
        e.write_member(p, member(e, p, "unsubscribed", start, unsub, sends=sends))
        _objection(e, p, received, completed)

    def handled(e: Estate, i: int) -> None:
        p = person(e)
        received = local_date(days_ago(e, 40, 600))
        completed = received + timedelta(days=e.rng.randint(3, 20))
        unsub = local_instant(received + timedelta(days=1), 14)
        start = between(e, unsub - 2 * YEAR, unsub - 30 * DAY)
        e.write_member(p, member(e, p, "unsubscribed", start, unsub))
        _objection(e, p, received, completed)

    builders = (
        ("member still subscribed", still_subscribed),
        ("unsubscribed after a campaign that followed completion", unsubscribed_too_late),
        ("campaign sent after the unsubscribe and completion", sent_after_unsubscribe),
    )
    return [
        *(Case("DSR-OBJECTION-IGNORED", True, *builders[n % 3]) for n in range(k)),
        Case("DSR-OBJECTION-IGNORED", False, "send on the completion day, before the unsubscribe",
             same_day_send),
        Case("DSR-OBJECTION-IGNORED", False, "unsubscribed in time, nothing sent after", handled),
    ]  # fmt: skip
