"""Planted consent cases: CON-NO-BASIS, CON-OPTOUT-SYNC, CON-SEND-AFTER-OPTOUT, CON-CALL-NOTICE.

Near misses: a subscriber without OPTIN_TIME who bought with marketing accepted (soft opt-in);
an opt-out still inside the 7-day grace in the other system; a send a second or a minute before
the unsubscribe; a recording whose announcement played, a purged recording, an unanswered call
whose userfield still says `notice=skipped` (preset by the queue context: no recording exists).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..calls import Recording
from ..timeline import DAY, HOUR
from ..truth import send_key
from . import Case
from .kit import between, campaign_in, days_ago, member, person, sends_before, slot_person

if TYPE_CHECKING:
    from ..generator import Estate

YEAR = 365 * DAY


def cases(k: int) -> list[Case]:
    return [*_no_basis(k), *_optout_sync(k), *_send_after_optout(k), *_call_notice(k)]


# ---- CON-NO-BASIS --------------------------------------------------------------------------------


def _no_basis(k: int) -> list[Case]:
    def subscriber(kind: str, violation: bool) -> Case:
        def build(e: Estate, i: int) -> None:
            p = person(e)
            start = days_ago(e, 30, 3 * 365)
            if kind == "order without marketing":
                e.write_order(p, between(e, max(start, e.cut.orders), e.clock.end - DAY))
            elif kind == "marketing accepted on an anonymised order":
                old = between(e, e.clock.start + DAY, e.cut.orders - DAY)
                e.write_order(p, old, accepts=True)  # anonymised: no longer linked to anyone
                start = max(start, old + DAY)
            elif kind == "soft opt-in":
                e.write_order(
                    p, between(e, max(start, e.cut.orders), e.clock.end - DAY), accepts=True
                )
            key = e.write_member(p, member(e, p, "subscribed", start, optin=False))
            if violation:
                e.truth.add("CON-NO-BASIS", "marketing_members", key)

        return Case("CON-NO-BASIS", violation, f"subscribed, no OPTIN_TIME: {kind}", build)

    kinds = ("no orders", "order without marketing", "marketing accepted on an anonymised order")
    return [
        *(subscriber(kinds[n % 3], True) for n in range(k)),
        subscriber("soft opt-in", False),
        subscriber("soft opt-in", False),
    ]


# ---- CON-OPTOUT-SYNC -----------------------------------------------------------------------------


def _optout_sync(k: int) -> list[Case]:
    def mailchimp_optout(violation: bool) -> Case:
        """Unsubscribed in Mailchimp; the CRM still says opted in."""

        def build(e: Estate, i: int) -> None:
            if violation:
                unsub = between(e, e.clock.end - 200 * DAY, e.cut.grace - DAY)
            else:
                unsub = between(e, e.cut.grace + DAY, e.clock.end - HOUR)
            start = between(e, unsub - 2 * YEAR, unsub - 20 * DAY)
            p = slot_person(e, i, start - DAY)
            last = between(e, unsub - 15 * DAY, e.clock.end - HOUR)
            record_id = e.write_contact(p, i, last, unsubscribed=False)
            e.write_member(p, member(e, p, "unsubscribed", start, unsub))
            if violation:
                e.truth.add("CON-OPTOUT-SYNC", "crm_contacts", record_id)

        label = "Mailchimp unsubscribe " + ("8+ days" if violation else "3-6 days") + " ago"
        return Case("CON-OPTOUT-SYNC", violation, label, build, slot=True)

    def crm_optout(violation: bool) -> Case:
        """Opted out in the CRM (dated by its last activity); still subscribed in Mailchimp."""

        def build(e: Estate, i: int) -> None:
            if violation:
                optout = between(e, e.clock.end - 200 * DAY, e.cut.grace - DAY)
            else:
                optout = between(e, e.cut.grace + DAY, e.clock.end - HOUR)
            start = between(e, optout - 2 * YEAR, optout - 20 * DAY)
            p = slot_person(e, i, start - DAY)
            e.write_contact(p, i, optout, unsubscribed=True)
            key = e.write_member(p, member(e, p, "subscribed", start))
            if violation:
                e.truth.add("CON-OPTOUT-SYNC", "marketing_members", key)

        label = "CRM opt-out " + ("8+ days" if violation else "1-6 days") + " ago"
        return Case("CON-OPTOUT-SYNC", violation, label, build, slot=True)

    return [
        *((mailchimp_optout if n % 2 == 0 else crm_optout)(True) for n in range(k)),
        mailchimp_optout(False),
        crm_optout(False),
    ]


# ---- CON-SEND-AFTER-OPTOUT -----------------------------------------------------------------------


def _send_after_optout(k: int) -> list[Case]:
    def late_send(violation: bool, gap: int = 0) -> Case:
        """A former member and a campaign sent after (or `gap` seconds before) the unsubscribe."""

        def build(e: Estate, i: int) -> None:
            c = campaign_in(e, e.clock.end - 2 * YEAR, e.clock.end - 2 * DAY)
            sent = e.campaigns.times[c]
            unsub = sent - e.rng.randint(DAY, 20 * DAY) if violation else sent + gap
            start = between(e, unsub - 2 * YEAR, unsub - 30 * DAY)
            p = person(e)
            sends = [*sends_before(e, start, min(unsub, sent)), c]
            m = member(e, p, "unsubscribed", start, unsub, sends=sends)
            if not violation:
                m.exit_campaign = c  # unsubscribed from the campaign's own link
            e.write_member(p, m)
            if violation:
                e.truth.add(
                    "CON-SEND-AFTER-OPTOUT",
                    "marketing_sends",
                    send_key(e.campaigns.ids[c], m.email),
                )

        label = (
            "send after the unsubscribe" if violation else f"send {gap} s before the unsubscribe"
        )
        return Case("CON-SEND-AFTER-OPTOUT", violation, label, build)

    return [*(late_send(True) for _ in range(k)), late_send(False, 1), late_send(False, 60)]


# ---- CON-CALL-NOTICE -----------------------------------------------------------------------------


def _call_notice(k: int) -> list[Case]:
    def call(kind: str, violation: bool) -> Case:
        def build(e: Estate, i: int) -> None:
            p = person(e)
            if kind == "purged":
                start = between(e, e.clock.end - 3 * YEAR, e.cut.recordings - DAY)
                recording = Recording(kept=False)
            elif kind.startswith("unanswered"):  # the queue preset notice=skipped; no recording
                start = between(e, e.cut.recordings + DAY, e.clock.end - 2 * HOUR)
                disposition = kind.removeprefix("unanswered ")
                recording = Recording(True, notice="skipped", disposition=disposition)
            else:
                start = between(e, e.cut.recordings + DAY, e.clock.end - 2 * HOUR)
                recording = Recording(True, notice="skipped" if violation else "played")
            key = e.write_call(p.mobile, start, person=p, recording=recording)
            if violation:
                e.truth.add("CON-CALL-NOTICE", "call_recordings", key)

        return Case("CON-CALL-NOTICE", violation, f"recording: {kind}", build)

    return [
        *(call("announcement skipped", True) for _ in range(k)),
        call("announcement played", False),
        call("purged", False),
        call("unanswered NO ANSWER", False),
        call("unanswered BUSY", False),
    ]
