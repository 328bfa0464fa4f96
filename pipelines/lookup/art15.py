"""The Article 15 pack: what UK GDPR Art. 15(1)-(2) says a person is told beside their data.

Everything comes from the data map, for each dataset holding the person: the purposes of its
system and their lawful bases (those for the person's data subject category, when a dataset
that holds only one category, such as orders for customers, says which they are; else all of
them), the recipients of those purposes (recipients.yaml) and any transfer abroad with its
safeguard, the retention period in words with each record's kept-until (retention.py, from
audit.retention_due), where the data came from (the dataset's collected_from), and the person's
rights (which lawful basis gives which: the ROPA's own table) with the controller's contact.
"""

from __future__ import annotations

from collections import defaultdict

from pipelines.datamap import DataMap
from pipelines.datamap.models import Purpose, System
from pipelines.lookup.model import (
    Art15Entry,
    Art15KeptUntil,
    Art15Pack,
    Art15Purpose,
    Art15Recipient,
    Art15Right,
    SubjectRecord,
)
from pipelines.lookup.retention import ACTIONS, start_words
from pipelines.reporting.ropa_transfers import abroad, recipients_of
from pipelines.reporting.ropa_words import ARTICLE_6, RIGHTS, category_words, subject_words

NOT_DECLARED = "not recorded in the data map"
MARKETING = "marketing"  # the fideslang data use of direct marketing: an absolute right to object
# (right, article, what it lets the person do, the RIGHTS key deciding where it applies)
RIGHT_WORDS = (
    ("access", "Art. 15", "to a copy of your personal data and of this information", "access"),
    (
        "rectification",
        "Art. 16",
        "to have inaccurate or incomplete data corrected",
        None,
    ),
    ("erasure", "Art. 17", "to have your data erased", "erasure"),
    ("restriction", "Art. 18", "to have its use restricted while a dispute is settled", None),
    ("objection", "Art. 21", "to object to use for legitimate interests or marketing", "object"),
    ("portability", "Art. 20", "to receive the data you gave us, machine-readable", "portability"),
)
# Where a complaint goes, by the controller's country (policy.controller_country).
SUPERVISORY_AUTHORITY = {
    "united kingdom": "the Information Commissioner's Office (ico.org.uk/make-a-complaint, "
    "0303 123 1113)",
}


def art15_pack(records: list[SubjectRecord], data_map: DataMap) -> Art15Pack:
    """The pack for the person's records, one entry per dataset holding them."""
    by_dataset: dict[str, list[SubjectRecord]] = defaultdict(list)
    for record in records:
        by_dataset[record.dataset].append(record)
    known = subject_categories(data_map, list(by_dataset))
    entries = [_entry(data_map, rs, known) for rs in by_dataset.values()]
    purposes = {
        p.name: p for dataset in by_dataset for p in purposes_for(data_map, dataset, known)[0]
    }
    policy = data_map.policy
    return Art15Pack(
        controller=policy.controller,
        contact=policy.contact or NOT_DECLARED,
        country=policy.controller_country,
        dpo=policy.dpo,
        entries=entries,
        rights=rights(data_map, list(purposes.values())),
    )


def subject_categories(data_map: DataMap, datasets: list[str]) -> set[str]:
    """The data subject categories the person is known to be in: those of the datasets holding
    them that hold one category only (orders: customer)."""
    specs = [data_map.datasets[d] for d in datasets if d in data_map.datasets]
    return {spec.data_subjects[0] for spec in specs if len(spec.data_subjects) == 1}


def purposes_for(data_map: DataMap, dataset: str, known: set[str]) -> tuple[list[Purpose], str]:
    """The purposes of the dataset's system that apply to the person, and why those."""
    spec = data_map.datasets.get(dataset)
    system = data_map.system(spec.system) if spec else None
    if spec is None or system is None:
        return [], NOT_DECLARED
    categories = set(spec.data_subjects) & known
    matching = [p for p in system.purposes if categories & set(p.data_subjects)]
    if not matching:
        declared = " or ".join(subject_words(s) for s in spec.data_subjects)
        return list(system.purposes), f"{declared} (not known which: every purpose is listed)"
    return matching, " and ".join(subject_words(s) for s in sorted(categories))


def _entry(data_map: DataMap, records: list[SubjectRecord], known: set[str]) -> Art15Entry:
    first = records[0]
    spec = data_map.datasets.get(first.dataset)
    system = data_map.system(first.system_id)
    purposes, subjects = purposes_for(data_map, first.dataset, known)
    categories = [f.category for r in records for f in r.fields if f.category.startswith("user.")]
    return Art15Entry(
        system=first.system_name,
        vendor=first.vendor,
        dataset=first.dataset,
        description=first.description,
        subjects=subjects,
        categories=list(dict.fromkeys(category_words(c) for c in categories)),
        purposes=[_purpose(p) for p in purposes],
        recipients=_recipients(data_map, purposes),
        hosting=_hosting(system) if system else NOT_DECLARED,
        retention=list(dict.fromkeys(_retention_words(data_map, r) for r in records)),
        kept_until=[
            Art15KeptUntil(r.record_key, r.retention.ends_on, r.retention.status) for r in records
        ],
        source=(spec.collected_from if spec else None) or NOT_DECLARED,
    )


def _purpose(purpose: Purpose) -> Art15Purpose:
    basis = ARTICLE_6.get(purpose.lawful_basis, purpose.lawful_basis)
    return Art15Purpose(purpose.name, basis, purpose.legitimate_interest)


def _recipients(data_map: DataMap, purposes: list[Purpose]) -> list[Art15Recipient]:
    seen: dict[str, Art15Recipient] = {}
    for purpose in purposes:
        for r in recipients_of(data_map, purpose):
            away = abroad(data_map, r.country)
            seen.setdefault(r.id, Art15Recipient(r.name, r.category, r.country, r.safeguard, away))
    return list(seen.values())


def _hosting(system: System) -> str:
    if system.processor:
        return f"Held for us by {system.processor} ({system.location})"
    return f"Held by us ({system.location})"


def _retention_words(data_map: DataMap, record: SubjectRecord) -> str:
    """'call recordings: 12 months from the start time, then delete (not while: legal hold)'"""
    retention = record.retention
    rule = next((r for r in data_map.retention.rules if r.id == retention.rule), None)
    if rule is None:
        return "no period in the retention schedule covers it"
    starts = start_words(data_map, rule)
    then = ACTIONS.get(rule.action, rule.action)
    text = f"{rule.data}: {rule.keep_for.words()} from {starts}, then {then}"
    return text + (f" (not while: {rule.exempt_when.words()})" if rule.exempt_when else "")


def rights(data_map: DataMap, purposes: list[Purpose]) -> list[Art15Right]:
    """Each right, and to which of the person's purposes it applies (by their lawful bases)."""
    result = []
    for name, article, text, key in RIGHT_WORDS:
        gives = [p for p in purposes if key is None or key in RIGHTS.get(p.lawful_basis, ())]
        if name == "objection":  # to direct marketing: always (Art. 21(2))
            gives += [p for p in purposes if _marketing(p) and p not in gives]
        not_for = [p for p in purposes if p not in gives]
        applies = [] if not not_for else [p.name for p in gives]
        result.append(Art15Right(name, article, text, applies, [_named(p) for p in not_for]))
    consent = [p.name for p in purposes if p.lawful_basis == "consent"]
    if consent:
        text = "to withdraw consent at any time, without affecting what was done before"
        result.append(Art15Right("withdraw consent", "Art. 7(3)", text, consent, []))
    home = data_map.policy.controller_country
    authority = SUPERVISORY_AUTHORITY.get(home.lower(), f"the supervisory authority ({home})")
    result.append(Art15Right("complaint", "Art. 77", f"to complain to {authority}", [], []))
    return result


def _marketing(purpose: Purpose) -> bool:
    return purpose.data_use.split(".")[0] == MARKETING


def _named(purpose: Purpose) -> str:
    return f"{purpose.name} ({purpose.lawful_basis.replace('_', ' ')})"
