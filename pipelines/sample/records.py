"""Writing one record of a streamed export, for ordinary and planted people alike.

`RecordWriters` is the part of the generator's `Estate` that turns a person and a moment into
a row of the CRM, an order, a CDR line, a chat transcript or an audience member (and its sends),
and hands it to the writers; it returns the record's key as the audit will read it.
"""

from __future__ import annotations

from collections.abc import Callable
from random import Random

from .calls import CallIds, Recording, build_call
from .chats import build_chat
from .crm import RECORD_ID_BASE, RECORD_ID_STEP, build_contact
from .ids import spaced_id
from .marketing import Campaigns, Member, build_member, send_rows
from .orders import OrderIds, build_order
from .people import Person
from .policy import Cutoffs
from .timeline import Clock
from .truth import email_key
from .writers import EstateWriters

NO_PHONE_RATE = 0.05


class RecordWriters:
    """The estate's record writers (the state they use is set up by the Estate)."""

    rng: Random
    clock: Clock
    cut: Cutoffs
    campaigns: Campaigns
    out: EstateWriters
    order_ids: OrderIds
    call_ids: CallIds
    members: int
    chats: int

    def write_contact(
        self,
        p: Person,
        i: int,
        last_activity: int,
        *,
        unsubscribed: bool = False,
        marketing: bool = False,
        with_email: bool = True,
        notes: str | None = None,
        anonymised: bool = False,
    ) -> str:
        """The CRM row of contact slot i; returns its Record ID."""
        rng = self.rng
        assert p.created <= last_activity < self.clock.end
        with_phone = not with_email or rng.random() >= NO_PHONE_RATE
        record_id = spaced_id(i, rng, RECORD_ID_BASE, RECORD_ID_STEP)
        row = build_contact(
            p,
            rng,
            record_id,
            last_activity,
            marketing,
            unsubscribed,
            with_email,
            with_phone,
            notes,
            anonymised,
        )
        self.out.crm(row)
        return str(record_id)

    def write_order(
        self,
        p: Person,
        when: int,
        *,
        accepts: bool = False,
        anonymise: bool | None = None,
        notes: str | None = None,
        items: int = 0,
        tweak: Callable[[list[list[str]]], None] | None = None,
    ) -> str:
        """One order (anonymised when past retention unless told); returns its Name."""
        if anonymise is None:
            anonymise = self.cut.order_expired(when)
        name, rows = build_order(
            p, self.rng, self.clock, self.order_ids, when, accepts, anonymise, notes, items
        )
        if tweak is not None:
            tweak(rows)
        self.out.order(rows)
        return name

    def write_call(
        self, mobile: str, start: int, *, person: Person | None, recording: Recording | None = None
    ) -> str:
        """One CDR line; returns its uniqueid as exported."""
        fields = build_call(
            person, mobile, self.rng, self.call_ids, start, self.cut.recordings, recording
        )
        self.out.call(fields)
        return str(fields[16])

    def write_chat(self, p: Person, started: int, planted: tuple[str, str] | None = None) -> str:
        """One transcript; returns its chatId."""
        chat = build_chat(p, self.rng, started, self.chats, planted)
        self.chats += 1
        self.out.chat(chat)
        return str(chat["chatId"])

    def write_member(self, p: Person, m: Member) -> str:
        """One audience member and the sends it received; returns the member's key."""
        if m.reduced is None:  # unsubscribed over 30 days ago: only the suppression entry kept
            m.reduced = m.status == "unsubscribed" and m.end < self.cut.unsub
        row = build_member(p, m, self.rng, self.clock, self.campaigns, self.members)
        self.members += 1
        self.out.member(m.status, row)
        if m.sends:
            self.out.sends(send_rows(m, self.campaigns))
        return email_key(m.email)
