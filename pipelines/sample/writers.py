"""File layouts of the twelve exports: paths, encodings, quoting, line endings.

`EstateWriters` opens every streamed output at once and writes rows as they are produced; it
counts data rows per dataset. Chat transcripts come in two layouts at once: the JSON-lines
export, and API dumps (`purechat_api_page_<n>.json`, the chats under "chats" beside paging
metadata) for the chats pulled from Pure Chat's API. The hand-kept logs and the exports built
after the pass (cookie scans, the consent log, applications, employees) are written whole by
`table`. The headers live in headers.py (re-exported here).
"""

from __future__ import annotations

import csv
import json
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import IO, Any

from .cells import csv_line, header_line
from .headers import (
    APPLICATIONS_HEADER,
    CDR_FIELDS,
    CONSENT_LOG_HEADER,
    COOKIE_SCAN_HEADER,
    CRM_HEADER,
    DISCLOSURES_HEADER,
    EMPLOYEES_HEADER,
    MEMBER_HEADERS,
    MEMBER_STATUSES,
    MERGE_FIELD_BIRTHDAY,
    ORDER_HEADER,
    RIGHTS_HEADER,
    SENDS_HEADER,
)
from .streams import BUFFER, ChatPages, OrdersWriter, cdr_line

__all__ = [
    "APPLICATIONS_HEADER",
    "CDR_FIELDS",
    "CONSENT_LOG_HEADER",
    "COOKIE_SCAN_HEADER",
    "CRM_HEADER",
    "DATASETS",
    "DISCLOSURES_HEADER",
    "EMPLOYEES_HEADER",
    "MEMBER_HEADERS",
    "MEMBER_STATUSES",
    "MERGE_FIELD_BIRTHDAY",
    "ORDER_HEADER",
    "RIGHTS_HEADER",
    "SENDS_HEADER",
    "EstateWriters",
    "cdr_line",
    "dataset_paths",
]

DATASETS: tuple[str, ...] = (
    "crm_contacts",
    "orders",
    "call_recordings",
    "marketing_members",
    "marketing_sends",
    "chat_transcripts",
    "rights_requests",
    "disclosures",
    "cookie_scans",
    "cookie_consents",
    "job_applications",
    "employees",
)

ORDERS_ROWS_PER_FILE = 250_000
CHAT_API_EVERY = 8  # one chat in 8 (the business site's widget) was pulled from the API
CHAT_API_PAGES = 2  # ... into two pages, chats dealt alternately (one page while there is one)


def dataset_paths(out_dir: Path, as_of: date, list_id: str) -> dict[str, list[Path]]:
    """The files of the streamed exports and the logs (orders: only the first file); the
    exports written whole at the end name their own files."""
    iso = as_of.isoformat()
    return {
        "crm_contacts": [out_dir / "crm_contacts" / f"hubspot-crm-exports-all-contacts-{iso}.csv"],
        "orders": [out_dir / "orders" / "orders_export_1.csv"],
        "call_recordings": [out_dir / "call_recordings" / "Master.csv"],
        "marketing_members": [
            out_dir / "marketing_members" / f"{status}_members_export_{list_id}.csv"
            for status in MEMBER_STATUSES
        ],
        "marketing_sends": [out_dir / "marketing_sends" / f"campaign_activity_{iso}.csv"],
        "chat_transcripts": [out_dir / "chat_transcripts" / f"purechat_transcripts_{iso}.jsonl"],
        "rights_requests": [out_dir / "rights_requests" / "rights_requests_tracker.csv"],
        "disclosures": [out_dir / "disclosures" / "third_party_disclosures_log.csv"],
    }


class EstateWriters:
    """All outputs open at once; use as a context manager."""

    def __init__(self, out_dir: Path, as_of: date, list_id: str) -> None:
        self.counts: dict[str, int] = dict.fromkeys(DATASETS, 0)
        self._dir = out_dir
        self._paths = dataset_paths(out_dir, as_of, list_id)
        self._stack = ExitStack()
        for name in DATASETS:
            (out_dir / name).mkdir(parents=True, exist_ok=True)

    def _open(self, path: Path, mode: str = "w", encoding: str | None = "utf-8") -> IO[Any]:
        if "b" in mode:
            return self._stack.enter_context(open(path, mode, buffering=BUFFER))
        return self._stack.enter_context(
            open(path, mode, encoding=encoding, newline="", buffering=BUFFER)
        )

    def __enter__(self) -> EstateWriters:
        p = self._paths
        self._crm = csv.writer(
            self._open(p["crm_contacts"][0]), quoting=csv.QUOTE_ALL, lineterminator="\n"
        )
        self._crm.writerow(CRM_HEADER)
        self._orders = OrdersWriter(p["orders"][0].parent, self._stack, ORDERS_ROWS_PER_FILE)
        self._cdr = self._open(p["call_recordings"][0], "wb")
        self._members: dict[str, IO[str]] = {}
        for status, path in zip(MEMBER_STATUSES, p["marketing_members"], strict=True):
            fh = self._open(path)
            fh.write(header_line(MEMBER_HEADERS[status], quote_spaced_only=True))
            self._members[status] = fh
        self._sends = csv.writer(self._open(p["marketing_sends"][0]), lineterminator="\n")
        self._sends.writerow(SENDS_HEADER)
        self._chats = self._open(p["chat_transcripts"][0])
        self._chat_pages = ChatPages(p["chat_transcripts"][0].parent, CHAT_API_PAGES)
        self._stack.callback(self._chat_pages.close)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    # ---- streamed datasets --------------------------------------------------------------

    def crm(self, row: list[str]) -> None:
        self._crm.writerow(row)
        self.counts["crm_contacts"] += 1

    def order(self, rows: list[list[str]]) -> None:
        self._orders.write_order(rows)
        self.counts["orders"] += len(rows)

    def call(self, fields: list[str | int | bytes | None]) -> None:
        self._cdr.write(cdr_line(fields))
        self.counts["call_recordings"] += 1

    def member(self, status: str, row: list[str]) -> None:
        self._members[status].write(csv_line(row))
        self.counts["marketing_members"] += 1

    def sends(self, rows: list[tuple[str, str, str, str]]) -> None:
        self._sends.writerows(rows)
        self.counts["marketing_sends"] += len(rows)

    def chat(self, transcript: dict[str, Any]) -> None:
        record = json.dumps(transcript, ensure_ascii=False)
        if self.counts["chat_transcripts"] % CHAT_API_EVERY == 1:
            self._chat_pages.write(record)
        else:
            self._chats.write(record + "\n")
        self.counts["chat_transcripts"] += 1

    # ---- small hand-kept spreadsheets (Excel "CSV": cp1252, CRLF) ------------------------

    def excel_csv(self, dataset: str, header: tuple[str, ...], rows: list[list[str]]) -> None:
        self.table(dataset, self._paths[dataset][0].name, header, rows, "cp1252", "\r\n")

    # ---- exports written whole at the end (one file each, or one per scan) -------------------

    def table(
        self,
        dataset: str,
        name: str,
        header: tuple[str, ...],
        rows: list[list[str]],
        encoding: str = "utf-8",
        terminator: str = "\n",
    ) -> None:
        """out_dir/<dataset>/<name>: a header line and rows, quoted where needed."""
        path = self._dir / dataset / name
        with open(path, "w", encoding=encoding, newline="", buffering=BUFFER) as fh:
            writer = csv.writer(fh, lineterminator=terminator)
            writer.writerow(header)
            writer.writerows(rows)
        self.counts[dataset] += len(rows)
