"""The record of processing activities (ROPA, UK GDPR Article 30) in the ICO controller template.

One row per purpose of each system in systems.yaml, in the template's 30 columns, as ropa.csv,
ropa.xlsx (sheet "ROPA", set up to print) and ropa.html (one card per purpose, for reading). The
cells come from the data map; what the audit run observed stands beside them, never instead:

- column 24/25 (personal data breach): the run's open critical security findings in the system's
  datasets, as a possible breach to assess within 72 hours (ropa_observed.py);
- columns 6, 8 and 9 (recipients, third countries, safeguards): the disclosure log's recipients
  and transfers, with the run's third-party findings on them (ropa_observed.py says which rows
  show which disclosures, and why);
- column 29/30 (retained and erased in accordance with the policy?): the run's retention findings
  in the system's datasets.

What neither records is said plainly ("Not recorded in the data map"), never guessed. This
module holds the columns, the rows and the files; the cells' wording is in ropa_words.py,
ropa_transfers.py and ropa_observed.py, the layout of the workbook and page in ropa_workbook.py.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from pipelines.datamap import DataMap
from pipelines.datamap.models import Purpose, System
from pipelines.reporting.extract import FORMULA_STARTS, run_as_of
from pipelines.reporting.ropa_observed import Observed, breach_cells, observed
from pipelines.reporting.ropa_transfers import (
    NONE_DECLARED,
    transfer_cells,
    undeclared_lines,
)
from pipelines.reporting.ropa_words import (
    ARTICLE_6,
    NOT_RECORDED,
    SPECIAL_CATEGORIES,
    article_9,
    categories_of,
    category_words,
    consent_record,
    datasets_of,
    dpia_cells,
    join_words,
    retention_document,
    retention_rules,
    retention_schedule,
    rights_of,
    source_of,
    subject_words,
)
from pipelines.reporting.ropa_workbook import html_page, workbook
from pipelines.rules.catalogue import Suite

CSV_NAME = "ropa.csv"
XLSX_NAME = "ropa.xlsx"
HTML_NAME = "ropa.html"

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
    """Write ropa.csv, ropa.xlsx and ropa.html for the run into out_dir; return their paths."""
    as_of = run_as_of(conn, run_id)
    answers = retention_answers(conn, data_map, suites, run_id, as_of)
    seen = observed(conn, data_map, run_id, as_of)
    rows = ropa_rows(data_map, answers, seen)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path = out_dir / CSV_NAME
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows([[_csv_safe(value) for value in row] for row in rows])
    xlsx_path = out_dir / XLSX_NAME
    undeclared = undeclared_lines(data_map, seen)
    workbook(data_map, COLUMNS, rows, undeclared, run_id, as_of).save(xlsx_path)
    html_path = out_dir / HTML_NAME
    page = html_page(data_map, COLUMNS, rows, undeclared, seen)
    html_path.write_text(page, encoding="utf-8")
    return [csv_path, xlsx_path, html_path]


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
        datasets = datasets_of(data_map, system.id)
        checking = sorted(
            {row.rule for row in data_map.retention.rules if row.dataset in datasets} & set(rules)
        )
        found: dict[str, int] = {}
        for rule_id, dataset, n in counts:
            if dataset in datasets:
                found[rule_id] = found.get(rule_id, 0) + n
        if found:
            breaches = "; ".join(
                f"{rule_id}: {n} {'finding' if n == 1 else 'findings'} ({rules[rule_id].title})"
                for rule_id, n in sorted(found.items())
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


def ropa_rows(
    data_map: DataMap, answers: dict[str, RetentionAnswer], seen: Observed
) -> list[list[str]]:
    """The template's 30 cells for every purpose of every system, in systems.yaml order."""
    return [
        _row(data_map, system, purpose, answers[system.id], seen)
        for system in data_map.systems
        for purpose in system.purposes
    ]


def _row(
    data_map: DataMap,
    system: System,
    purpose: Purpose,
    retention: RetentionAnswer,
    seen: Observed,
) -> list[str]:
    breach, breach_link = breach_cells(seen, datasets_of(data_map, system.id))
    categories = categories_of(data_map, system.id)
    special = [c for c in categories if c.startswith(SPECIAL_CATEGORIES)]
    basis = ARTICLE_6[purpose.lawful_basis]
    interests = purpose.lawful_basis == "legitimate_interests"
    row = [
        system.business_function,
        purpose.name,
        NONE_DECLARED,
        join_words(subject_words(s) for s in purpose.data_subjects),
        join_words(category_words(c) for c in categories) or NONE_DECLARED,
        *transfer_cells(data_map, system, purpose, seen),
        retention_schedule(data_map, system.id),
        system.security_measures,
        basis,
        article_9(special),
        (purpose.legitimate_interest or NOT_RECORDED) if interests else "Not applicable",
        NOT_RECORDED if interests else "Not applicable",
        rights_of(purpose),
        "No (none declared in the data map)",
        source_of(data_map, system),
        consent_record(data_map, system, purpose),
        system.location,
        *dpia_cells(purpose),
        breach,
        breach_link,
        NOT_RECORDED if special else "Not applicable",
        basis,
        retention_document(data_map),
        retention.answer,
        retention.reason,
    ]
    assert len(row) == len(COLUMNS)
    return row


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
    datasets = ", ".join(datasets_of(data_map, system.id)) or "no datasets"
    declared = retention_rules(data_map, system.id)
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


# --- files ------------------------------------------------------------------------------------


def _csv_safe(value: str) -> str:
    """A cell a spreadsheet will show as text, never run as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value
