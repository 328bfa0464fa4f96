"""The applicant tracking system's export (job_applications): one row per application.

Candidates apply for one to three vacancies over the last five years; some of them are people
the CRM already knows (same e-mail and mobile). An unsuccessful application (rejected or
withdrawn) whose decision is more than 6 months before T is anonymised (names, email, phone and
the free-text reason blanked; ids, job, status and dates kept) unless the candidate agreed within
the last 12 months to be kept on file. Hired candidates join the HR export (employees.py).
Times are UTC, `YYYY-MM-DD HH:MM:SS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

from .people import Person, PersonFactory, format_phone, messy_email
from .policy import Cutoffs
from .timeline import DAY, HOUR, Clock, utc_seconds
from .vocab.work import REJECTION_REASONS, VACANCIES

HISTORY_DAYS = 5 * 365
IDENTITY = ("First Name", "Last Name", "Email", "Phone")
APPLICATION_ID_BASE = 20_400
CANDIDATE_ID_BASE = 310_000
APPLICATIONS_PER_CANDIDATE = (1, 1, 1, 1, 1, 1, 1, 2, 2, 3)
ACTIVE_DAYS = 75  # applications younger than this may still be in progress
KEEP_ON_FILE_RATE = 0.25


def application_count(contacts: int) -> int:
    return max(60, contacts // 20)


@dataclass(slots=True, eq=False)
class Candidate:
    person: Person
    email: str  # as the candidate typed it
    phone: str


@dataclass(slots=True)
class Application:
    candidate: Candidate
    job: str
    applied: int
    status: str  # as exported (planted cases vary its case and spacing)
    last: int  # Last Activity
    rejected: int | None = None
    reason: str = ""
    keep_on_file: int | None = None
    blank: tuple[str, ...] = ()  # identity columns blanked; all of IDENTITY: anonymised
    expect: tuple[str, ...] = ()  # rule ids this (planted) application must be reported under

    @property
    def decision(self) -> int:
        """When the application was decided: the rejection, else the last activity."""
        return self.rejected if self.rejected is not None else self.last

    def anonymise(self) -> None:
        self.blank, self.reason = IDENTITY, ""


class Recruitment:
    """Makes candidates and their applications (compliant unless a planted case changes them)."""

    def __init__(self, rng: Random, clock: Clock, cut: Cutoffs, people: PersonFactory) -> None:
        self.rng, self.clock, self.cut, self.people = rng, clock, cut, people
        self.applications: list[Application] = []
        self.hires: list[tuple[Person, int]] = []  # (person, hired at): to the HR export

    def candidate(self, p: Person | None = None) -> Candidate:
        rng = self.rng
        p = p or self.people.make_any_time()
        style = rng.choice((0, 0, 0, 6, 6, 1, 2))
        return Candidate(
            p, messy_email(p.email, rng, 0.12, 0.02, 0.02), format_phone(p.mobile, style)
        )

    def applied_at(self, lo: int | None = None) -> int:
        end = self.clock.end
        return self.clock.daytime(self.rng, lo or end - HISTORY_DAYS * DAY, end - 2 * HOUR)

    def add(self, app: Application) -> Application:
        self.applications.append(app)
        return app

    def apply(self, cand: Candidate, applied: int | None = None) -> Application:
        """An ordinary application: in progress, rejected, withdrawn or hired."""
        rng, clock = self.rng, self.clock
        end = clock.end - HOUR
        applied = applied or self.applied_at()
        app = Application(cand, rng.choice(VACANCIES), applied, "Active", applied)
        r = rng.random()
        young = clock.end - applied < ACTIVE_DAYS * DAY
        after = applied + rng.randint(2 * DAY, 60 * DAY)
        if (young and r < 0.45) or after >= end:
            app.last = clock.daytime(rng, applied, end)
            return self.add(app)
        if r < 0.72:
            app.status, app.rejected = "Rejected", after
            app.last = min(after + rng.randint(0, 3 * DAY), end)
            app.reason = rng.choice(REJECTION_REASONS)
        elif r < 0.88:
            app.status, app.last = "Withdrawn", after
        else:
            app.status, app.last = "Hired", after
            self.hires.append((cand.person, after))
            return self.add(app)
        if rng.random() < KEEP_ON_FILE_RATE:  # ticked on the form, maybe renewed later
            app.keep_on_file = applied + rng.randint(60, 900)
            if rng.random() < 0.3:
                app.keep_on_file = clock.daytime(rng, app.decision, end)
        if self.expired(app):
            app.anonymise()
        return self.add(app)

    def expired(self, app: Application) -> bool:
        """Unsuccessful, decided before T - 6 months, no keep-on-file agreement since T - 12."""
        kept = app.keep_on_file is not None and app.keep_on_file >= self.cut.keep_on_file
        return app.decision < self.cut.applicants and not kept

    def fill(self, n: int, known: list[Person]) -> None:
        """Candidates (the CRM contacts in `known` first, one recent application each) until
        there are n applications."""
        for p in known:  # within the last 6 months: still identifiable whatever the outcome
            self.apply(self.candidate(p), self.applied_at(self.cut.applicants))
        while len(self.applications) < n:
            cand = self.candidate()
            count = self.rng.choice(APPLICATIONS_PER_CANDIDATE)
            for applied in sorted(self.applied_at() for _ in range(count)):
                self.apply(cand, applied)

    def rows(self) -> list[tuple[Application, list[str]]]:
        """The export in order applied: Application IDs ascend, candidates numbered as they
        first appear."""
        rng = self.rng
        ordered = sorted(self.applications, key=lambda a: a.applied)
        candidates: dict[int, str] = {}
        rows = []
        for n, app in enumerate(ordered):
            cand = app.candidate
            cid = candidates.setdefault(
                id(cand), f"C{CANDIDATE_ID_BASE + 3 * len(candidates) + rng.randrange(3)}"
            )
            p = cand.person
            ident = dict(zip(IDENTITY, (p.first, p.last, cand.email, cand.phone), strict=True))
            for column in app.blank:
                ident[column] = ""
            rows.append(
                (
                    app,
                    [
                        str(APPLICATION_ID_BASE + 2 * n + rng.randrange(2)),
                        cid,
                        *ident.values(),
                        app.job,
                        utc_seconds(app.applied),
                        app.status,
                        "" if app.rejected is None else utc_seconds(app.rejected),
                        app.reason,
                        utc_seconds(app.last),
                        "" if app.keep_on_file is None else utc_seconds(app.keep_on_file),
                    ],
                )
            )
        return rows
