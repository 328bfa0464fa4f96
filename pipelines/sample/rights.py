"""The data-subject rights request tracker (a hand-kept Excel sheet)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from random import Random

from .people import Person, messy_email
from .policy import response_deadline
from .timeline import DAY, HOUR, Clock, local_date, local_instant
from .vocab import EXTENSION_REASONS, RIGHTS_TYPES

RIGHTS_RATE = 0.003
ERASED_RATE = 0.001  # people whose completed erasure left nothing but the tracker row
MIN_REQUESTS = 5
EXTENSION_RATE = 0.12
MARKETING_KINDS = ("Objection to marketing", "Withdraw consent")


@dataclass(slots=True)
class RightsRequest:
    received: date
    email: str  # as typed into the tracker
    kind: str
    status: str  # Open | Completed | Rejected
    completed: date | None
    extended: bool
    extension_reason: str
    expect: tuple[str, ...] = ()  # rule ids this (planted) request must be reported under

    @property
    def received_at(self) -> int:
        """The instant work on the request can be taken to start (received, 09:00 London)."""
        return local_instant(self.received, 9)

    @property
    def completed_by(self) -> int | None:
        """An instant on the completion day by which the work was done (16:00 London)."""
        return None if self.completed is None else local_instant(self.completed, 16)


def build_request(
    p: Person, rng: Random, clock: Clock, force_extended: bool = False, kind: str | None = None
) -> RightsRequest:
    """A request from p, received after p was created, answered by its deadline (received + one
    calendar month, three when extended with a reason, weekend -> Monday); still Open only when
    that deadline is on or after as_of.

    The requester stays in the CRM, so erasure requests from contacts were refused (e.g. data
    still needed for an active contract) or are still open."""
    received = local_date(clock.daytime(rng, p.created, clock.end - DAY))
    extended = force_extended or rng.random() < EXTENSION_RATE
    deadline = response_deadline(received, extended)
    # an extension is decided within the first month: extended requests are answered after it
    first = (response_deadline(received, False) - received).days + 1 if extended else 1
    done = received + timedelta(days=rng.randint(first, max(first, (deadline - received).days)))
    kind = kind or rng.choice(RIGHTS_TYPES)
    if done >= clock.as_of:
        status, completed = "Open", None
    elif kind == "Erasure" or rng.random() < 0.08:
        status, completed = "Rejected", done
    else:
        status, completed = "Completed", done
    return RightsRequest(
        received=received,
        email=messy_email(p.email, rng, 0.10, 0.05, 0.10),
        kind=kind,
        status=status,
        completed=completed,
        extended=extended,
        extension_reason=rng.choice(EXTENSION_REASONS) if extended else "",
    )


def completed_request(
    p: Person, rng: Random, kind: str, received: date, completed: date, expect: tuple[str, ...] = ()
) -> RightsRequest:
    """A request answered on `completed` (the caller keeps it within its deadline)."""
    return RightsRequest(
        received=received,
        email=messy_email(p.email, rng, 0.10, 0.05, 0.10),
        kind=kind,
        status="Completed",
        completed=completed,
        extended=False,
        extension_reason="",
        expect=expect,
    )


def erased_person_request(p: Person, rng: Random, clock: Clock) -> RightsRequest:
    """A completed erasure: everything else about p is gone, only this tracker row remains."""
    latest = clock.as_of - timedelta(days=2)
    received = local_date(clock.daytime(rng, clock.end - 6 * 365 * DAY, clock.end - 40 * DAY))
    done = min(latest, received + timedelta(days=rng.randint(2, 27)))
    return completed_request(p, rng, "Erasure", received, done)


def marketing_stop(req: RightsRequest | None) -> tuple[int, int] | None:
    """(received, completed) instants of a completed objection / consent withdrawal, if any:
    the person's marketing must have stopped by the completion day."""
    if (
        req is None
        or req.completed is None
        or req.status != "Completed"
        or req.kind not in MARKETING_KINDS
    ):
        return None
    done = req.completed_by
    assert done is not None
    return req.received_at, max(done, req.received_at + HOUR)


def rights_rows(requests: list[RightsRequest]) -> list[tuple[RightsRequest, list[str]]]:
    """Tracker rows in order received; refs RR-<year>-<nnnn> numbered per year."""
    rows: list[tuple[RightsRequest, list[str]]] = []
    per_year: dict[int, int] = {}
    for req in sorted(requests, key=lambda r: r.received):
        year = req.received.year
        per_year[year] = per_year.get(year, 0) + 1
        rows.append(
            (
                req,
                [
                    f"RR-{year}-{per_year[year]:04d}",
                    req.received.strftime("%d/%m/%Y"),
                    req.email,
                    req.kind,
                    req.status,
                    req.completed.strftime("%d/%m/%Y") if req.completed is not None else "",
                    "Yes" if req.extended else "No",
                    req.extension_reason,
                ],
            )
        )
    return rows
