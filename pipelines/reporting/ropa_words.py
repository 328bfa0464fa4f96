"""The wording of the ROPA's cells: what the data map says about a purpose, in a reader's words.

Plain words for data categories (fideslang names where no better word is declared), data
subjects, retention periods and the events they run from; the rights each lawful basis gives,
the Article 9 condition, the record of consent, the source of the data (collected_from), the
DPIA (a purpose's `dpia`: a reference, or why none is needed); and the data map look-ups the
cells share (a system's datasets, categories and retention rows). Where the data map is silent
a cell says NOT_RECORDED, never a guess. Recipients and transfers are in ropa_transfers.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from functools import cache
from pathlib import Path

from pipelines.datamap import DataMap
from pipelines.datamap.models import Purpose, System
from pipelines.datamap.retention import Retention, Start

NOT_RECORDED = "Not recorded in the data map"

# UK GDPR Article 6(1) points, and the rights each basis gives (ICO lawful basis guidance).
ARTICLE_6 = {
    "consent": "Article 6(1)(a) consent",
    "contract": "Article 6(1)(b) contract",
    "legal_obligation": "Article 6(1)(c) legal obligation",
    "vital_interests": "Article 6(1)(d) vital interests",
    "public_task": "Article 6(1)(e) public task",
    "legitimate_interests": "Article 6(1)(f) legitimate interests",
}
RIGHTS = {
    "consent": ("access", "rectification", "erasure", "restriction", "portability"),
    "contract": ("access", "rectification", "erasure", "restriction", "portability"),
    "legal_obligation": ("access", "rectification", "restriction"),
    "vital_interests": ("access", "rectification", "erasure", "restriction"),
    "public_task": ("access", "rectification", "restriction", "object"),
    "legitimate_interests": ("access", "rectification", "erasure", "restriction", "object"),
}
MARKETING_USE = "marketing"
# how systems.yaml's `dpia` says that a purpose needs none ("Not required - screened 2023 - ...")
NOT_REQUIRED = "not required"

# fideslang data categories that are special category data (Art 9) or criminal offence data.
SPECIAL_CATEGORIES = (
    "user.biometric",
    "user.authorization.biometric",
    "user.health_and_medical",
    "user.demographic.race_ethnicity",
    "user.demographic.political_opinion",
    "user.demographic.religious_belief",
    "user.demographic.sexual_orientation",
    "user.criminal_history",
)
BIOMETRIC = ("user.biometric", "user.authorization.biometric")
# Plain words where the fideslang name is not what a reader of a ROPA would call it.
CATEGORY_WORDS = {
    "user.contact.email": "email address",
    "user.contact.phone_number": "phone number",
    "user.contact.address": "postal address",
    "user.name": "name",
    "user.biometric.voice": "voice recordings",
    "user.content.private": "free text (notes, messages)",
    "user.location.imprecise": "approximate location",
    "user.behavior.media_consumption": "emails received",
}
SUBJECT_WORDS = {
    "customer": "customers",
    "prospect": "prospective customers",
    "employee": "employees",
    "job_applicant": "job applicants",
    "visitor": "website visitors",
}
# A timestamp column's leading word, as the event it marks ("started_at": the start).
EVENT_WORDS = {
    "started": "start",
    "ended": "end",
    "created": "creation",
    "completed": "completion",
    "received": "receipt",
    "unsubscribed": "unsubscribe",
    "sent": "sending",
    "paid": "payment",
    "cancelled": "cancellation",
    "disclosed": "disclosure",
    "confirmed": "confirmation",
}
ACTION_WORDS = {
    "delete": "delete",
    "anonymise": "anonymise",
    "reduce_to_suppression_entry": "reduce to a suppression entry",
}


# --- data map look-ups ------------------------------------------------------------------------


def datasets_of(data_map: DataMap, system_id: str) -> list[str]:
    return [name for name, spec in data_map.datasets.items() if spec.system == system_id]


def categories_of(data_map: DataMap, system_id: str) -> list[str]:
    """The personal data categories (user.*) of the system's datasets, first seen first."""
    seen: dict[str, None] = {}
    for name in datasets_of(data_map, system_id):
        for column in data_map.datasets[name].columns:
            if column.category.startswith("user."):
                seen.setdefault(column.category, None)
    return list(seen)


def retention_rules(data_map: DataMap, system_id: str) -> list[Retention]:
    datasets = set(datasets_of(data_map, system_id))
    return [rule for rule in data_map.retention.rules if rule.dataset in datasets]


# --- cells ------------------------------------------------------------------------------------


def join_words(parts: Iterable[str], separator: str = ", ") -> str:
    return separator.join(dict.fromkeys(p for p in parts if p))


def retention_document(data_map: DataMap) -> str:
    """Where the retention schedule is kept: the data map's own retention.yaml."""
    return str(Path(data_map.directory or "data_map") / "retention.yaml")


def retention_schedule(data_map: DataMap, system_id: str) -> str:
    rules = retention_rules(data_map, system_id)
    if not rules:
        return f"No retention period declared in {retention_document(data_map)}"
    return "; ".join(_retention_words(data_map, rule) for rule in rules)


def _retention_words(data_map: DataMap, rule: Retention) -> str:
    events = ", else ".join(_event_words(data_map, rule, start) for start in rule.starts)
    text = f"{rule.data}: {rule.keep_for.words()} from {events}, then {_action(rule)}"
    if rule.exempt_when:
        text += f" (unless {rule.exempt_when.words()})"
    return text


def _event_words(data_map: DataMap, rule: Retention, start: Start) -> str:
    reference = f"{start.dataset}.{start.column}" if start.dataset else start.column
    inner = _column_words(data_map, rule.dataset, reference)
    if start.financial_year_end:
        month_day = date.fromisoformat(f"2000-{data_map.retention.financial_year_end}")
        year_end = f"{month_day.day} {month_day.strftime('%B')}"
        return f"the end of the financial year ({year_end}) of the {inner}"
    return f"the {inner}"


def _column_words(data_map: DataMap, dataset: str, reference: str) -> str:
    """'started_at' -> 'start time'; 'orders.created_at' -> 'creation time of orders'."""
    owner, _, name = reference.rpartition(".")
    spec = data_map.datasets.get(owner or dataset)
    column = spec.column(name) if spec else None
    base = re.sub(r"_(at|on|date|time)$", "", name)
    first, _, rest = base.partition("_")
    words = " ".join(filter(None, [EVENT_WORDS.get(first, first), rest.replace("_", " ")]))
    kind = {"timestamp": " time", "date": " date"}.get(column.type if column else "", "")
    return f"{words}{kind}" + (f" of {owner.replace('_', ' ')}" if owner else "")


def _action(rule: Retention) -> str:
    return ACTION_WORDS.get(rule.action, rule.action.replace("_", " "))


def article_9(special: list[str]) -> str:
    if not special:
        return "Not applicable"
    words = join_words(category_words(c) for c in special)
    caveat = (
        ", special category data only when processed to identify a person"
        if any(c.startswith(BIOMETRIC) for c in special)
        else ""
    )
    return f"{NOT_RECORDED}, which declares {words}{caveat}"


def rights_of(purpose: Purpose) -> str:
    rights = list(RIGHTS[purpose.lawful_basis])
    if purpose.lawful_basis == "consent":
        rights.append("withdraw consent")
    if purpose.data_use.split(".")[0] == MARKETING_USE and "object" not in rights:
        rights.append("object to direct marketing")
    return ", ".join(rights)


def consent_record(data_map: DataMap, system: System, purpose: Purpose) -> str:
    if purpose.lawful_basis != "consent":
        return "Not applicable (lawful basis is not consent)"
    records = []
    for name in datasets_of(data_map, system.id):
        evidence = [
            column.source or column.name
            for column in data_map.datasets[name].columns
            if column.consent_evidence
        ]
        if evidence:
            records.append(f"{system.vendor} {' / '.join(evidence)} per record of {name}")
    return join_words(records, "; ") or NOT_RECORDED


def source_of(data_map: DataMap, system: System) -> str:
    """Where the system's datasets get their data (each dataset's collected_from)."""
    datasets = datasets_of(data_map, system.id)
    sources = [data_map.datasets[name].collected_from or NOT_RECORDED for name in datasets]
    if not datasets:
        return f"{NOT_RECORDED} (held in {system.name}, {system.vendor})"
    if len(set(sources)) == 1:
        return sources[0]
    return "; ".join(f"{name}: {source}" for name, source in zip(datasets, sources, strict=True))


def dpia_cells(purpose: Purpose) -> tuple[str, str, str]:
    """Columns 21 to 23: is a DPIA required, its progress, the link (the purpose's `dpia`)."""
    if not purpose.dpia:
        return NOT_RECORDED, NOT_RECORDED, NOT_RECORDED
    if purpose.dpia.lower().startswith(NOT_REQUIRED):
        return f"No ({purpose.dpia})", "Not applicable", "Not applicable"
    return (
        "Yes",
        f"DPIA on record: {purpose.dpia}; its progress is {NOT_RECORDED.lower()}",
        purpose.dpia,
    )


@cache
def _fideslang_names() -> dict[str, str]:
    from fideslang.default_taxonomy import DEFAULT_TAXONOMY

    names = {c.fides_key: c.name for c in DEFAULT_TAXONOMY.data_category}
    names |= {s.fides_key: s.name for s in DEFAULT_TAXONOMY.data_subject}
    return names


def category_words(key: str) -> str:
    for prefix, words in CATEGORY_WORDS.items():
        if key == prefix or key.startswith(prefix + "."):
            return words
    name = _fideslang_names().get(key) or key.rsplit(".", 1)[-1].replace("_", " ")
    name = re.sub(r"^User (Contact )?", "", name)
    return " ".join(w if w.isupper() else w.lower() for w in name.split())


def subject_words(key: str) -> str:
    if key in SUBJECT_WORDS:
        return SUBJECT_WORDS[key]
    return (_fideslang_names().get(key) or key.replace("_", " ")).lower()
