"""File layouts of the eight exports: paths, headers, encodings, quoting, line endings.

`EstateWriters` opens every output at once and writes rows as they are produced; it
counts data rows per dataset.  Chat transcripts come in two layouts at once: the JSON-lines
export, and API dumps (`purechat_api_page_<n>.json`, the chats under "chats" beside paging
metadata) for the chats pulled from Pure Chat's API.
"""

from __future__ import annotations

import csv
import json
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import IO, Any

from .cells import csv_line, header_line

DATASETS: tuple[str, ...] = (
    "crm_contacts",
    "orders",
    "call_recordings",
    "marketing_members",
    "marketing_sends",
    "chat_transcripts",
    "rights_requests",
    "disclosures",
)

CRM_HEADER: tuple[str, ...] = (
    "Record ID",
    "First Name",
    "Last Name",
    "Email",
    "Phone Number",
    "Job Title",
    "Contact owner",
    "Last Activity Date",
    "Lead Status",
    "Marketing contact status",
    "Create Date",
    "Unsubscribed from all email",
    "Street Address",
    "City",
    "Postal Code",
    "Country/Region",
    "Notes",
)

ORDER_HEADER: tuple[str, ...] = (
    "Name",
    "Email",
    "Financial Status",
    "Paid at",
    "Fulfillment Status",
    "Fulfilled at",
    "Accepts Marketing",
    "Currency",
    "Subtotal",
    "Shipping",
    "Taxes",
    "Total",
    "Discount Code",
    "Discount Amount",
    "Shipping Method",
    "Created at",
    "Lineitem quantity",
    "Lineitem name",
    "Lineitem price",
    "Lineitem compare at price",
    "Lineitem sku",
    "Lineitem requires shipping",
    "Lineitem taxable",
    "Lineitem fulfillment status",
    "Billing Name",
    "Billing Street",
    "Billing Address1",
    "Billing Address2",
    "Billing Company",
    "Billing City",
    "Billing Zip",
    "Billing Province",
    "Billing Country",
    "Billing Phone",
    "Shipping Name",
    "Shipping Street",
    "Shipping Address1",
    "Shipping Address2",
    "Shipping Company",
    "Shipping City",
    "Shipping Zip",
    "Shipping Province",
    "Shipping Country",
    "Shipping Phone",
    "Notes",
    "Note Attributes",
    "Cancelled at",
    "Payment Method",
    "Payment Reference",
    "Refunded Amount",
    "Vendor",
    "Outstanding Balance",
    "Employee",
    "Location",
    "Device ID",
    "Id",
    "Tags",
    "Risk Level",
    "Source",
    "Lineitem discount",
    "Tax 1 Name",
    "Tax 1 Value",
    "Tax 2 Name",
    "Tax 2 Value",
    "Tax 3 Name",
    "Tax 3 Value",
    "Tax 4 Name",
    "Tax 4 Value",
    "Tax 5 Name",
    "Tax 5 Value",
    "Phone",
    "Receipt Number",
    "Duties",
    "Billing Province Name",
    "Shipping Province Name",
    "Payment ID",
    "Payment Terms Name",
    "Next Payment Due At",
    "Payment References",
)
assert len(ORDER_HEADER) == 79

CDR_FIELDS: tuple[str, ...] = (
    "accountcode",
    "src",
    "dst",
    "dcontext",
    "clid",
    "channel",
    "dstchannel",
    "lastapp",
    "lastdata",
    "start",
    "answer",
    "end",
    "duration",
    "billsec",
    "disposition",
    "amaflags",
    "uniqueid",
    "userfield",
    "peeraccount",
    "linkedid",
    "sequence",
)

# a merge field the list's sign-up form asks for; the data map does not declare it (SEC-UNDECLARED)
MERGE_FIELD_BIRTHDAY = "Birthday"
_MEMBER_COMMON: tuple[str, ...] = (
    "Email Address",
    "First Name",
    "Last Name",
    "Phone Number",
    MERGE_FIELD_BIRTHDAY,
    "EMAIL_TYPE",
    "MEMBER_RATING",
    "OPTIN_TIME",
    "OPTIN_IP",
    "CONFIRM_TIME",
    "CONFIRM_IP",
    "LATITUDE",
    "LONGITUDE",
    "GMTOFF",
    "DSTOFF",
    "TIMEZONE",
    "CC",
    "REGION",
)
_MEMBER_TAIL: tuple[str, ...] = ("LEID", "EUID", "NOTES", "TAGS")
MEMBER_HEADERS: dict[str, tuple[str, ...]] = {
    "subscribed": (*_MEMBER_COMMON, "LAST_CHANGED", *_MEMBER_TAIL),
    "unsubscribed": (
        *_MEMBER_COMMON,
        "UNSUB_TIME",
        "UNSUB_CAMPAIGN_TITLE",
        "UNSUB_CAMPAIGN_ID",
        "UNSUB_REASON",
        "UNSUB_REASON_OTHER",
        *_MEMBER_TAIL,
    ),
    "cleaned": (
        *_MEMBER_COMMON,
        "CLEAN_TIME",
        "CLEAN_CAMPAIGN_TITLE",
        "CLEAN_CAMPAIGN_ID",
        *_MEMBER_TAIL,
    ),
}
MEMBER_STATUSES: tuple[str, ...] = ("subscribed", "unsubscribed", "cleaned")

SENDS_HEADER: tuple[str, ...] = ("campaign_id", "campaign_title", "email", "sent_at")
RIGHTS_HEADER: tuple[str, ...] = (
    "Ref",
    "Received",
    "Requester Email",
    "Request Type",
    "Status",
    "Completed On",
    "Extended",
    "Extension Reason",
)
DISCLOSURES_HEADER: tuple[str, ...] = (
    "Date",
    "Recipient",
    "Recipient Type",
    "Purpose",
    "Data Shared",
    "Country",
    "Safeguard",
    "Records",
)

ORDERS_ROWS_PER_FILE = 250_000
CHAT_API_EVERY = 8  # one chat in 8 (the business site's widget) was pulled from the API
CHAT_API_PAGES = 2  # ... into two pages, chats dealt alternately (one page while there is one)
CHAT_API_URI = "/api/v2/chats?page={page}"
_BUFFER = 1 << 20


def dataset_paths(out_dir: Path, as_of: date, list_id: str) -> dict[str, list[Path]]:
    """Every file the estate consists of (orders: only the first file)."""
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


class OrdersWriter:
    """Shopify export split into orders_export_N.csv, never splitting one order."""

    def __init__(self, directory: Path, stack: ExitStack) -> None:
        self._dir = directory
        self._stack = stack
        self._limit = ORDERS_ROWS_PER_FILE
        self._file_no = 0
        self._in_file = 0
        self._fh: IO[str] | None = None
        self._fh = self._next_file()

    def _next_file(self) -> IO[str]:
        if self._fh is not None:
            self._fh.close()
        self._file_no += 1
        path = self._dir / f"orders_export_{self._file_no}.csv"
        fh = open(path, "w", encoding="utf-8", newline="", buffering=_BUFFER)  # noqa: SIM115
        self._stack.callback(fh.close)
        fh.write(header_line(ORDER_HEADER))
        self._in_file = 0
        return fh

    def write_order(self, rows: list[list[str]]) -> None:
        if self._in_file >= self._limit:
            self._fh = self._next_file()
        assert self._fh is not None
        self._fh.write("".join([csv_line(r) for r in rows]))
        self._in_file += len(rows)


class ChatPages:
    """API dumps of chats: `purechat_api_page_<n>.json` (n from 0), each a JSON object
    `{"chats": [...], "meta": {"page": n, "next_page_uri": ...}}` written as chats arrive. A page
    file is opened with its first chat, so no page is empty; close() ends each with its metadata
    (the last page's next_page_uri is null)."""

    def __init__(self, directory: Path, pages: int) -> None:
        self._dir = directory
        self._pages = pages
        self._files: list[IO[str]] = []
        self._next = 0

    def write(self, record: str) -> None:
        n = self._next
        self._next = (n + 1) % self._pages
        if n == len(self._files):
            path = self._dir / f"purechat_api_page_{n}.json"
            fh = open(path, "w", encoding="utf-8", newline="", buffering=_BUFFER)  # noqa: SIM115
            self._files.append(fh)
            fh.write('{"chats": [\n')
        else:
            fh = self._files[n]
            fh.write(",\n")
        fh.write(record)

    def close(self) -> None:
        for n, fh in enumerate(self._files):
            last = n == len(self._files) - 1
            meta = {"page": n, "next_page_uri": None if last else CHAT_API_URI.format(page=n + 1)}
            fh.write('\n], "meta": ' + json.dumps(meta) + "}\n")
            fh.close()
        self._files = []


class EstateWriters:
    """All outputs open at once; use as a context manager."""

    def __init__(self, out_dir: Path, as_of: date, list_id: str) -> None:
        self.counts: dict[str, int] = dict.fromkeys(DATASETS, 0)
        self._paths = dataset_paths(out_dir, as_of, list_id)
        self._stack = ExitStack()
        for name in DATASETS:
            (out_dir / name).mkdir(parents=True, exist_ok=True)

    def _open(self, path: Path, mode: str = "w", encoding: str | None = "utf-8") -> IO[Any]:
        if "b" in mode:
            return self._stack.enter_context(open(path, mode, buffering=_BUFFER))
        return self._stack.enter_context(
            open(path, mode, encoding=encoding, newline="", buffering=_BUFFER)
        )

    def __enter__(self) -> EstateWriters:
        p = self._paths
        self._crm = csv.writer(
            self._open(p["crm_contacts"][0]), quoting=csv.QUOTE_ALL, lineterminator="\n"
        )
        self._crm.writerow(CRM_HEADER)
        self._orders = OrdersWriter(p["orders"][0].parent, self._stack)
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
        path = self._paths[dataset][0]
        with open(path, "w", encoding="cp1252", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\r\n")
            writer.writerow(header)
            writer.writerows(rows)
        self.counts[dataset] += len(rows)


def cdr_line(fields: list[str | int | bytes | None]) -> bytes:
    """Asterisk cdr-csv: strings quoted, numbers bare, None as nothing; bytes are a cell
    already encoded by the PBX (e.g. a Latin-1 caller name) and written verbatim."""
    parts: list[str] = []
    raw: bytes | None = None
    for v in fields:
        if v is None:
            parts.append("")
        elif v.__class__ is int:
            parts.append(str(v))
        elif v.__class__ is bytes:
            parts.append("\x00")
            raw = v  # type: ignore[assignment]
        else:
            parts.append('"' + v.replace('"', '""') + '"')  # type: ignore[union-attr]
    line = (",".join(parts) + "\n").encode("utf-8")
    if raw is not None:
        line = line.replace(b"\x00", b'"' + raw.replace(b'"', b'""') + b'"', 1)
    return line
