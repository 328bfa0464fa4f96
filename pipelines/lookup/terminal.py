"""A subject look-up as text on the terminal (rich tables).

Terminal output escapes rich markup and control characters in the data: every value from an
export goes through terminal_text().
"""

from __future__ import annotations

import re

from rich.console import Console
from rich.table import Table
from rich.text import Text

from pipelines.lookup.model import Art15Pack, SubjectRecord, SubjectReport
from pipelines.lookup.render import other_findings, plain

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
TERMINAL_WIDTH = 100
VERDICT_STYLES = {"should_have_been_erased": "red", "kept": "yellow", "requested": "cyan"}


def terminal_text(value: object, limit: int = TERMINAL_WIDTH) -> Text:
    """A value as inert text: no rich markup, no control characters, cut to limit."""
    text = CONTROL.sub(" ", str(plain(value)))
    return Text(text if len(text) <= limit else text[: limit - 1] + "…")


def print_report(console: Console, report: SubjectReport) -> None:
    """The look-up on the terminal: the person, each record's fields, the erasure plan, the
    Article 15 pack; for nobody, what was searched."""
    if not report.held:
        _print_nothing_held(console, report)
        return
    console.print(
        Text(
            f"subject {report.short_key} (found by {report.kind} {report.identifier}): "
            f"{len(report.records)} records, run {report.run_id} as of {report.as_of}"
        )
    )
    console.print(terminal_text("emails: " + (", ".join(report.emails) or "-"), 10_000))
    console.print(terminal_text("phones: " + (", ".join(report.phones) or "-"), 10_000))
    for note in report.notes:
        console.print(Text(f"note: {note}", style="yellow"))
    console.print(_records_table(report))
    for number, record in enumerate(report.records, 1):
        console.print(_fields_table(number, record))
    console.print(_erasure_table(report))
    if report.art15:
        console.print(_art15_table(report.art15))
        console.print(_rights_table(report.art15))


def _print_nothing_held(console: Console, report: SubjectReport) -> None:
    searched = [s for s in report.searched if not s.note]
    console.print(
        terminal_text(
            f"nothing held on {report.kind} {report.identifier}: no record in the "
            f"{len(searched)} datasets searched, run {report.run_id} as of {report.as_of}",
            10_000,
        )
    )
    for note in report.notes:
        console.print(Text(f"note: {note}", style="yellow"))
    table = Table("dataset", "system", "searched by", "rows", "not searched", title="searched")
    for s in report.searched:
        unread = f"{s.rejected} unreadable row{'s' * (s.rejected != 1)}" if s.rejected else ""
        table.add_row(
            Text(s.dataset),
            terminal_text(s.system),
            Text(", ".join(s.columns) or "-"),
            Text(f"{s.rows:,}"),
            Text("; ".join(filter(None, [s.note, unread])) or "-"),
        )
    console.print(table)


def _records_table(report: SubjectReport) -> Table:
    table = Table("#", "system", "dataset", "record key", "retention", "findings")
    table.title = "records held"
    for number, record in enumerate(report.records, 1):
        findings = ", ".join(f.rule_id for f in other_findings(record)) or "-"
        table.add_row(
            str(number),
            terminal_text(record.system_name),
            terminal_text(record.dataset),
            terminal_text(record.record_key),
            terminal_text(_retention_text(record)),
            terminal_text(findings),
        )
    return table


def _retention_text(record: SubjectRecord) -> str:
    retention = record.retention
    if retention.ends_on and retention.status == "within retention":
        return f"{retention.status} (until {retention.ends_on})"
    return retention.status


def _fields_table(number: int, record: SubjectRecord) -> Table:
    title = (
        f"{number}. {record.system_name} ({record.vendor}) · {record.dataset} · {record.record_key}"
    )
    table = Table("field", "category", "value", title=terminal_text(title), title_justify="left")
    for held in record.fields:
        shown = "; ".join(str(plain(v)) for v in held.values)
        table.add_row(Text(held.name), Text(held.category), terminal_text(shown))
    for finding in other_findings(record):
        table.add_row(
            Text(finding.rule_id, style="red"),
            Text(finding.severity),
            terminal_text(f"{finding.title}: {finding.detail}", 200),
        )
    return table


def _erasure_table(report: SubjectReport) -> Table:
    request = report.erasure_request
    columns = ["dataset", "record key", "on erasure", "why"]
    title = "erasure request"
    if request:
        columns.append("verdict")
        title = f"erasure request {request.ref} ({request.status or 'no status'})"
    table = Table(*columns, title=terminal_text(title))
    for record in report.records:
        advice = record.erasure
        if advice is None:
            continue
        style = {"keep": "yellow", "suppress": "cyan"}.get(advice.action, "")
        row = [
            terminal_text(record.dataset),
            terminal_text(record.record_key),
            Text(advice.text, style=style),
            terminal_text(advice.reason, 200),
        ]
        if request and record.verdict:
            verdict = terminal_text(record.verdict.text, 200)
            verdict.style = VERDICT_STYLES.get(record.verdict.kind, "")
            row.append(verdict)
        table.add_row(*row)
    return table


def _art15_table(pack: Art15Pack) -> Table:
    table = Table("dataset", "purposes (lawful basis)", "recipients", "kept", "source")
    table.title = "Art. 15 pack"
    for entry in pack.entries:
        purposes = "; ".join(f"{p.name} ({p.lawful_basis})" for p in entry.purposes)
        recipients = "; ".join(
            f"{r.name}" + (f" ({r.country}: {r.safeguard})" if r.abroad else "")
            for r in entry.recipients
        )
        table.add_row(
            Text(entry.dataset),
            terminal_text(purposes, 400),
            terminal_text(recipients or "-", 400),
            terminal_text("; ".join(entry.retention), 400),
            terminal_text(entry.source, 400),
        )
    return table


def _rights_table(pack: Art15Pack) -> Table:
    table = Table("right", "what", "applies to", title=terminal_text(f"rights: {pack.contact}"))
    for right in pack.rights:
        table.add_row(
            Text(f"{right.name} ({right.article})"),
            terminal_text(right.text, 200),
            terminal_text(_applies(right.applies, right.not_for), 400),
        )
    return table


def _applies(applies: list[str], not_for: list[str]) -> str:
    if not not_for:
        return "all your data"
    return f"{'; '.join(applies) or 'none'} (not: {'; '.join(not_for)})"
