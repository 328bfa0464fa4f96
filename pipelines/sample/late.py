"""The four exports built after the pass: cookie scans, the consent log, job applications and
employees.

They draw from their own random stream (seeded from the estate's seed), so the eight streamed
exports are the same for a seed whether or not these are written; their people come from a fork
of the estate's person factory (e-mails and mobiles stay unique across the estate). During the
pass `offer` picks a few ordinary CRM contacts who also applied for a job. `build` makes the
ordinary records and runs the planted cases (planted/cookies.py, consents.py, personnel.py);
`write` writes the files and records the planted findings whose keys are known only then (the
application id, the employee number, the consent log's row number).
"""

from __future__ import annotations

from random import Random
from typing import TYPE_CHECKING

from .applicants import Recruitment, application_count
from .consents import ConsentLog, consent_count
from .cookies import Scans, build_scans
from .employees import Staff, employee_count
from .headers import APPLICATIONS_HEADER, CONSENT_LOG_HEADER, COOKIE_SCAN_HEADER, EMPLOYEES_HEADER
from .people import Person, PersonFactory
from .policy import Cutoffs
from .timeline import Clock
from .truth import GroundTruth

if TYPE_CHECKING:
    from .generator import Estate
    from .writers import EstateWriters

KNOWN_APPLICANTS_MIN = 3  # CRM contacts who applied: at least this many, ...
KNOWN_APPLICANTS = 5  # ... about this many in a small estate ...
KNOWN_APPLICANT_RATE = 0.005  # ... and this share of the contacts in a big one
APPLICATIONS_FILE = "job_applications_export_{iso}.csv"
EMPLOYEES_FILE = "hr_employee_report_{iso}.csv"
CONSENTS_FILE = "consent_log_{iso}.csv"


class LateExports:
    def __init__(
        self, seed: int, clock: Clock, cut: Cutoffs, people: PersonFactory, contacts: int
    ) -> None:
        self.rng = Random(f"betterbox late exports {seed}")
        self.clock, self.cut, self.contacts = clock, cut, contacts
        self.people = people.fork(self.rng)
        self.known: list[Person] = []
        self._known_rate = min(0.05, max(KNOWN_APPLICANT_RATE, KNOWN_APPLICANTS / max(contacts, 1)))
        self.recruitment = Recruitment(self.rng, clock, cut, self.people)
        self.staff = Staff(self.rng, clock, cut, self.people)
        self.consents = ConsentLog(self.rng, clock)
        self.scans: Scans = build_scans(self.rng, clock.as_of)

    def offer(self, p: Person) -> None:
        """An ordinary CRM contact (with an e-mail, not anonymised, no rights request): maybe
        a job applicant too (the first few offered always are)."""
        if len(self.known) < KNOWN_APPLICANTS_MIN or self.rng.random() < self._known_rate:
            self.known.append(p)

    def build(self, e: Estate, k: int) -> None:
        """The planted cases (k violations per rule), then the ordinary records."""
        from .planted import late_cases

        for n, case in enumerate(late_cases(k)):
            case.build(e, n)
        self.recruitment.fill(application_count(self.contacts), self.known)
        self.staff.fill(employee_count(self.contacts), self.recruitment.hires)
        self.consents.fill(consent_count(self.contacts))

    def write(self, out: EstateWriters, truth: GroundTruth) -> None:
        iso = self.clock.as_of.isoformat()
        for scan in self.scans.all():
            out.table("cookie_scans", scan.file_name, COOKIE_SCAN_HEADER, scan.rows())
        # the consent log is keyed by data row number, the others by their first column
        log = [(consent, row, str(n)) for n, (consent, row) in enumerate(self.consents.rows(), 1)]
        apps = [(app, row, row[0]) for app, row in self.recruitment.rows()]
        staff = [(emp, row, row[0]) for emp, row in self.staff.rows()]
        for dataset, pattern, header, records in (
            ("cookie_consents", CONSENTS_FILE, CONSENT_LOG_HEADER, log),
            ("job_applications", APPLICATIONS_FILE, APPLICATIONS_HEADER, apps),
            ("employees", EMPLOYEES_FILE, EMPLOYEES_HEADER, staff),
        ):
            for planned, _, key in records:
                for rule in planned.expect:
                    truth.add(rule, dataset, key)
            out.table(dataset, pattern.format(iso=iso), header, [row for _, row, _ in records])
