"""Shared fixtures: a throw-away warehouse and exports folder per test, and vendor layout writers.

Everything a test writes lives under its tmp_path; the repository's data_map/ is only read
(tests that change it work on a copy).
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pipelines.datamap import DataMap, DatasetSpec, load_data_map
from pipelines.ingest.load import DatasetLoad, load_dataset
from pipelines.settings import Settings
from pipelines.staging.build import build_staging
from pipelines.warehouse import connect, ident

REPO = Path(__file__).resolve().parents[1]
DATA_MAP_DIR = REPO / "data_map"
# every rule of expectations/, which the sample estate plants and the peer benchmark re-implements
RULES = (
    "RET-CALLS", "RET-PROSPECT", "RET-CUSTOMER", "RET-ORDERS", "RET-UNSUB", "RET-CHAT",
    "CON-NO-BASIS", "CON-OPTOUT-SYNC", "CON-SEND-AFTER-OPTOUT", "CON-CALL-NOTICE",
    "SEC-PAN", "SEC-CVV", "SEC-UNDECLARED", "TPD-UNAPPROVED", "TPD-SALE", "TPD-TRANSFER",
    "DSR-OVERDUE", "DSR-ERASURE-INCOMPLETE", "DSR-OBJECTION-IGNORED",
    "WEB-UNDECLARED-COOKIE", "WEB-BEFORE-CONSENT", "WEB-LIFETIME", "WEB-CONSENT-RECORD",
    "RET-APPLICANT", "RET-LEAVER",
)  # fmt: skip

# Headers as the vendors export them (/work/shared/reference/export-formats.md), kept here rather
# than imported from the sample generator so that the tests check the data map against the real
# layouts, not against the generator.
HUBSPOT_HEADER = (
    "Record ID", "First Name", "Last Name", "Email", "Phone Number", "Job Title", "Contact owner",
    "Last Activity Date", "Lead Status", "Marketing contact status", "Create Date",
    "Unsubscribed from all email", "Street Address", "City", "Postal Code", "Country/Region",
    "Notes",
)  # fmt: skip
SHOPIFY_HEADER = (
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at",
    "Accepts Marketing", "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Code",
    "Discount Amount", "Shipping Method", "Created at", "Lineitem quantity", "Lineitem name",
    "Lineitem price", "Lineitem compare at price", "Lineitem sku", "Lineitem requires shipping",
    "Lineitem taxable", "Lineitem fulfillment status", "Billing Name", "Billing Street",
    "Billing Address1", "Billing Address2", "Billing Company", "Billing City", "Billing Zip",
    "Billing Province", "Billing Country", "Billing Phone", "Shipping Name", "Shipping Street",
    "Shipping Address1", "Shipping Address2", "Shipping Company", "Shipping City", "Shipping Zip",
    "Shipping Province", "Shipping Country", "Shipping Phone", "Notes", "Note Attributes",
    "Cancelled at", "Payment Method", "Payment Reference", "Refunded Amount", "Vendor",
    "Outstanding Balance", "Employee", "Location", "Device ID", "Id", "Tags", "Risk Level",
    "Source", "Lineitem discount", "Tax 1 Name", "Tax 1 Value", "Tax 2 Name", "Tax 2 Value",
    "Tax 3 Name", "Tax 3 Value", "Tax 4 Name", "Tax 4 Value", "Tax 5 Name", "Tax 5 Value", "Phone",
    "Receipt Number", "Duties", "Billing Province Name", "Shipping Province Name", "Payment ID",
    "Payment Terms Name", "Next Payment Due At", "Payment References",
)  # fmt: skip
SHOPIFY_OLD_HEADER = SHOPIFY_HEADER[: SHOPIFY_HEADER.index("Cancelled at") + 1]
_MAILCHIMP_HEAD = (
    "Email Address", "First Name", "Last Name", "Phone Number", "EMAIL_TYPE", "MEMBER_RATING",
    "OPTIN_TIME", "OPTIN_IP", "CONFIRM_TIME", "CONFIRM_IP", "LATITUDE", "LONGITUDE", "GMTOFF",
    "DSTOFF", "TIMEZONE", "CC", "REGION",
)  # fmt: skip
_MAILCHIMP_TAIL = ("LEID", "EUID", "NOTES", "TAGS")
MAILCHIMP_HEADERS = {
    "subscribed": (*_MAILCHIMP_HEAD, "LAST_CHANGED", *_MAILCHIMP_TAIL),
    "unsubscribed": (
        *_MAILCHIMP_HEAD, "UNSUB_TIME", "UNSUB_CAMPAIGN_TITLE", "UNSUB_CAMPAIGN_ID",
        "UNSUB_REASON", "UNSUB_REASON_OTHER", *_MAILCHIMP_TAIL,
    ),
    "cleaned": (
        *_MAILCHIMP_HEAD, "CLEAN_TIME", "CLEAN_CAMPAIGN_TITLE", "CLEAN_CAMPAIGN_ID",
        *_MAILCHIMP_TAIL,
    ),
}  # fmt: skip
RIGHTS_HEADER = (
    "Ref,Received,Requester Email,Request Type,Status,Completed On,Extended,Extension Reason"
)
DISCLOSURES_HEADER = "Date,Recipient,Recipient Type,Purpose,Data Shared,Country,Safeguard,Records"
SENDS_HEADER = "campaign_id,campaign_title,email,sent_at"


class Raw(str):
    """A cell written exactly as given (e.g. `""`), not quoted by the layout writers."""


def _minimal(value: Any) -> str:
    """A CSV cell quoted only when it must be (Shopify, Mailchimp, company logs)."""
    if isinstance(value, Raw):
        return str(value)
    text = "" if value is None else str(value)
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _quoted(value: Any) -> str:
    """A CSV cell always double-quoted (HubSpot)."""
    text = "" if value is None else str(value)
    return '"' + text.replace('"', '""') + '"'


class Layouts:
    """Writers of small export files in the vendors' own layouts."""

    raw = Raw
    shopify_old_header = SHOPIFY_OLD_HEADER

    @staticmethod
    def hubspot(rows: list[dict[str, Any]]) -> str:
        """HubSpot contacts export: every field, header included, double-quoted."""
        unknown = {k for row in rows for k in row} - set(HUBSPOT_HEADER)
        assert not unknown, unknown
        lines = [",".join(_quoted(h) for h in HUBSPOT_HEADER)]
        lines += [",".join(_quoted(row.get(h, "")) for h in HUBSPOT_HEADER) for row in rows]
        return "\n".join(lines) + "\n"

    @staticmethod
    def shopify(rows: list[dict[str, Any]], header: tuple[str, ...] = SHOPIFY_HEADER) -> str:
        """Shopify orders export: unquoted header, cells quoted only when needed."""
        unknown = {k for row in rows for k in row} - set(header)
        assert not unknown, unknown
        lines = [",".join(header)]
        lines += [",".join(_minimal(row.get(h, "")) for h in header) for row in rows]
        return "\n".join(lines) + "\n"

    @staticmethod
    def mailchimp(status: str, rows: list[dict[str, Any]]) -> str:
        """Mailchimp audience export: headers quoted only when they hold a space."""
        header = MAILCHIMP_HEADERS[status]
        unknown = {k for row in rows for k in row} - set(header)
        assert not unknown, unknown
        lines = [",".join(f'"{h}"' if " " in h else h for h in header)]
        lines += [",".join(_minimal(row.get(h, "")) for h in header) for row in rows]
        return "\n".join(lines) + "\n"

    @staticmethod
    def csv(header: str, rows: list[list[Any]], newline: str = "\n") -> str:
        """A plain Excel-style CSV: the header line as given, cells quoted when needed."""
        lines = [header] + [",".join(_minimal(v) for v in row) for row in rows]
        return newline.join(lines) + newline


class Estate:
    """One warehouse and one exports folder in tmp_path, read with a given data map."""

    def __init__(self, root: Path, data_map: DataMap):
        self.root = root
        self.exports = root / "exports"
        self.exports.mkdir(parents=True, exist_ok=True)
        self.data_map = data_map
        self.conn = connect(root / "warehouse" / "w.duckdb")

    def spec(self, dataset: str) -> DatasetSpec:
        return self.data_map.datasets[dataset]

    def put(self, dataset: str, name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        """Write exports/<dataset>/<name>; text is encoded as given, without newline translation."""
        path = self.exports / dataset / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return path

    def load(self, dataset: str, spec: DatasetSpec | None = None) -> DatasetLoad:
        return load_dataset(self.conn, spec or self.spec(dataset), self.exports)

    def stage(self, dataset: str, spec: DatasetSpec | None = None) -> int:
        return build_staging(self.conn, spec or self.spec(dataset))

    def ingest(self, dataset: str) -> DatasetLoad:
        """Load and stage one dataset; fail the test on any file that was skipped."""
        result = self.load(dataset)
        assert not result.skipped, [f.message for f in result.skipped]
        self.stage(dataset)
        return result

    def query(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        cursor = self.conn.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def staged(self, dataset: str, *columns: str) -> list[dict[str, Any]]:
        fields = ", ".join(ident(c) for c in columns) if columns else "*"
        return self.query(
            f"select {fields} from staging.{ident(dataset)} order by _source_file, _row_number"
        )

    def rejects(self, dataset: str) -> list[dict[str, Any]]:
        return self.query(
            f"select _source_file, _row_number, _raw_line, _reason "
            f"from raw.{ident(dataset + '__rejects')} order by _source_file, _row_number"
        )

    def loads(self, dataset: str) -> list[dict[str, Any]]:
        return self.query(
            "select source_file, status, message, rows_read, rows_loaded, rows_rejected "
            "from raw._loads where dataset = ? order by source_file",
            [dataset],
        )


@pytest.fixture(scope="session")
def data_map() -> DataMap:
    """The repository's default data map (read only)."""
    return load_data_map(DATA_MAP_DIR)


@pytest.fixture
def layouts() -> type[Layouts]:
    return Layouts


@pytest.fixture
def estate(tmp_path: Path, data_map: DataMap):
    """A fresh warehouse and exports folder read with the default data map."""
    estate = Estate(tmp_path, data_map)
    yield estate
    estate.conn.close()


@pytest.fixture
def data_map_copy(tmp_path: Path) -> Path:
    """A writable copy of the repository's data_map/ in tmp_path."""
    target = tmp_path / "data_map"
    shutil.copytree(DATA_MAP_DIR, target)
    return target


@pytest.fixture
def make_estate(tmp_path: Path):
    """Build an Estate over a given data map (e.g. one loaded from data_map_copy)."""
    made: list[Estate] = []

    def make(data_map: DataMap, name: str = "estate") -> Estate:
        estate = Estate(tmp_path / name, data_map)
        made.append(estate)
        return estate

    yield make
    for estate in made:
        estate.conn.close()


def audit_settings(root: Path, as_of: date = date(2026, 11, 1), db: str = "w.duckdb") -> Settings:
    """An audit with every path under root, reading the repository's data map and rules."""
    return Settings(
        exports_dir=root / "exports",
        data_map_dir=DATA_MAP_DIR,
        expectations_dir=REPO / "expectations",
        db_path=root / db,
        reports_dir=root / "reports",
        key_file=root / "key",
        as_of=as_of,
    )


def pdf_text(path: Path) -> str:
    """The text of every page of a PDF, Unicode NFKC-normalised (the fonts' ligatures undone)."""
    import unicodedata

    from pypdf import PdfReader

    pages = (page.extract_text() or "" for page in PdfReader(path).pages)
    return unicodedata.normalize("NFKC", "\n".join(pages))


@pytest.fixture(scope="session")
def chromium() -> str:
    """The browser the report tests need; its absence fails them (`make test` installs it)."""
    from pipelines.reporting.pdf import PdfError, find_chromium

    try:
        return find_chromium()
    except PdfError:
        pytest.fail(
            "chromium is not installed: `make test` installs it (tools/system-packages.sh "
            "browser), or run: apt-get install -y chromium fonts-dejavu-core"
        )
