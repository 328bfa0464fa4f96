"""The record of processing activities (ROPA, UK GDPR Article 30) in the ICO controller template.

One row per purpose of each system in systems.yaml, in the template's 30 columns, as ropa.csv and
ropa.xlsx (sheet "Template", the controller, DPO and representative above the columns). Every
cell comes from the data map; what the data map does not record is said plainly ("Not recorded
in the data map"), never guessed. Column 29 (is personal data retained and erased in accordance
with the policy?) is answered from the run's retention findings in the system's datasets.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import duckdb
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from pipelines.countries import country_code
from pipelines.datamap import DataMap
from pipelines.datamap.models import Purpose, Recipient, System
from pipelines.datamap.retention import Retention, Start
from pipelines.reporting.extract import FORMULA_STARTS, run_as_of
from pipelines.rules.catalogue import Suite

CSV_NAME = "ropa.csv"
XLSX_NAME = "ropa.xlsx"
SHEET = "Template"
NOT_RECORDED = "Not recorded in the data map"

COLUMNS = (
    "Business function",
    "Purpose of processing",
    "Name and contact details of joint controller (if applicable)",
    "Categories of individuals",
    "Categories of personal data",
    "Categories of recipients",
    "Link to contract with processor",
    "Names of third countries or international organisations that personal data are "
    "transferred to (if applicable)",
    "Safeguards for exceptional transfers of personal data to third countries or "
    "international organisations (if applicable)",
    "Retention schedule (if possible)",
    "General description of technical and organisational security measures (if possible)",
    "Article 6 lawful basis for processing personal data",
    "Article 9 condition for processing special category data",
    "Legitimate interests for the processing (if applicable)",
    "Link to record of legitimate interests assessment (if applicable)",
    "Rights available to individuals",
    "Existence of automated decision-making, including profiling (if applicable)",
    "The source of the personal data (if applicable)",
    "Link to record of consent",
    "Location of personal data",
    "Data Protection Impact Assessment required?",
    "DPIA progress",
    "Link to DPIA",
    "Has a personal data breach occurred?",
    "Link to record of personal data breach",
    "DPA 2018 Schedule 1 condition for processing",
    "GDPR Article 6 lawful basis for processing",
    "Link to retention and erasure policy document",
    "Is personal data retained and erased in accordance with the policy document?",
    "Reasons for not adhering to policy document (if applicable)",
)

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
OUTSIDE_UK_WORDS = ("EU", "EEA", "European Union", "European Economic Area")


@dataclass(frozen=True)
class RetentionAnswer:
    """Columns 29 and 30 for one system."""

    answer: str  # "Yes", "No" or "Not checked"
    reason: str


def write_ropa(
    conn: duckdb.DuckDBPyConnection,
    data_map: DataMap,
    suites: list[Suite],
    run_id: str,
    out_dir: Path,
) -> list[Path]:
    """Write out_dir/ropa.csv and out_dir/ropa.xlsx for the run; return their paths."""
    as_of = run_as_of(conn, run_id)
    answers = retention_answers(conn, data_map, suites, run_id, as_of)
    rows = ropa_rows(data_map, answers)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path = out_dir / CSV_NAME
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows([[_csv_safe(value) for value in row] for row in rows])
    xlsx_path = out_dir / XLSX_NAME
    _workbook(data_map, rows, run_id, as_of).save(xlsx_path)
    return [csv_path, xlsx_path]


def retention_answers(
    conn: duckdb.DuckDBPyConnection,
    data_map: DataMap,
    suites: list[Suite],
    run_id: str,
    as_of: date,
) -> dict[str, RetentionAnswer]:
    """Per system id: is its personal data kept no longer than the schedule, by this run?"""
    linked = {row.rule for row in data_map.retention.rules if row.rule}
    rules = {rule.id: rule for suite in suites for rule in suite.rules if rule.id in linked}
    counts = (
        conn.execute(
            """
            select rule_id, dataset, count(*) from audit.findings
            where run_id = ? and list_contains(?, rule_id)
            group by rule_id, dataset order by rule_id, dataset
            """,
            [run_id, sorted(rules)],
        ).fetchall()
        if rules
        else []
    )
    run = f"run {run_id} as of {as_of.isoformat()}"
    unenforced = _due_without_rule(conn)
    answers = {}
    for system in data_map.systems:
        datasets = _datasets_of(data_map, system.id)
        checking = sorted(
            {row.rule for row in data_map.retention.rules if row.dataset in datasets} & set(rules)
        )
        found = [(rule_id, n) for rule_id, dataset, n in counts if dataset in datasets]
        if found:
            breaches = "; ".join(
                f"{rule_id}: {n} {'finding' if n == 1 else 'findings'} ({rules[rule_id].title})"
                for rule_id, n in _summed(found)
            )
            answers[system.id] = RetentionAnswer("No", f"{breaches} in {run}")
        elif checking:
            answers[system.id] = RetentionAnswer(
                "Yes", f"no retention findings in {run} (rules checked: {', '.join(checking)})"
            )
        else:
            answers[system.id] = RetentionAnswer(
                "Not checked", _unchecked(data_map, system, unenforced)
            )
    return answers


def ropa_rows(data_map: DataMap, answers: dict[str, RetentionAnswer]) -> list[list[str]]:
    """The template's 30 cells for every purpose of every system, in systems.yaml order."""
    return [
        _row(data_map, system, purpose, answers[system.id])
        for system in data_map.systems
        for purpose in system.purposes
    ]


def _row(
    data_map: DataMap, system: System, purpose: Purpose, retention: RetentionAnswer
) -> list[str]:
    recipients = _recipients(data_map, purpose)
    categories = _categories(data_map, system.id)
    special = [c for c in categories if c.startswith(SPECIAL_CATEGORIES)]
    basis = ARTICLE_6[purpose.lawful_basis]
    interests = purpose.lawful_basis == "legitimate_interests"
    row = [
        system.business_function,
        purpose.name,
        "None declared in the data map",
        _join(_subject_words(s) for s in purpose.data_subjects),
        _join(_category_words(c) for c in categories) or "None declared in the data map",
        _recipient_categories(system, recipients),
        _contracts(system, recipients),
        _third_countries(data_map, system, recipients),
        _safeguards(data_map, system, recipients),
        _retention_schedule(data_map, system.id),
        system.security_measures,
        basis,
        _article_9(special),
        (purpose.legitimate_interest or NOT_RECORDED) if interests else "Not applicable",
        NOT_RECORDED if interests else "Not applicable",
        _rights(purpose),
        "No (none declared in the data map)",
        f"{NOT_RECORDED} (held in {system.name}, {system.vendor})",
        _consent_record(data_map, system, purpose),
        system.location,
        f"Not assessed ({NOT_RECORDED.lower()})",
        "Not assessed",
        "None recorded",
        "No breach recorded in this audit",
        "Not applicable",
        NOT_RECORDED if special else "Not applicable",
        basis,
        retention_document(data_map),
        retention.answer,
        retention.reason,
    ]
    assert len(row) == len(COLUMNS)
    return row


# --- data map look-ups ------------------------------------------------------------------------


def _datasets_of(data_map: DataMap, system_id: str) -> list[str]:
    return [name for name, spec in data_map.datasets.items() if spec.system == system_id]


def _categories(data_map: DataMap, system_id: str) -> list[str]:
    """The personal data categories (user.*) of the system's datasets, first seen first."""
    seen: dict[str, None] = {}
    for name in _datasets_of(data_map, system_id):
        for column in data_map.datasets[name].columns:
            if column.category.startswith("user."):
                seen.setdefault(column.category, None)
    return list(seen)


def _recipients(data_map: DataMap, purpose: Purpose) -> list[Recipient]:
    by_id = {r.id: r for r in data_map.recipients}
    return [by_id[r] for r in purpose.recipients if r in by_id]


def _retention_rules(data_map: DataMap, system_id: str) -> list[Retention]:
    datasets = set(_datasets_of(data_map, system_id))
    return [rule for rule in data_map.retention.rules if rule.dataset in datasets]


# --- cells ------------------------------------------------------------------------------------


def _join(parts: Iterable[str], separator: str = ", ") -> str:
    return separator.join(dict.fromkeys(p for p in parts if p))


def _recipient_categories(system: System, recipients: list[Recipient]) -> str:
    by_category: dict[str, list[str]] = {}
    for recipient in recipients:
        by_category.setdefault(recipient.category, []).append(recipient.name)
    parts = [f"{category} ({', '.join(names)})" for category, names in by_category.items()]
    if system.processor:
        parts.append(f"processor hosting {system.name} ({system.processor})")
    return _join(parts, "; ") or "None declared in the data map"


def _contracts(system: System, recipients: list[Recipient]) -> str:
    parts = []
    if system.processor:
        parts.append(f"{system.processor} ({system.name}): no contract link in the data map")
    parts += [f"{r.name}: {r.contract or 'no contract link in the data map'}" for r in recipients]
    return _join(parts, "; ") or "Not applicable (no processor declared)"


def _third_countries(data_map: DataMap, system: System, recipients: list[Recipient]) -> str:
    parts = [
        f"{r.country} ({r.name}, {r.category})" for r in recipients if abroad(data_map, r.country)
    ]
    parts += [
        f"{place} ({system.name} location: {system.location})"
        for place in _places_outside_home(data_map, system.location)
    ]
    return _join(parts, "; ") or "None"


def _safeguards(data_map: DataMap, system: System, recipients: list[Recipient]) -> str:
    parts = [f"{r.name}: {r.safeguard}" for r in recipients if abroad(data_map, r.country)]
    if _places_outside_home(data_map, system.location):
        parts.append(f"{system.name} location: {system.location}")
    home = data_map.policy.controller_country
    return _join(parts, "; ") or f"Not applicable (no transfer outside {home})"


def _places_outside_home(data_map: DataMap, location: str) -> list[str]:
    """Countries or regions other than the UK that a free-text location names."""
    names = set(_country_names()) | {r.country for r in data_map.recipients}
    names |= set(data_map.rules.safe_countries) | set(OUTSIDE_UK_WORDS)
    names = {name for name in names if abroad(data_map, name)}
    found = [
        name for name in names if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", location)
    ]
    # "United States" holds "States": keep the longest names only
    return sorted(n for n in found if not any(n != m and n in m for m in found))


def abroad(data_map: DataMap, country: str) -> bool:
    """A country other than the controller's (policy.yaml), however either is written."""
    home = data_map.policy.controller_country
    return (country_code(country) or country) != (country_code(home) or home)


def retention_document(data_map: DataMap) -> str:
    """Where the retention schedule is kept: the data map's own retention.yaml."""
    return str(Path(data_map.directory or "data_map") / "retention.yaml")


@cache
def _country_names() -> tuple[str, ...]:
    """English country names (CLDR via babel when installed; else the data map's own names)."""
    try:
        from babel import Locale
    except ImportError:
        return ()
    return tuple(
        name for code, name in Locale("en").territories.items() if code.isalpha() and len(name) > 3
    )


def _retention_schedule(data_map: DataMap, system_id: str) -> str:
    rules = _retention_rules(data_map, system_id)
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


def _article_9(special: list[str]) -> str:
    if not special:
        return "Not applicable"
    words = _join(_category_words(c) for c in special)
    caveat = (
        ", special category data only when processed to identify a person"
        if any(c.startswith(BIOMETRIC) for c in special)
        else ""
    )
    return f"{NOT_RECORDED}, which declares {words}{caveat}"


def _rights(purpose: Purpose) -> str:
    rights = list(RIGHTS[purpose.lawful_basis])
    if purpose.lawful_basis == "consent":
        rights.append("withdraw consent")
    if purpose.data_use.split(".")[0] == MARKETING_USE and "object" not in rights:
        rights.append("object to direct marketing")
    return ", ".join(rights)


def _consent_record(data_map: DataMap, system: System, purpose: Purpose) -> str:
    if purpose.lawful_basis != "consent":
        return "Not applicable (lawful basis is not consent)"
    records = []
    for name in _datasets_of(data_map, system.id):
        evidence = [
            column.source or column.name
            for column in data_map.datasets[name].columns
            if column.consent_evidence
        ]
        if evidence:
            records.append(f"{system.vendor} {' / '.join(evidence)} per record of {name}")
    return _join(records, "; ") or NOT_RECORDED


def _due_without_rule(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Per retention row no rule enforces: how many records audit.retention_due has past it."""
    try:
        rows = conn.execute(
            "select retention, count(*) filter (where due) from audit.retention_due "
            "where rule is null group by retention"
        ).fetchall()
    except duckdb.CatalogException:  # a warehouse from before audit.retention_due
        return {}
    return dict(rows)


def _unchecked(data_map: DataMap, system: System, unenforced: dict[str, int]) -> str:
    datasets = ", ".join(_datasets_of(data_map, system.id)) or "no datasets"
    declared = _retention_rules(data_map, system.id)
    if declared:
        past = [
            f"{unenforced[row.id]} {row.data} past their period"
            for row in declared
            if unenforced.get(row.id)
        ]
        return (
            f"no audit rule checks the retention of {datasets}; "
            f"{retention_document(data_map)} declares periods for: "
            f"{', '.join(row.data for row in declared)}"
            + (f" (audit.retention_due: {'; '.join(past)})" if past else "")
        )
    return f"no retention period declared in {retention_document(data_map)} for {datasets}"


def _summed(found: list[tuple[str, int]]) -> list[tuple[str, int]]:
    totals: dict[str, int] = {}
    for rule_id, n in found:
        totals[rule_id] = totals.get(rule_id, 0) + n
    return sorted(totals.items())


@cache
def _fideslang_names() -> dict[str, str]:
    from fideslang.default_taxonomy import DEFAULT_TAXONOMY

    names = {c.fides_key: c.name for c in DEFAULT_TAXONOMY.data_category}
    names |= {s.fides_key: s.name for s in DEFAULT_TAXONOMY.data_subject}
    return names


def _category_words(key: str) -> str:
    for prefix, words in CATEGORY_WORDS.items():
        if key == prefix or key.startswith(prefix + "."):
            return words
    name = _fideslang_names().get(key) or key.rsplit(".", 1)[-1].replace("_", " ")
    name = re.sub(r"^User (Contact )?", "", name)
    return " ".join(w if w.isupper() else w.lower() for w in name.split())


def _subject_words(key: str) -> str:
    if key in SUBJECT_WORDS:
        return SUBJECT_WORDS[key]
    return (_fideslang_names().get(key) or key.replace("_", " ")).lower()


# --- files ------------------------------------------------------------------------------------


def _csv_safe(value: str) -> str:
    """A cell a spreadsheet will show as text, never run as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _workbook(data_map: DataMap, rows: list[list[str]], run_id: str, as_of: date) -> Workbook:
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    bold = Font(bold=True)
    name, _, address = data_map.policy.controller.partition(", ")
    details = [
        ["Record of processing activities (UK GDPR Article 30): controller"],
        [
            f"Generated by the privacy audit from the data map (digest {data_map.digest[:12]}) "
            f"and audit run {run_id} as of {as_of.isoformat()}"
        ],
        [],
        ["", "Name", "Address and contact details", "Email", "Telephone"],
        ["Controller", name, address or NOT_RECORDED, NOT_RECORDED, NOT_RECORDED],
        ["Data Protection Officer"] + ["[to be completed]"] * 4,
        ["Representative"] + ["[to be completed, if applicable]"] * 4,
        [],
    ]
    for line in details:
        sheet.append([_xlsx_text(v) for v in line])
    sheet["A1"].font = Font(bold=True, size=14)
    for cell in (*sheet[4], *(sheet[r][0] for r in (5, 6, 7))):
        cell.font = bold
    header_row = len(details) + 1
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append([_xlsx_text(v) for v in row])
    wrap = Alignment(wrap_text=True, vertical="top")
    for line in sheet.iter_rows(min_row=header_row):
        for cell in line:
            cell.alignment = wrap
            cell.data_type = "s"  # text, even where it starts with "="
    for cell in sheet[header_row]:
        cell.font = bold
    for index, title in enumerate(COLUMNS, start=1):
        longest = max([len(title) // 2, *(len(row[index - 1]) // 3 for row in rows)])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(18, longest), 60)
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=3)
    sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(COLUMNS))}{sheet.max_row}"
    return book


def _xlsx_text(value: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", value)
