"""Planted applicant and employee cases: RET-APPLICANT, RET-LEAVER, card and NI numbers in the
applicants' free-text Rejection Reason (SEC-PAN, SEC-UNDECLARED), and an erased requester still
in the applicant export (DSR-ERASURE-INCOMPLETE).

RET-APPLICANT boundaries (T = as_of 00:00 London, months on the London calendar, so in summer
T - 6 months is 23:00 UTC the day before): rejected exactly at T - 6 months is kept, a second
earlier is a finding; a keep-on-file agreement exactly 12 or 11 months old exempts, one 13
months old does not; a withdrawal without Rejected At is decided by its Last Activity; a
rejection's own date decides even when there was activity since; statuses in odd case count.
Never: hired, anonymised, still in progress. RET-LEAVER: terminated exactly 6 years before the
as-of date is kept, a day earlier is a finding; an anonymised leaver that kept its NI number is
still identifiable; a Status left on Active does not matter.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from ..applicants import IDENTITY as APPLICANT_IDENTITY
from ..applicants import Application
from ..cards import TEST_CARDS, card_readings, masked, random_card, spaced
from ..employees import IDENTITY as EMPLOYEE_IDENTITY
from ..rights import completed_request
from ..timeline import DAY, HOUR, add_months, local_date, local_instant
from ..vocab.work import REJECTION_REASONS, VACANCIES
from . import Case

if TYPE_CHECKING:
    from ..generator import Estate

APPLICANT, LEAVER = "RET-APPLICANT", "RET-LEAVER"
YEAR = 365 * DAY


def cases(k: int) -> list[Case]:
    return [*_applicants(k), *_leavers(k), *_free_text(k), *_erased(k)]


def _between(e: Estate, lo: int, hi: int) -> int:
    assert lo < hi, (lo, hi)
    return e.clock.daytime(e.late.rng, lo, hi)


def _months_ago(e: Estate, months: int, hour: int = 10) -> int:
    """hour:00 London time on the day `months` calendar months before the as-of date."""
    return local_instant(add_months(e.clock.as_of, -months), hour)


def _years_ago(e: Estate, years: int) -> int:
    return _between(e, e.clock.end - years * YEAR - 30 * DAY, e.clock.end - years * YEAR)


def _application(
    e: Estate,
    status: str,
    decided: int,
    *,
    rejected: bool = True,
    last: int | None = None,
    applied: int | None = None,
    keep_on_file: int | None = None,
    blank: tuple[str, ...] = (),
    reason: str | None = None,
    expect: tuple[str, ...] = (),
) -> Application:
    """A planted application decided at `decided` (Rejected At, or else its Last Activity)."""
    r, rng = e.late.recruitment, e.late.rng
    applied = applied or decided - rng.randint(3 * DAY, 50 * DAY)
    if reason is None:
        reason = rng.choice(REJECTION_REASONS) if rejected else ""
    app = Application(
        r.candidate(),
        rng.choice(VACANCIES),
        applied,
        status,
        last or decided,
        rejected=decided if rejected else None,
        reason=reason,
        keep_on_file=keep_on_file,
        blank=blank,
        expect=expect,
    )
    return r.add(app)


def _applicants(k: int) -> list[Case]:
    def case(label: str, violation: bool, build_app) -> Case:
        def build(e: Estate, _: int) -> None:
            build_app(e, (APPLICANT,) if violation else ())

        return Case(APPLICANT, violation, label, build)

    def old(e: Estate) -> int:
        return _between(e, e.cut.applicants - 2 * YEAR, e.cut.applicants - 20 * DAY)

    def recent(e: Estate) -> int:
        return _between(e, e.cut.applicants + 10 * DAY, e.clock.end - 10 * DAY)

    violations = [
        ("rejected a second before T - 6 months",
         lambda e, x: _application(e, "Rejected", e.cut.applicants - 1, expect=x)),
        ("keep-on-file agreement 13 months old",
         lambda e, x: _application(e, "Rejected", old(e), keep_on_file=_months_ago(e, 13),
                                   expect=x)),
        ("withdrawn, Rejected At blank, last activity before T - 6 months",
         lambda e, x: _application(e, "Withdrawn", old(e), rejected=False, expect=x)),
        ("status 'rejected' in lower case",
         lambda e, x: _application(e, "rejected", old(e), expect=x)),
        ("status ' REJECTED ' padded, upper case",
         lambda e, x: _application(e, " REJECTED ", old(e), expect=x)),
        ("names blanked but email and phone kept",
         lambda e, x: _application(e, "Rejected", old(e), blank=("First Name", "Last Name"),
                                   expect=x)),
        ("rejected 8 months ago, recruiter activity since",
         lambda e, x: _application(e, "Rejected", _months_ago(e, 8), last=recent(e), expect=x)),
    ]  # fmt: skip
    while len(violations) < k:
        violations.append(
            ("rejected long ago", lambda e, x: _application(e, "Rejected", old(e), expect=x))
        )
    near = [
        ("rejected exactly at T - 6 months",
         lambda e, x: _application(e, "Rejected", e.cut.applicants, expect=x)),
        ("keep-on-file agreement 11 months old",
         lambda e, x: _application(e, "Rejected", old(e), keep_on_file=_months_ago(e, 11),
                                   expect=x)),
        ("keep-on-file agreement exactly T - 12 months",
         lambda e, x: _application(e, "Rejected", old(e), keep_on_file=e.cut.keep_on_file,
                                   expect=x)),
        ("withdrawn, Rejected At blank, last activity 5 months ago",
         lambda e, x: _application(e, "Withdrawn", recent(e), rejected=False, expect=x)),
        ("applied 2 years ago, rejected 5 months ago",
         lambda e, x: _application(e, "Rejected", recent(e), applied=_years_ago(e, 2),
                                   expect=x)),
        ("hired 4 years ago", lambda e, x: _hired(e, 4 * YEAR)),
        ("anonymised, rejected long ago",
         lambda e, x: _application(e, "Rejected", old(e), blank=APPLICANT_IDENTITY, reason="",
                                   expect=x)),
        ("still Active, applied 2 years ago",
         lambda e, x: _application(e, "Active", _years_ago(e, 2), rejected=False, expect=x)),
    ]  # fmt: skip
    return [
        *(case(label, True, f) for label, f in violations),
        *(case(label, False, f) for label, f in near),
    ]


def _hired(e: Estate, ago: int) -> None:
    hired = _between(e, e.clock.end - ago - 30 * DAY, e.clock.end - ago)
    app = _application(e, "Hired", hired, rejected=False)
    e.late.recruitment.hires.append((app.candidate.person, hired))


def _leavers(k: int) -> list[Case]:
    def leaver(label: str, violation: bool, terminated, **changes: object) -> Case:
        def build(e: Estate, _: int) -> None:
            staff, rng = e.late.staff, e.late.rng
            end = terminated(e)
            if end is None:  # still employed, for 13 years
                hired = e.clock.as_of - timedelta(days=13 * 365 + rng.randint(0, 200))
            else:
                hired = end - timedelta(days=rng.randint(365, 8 * 365))
            emp = staff.add(staff.hire(hired, end))
            for name, value in changes.items():
                setattr(emp, name, value)
            if violation:
                emp.expect = (LEAVER,)

        return Case(LEAVER, violation, label, build)

    def days_before_cut(lo: int, hi: int):
        return lambda e: e.cut.leavers - timedelta(days=e.late.rng.randint(lo, hi))

    def cut(e: Estate) -> date:
        return e.cut.leavers

    def ni_only() -> tuple[str, ...]:
        return tuple(c for c in EMPLOYEE_IDENTITY if c != "NI Number")

    violations = [
        leaver("terminated a day before A - 6 years", True, days_before_cut(1, 1)),
        leaver("terminated 8-10 years ago, never anonymised", True, days_before_cut(700, 1400)),
        leaver("anonymised but the NI number kept", True, days_before_cut(30, 900),
               blank=ni_only()),
        leaver("terminated 7 years ago, Status still Active", True, days_before_cut(300, 400),
               status="Active"),
    ]  # fmt: skip
    while len(violations) < k:
        violations.append(leaver("old leaver", True, days_before_cut(10, 1000)))
    return [
        *violations,
        leaver("terminated exactly A - 6 years", False, cut),
        leaver("anonymised leaver, terminated 9 years ago", False, days_before_cut(1000, 1100),
               blank=EMPLOYEE_IDENTITY),
        leaver("left a year ago", False, lambda e: e.clock.as_of - timedelta(days=365)),
        leaver("active, hired 13 years ago", False, lambda e: None),
    ]  # fmt: skip


def _nino(e: Estate) -> str:
    """An allocatable NI number as typed: spaced in pairs or in one run."""
    ni = e.late.staff.ni_number()
    return ni if e.late.rng.random() < 0.5 else ni.replace(" ", "")


FREE_TEXT = (
    ("SEC-PAN", "a card number",
     "Emailed us card {pan} to pay for the DBS check - told we never charge, email deleted"),
    ("SEC-UNDECLARED", "an NI number",
     "Right to work check failed: NI number {nino} does not match the passport"),
    ("SEC-UNDECLARED", "a date of birth", "Under 18 on the start date (DOB {dob})"),
)  # fmt: skip
FREE_TEXT_NEAR = (
    ("SEC-PAN", "a masked card number", "Paid for own DBS check with card {masked} - refund sent"),
    ("SEC-UNDECLARED", "HMRC's specimen NI number",
     "NI number given as QQ 12 34 56 C (the example on the form) - asked again"),
    ("SEC-UNDECLARED", "a date, no DOB", "Second interview booked for {day} - did not attend"),
)  # fmt: skip


def _free_text(k: int) -> list[Case]:
    def case(rule: str, what: str, template: str, violation: bool) -> Case:
        def build(e: Estate, _: int) -> None:
            rng = e.late.rng
            born = e.clock.as_of - timedelta(days=rng.randint(16 * 365, 17 * 365))
            text = template.format(
                pan=spaced(random_card(rng), rng),
                nino=_nino(e),
                dob=born.strftime("%d/%m/%Y"),
                masked=masked(TEST_CARDS[0]),
                day=local_date(e.clock.end - rng.randint(20, 90) * DAY).strftime("%d/%m/%Y"),
            )
            assert bool(card_readings(text)) == (violation and rule == "SEC-PAN"), text
            decided = _between(e, e.cut.applicants + 10 * DAY, e.clock.end - 2 * HOUR)
            _application(e, "Rejected", decided, reason=text, expect=(rule,) if violation else ())

        return Case(rule, violation, f"{what} in a Rejection Reason", build)

    extra = k // 10  # more card and NI numbers in a big estate
    return [
        *(case(*spec, True) for n, spec in enumerate(FREE_TEXT)
          for _ in range(1 + (extra if n < 2 else 0))),
        *(case(*spec, False) for spec in FREE_TEXT_NEAR),
    ]  # fmt: skip


def _erased(k: int) -> list[Case]:
    """An applicant who asked for erasure after being turned down: the ATS still holds them
    (a finding keyed by the request's Ref), or anonymised them (none)."""

    def case(violation: bool) -> Case:
        def build(e: Estate, _: int) -> None:
            rng = e.late.rng
            decided = _between(e, e.cut.applicants + 20 * DAY, e.clock.end - 60 * DAY)
            app = _application(e, "Rejected", decided)
            if not violation:
                app.anonymise()
            received = local_date(decided) + timedelta(days=rng.randint(2, 10))
            completed = received + timedelta(days=rng.randint(3, 20))
            assert completed < e.clock.as_of
            expect = ("DSR-ERASURE-INCOMPLETE",) if violation else ()
            p = app.candidate.person
            e.requests.append(completed_request(p, rng, "Erasure", received, completed, expect))

        label = "erased applicant " + ("still identifiable" if violation else "anonymised")
        return Case("DSR-ERASURE-INCOMPLETE", violation, label, build)

    return [*(case(True) for _ in range(1 + k // 10)), case(False)]
