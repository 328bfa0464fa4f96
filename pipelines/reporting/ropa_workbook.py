"""The layout of the ROPA's two readable files: ropa.xlsx (to print) and ropa.html (to read).

ropa.xlsx: one sheet "ROPA", the controller, contact, DPO and representative above the columns
(as the ICO template has them), then the header row and one row per purpose, and below the table
the disclosures no purpose declares. Every cell is text (never a formula, characters Excel rejects
removed) and wrapped; each column is as wide as its longest line allows within bounds, and each
row as tall as its most wrapped cell, so no text runs into the next cell. It prints landscape on
A3, one page wide and as many long as needed, the header row repeated on every page; the panes
are frozen below the header and beside the first two columns, with a filter on the table.

ropa.html: the same cells, one card per purpose, a summary of the run's answers first. Jinja2
autoescapes every value. The cells themselves come from ropa.py.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from pipelines.datamap import DataMap
from pipelines.reporting.management import environment as report_environment
from pipelines.reporting.ropa_observed import Observed
from pipelines.reporting.ropa_transfers import OBSERVED
from pipelines.reporting.ropa_words import NOT_RECORDED, datasets_of

SHEET = "ROPA"
TITLE = "Record of processing activities (UK GDPR Article 30)"
UNDECLARED = (
    "Disclosures no purpose declares (disclosure log): the log does not say from which system; "
    "they are shown beside the rows of the data subjects the log holds"
)
# the columns ropa.html marks as answered by the run (breach, then retention)
FROM_THE_RUN = (
    "Has a personal data breach occurred?",
    "Link to record of personal data breach",
    "Is personal data retained and erased in accordance with the policy document?",
    "Reasons for not adhering to policy document (if applicable)",
)
MIN_WIDTH, MAX_WIDTH = 12, 36  # characters
LINE_HEIGHT = 15  # points, for an 11-point line
MAX_HEIGHT = 409  # points: Excel's tallest row
LABEL_WIDTH = 17  # characters: column A holds the block's labels
LABELS = 2  # the block's labels in column A, its values merged across B and the next columns
BLOCK_COLUMNS = 8


def controller_lines(data_map: DataMap) -> list[tuple[str, str]]:
    """The controller, the contact for data protection, the DPO and the representative."""
    policy = data_map.policy
    return [
        ("Controller", policy.controller),
        ("Contact for data protection", policy.contact or NOT_RECORDED),
        ("Data Protection Officer", policy.dpo or NOT_RECORDED),
        ("Representative", policy.representative or NOT_RECORDED),
    ]


def workbook(
    data_map: DataMap,
    columns: Sequence[str],
    rows: list[list[str]],
    undeclared: list[str],
    run_id: str,
    as_of: date,
) -> Workbook:
    """The ROPA workbook: the controller block, `columns` above `rows`, then `undeclared`."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append([TITLE])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.row_dimensions[1].height = 22
    sheet.append([_generated(data_map, run_id, as_of)])
    sheet.append([])
    block = [_block_line(sheet, label, value) for label, value in controller_lines(data_map)]
    sheet.append([])
    sheet.append([_xlsx_text(c) for c in columns])
    header_row = sheet.max_row  # (an empty row appended is not counted in max_row)
    for row in rows:
        sheet.append([_xlsx_text(v) for v in row])
    table = range(header_row, sheet.max_row + 1)
    if undeclared:
        sheet.append([])
        sheet.append([UNDECLARED])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True)
        block += [_block_line(sheet, *line.partition(": ")[::2]) for line in undeclared]
    widths = _format_table(sheet, table, len(columns))
    merged = sum(widths[LABELS - 1 : BLOCK_COLUMNS])
    for row in table:
        _fit_height(sheet, row, [(sheet.cell(row, c).value, w) for c, w in enumerate(widths, 1)])
    for row in block:
        _fit_height(
            sheet,
            row,
            [(sheet.cell(row, 1).value, widths[0]), (sheet.cell(row, LABELS).value, merged)],
        )
    _print_setup(sheet, header_row)
    return book


def html_page(
    data_map: DataMap,
    columns: Sequence[str],
    rows: list[list[str]],
    undeclared: list[str],
    seen: Observed,
) -> str:
    """ropa.html: the controller block, a summary, the undeclared disclosures, one card a row."""
    environment = report_environment()  # the management report's: same escaping and filters
    systems = [(s, p) for s in data_map.systems for p in s.purposes]
    at = {name: index for index, name in enumerate(columns)}
    return environment.get_template("ropa.html.j2").render(
        title=TITLE,
        generated=_generated(data_map, seen.run_id, seen.as_of),
        controller=controller_lines(data_map),
        has_log=seen.disclosures is not None,
        undeclared=[line.partition(": ")[::2] for line in undeclared],
        undeclared_note=UNDECLARED.partition(": ")[2],
        columns=columns,
        marked=OBSERVED,
        audit_columns=[at[name] for name in FROM_THE_RUN],
        breach_at=at[FROM_THE_RUN[0]],
        retained_at=at[FROM_THE_RUN[2]],
        activities=[
            {
                "system": system.name,
                "purpose": purpose.name,
                "cells": row,
                "breach_rules": ", ".join(
                    dict.fromkeys(
                        b.rule_id for b in seen.breaches_in(datasets_of(data_map, system.id))
                    )
                ),
            }
            for (system, purpose), row in zip(systems, rows, strict=True)
        ],
    )


def _generated(data_map: DataMap, run_id: str, as_of: date) -> str:
    return (
        f"Generated by the privacy audit from the data map (digest {data_map.digest[:12]}) "
        f"and audit run {run_id} as of {as_of.isoformat()}"
    )


def _block_line(sheet: Worksheet, label: str, value: str) -> int:
    """A label in column A and its value across columns B to BLOCK_COLUMNS; its row number."""
    sheet.append([_xlsx_text(label), _xlsx_text(value)])
    row = sheet.max_row
    sheet.cell(row, 1).font = Font(bold=True)
    sheet.merge_cells(start_row=row, start_column=LABELS, end_row=row, end_column=BLOCK_COLUMNS)
    for column in (1, LABELS):
        sheet.cell(row, column).alignment = Alignment(wrap_text=True, vertical="top")
    return row


def _format_table(sheet: Worksheet, table: range, width: int) -> list[int]:
    """Wrap, border and size the table's cells; the columns' widths."""
    wrap = Alignment(wrap_text=True, vertical="top")
    thin = Side(style="thin", color="A0A0A0")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for line in sheet.iter_rows(min_row=table.start, max_row=table.stop - 1, max_col=width):
        for cell in line:
            cell.alignment = wrap
            cell.border = border
            cell.data_type = "s"  # text, even where it starts with "="
    for cell in sheet[table.start]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE4EE")
    widths = []
    for index in range(1, width + 1):
        widths.append(_width([str(sheet.cell(r, index).value or "") for r in table]))
        if index == 1:  # the block's labels too ("Representative" unbroken)
            widths[0] = max(widths[0], LABEL_WIDTH)
        sheet.column_dimensions[get_column_letter(index)].width = widths[-1]
    sheet.freeze_panes = sheet.cell(row=table.start + 1, column=3)
    sheet.auto_filter.ref = f"A{table.start}:{get_column_letter(width)}{table.stop - 1}"
    return widths


def _fit_height(sheet: Worksheet, row: int, cells: list[tuple[object, float]]) -> None:
    """The row as tall as its most wrapped cell (each cell: its text and its width)."""
    lines = max(_lines(str(text or ""), width) for text, width in cells)
    sheet.row_dimensions[row].height = min(MAX_HEIGHT, lines * LINE_HEIGHT + 4)


def _width(texts: list[str]) -> int:
    """Wide enough for a cell's longest line in about eight lines, within the bounds."""
    longest = max((len(line) for text in texts for line in text.split("\n")), default=0)
    return max(MIN_WIDTH, min(MAX_WIDTH, math.ceil(longest / 8)))


def _lines(text: str, width: float) -> int:
    """How many lines a wrapped cell `width` characters wide takes (words wrap whole)."""
    per_line = max(1, int(width))  # a column unit is one "0"; most text is narrower
    total = 0
    for paragraph in text.split("\n"):
        count, line = 1, 0
        for word in paragraph.split():
            if line and line + 1 + len(word) > per_line:
                count, line = count + 1, 0
            if len(word) > per_line:  # a word longer than a line breaks across lines
                count += (line + len(word)) // per_line
                line = (line + len(word)) % per_line
            else:
                line += (1 if line else 0) + len(word)
        total += count
    return total


def _print_setup(sheet: Worksheet, header_row: int) -> None:
    setup = sheet.page_setup
    setup.orientation = "landscape"
    setup.paperSize = sheet.PAPERSIZE_A3
    setup.fitToWidth = 1
    setup.fitToHeight = 0  # as many pages long as the rows need
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.oddHeader.left.text = TITLE
    sheet.oddFooter.right.text = "Page &P of &N"


def _xlsx_text(value: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", value)
