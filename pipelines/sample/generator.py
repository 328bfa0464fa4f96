"""Orchestration: one deterministic pass over the people, every streamed export written at once;
then the hand-kept logs and the exports built after the pass (late.py).

Ordinary people are written the way a well-run company's systems hold them: every retention
period honoured, opt-outs propagated, rights requests answered in time. The planted cases
(pipelines/sample/planted/) break each audit rule on purpose, or come as close as they can
without breaking it; what they break is written to out_dir/ground_truth.csv.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from random import Random

from .calls import CallIds
from .disclosures import EXTRA_COLUMN, Disclosure, disclosure_count, disclosure_rows
from .late import LateExports
from .marketing import Campaigns, Member, build_campaigns, plan_member
from .orders import OrderIds
from .people import Person, PersonFactory
from .planted import Schedule, schedule, violations_per_rule
from .policy import Cutoffs
from .records import RecordWriters
from .rights import (
    ERASED_RATE,
    MIN_REQUESTS,
    RIGHTS_RATE,
    RightsRequest,
    build_request,
    erased_person_request,
    marketing_stop,
    rights_rows,
)
from .timeline import DAY, HOUR, Clock
from .truth import GroundTruth
from .writers import DISCLOSURES_HEADER, MERGE_FIELD_BIRTHDAY, RIGHTS_HEADER, EstateWriters

PROGRESS_EVERY = 5_000
CUSTOMER_RATE = 0.40
CALLER_RATE = 0.50
MEMBER_RATE = 0.60
CHAT_RATE = 0.15
GUEST_ORDER_RATE = 0.031  # ~3% of all orders (customers average 1.0 order per contact)
UNKNOWN_CALLER_RATE = 0.05
NO_CONSENT_RATE = 0.10  # unsubscribed/cleaned members whose OPTIN_TIME was never recorded
SOFT_OPT_IN_RATE = 0.30  # subscribed buyers added from checkout (marketing accepted), no OPTIN_TIME
NO_EMAIL_RATE = 0.03  # CRM contacts known only by phone (plain prospects)
ANONYMISED_RATE = 0.30  # lapsed plain prospects anonymised (HubSpot keeps the blanked record)


def generate_estate(
    out_dir: Path,
    contacts: int,
    seed: int,
    as_of: date,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Write all twelve exports under out_dir/<dataset>/ and the expected audit findings to
    out_dir/ground_truth.csv; return data rows written per dataset."""
    rng = Random(seed)
    clock = Clock.for_as_of(as_of)
    list_id = f"{rng.getrandbits(40):010x}"
    campaigns = build_campaigns(rng, clock)
    forced = sorted(rng.sample(range(contacts), min(MIN_REQUESTS, contacts)))
    plan = schedule(Random(rng.getrandbits(64)), contacts)
    out_dir = Path(out_dir)
    with EstateWriters(out_dir, as_of, list_id) as out:
        estate = Estate(rng, clock, campaigns, out, contacts)
        estate.late = LateExports(seed, clock, estate.cut, estate.people, contacts)
        done = 0
        for i in range(contacts):
            estate.index(
                i, plan, forced_request=i in forced, extended=bool(forced) and i == forced[0]
            )
            done += 1
            if progress is not None and done == PROGRESS_EVERY:
                progress(done)
                done = 0
        if progress is not None and done:
            progress(done)
        estate.finish(out_dir)
    return dict(out.counts)


class Estate(RecordWriters):
    """Builds each person's records in every system and hands them to the writers."""

    late: LateExports

    def __init__(
        self, rng: Random, clock: Clock, campaigns: Campaigns, out: EstateWriters, contacts: int
    ) -> None:
        self.rng, self.clock, self.campaigns, self.out = rng, clock, campaigns, out
        self.contacts = contacts
        self.cut = Cutoffs.at(clock)
        self.people = PersonFactory(rng, clock)
        self.order_ids = OrderIds()
        self.call_ids = CallIds()
        self.members = 0
        self.chats = 0
        self.requests: list[RightsRequest] = []
        self.disclosures: list[Disclosure] = []
        self.truth = GroundTruth()

    # ---- the pass ------------------------------------------------------------------------

    def index(self, i: int, plan: Schedule, forced_request: bool, extended: bool) -> None:
        """Contact slot i: an ordinary contact or a planted one, then any planted extras."""
        slots, extras = plan.at(i)
        for case in slots:
            case.build(self, i)
        if not slots:
            self.contact(i, forced_request, extended)
        for case in extras:
            case.build(self, i)
        self.others()

    def finish(self, out_dir: Path) -> None:
        """The hand-kept logs (written last, in date order) and the ground truth."""
        self.late.build(self, violations_per_rule(self.contacts))  # may add tracker rows
        tracker = rights_rows(self.requests)
        for req, row in tracker:
            for rule in req.expect:
                self.truth.add(rule, "rights_requests", row[0])
        self.out.excel_csv("rights_requests", RIGHTS_HEADER, [row for _, row in tracker])
        log = disclosure_rows(
            self.rng, self.clock, disclosure_count(self.contacts), self.disclosures
        )
        for n, (d, _) in enumerate(log, start=1):
            for rule in d.expect:
                self.truth.add(rule, "disclosures", str(n))
        self.out.excel_csv(
            "disclosures", (*DISCLOSURES_HEADER, EXTRA_COLUMN), [row for _, row in log]
        )
        self.late.write(self.out, self.truth)
        self.truth.add("SEC-UNDECLARED", "disclosures", EXTRA_COLUMN)
        self.truth.add("SEC-UNDECLARED", "marketing_members", MERGE_FIELD_BIRTHDAY)
        self.truth.write(out_dir)

    def created_at(self, i: int) -> int:
        """Create dates rise with the record id; more sign-ups in later years."""
        span = self.clock.end - self.clock.start - 3 * DAY
        x = (i + self.rng.random()) / self.contacts
        return self.clock.start + int(span * x**0.8)

    # ---- ordinary people -------------------------------------------------------------------

    def contact(self, i: int, forced_request: bool = False, extended: bool = False) -> None:
        rng, clock, cut = self.rng, self.clock, self.cut
        p = self.people.make(self.created_at(i))
        request = None
        if forced_request or rng.random() < RIGHTS_RATE:
            request = build_request(p, rng, clock, force_extended=extended)
            self.requests.append(request)
        stop = marketing_stop(request)
        member = self.plan_member(p, stop)
        orders = self.orders(p, member) if rng.random() < CUSTOMER_RATE else []
        activity = [p.created, *(when for when, _ in orders)]
        if rng.random() < CALLER_RATE:
            activity += self.calls(p)
        chatted = rng.random() < CHAT_RATE
        if chatted:
            activity.append(self.chat(p))
        unsubscribed = member is not None and member.status == "unsubscribed"
        if unsubscribed:  # the CRM picked the opt-out up from Mailchimp shortly after
            assert member is not None
            activity.append(clock.before_end(member.end + rng.randint(60, 6 * HOUR)))
        if stop is not None:  # ... or from the handled objection
            activity.append(clock.before_end(stop[1]))
        last = max(activity)
        plain = not orders and member is None and request is None and not chatted
        lapsed = not orders and last < cut.prospects
        anonymised = lapsed and plain and rng.random() < ANONYMISED_RATE
        if lapsed and not anonymised:  # e.g. opened an email: still a live prospect
            last = clock.daytime(rng, cut.prospects + DAY, clock.end - HOUR)
        with_email = not plain or rng.random() >= NO_EMAIL_RATE
        self.write_contact(
            p,
            i,
            last,
            unsubscribed=unsubscribed or stop is not None,
            marketing=member is not None and member.status == "subscribed",
            with_email=with_email,
            anonymised=anonymised,
        )
        if with_email and not anonymised and request is None:
            self.late.offer(p)  # maybe a job applicant too (the late exports' own stream)
        if member is not None:
            bought_with_consent = any(accepted for _, accepted in orders)
            if member.status == "subscribed":
                member.optin = not (bought_with_consent and rng.random() < SOFT_OPT_IN_RATE)
            else:
                member.optin = rng.random() >= NO_CONSENT_RATE
            self.write_member(p, member)

    def others(self) -> None:
        """People outside the CRM: guest checkouts, unknown callers, erased people."""
        rng = self.rng
        if rng.random() < GUEST_ORDER_RATE:
            self.orders(self.people.make_any_time(), None, count=1, keep_latest=False)
        if rng.random() < UNKNOWN_CALLER_RATE:
            self.unknown_call()
        if rng.random() < ERASED_RATE:
            erased = self.people.make_any_time()
            self.requests.append(erased_person_request(erased, rng, self.clock))

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

    def orders(
        self, p: Person, member: Member | None, count: int = 0, keep_latest: bool = True
    ) -> list[tuple[int, bool]]:
        """p's orders: (instant, marketing accepted on an order still held) each.

        Orders past their retention are anonymised; a CRM customer's latest order is always
        still held (keep_latest), else the contact would have been deleted with it."""
        rng = self.rng
        times = self.times_after(p, count or rng.randint(1, 4))
        if keep_latest and self.cut.order_expired(times[-1]):
            lo = max(p.created, self.cut.orders)
            times[-1] = self.clock.daytime(rng, lo, self.clock.end - 2 * HOUR)
            times.sort()
        placed = []
        for when in times:
            accepts = member is not None and member.start <= when < member.end
            self.write_order(p, when, accepts=accepts)
            placed.append((when, accepts and not self.cut.order_expired(when)))
        return placed

    def calls(self, p: Person) -> list[int]:
        times = self.times_after(p, self.rng.randint(1, 3))
        for start in times:
            self.write_call(p.mobile, start, person=p)
        return times

    def unknown_call(self) -> None:
        rng, clock = self.rng, self.clock
        stranger = self.people.make_any_time() if rng.random() < 0.5 else None
        mobile = stranger.mobile if stranger is not None else self.people.phones.take()
        start = clock.daytime(rng, clock.start, clock.end - 2 * HOUR)
        self.write_call(mobile, start, person=stranger)

    def chat(self, p: Person) -> int:
        """A chat from p within the last 12 months (older transcripts were deleted)."""
        lo = max(p.created, self.cut.chats)
        started = self.clock.daytime(self.rng, lo, self.clock.end - HOUR)
        self.write_chat(p, started)
        return started
