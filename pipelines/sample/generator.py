"""Orchestration: one deterministic pass over the people, every export streamed at once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from random import Random

from .calls import RECORDING_RETENTION_DAYS, CallIds, build_call
from .chats import build_chat
from .crm import RECORD_ID_BASE, RECORD_ID_STEP, build_contact
from .disclosures import disclosure_count, disclosure_rows
from .ids import spaced_id
from .marketing import Campaigns, Member, build_campaigns, build_member, plan_member, send_rows
from .orders import OrderIds, build_order
from .people import Person, PersonFactory, random_mobile
from .rights import (
    MIN_REQUESTS,
    RIGHTS_RATE,
    RightsRequest,
    build_request,
    marketing_stop,
    rights_rows,
)
from .timeline import DAY, HOUR, Clock
from .writers import DISCLOSURES_HEADER, RIGHTS_HEADER, EstateWriters

PROGRESS_EVERY = 5_000
CUSTOMER_RATE = 0.40
CALLER_RATE = 0.50
MEMBER_RATE = 0.60
CHAT_RATE = 0.15
GUEST_ORDER_RATE = 0.031  # ~3% of all orders (customers average 1.0 order per contact)
UNKNOWN_CALLER_RATE = 0.05


def generate_estate(
    out_dir: Path,
    contacts: int,
    seed: int,
    as_of: date,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Write all eight exports under out_dir/<dataset>/; return data rows written per dataset."""
    rng = Random(seed)
    clock = Clock.for_as_of(as_of)
    list_id = f"{rng.getrandbits(40):010x}"
    campaigns = build_campaigns(rng, clock)
    forced = sorted(rng.sample(range(contacts), min(MIN_REQUESTS, contacts)))
    with EstateWriters(Path(out_dir), as_of, list_id) as out:
        estate = Estate(rng, clock, campaigns, out, contacts)
        done = 0
        for i in range(contacts):
            estate.contact(i, forced_request=i in forced, extended=bool(forced) and i == forced[0])
            done += 1
            if progress is not None and done == PROGRESS_EVERY:
                progress(done)
                done = 0
        if progress is not None and done:
            progress(done)
        out.excel_csv("rights_requests", RIGHTS_HEADER, rights_rows(estate.requests))
        out.excel_csv(
            "disclosures",
            DISCLOSURES_HEADER,
            disclosure_rows(rng, clock, disclosure_count(contacts)),
        )
    return dict(out.counts)


class Estate:
    """Builds each contact's records in every system and hands them to the writers."""

    def __init__(
        self, rng: Random, clock: Clock, campaigns: Campaigns, out: EstateWriters, contacts: int
    ) -> None:
        self.rng, self.clock, self.campaigns, self.out = rng, clock, campaigns, out
        self.contacts = contacts
        self.people = PersonFactory(rng, clock)
        self.order_ids = OrderIds()
        self.call_ids = CallIds()
        self.members = 0
        self.chats = 0
        self.requests: list[RightsRequest] = []
        self.keep_recordings_from = clock.end - RECORDING_RETENTION_DAYS * DAY

    def created_at(self, i: int) -> int:
        """Create dates rise with the record id; more sign-ups in later years."""
        span = self.clock.end - self.clock.start - 3 * DAY
        x = (i + self.rng.random()) / self.contacts
        return self.clock.start + int(span * x**0.8)

    def contact(self, i: int, forced_request: bool = False, extended: bool = False) -> None:
        rng = self.rng
        p = self.people.make(self.created_at(i))
        request = None
        if forced_request or rng.random() < RIGHTS_RATE:
            request = build_request(p, rng, self.clock, force_extended=extended)
            self.requests.append(request)
        member = self.plan_member(p, marketing_stop(request))
        activity = [p.created]
        if rng.random() < CUSTOMER_RATE:
            activity += self.orders(p, member)
        if rng.random() < CALLER_RATE:
            activity += self.calls(p)
        if rng.random() < CHAT_RATE:
            activity.append(self.chat(p))
        last = max(activity) if len(activity) > 1 else None
        record_id = spaced_id(i, rng, RECORD_ID_BASE, RECORD_ID_STEP)
        self.out.crm(
            build_contact(p, rng, self.clock, record_id, last, member.status if member else None)
        )
        if member is not None:
            self.member(p, member)
        if rng.random() < GUEST_ORDER_RATE:
            guest = self.people.make_any_time()
            self.orders(guest, None, count=1)
        if rng.random() < UNKNOWN_CALLER_RATE:
            self.unknown_call()

    def plan_member(self, p: Person, stop: tuple[int, int] | None) -> Member | None:
        if self.rng.random() >= MEMBER_RATE:
            return None
        if stop is not None and stop[0] - p.created < 3 * DAY:
            return None  # objected to marketing straight away: never subscribed
        return plan_member(p, self.rng, self.clock, self.campaigns, stop)

    def times_after(self, p: Person, count: int) -> list[int]:
        """`count` ascending daytime instants after p was created, >= 2 h before the end."""
        return sorted(
            self.clock.daytime(self.rng, p.created, self.clock.end - 2 * HOUR) for _ in range(count)
        )

    def orders(self, p: Person, member: Member | None, count: int = 0) -> list[int]:
        times = self.times_after(p, count or self.rng.randint(1, 4))
        for when in times:
            accepts = member is not None and member.start <= when < member.end
            self.out.order(build_order(p, self.rng, self.clock, self.order_ids, when, accepts))
        return times

    def calls(self, p: Person) -> list[int]:
        times = self.times_after(p, self.rng.randint(1, 3))
        for start in times:
            self.out.call(
                build_call(p, p.mobile, self.rng, self.call_ids, start, self.keep_recordings_from)
            )
        return times

    def unknown_call(self) -> None:
        rng, clock = self.rng, self.clock
        stranger = self.people.make_any_time() if rng.random() < 0.5 else None
        mobile = stranger.mobile if stranger is not None else random_mobile(rng)
        start = clock.daytime(rng, clock.start, clock.end - 2 * HOUR)
        self.out.call(
            build_call(stranger, mobile, rng, self.call_ids, start, self.keep_recordings_from)
        )

    def chat(self, p: Person) -> int:
        (started,) = self.times_after(p, 1)
        self.out.chat(build_chat(p, self.rng, started, self.chats))
        self.chats += 1
        return started

    def member(self, p: Person, m: Member) -> None:
        row = build_member(p, m, self.rng, self.clock, self.campaigns, self.members)
        self.members += 1
        self.out.member(m.status, row)
        if m.sends:
            self.out.sends(send_rows(m, self.campaigns))
