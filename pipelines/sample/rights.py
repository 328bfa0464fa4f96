"""The data-subject rights request tracker (a hand-kept Excel sheet)."""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

from .people import Person, messy_email
from .timeline import DAY, Clock, uk_date, year_of
from .vocab import EXTENSION_REASONS, RIGHTS_TYPES

RIGHTS_RATE = 0.003
MIN_REQUESTS = 5
MARKETING_KINDS = ("Objection to marketing", "Withdraw consent")


@dataclass(slots=True)
class RightsRequest:
    received: int
    email: str
    kind: str
    status: str
    completed: int | None
    extension_reason: str  # empty unless extended


def build_request(
    p: Person, rng: Random, clock: Clock, force_extended: bool = False
) -> RightsRequest:
    """A request from p, received after p was created, answered within the statutory month
    (three when extended); still Open only if that deadline has not passed yet.

    The requester stays in the CRM, so erasure requests in the clean estate were refused
    (e.g. data still needed for an active contract) or are still open."""
    received = clock.daytime(rng, p.created, clock.end - DAY)
    extended = force_extended or rng.random() < 0.12
    days = rng.randint(31, 85) if extended else rng.randint(1, 29)
    done = received + days * DAY
    kind = rng.choice(RIGHTS_TYPES)
    if done >= clock.end:
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
        extension_reason=rng.choice(EXTENSION_REASONS) if extended else "",
    )


def marketing_stop(req: RightsRequest | None) -> tuple[int, int] | None:
    """(received, completed) of a completed objection / consent withdrawal, if any: the
    person's marketing must have stopped by the completion date."""
    if (
        req is None
        or req.completed is None
        or req.status != "Completed"
        or req.kind not in MARKETING_KINDS
    ):
        return None
    return req.received, req.completed


def rights_rows(requests: list[RightsRequest]) -> list[list[str]]:
    """Tracker rows in order received; refs RR-<year>-<nnnn> numbered per year."""
    rows: list[list[str]] = []
    per_year: dict[int, int] = {}
    for req in sorted(requests, key=lambda r: r.received):
        year = year_of(req.received)
        per_year[year] = per_year.get(year, 0) + 1
        rows.append(
            [
                f"RR-{year}-{per_year[year]:04d}",
                uk_date(req.received),
                req.email,
                req.kind,
                req.status,
                uk_date(req.completed) if req.completed is not None else "",
                "Yes" if req.extension_reason else "No",
                req.extension_reason,
            ]
        )
    return rows
