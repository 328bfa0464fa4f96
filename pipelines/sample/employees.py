"""The HR system's export (employees): one row per employee, past and present.

Hires over the last 14 years (candidates hired through the applicant tracking system among
them), about half of them since left. A leaver terminated more than 6 years before the as-of date
is anonymised: only the employee number, status, dates, department and job title kept. UK dates
`DD/MM/YYYY`; NI numbers spaced as HMRC writes them (`AB 12 34 56 C`), from the prefixes HMRC
allocates; work e-mails first.last@betterbox.co.uk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from random import Random
from string import ascii_uppercase

from .people import Person, PersonFactory, ascii_slug, format_phone, title_email
from .policy import Cutoffs
from .timeline import Clock, local_date
from .vocab.work import DEPARTMENTS

HISTORY_YEARS = 14
LEAVER_RATE = 0.5
EMPLOYEE_NUMBER_BASE = 1000
WORK_DOMAIN = "betterbox.co.uk"
IDENTITY = (
    "First Name",
    "Last Name",
    "Work Email",
    "Home Email",
    "Mobile Phone",
    "Date of Birth",
    "NI Number",
)
# NI number prefixes HMRC allocates (NIM39110): first letter never D F I Q U V, second never
# D F I O Q U V, and never BG GB KN NK NT TN ZZ
NI_PREFIXES: tuple[str, ...] = tuple(
    a + b
    for a in ascii_uppercase
    for b in ascii_uppercase
    if a not in "DFIQUV"
    and b not in "DFIOQUV"
    and a + b not in ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ")
)
_DEPARTMENT_POOL = tuple(d for d in DEPARTMENTS for _ in range(d[2]))


def employee_count(contacts: int) -> int:
    return max(40, contacts // 100)


@dataclass(slots=True)
class Employee:
    person: Person
    hired: date
    terminated: date | None
    department: str
    title: str
    born: date
    ni: str
    status: str = ""  # default: Inactive once terminated, else Active
    blank: tuple[str, ...] = ()  # identity columns blanked; all of IDENTITY: anonymised
    expect: tuple[str, ...] = ()  # rule ids this (planted) employee must be reported under


def uk(d: date | None) -> str:
    return "" if d is None else d.strftime("%d/%m/%Y")


class Staff:
    """Makes employees (compliant unless a planted case changes them)."""

    def __init__(self, rng: Random, clock: Clock, cut: Cutoffs, people: PersonFactory) -> None:
        self.rng, self.clock, self.cut, self.people = rng, clock, cut, people
        self.employees: list[Employee] = []
        self._ni: set[str] = set()

    def ni_number(self) -> str:
        rng = self.rng
        while True:
            digits = f"{rng.randrange(10**6):06d}"
            ni = f"{rng.choice(NI_PREFIXES)} {digits[:2]} {digits[2:4]} {digits[4:]} "
            ni += rng.choice("ABCD")
            if ni not in self._ni:
                self._ni.add(ni)
                return ni

    def hire(
        self, hired: date, terminated: date | None = None, p: Person | None = None
    ) -> Employee:
        """Someone hired on `hired` (and terminated on `terminated`), not yet in the export."""
        rng = self.rng
        department, titles, _ = rng.choice(_DEPARTMENT_POOL)
        age = rng.randint(17 * 365, 60 * 365)
        p = p or self.people.make_any_time()
        born = hired - timedelta(days=age)
        return Employee(
            p, hired, terminated, department, rng.choice(titles), born, self.ni_number()
        )

    def add(self, emp: Employee) -> Employee:
        self.employees.append(emp)
        return emp

    def ordinary(self, hired: date | None = None, p: Person | None = None) -> Employee:
        rng, as_of = self.rng, self.clock.as_of
        if hired is None:
            hired = as_of - timedelta(days=rng.randint(14, HISTORY_YEARS * 365))
        terminated = None
        if rng.random() < LEAVER_RATE:
            terminated = hired + timedelta(days=rng.randint(60, 10 * 365))
            if terminated >= as_of:
                terminated = None
        emp = self.hire(hired, terminated, p)
        if terminated is not None and terminated < self.cut.leavers:
            emp.blank = IDENTITY
        return self.add(emp)

    def fill(self, n: int, hires: list[tuple[Person, int]]) -> None:
        """The candidates hired through the ATS who have started, then others until n."""
        for p, hired_at in hires:
            starts = local_date(hired_at) + timedelta(days=self.rng.randint(14, 45))
            if starts < self.clock.as_of:
                self.ordinary(starts, p)
        while len(self.employees) < n:
            self.ordinary()

    def rows(self) -> list[tuple[Employee, list[str]]]:
        """The export in hiring order: employee numbers ascend."""
        rng = self.rng
        ordered = sorted(self.employees, key=lambda e: e.hired)
        work_emails: set[str] = set()
        rows = []
        for n, emp in enumerate(ordered, start=1):
            p = emp.person
            local = f"{ascii_slug(p.first)}.{ascii_slug(p.last)}"
            work, k = f"{local}@{WORK_DOMAIN}", 1
            while work in work_emails:
                k += 1
                work = f"{local}{k}@{WORK_DOMAIN}"
            work_emails.add(work)
            home = title_email(p.email) if rng.random() < 0.1 else p.email
            mobile = format_phone(p.mobile, rng.choice((0, 0, 0, 6, 1)))
            ident = dict(
                zip(
                    IDENTITY,
                    (p.first, p.last, work, home, mobile, uk(emp.born), emp.ni),
                    strict=True,
                )
            )
            for column in emp.blank:
                ident[column] = ""
            status = emp.status or ("Inactive" if emp.terminated else "Active")
            first, last, work, home, mobile, born, ni = ident.values()
            rows.append(
                (
                    emp,
                    [
                        str(EMPLOYEE_NUMBER_BASE + n),
                        first,
                        last,
                        work,
                        home,
                        mobile,
                        uk(emp.hired),
                        uk(emp.terminated),
                        status,
                        emp.department,
                        emp.title,
                        born,
                        ni,
                    ],
                )
            )
        return rows
