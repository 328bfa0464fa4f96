"""An independent reference implementation of the privacy audit's 25 rules, in plain Python.

Written from the rules' words only (expectations/README.md, "Exact meaning of each rule", with the
re-read wording of RET-CALLS, CON-CALL-NOTICE, RET-PROSPECT, RET-CUSTOMER, RET-ORDERS, TPD-TRANSFER,
SEC-UNDECLARED, SEC-PAN/SEC-CVV and DSR-OVERDUE), the UK facts of uk-rules.md and the company's data
map (read here as plain YAML, the cookie inventory `data_map/cookies.yaml` included). SQL is used
only to fetch whole tables (`select * from staging.<d>`, `select * from raw.<d>`); every decision is
made in Python below.

A warehouse without some staging table (an older one, before the cookie, applicant and employee
datasets) simply has no records there, so those rules find nothing; a data map without
cookies.yaml has an empty inventory. The generic rules (SEC-PAN, SEC-CVV, SEC-UNDECLARED,
DSR-ERASURE-INCOMPLETE) run over every dataset YAML of the data map, so new datasets are covered
as they are declared.

The six later rules, as read here:
- WEB-UNDECLARED-COOKIE / WEB-BEFORE-CONSENT / WEB-LIFETIME: only the latest scan counts (the rows
  whose `scanned_on` is the greatest on or before A; a later scan is ignored). A cookie's inventory
  entry is the one with its exact name (case-sensitive), else the first entry in file order whose
  pattern it matches, `*` standing for any run of characters and every other character (`?`, `[`
  included) for itself. An entry needs consent when its category is not `strictly_necessary` and it
  names no `exemption`. A blank `expiry_days` is a session cookie, lifetime 0.
- WEB-CONSENT-RECORD: keyed by the staged record_key (the data row number, as text).
- RET-APPLICANT: T - 6 months and T - 12 months on the London calendar (month ends clamped), i.e.
  London midnight of A - N months as a UTC instant; the decision is `rejected_at`, else
  `last_activity_at` (neither: no finding); anonymised judged from first_name, last_name, email,
  phone themselves (not from the staged is_anonymised).
- RET-LEAVER: `terminated_on < A - 6 years` on the calendar (29 February clamped to the 28th);
  anonymised judged from the seven personal columns themselves.

Entry point: ``reference_findings(db_path, data_map_dir, as_of)``, returning the set of
``(rule_id, dataset, record_key)``.

Readings chosen where the words leave room are marked "Reading:" in the comments.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pycountry
import yaml

UTC = dt.UTC
LINEAGE = {"_source_file", "_row_number", "_loaded_at"}
Row = dict[str, Any]
Finding = tuple[str, str, str]


# --------------------------------------------------------------------------------------------------
# Small pieces: emptiness, text comparison, calendar arithmetic
# --------------------------------------------------------------------------------------------------


def is_empty(value: Any) -> bool:
    """Null, or text that is blank once trimmed."""
    return value is None or (isinstance(value, str) and value.strip() == "")


def norm_text(value: Any) -> str:
    """Trimmed, case-folded text ('' for null); for comparing words like statuses and types."""
    return "" if value is None else str(value).strip().casefold()


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` + `months` calendar months (negative: back), the day clamped to the month's end."""
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(day.day, last))


def local_midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """`day` at 00:00 in `tz`, as an aware UTC datetime."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)


def local_date(instant: dt.datetime, tz: ZoneInfo) -> dt.date:
    """The local calendar date of an aware instant."""
    return instant.astimezone(tz).date()


def fy_end(day: dt.date, month: int, dom: int) -> dt.date:
    """The first financial-year end (month/dom, clamped) on or after `day`."""

    def end_in(year: int) -> dt.date:
        return dt.date(year, month, min(dom, calendar.monthrange(year, month)[1]))

    candidate = end_in(day.year)
    return candidate if candidate >= day else end_in(day.year + 1)


def next_weekday_if_weekend(day: dt.date) -> dt.date:
    """Saturday and Sunday move to the following Monday (no bank holidays)."""
    if day.weekday() == 5:
        return day + dt.timedelta(days=2)
    if day.weekday() == 6:
        return day + dt.timedelta(days=1)
    return day


def period_months(keep_for: dict[str, Any]) -> tuple[int, int]:
    """A retention period `{years, months, days}` as (months, days)."""
    return int(keep_for.get("years", 0)) * 12 + int(keep_for.get("months", 0)), int(
        keep_for.get("days", 0)
    )


def cutoff_instant(as_of: dt.date, keep_for: dict[str, Any], tz: ZoneInfo) -> dt.datetime:
    """T minus the period, computed on the local calendar (month ends clamped), as a UTC instant.

    Reading: a period in days is also taken on the local calendar (T - 30 days = 00:00 London 30
    calendar days before A), like months; it differs from 30 x 24 h only across a clock change.
    """
    months, days = period_months(keep_for)
    return local_midnight(add_months(as_of, -months) - dt.timedelta(days=days), tz)


# --------------------------------------------------------------------------------------------------
# Card numbers (uk-rules.md): scheme table and Luhn check
# --------------------------------------------------------------------------------------------------

# (scheme, prefix ranges as (low, high) over the same number of leading digits, allowed lengths)
CARD_SCHEMES: list[tuple[str, list[tuple[str, str]], set[int]]] = [
    ("Visa", [("4", "4")], {13, 16, 19}),
    ("Mastercard", [("51", "55"), ("2221", "2720")], {16}),
    ("American Express", [("34", "34"), ("37", "37")], {15}),
    ("Discover", [("6011", "6011"), ("644", "649"), ("65", "65")], set(range(16, 20))),
    ("JCB", [("3528", "3589")], set(range(16, 20))),
    ("Diners Club", [("300", "305"), ("36", "36")], set(range(14, 20))),
]


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check over a string of digits."""
    if not digits or not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def card_scheme(digits: str) -> str | None:
    """The scheme whose prefix and length the digits have, else None."""
    for name, ranges, lengths in CARD_SCHEMES:
        if len(digits) not in lengths:
            continue
        for low, high in ranges:
            head = digits[: len(low)]
            if len(head) == len(low) and int(low) <= int(head) <= int(high):
                return name
    return None


# a run of ASCII digits with single spaces or dashes allowed between digits
_DIGIT_RUN = re.compile(r"[0-9](?:[ -]?[0-9])*")


def _alnum_at(text: str, index: int) -> bool:
    return 0 <= index < len(text) and text[index].isalnum()


def card_numbers(text: str) -> list[str]:
    """Every card number in the text, as its digits.

    A maximal run of digits (single spaces or dashes between digits) with no letter or digit
    immediately before or after it, 13-19 digits in all, a scheme's prefix and length, Luhn-valid.
    Reading: the run is taken whole (maximal); a longer run (two cards pasted with one space
    between) is not split into candidates.
    """
    found = []
    for match in _DIGIT_RUN.finditer(text):
        if _alnum_at(text, match.start() - 1) or _alnum_at(text, match.end()):
            continue
        digits = re.sub(r"[ -]", "", match.group())
        if 13 <= len(digits) <= 19 and card_scheme(digits) and luhn_valid(digits):
            found.append(digits)
    return found


# --------------------------------------------------------------------------------------------------
# Free-text patterns: card security codes, dates of birth, NI numbers
# --------------------------------------------------------------------------------------------------

# Reading: "as a whole word" is a regex word boundary on both sides of the keyword (so `CVV123`,
# with no boundary between the word and the digits, is not a keyword followed by a code).
_CVV = re.compile(
    r"\b(?:CVV2?|CVC2?|CSC|security\s+code)\b[^0-9]{0,5}[0-9]{3,4}(?![0-9])", re.IGNORECASE
)

# The words: DOB as a whole word (like CVV), so "Adobe 12/03/1980" is not one (first read
# without the boundary, which disagreed with the audit: the words were made explicit);
# `D.O.B` without its final dot is also accepted; day and month may have one or two digits, the
# separator the same on both sides, a four-digit year; the date not followed by a further digit.
_DOB = re.compile(
    r"(?<![A-Za-z0-9])(?:DOB|D\.O\.B\.?|date\s+of\s+birth)[^0-9]{0,5}"
    r"(?:[0-9]{1,2}([/.-])[0-9]{1,2}\1[0-9]{4}|[0-9]{4}-[0-9]{2}-[0-9]{2})(?![0-9])",
    re.IGNORECASE,
)

# Two capital letters, six digits in pairs, a capital A-D; one optional space between the pairs;
# no letter or digit (any script) immediately before or after.
_NI = re.compile(r"(?<![^\W_])([A-Z]{2}) ?([0-9]{2}) ?([0-9]{2}) ?([0-9]{2}) ?([A-D])(?![^\W_])")
NI_FIRST_NEVER = set("DFIQUV")
NI_SECOND_NEVER = set("DFIOQUV")
NI_PREFIX_NEVER = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


def has_card_security_code(text: str) -> bool:
    """`CVV`, `CVV2`, `CVC`, `CVC2`, `CSC` or `security code` (whole word), up to 5 non-digits, 3-4
    digits.
    """
    return _CVV.search(text) is not None


def has_date_of_birth(text: str) -> bool:
    """`DOB`, `D.O.B.` or `date of birth`, up to 5 non-digits, then a date in digits."""
    return _DOB.search(text) is not None


def ni_prefix_allocatable(prefix: str) -> bool:
    """Whether HMRC could allocate this two-letter prefix (NIM39110)."""
    return (
        len(prefix) == 2
        and prefix[0] not in NI_FIRST_NEVER
        and prefix[1] not in NI_SECOND_NEVER
        and prefix not in NI_PREFIX_NEVER
    )


def ni_numbers(text: str) -> list[str]:
    """Every National Insurance number HMRC could allocate, spaces removed (the specimen QQ... is
    not one).
    """
    return ["".join(m.groups()) for m in _NI.finditer(text) if ni_prefix_allocatable(m.group(1))]


# --------------------------------------------------------------------------------------------------
# Countries
# --------------------------------------------------------------------------------------------------

# Our own table from uk-rules.md ("compare countries after normalising them to one code").
# Reading: `U.S.A.` is added beside the listed US spellings (the same writing habit as `U.S.`).
COUNTRY_ALIASES = {
    "uk": "GB",
    "u.k.": "GB",
    "gb": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "united kingdom": "GB",
    "usa": "US",
    "us": "US",
    "u.s.": "US",
    "u.s.a.": "US",
    "united states": "US",
    "united states of america": "US",
}


def normalise_country(text: Any) -> str | None:
    """An ISO 3166-1 alpha-2 code for a country as people write it, else None (empty or unknown)."""
    if is_empty(text):
        return None
    key = str(text).strip()
    alias = COUNTRY_ALIASES.get(key.casefold())
    if alias:
        return alias
    try:
        return pycountry.countries.lookup(key).alpha_2
    except LookupError:
        return None


# --------------------------------------------------------------------------------------------------
# Identifiers and subjects
# --------------------------------------------------------------------------------------------------


def normalise_identifier(value: Any) -> str | None:
    """An identifier as the warehouse stages it: an email lower-cased and trimmed; a phone keeps its
    digits and a leading +, a UK 0-prefixed number becoming +44."""
    if is_empty(value):
        return None
    text = str(value).strip()
    if "@" in text:
        return text.lower()
    plus = text.startswith("+")
    digits = re.sub(r"[^0-9]", "", text)
    if not digits:
        return None
    if plus:
        return "+" + digits
    if digits.startswith("0"):
        return "+44" + digits[1:]
    return digits


class UnionFind:
    """Disjoint sets over hashable nodes."""

    def __init__(self) -> None:
        self.parent: dict[Any, Any] = {}

    def add(self, node: Any) -> None:
        self.parent.setdefault(node, node)

    def find(self, node: Any) -> Any:
        self.add(node)
        root = node
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[node] != root:  # path compression
            self.parent[node], node = root, self.parent[node]
        return root

    def union(self, a: Any, b: Any) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # deterministic: the smaller representation becomes the root
            if repr(rb) < repr(ra):
                ra, rb = rb, ra
            self.parent[rb] = ra


def resolve_subjects(
    record_identifiers: dict[tuple[str, str], set[str]],
) -> dict[tuple[str, str], Any]:
    """Records sharing an identifier belong to one subject, transitively; a record with none has
    none.

    `record_identifiers` maps (dataset, record_key) to its identifier values (already filtered).
    Returns (dataset, record_key) -> subject id, for records with at least one identifier.
    """
    uf = UnionFind()
    for record, identifiers in record_identifiers.items():
        if not identifiers:
            continue
        node = ("record", record)
        uf.add(node)
        for identifier in identifiers:
            uf.union(node, ("identifier", identifier))
    return {
        record: uf.find(("record", record))
        for record, identifiers in record_identifiers.items()
        if identifiers
    }


# --------------------------------------------------------------------------------------------------
# The audit's inputs
# --------------------------------------------------------------------------------------------------


@dataclass
class Dataset:
    name: str
    spec: dict[str, Any]
    rows: list[Row] = field(default_factory=list)  # staging rows
    raw_rows: list[Row] = field(default_factory=list)
    raw_columns: list[str] = field(default_factory=list)  # exported headers (lineage excluded)

    @property
    def columns(self) -> list[dict[str, Any]]:
        return list(self.spec.get("columns") or [])

    def records(self) -> dict[str, list[Row]]:
        """record_key -> its staging rows."""
        grouped: dict[str, list[Row]] = defaultdict(list)
        for row in self.rows:
            if row.get("record_key") is not None:
                grouped[str(row["record_key"])].append(row)
        return grouped

    def column_sources(self, column: dict[str, Any]) -> list[str]:
        sources = list(column.get("sources") or [])
        if column.get("source") is not None:
            sources.append(column["source"])
        return [str(s) for s in sources]

    def declared_headers(self) -> set[str]:
        return {s for column in self.columns for s in self.column_sources(column)}

    def free_text_headers(self) -> set[str]:
        """Raw headers whose data-map column has a category starting `user.content`."""
        return {
            s
            for column in self.columns
            if str(column.get("category") or "").startswith("user.content")
            for s in self.column_sources(column)
        }

    def declares_category(self, category: str) -> bool:
        """Reading: a column declares a category when its category is it or a sub-category of it."""
        return any(
            str(c.get("category") or "") == category
            or str(c.get("category") or "").startswith(category + ".")
            for c in self.columns
        )

    def source_of(self, name: str, default: str) -> str:
        for column in self.columns:
            if column.get("name") == name and column.get("source"):
                return str(column["source"])
        return default

    def anonymised_when_empty(self) -> list[str]:
        return list(self.spec.get("anonymised_when_empty") or [])


@dataclass
class Audit:
    as_of: dt.date
    tz: ZoneInfo
    T: dt.datetime
    fy_month: int
    fy_day: int
    retention: dict[str, dict[str, Any]]  # retention rule id -> rule
    params: dict[str, Any]
    approved_recipients: set[str]
    datasets: dict[str, Dataset]
    subject_of: dict[tuple[str, str], Any]
    subject_records: dict[Any, dict[str, set[str]]]  # subject -> dataset -> record keys
    cookies: list[dict[str, Any]] = field(default_factory=list)  # data_map/cookies.yaml, in order

    # helpers -------------------------------------------------------------------------------------
    def ds(self, name: str) -> Dataset:
        return self.datasets.get(name) or Dataset(name, {})

    def subject(self, dataset: str, key: str) -> Any:
        return self.subject_of.get((dataset, key))

    def subject_keys(self, subject: Any, dataset: str) -> set[str]:
        if subject is None:
            return set()
        return self.subject_records.get(subject, {}).get(dataset, set())

    def is_anonymised(self, dataset: str, rows: list[Row]) -> bool:
        """A record whose rows all have every `anonymised_when_empty` column empty (none declared:
        never).
        """
        columns = self.ds(dataset).anonymised_when_empty()
        if not columns:
            return False
        return all(is_empty(row.get(column)) for row in rows for column in columns)

    def cutoff(self, retention_id: str, default: dict[str, Any]) -> dt.datetime:
        keep_for = (self.retention.get(retention_id) or {}).get("keep_for") or default
        return cutoff_instant(self.as_of, keep_for, self.tz)

    def years_after(self, day: dt.date, retention_id: str, default: dict[str, Any]) -> dt.date:
        keep_for = (self.retention.get(retention_id) or {}).get("keep_for") or default
        months, days = period_months(keep_for)
        return add_months(day, months) + dt.timedelta(days=days)

    def fy_end_of(self, instant: dt.datetime) -> dt.date:
        return fy_end(local_date(instant, self.tz), self.fy_month, self.fy_day)


def _utc(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return value


def _fetch(conn: duckdb.DuckDBPyConnection, sql: str) -> tuple[list[str], list[Row]]:
    """Run `select * from <table>`; a missing table is empty. Rows as dicts, instants in UTC."""
    try:
        cursor = conn.execute(sql)
    except duckdb.CatalogException:
        return [], []
    columns = [d[0] for d in cursor.description]
    rows = [
        {c: _utc(v) for c, v in zip(columns, values, strict=True)} for values in cursor.fetchall()
    ]
    return columns, rows


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def load_audit(db_path: Path, data_map_dir: Path, as_of: dt.date) -> Audit:
    data_map_dir = Path(data_map_dir)
    retention_doc = _read_yaml(data_map_dir / "retention.yaml").get("retention") or {}
    tz = ZoneInfo(retention_doc.get("timezone") or "Europe/London")
    fy_month, fy_day = (
        int(p) for p in str(retention_doc.get("financial_year_end") or "03-31").split("-")
    )
    params = _read_yaml(data_map_dir / "rules.yaml").get("rules") or {}
    recipients = _read_yaml(data_map_dir / "recipients.yaml").get("recipients") or []
    identity = (_read_yaml(data_map_dir / "identity.yaml").get("identity") or {}).get(
        "not_a_person"
    ) or []
    not_a_person = {
        normalise_identifier(entry.get("value")) for entry in identity if isinstance(entry, dict)
    }
    not_a_person.discard(None)

    datasets: dict[str, Dataset] = {}
    conn = duckdb.connect(str(db_path), read_only=True)
    try:
        for path in sorted((data_map_dir / "datasets").glob("*.yaml")):
            doc = _read_yaml(path)
            spec = doc.get("dataset") or doc
            # the data map may carry anonymised_when_empty beside `dataset:` as well as inside it
            if "anonymised_when_empty" in doc and "anonymised_when_empty" not in spec:
                spec = {**spec, "anonymised_when_empty": doc["anonymised_when_empty"]}
            name = spec.get("name") or path.stem
            ds = Dataset(name, spec)
            _, ds.rows = _fetch(conn, f'select * from staging."{name}"')
            raw_columns, ds.raw_rows = _fetch(conn, f'select * from raw."{name}"')
            ds.raw_columns = [c for c in raw_columns if c not in LINEAGE]
            datasets[name] = ds
    finally:
        conn.close()

    # identity resolution over every email/phone column of every dataset
    record_identifiers: dict[tuple[str, str], set[str]] = defaultdict(set)
    for ds in datasets.values():
        id_columns = [
            c["name"]
            for c in ds.columns
            if c.get("type") in ("email", "phone")
            and c.get("identifies", True) is not False
            and c.get("name")
        ]
        for key, rows in ds.records().items():
            values = record_identifiers[(ds.name, key)]
            for row in rows:
                for column in id_columns:
                    value = row.get(column)
                    if is_empty(value):
                        continue
                    value = str(value).strip()
                    if "@" in value:
                        value = value.lower()
                    if value not in not_a_person:
                        values.add(value)
    subject_of = resolve_subjects(record_identifiers)
    subject_records: dict[Any, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for (dataset, key), subject in subject_of.items():
        subject_records[subject][dataset].add(key)

    return Audit(
        as_of=as_of,
        tz=tz,
        T=local_midnight(as_of, tz),
        fy_month=fy_month,
        fy_day=fy_day,
        retention={r.get("id"): r for r in retention_doc.get("rules") or []},
        params=params,
        approved_recipients={norm_text(r.get("name")) for r in recipients if r.get("name")},
        datasets=datasets,
        subject_of=subject_of,
        subject_records=subject_records,
        cookies=[
            entry
            for entry in _read_yaml(data_map_dir / "cookies.yaml").get("cookies") or []
            if isinstance(entry, dict) and entry.get("name") is not None
        ],
    )


# --------------------------------------------------------------------------------------------------
# The rules: one function each, returning findings
# --------------------------------------------------------------------------------------------------


def _has_recording(row: Row) -> bool:
    """A call with a recording: `recording_file` not null AND `disposition` = 'ANSWERED'.

    Reading: a blank recording_file counts as null; disposition compared trimmed, case-insensitive.
    """
    return (
        not is_empty(row.get("recording_file")) and norm_text(row.get("disposition")) == "answered"
    )


def _any_row(audit: Audit, rule: str, dataset: str, test) -> set[Finding]:
    """Reading: a record (several rows perhaps) violates when any one of its rows meets the test."""
    return {
        (rule, dataset, key)
        for key, rows in audit.ds(dataset).records().items()
        if any(test(row) for row in rows)
    }


def ret_calls(audit: Audit) -> set[Finding]:
    """RET-CALLS: a call with a recording (`recording_file` not null AND `disposition` =
    'ANSWERED'), `started_at < T - 12 months`, `legal_hold` not true.
    """
    cutoff = audit.cutoff("call_recordings", {"months": 12})
    return _any_row(
        audit,
        "RET-CALLS",
        "call_recordings",
        lambda r: (
            _has_recording(r)
            and r.get("started_at") is not None
            and r["started_at"] < cutoff
            and r.get("legal_hold") is not True
        ),
    )


def ret_prospect(audit: Audit) -> set[Finding]:
    """RET-PROSPECT: the CRM contact is not anonymised, the contact's subject has no record in
    `orders` (a contact without a subject has no orders), `last_activity_at < T - 24 months`.

    Reading: with several rows, the record's latest non-null last_activity_at is used; a contact
    with no last activity at all is not found (nothing says how long it has been inactive).
    """
    cutoff = audit.cutoff("prospects", {"months": 24})
    found = set()
    for key, rows in audit.ds("crm_contacts").records().items():
        if audit.is_anonymised("crm_contacts", rows):
            continue
        if audit.subject_keys(audit.subject("crm_contacts", key), "orders"):
            continue
        activity = [r["last_activity_at"] for r in rows if r.get("last_activity_at") is not None]
        if activity and max(activity) < cutoff:
            found.add(("RET-PROSPECT", "crm_contacts", key))
    return found


def ret_customer(audit: Audit) -> set[Finding]:
    """RET-CUSTOMER: the CRM contact is not anonymised, its subject has orders, and FY end of the
    latest `created_at` among the orders of the contact's subject, + 6 years, `< A`.
    """
    orders = audit.ds("orders").records()
    found = set()
    for key, rows in audit.ds("crm_contacts").records().items():
        if audit.is_anonymised("crm_contacts", rows):
            continue
        order_keys = audit.subject_keys(audit.subject("crm_contacts", key), "orders")
        created = [
            r["created_at"]
            for k in order_keys
            for r in orders.get(k, [])
            if r.get("created_at") is not None
        ]
        if not created:
            continue
        end = audit.years_after(audit.fy_end_of(max(created)), "customers", {"years": 6})
        if end < audit.as_of:
            found.add(("RET-CUSTOMER", "crm_contacts", key))
    return found


def ret_orders(audit: Audit) -> set[Finding]:
    """RET-ORDERS: FY end of the order's earliest `created_at` + 6 years `< A`, and the order is not
    anonymised."""
    found = set()
    for key, rows in audit.ds("orders").records().items():
        created = [r["created_at"] for r in rows if r.get("created_at") is not None]
        if not created or audit.is_anonymised("orders", rows):
            continue
        end = audit.years_after(audit.fy_end_of(min(created)), "orders", {"years": 6})
        if end < audit.as_of:
            found.add(("RET-ORDERS", "orders", key))
    return found


def ret_unsub(audit: Audit) -> set[Finding]:
    """RET-UNSUB: status `unsubscribed`, `unsubscribed_at < T - 30 days`, and `first_name`,
    `last_name` or `phone` still held (a suppression entry keeps the email, or its SHA-256, only).
    """
    cutoff = audit.cutoff("unsubscribed_members", {"days": 30})
    return _any_row(
        audit,
        "RET-UNSUB",
        "marketing_members",
        lambda r: (
            norm_text(r.get("status")) == "unsubscribed"
            and r.get("unsubscribed_at") is not None
            and r["unsubscribed_at"] < cutoff
            and any(not is_empty(r.get(c)) for c in ("first_name", "last_name", "phone"))
        ),
    )


def ret_chat(audit: Audit) -> set[Finding]:
    """RET-CHAT: `started_at < T - 12 months`."""
    cutoff = audit.cutoff("chat_transcripts", {"months": 12})
    return _any_row(
        audit,
        "RET-CHAT",
        "chat_transcripts",
        lambda r: r.get("started_at") is not None and r["started_at"] < cutoff,
    )


def con_no_basis(audit: Audit) -> set[Finding]:
    """CON-NO-BASIS: status `subscribed`, `optin_at` is null, and no order of the member's subject
    has `accepts_marketing` true.
    """
    orders = audit.ds("orders").records()
    found = set()
    for key, rows in audit.ds("marketing_members").records().items():
        if not any(
            norm_text(r.get("status")) == "subscribed" and r.get("optin_at") is None for r in rows
        ):
            continue
        order_keys = audit.subject_keys(audit.subject("marketing_members", key), "orders")
        soft_opt_in = any(
            r.get("accepts_marketing") is True for k in order_keys for r in orders.get(k, [])
        )
        if not soft_opt_in:
            found.add(("CON-NO-BASIS", "marketing_members", key))
    return found


def con_optout_sync(audit: Audit) -> set[Finding]:
    """CON-OPTOUT-SYNC: the record is opted in (CRM: `unsubscribed_from_all_email` is false;
    Mailchimp: status `subscribed`) while the same subject opted out in the other system at least 7
    days (`optout_grace_days`) before `T` (Mailchimp: `unsubscribed_at`; CRM:
    `unsubscribed_from_all_email` true, dated by `last_activity_at`).

    Reading: "at least 7 days before T" read with the general boundary rule (a period ending exactly
    at T is not yet exceeded): the opt-out must be strictly before T - 7 days (local calendar). An
    opt-out with no date is not counted (its age is unknown). "Is false" means false, not null.
    """
    grace = cutoff_instant(
        audit.as_of, {"days": int(audit.params.get("optout_grace_days", 7))}, audit.tz
    )
    crm = audit.ds("crm_contacts").records()
    members = audit.ds("marketing_members").records()

    def crm_opted_out(key: str) -> bool:
        return any(
            r.get("unsubscribed_from_all_email") is True
            and r.get("last_activity_at") is not None
            and r["last_activity_at"] < grace
            for r in crm.get(key, [])
        )

    def mailchimp_opted_out(key: str) -> bool:
        return any(
            norm_text(r.get("status")) == "unsubscribed"
            and r.get("unsubscribed_at") is not None
            and r["unsubscribed_at"] < grace
            for r in members.get(key, [])
        )

    found = set()
    for key, rows in crm.items():
        if any(r.get("unsubscribed_from_all_email") is False for r in rows):
            other = audit.subject_keys(audit.subject("crm_contacts", key), "marketing_members")
            if any(mailchimp_opted_out(k) for k in other):
                found.add(("CON-OPTOUT-SYNC", "crm_contacts", key))
    for key, rows in members.items():
        if any(norm_text(r.get("status")) == "subscribed" for r in rows):
            other = audit.subject_keys(audit.subject("marketing_members", key), "crm_contacts")
            if any(crm_opted_out(k) for k in other):
                found.add(("CON-OPTOUT-SYNC", "marketing_members", key))
    return found


def con_send_after_optout(audit: Audit) -> set[Finding]:
    """CON-SEND-AFTER-OPTOUT: the send's subject has a Mailchimp member with status `unsubscribed`
    and `sent_at > unsubscribed_at`.
    """
    members = audit.ds("marketing_members").records()
    found = set()
    for key, rows in audit.ds("marketing_sends").records().items():
        optouts = [
            m["unsubscribed_at"]
            for k in audit.subject_keys(audit.subject("marketing_sends", key), "marketing_members")
            for m in members.get(k, [])
            if norm_text(m.get("status")) == "unsubscribed" and m.get("unsubscribed_at") is not None
        ]
        if any(r.get("sent_at") is not None and r["sent_at"] > u for r in rows for u in optouts):
            found.add(("CON-SEND-AFTER-OPTOUT", "marketing_sends", key))
    return found


def con_call_notice(audit: Audit) -> set[Finding]:
    """CON-CALL-NOTICE: a call with a recording (`recording_file` not null AND `disposition` =
    'ANSWERED') whose `recording_notice` is present and not `played`.

    Reading: "present" = not null and not blank; compared trimmed, case-insensitive.
    """
    return _any_row(
        audit,
        "CON-CALL-NOTICE",
        "call_recordings",
        lambda r: (
            _has_recording(r)
            and not is_empty(r.get("recording_notice"))
            and norm_text(r.get("recording_notice")) != "played"
        ),
    )


def _raw_with_keys(ds: Dataset) -> list[tuple[str, Row]]:
    """Each raw row with the record_key of its staging row (joined on _source_file, _row_number).

    Reading: a raw row with no staging row has no record key and so cannot be a record finding.
    """
    keys = {(r.get("_source_file"), r.get("_row_number")): r.get("record_key") for r in ds.rows}
    out = []
    for raw in ds.raw_rows:
        key = keys.get((raw.get("_source_file"), raw.get("_row_number")))
        if key is not None:
            out.append((str(key), raw))
    return out


def _raw_values(ds: Dataset, raw: Row, headers: set[str] | None = None):
    for header in ds.raw_columns:
        if headers is not None and header not in headers:
            continue
        value = raw.get(header)
        if value is not None:
            yield header, str(value)


def sec_pan(audit: Audit) -> set[Finding]:
    """SEC-PAN: any column holds a card number: a run of digits, single spaces or dashes allowed
    between digits, with no letter or digit immediately before or after the run, of 13-19 digits in
    all, a scheme's prefix and length (uk-rules.md), Luhn-valid. Scanned over every exported raw
    column.
    """
    found = set()
    for ds in audit.datasets.values():
        for key, raw in _raw_with_keys(ds):
            if any(card_numbers(value) for _, value in _raw_values(ds, raw)):
                found.add(("SEC-PAN", ds.name, key))
    return found


def sec_cvv(audit: Audit) -> set[Finding]:
    """SEC-CVV: a free-text column (data category `user.content.*`) holds a card security code:
    `CVV`, `CVV2`, `CVC`, `CVC2`, `CSC` or `security code` (case-insensitive, as a whole word), then
    up to 5 non-digit characters, then 3 or 4 digits not followed by a digit.
    """
    found = set()
    for ds in audit.datasets.values():
        free_text = ds.free_text_headers()
        for key, raw in _raw_with_keys(ds):
            if any(has_card_security_code(value) for _, value in _raw_values(ds, raw, free_text)):
                found.add(("SEC-CVV", ds.name, key))
    return found


DOB_CATEGORY = "user.demographic.date_of_birth"
NI_CATEGORY = "user.government_id.national_identification_number"


def sec_undeclared(audit: Audit) -> set[Finding]:
    """SEC-UNDECLARED: a column in the export that its dataset YAML does not declare (one finding
    per column, keyed by its header); or a free-text column (`user.content.*`) holding a date of
    birth or a National Insurance number HMRC could allocate, when the dataset does not declare that
    category.

    Reading: a header is declared when it equals (exactly) some column's `source` or one of its
    `sources`.
    """
    found = set()
    for ds in audit.datasets.values():
        declared = ds.declared_headers()
        for header in ds.raw_columns:
            if header not in declared:
                found.add(("SEC-UNDECLARED", ds.name, header))
        check_dob = not ds.declares_category(DOB_CATEGORY)
        check_ni = not ds.declares_category(NI_CATEGORY)
        if not (check_dob or check_ni):
            continue
        free_text = ds.free_text_headers()
        for key, raw in _raw_with_keys(ds):
            for _, value in _raw_values(ds, raw, free_text):
                if (check_dob and has_date_of_birth(value)) or (check_ni and ni_numbers(value)):
                    found.add(("SEC-UNDECLARED", ds.name, key))
                    break
    return found


def tpd_unapproved(audit: Audit) -> set[Finding]:
    """TPD-UNAPPROVED: `recipient` is not the name of an approved recipient.

    Reading: names compared trimmed and case-insensitive; an empty recipient is not approved.
    """
    return _any_row(
        audit,
        "TPD-UNAPPROVED",
        "disclosures",
        lambda r: norm_text(r.get("recipient")) not in audit.approved_recipients,
    )


def _word_pattern(phrase: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in str(phrase).split()]
    return re.compile(r"\b" + r"\s+".join(words) + r"\b", re.IGNORECASE)


def tpd_sale(audit: Audit) -> set[Finding]:
    """TPD-SALE: `purpose` contains a whole word `sale`, `sold`, `sell`, `selling` or the phrase
    `list rental` (`sale_words`).

    Reading: case-insensitive; the words of a phrase may be separated by any whitespace.
    """
    patterns = [_word_pattern(w) for w in audit.params.get("sale_words") or [] if str(w).strip()]
    return _any_row(
        audit,
        "TPD-SALE",
        "disclosures",
        lambda r: (
            r.get("purpose") is not None and any(p.search(str(r["purpose"])) for p in patterns)
        ),
    )


def tpd_transfer(audit: Audit) -> set[Finding]:
    """TPD-TRANSFER: the country (raw "Country", normalised to ISO 3166-1 alpha-2) is not in
    `safe_countries` (normalised the same way; unrecognised or empty is not safe), and `safeguard`
    (staging, trimmed, case-insensitive) is empty or one of `no_safeguard_values`."""
    ds = audit.ds("disclosures")
    header = ds.source_of("country", "Country")
    safe = {normalise_country(c) for c in audit.params.get("safe_countries") or []} - {None}
    none_values = {norm_text(v) for v in audit.params.get("no_safeguard_values") or []}
    staged = {(r.get("_source_file"), r.get("_row_number")): r for r in ds.rows}
    found = set()
    for raw in ds.raw_rows:
        row = staged.get((raw.get("_source_file"), raw.get("_row_number")))
        if row is None or row.get("record_key") is None:
            continue
        if normalise_country(raw.get(header)) in safe:
            continue
        safeguard = row.get("safeguard")
        if is_empty(safeguard) or norm_text(safeguard) in none_values:
            found.add(("TPD-TRANSFER", "disclosures", str(row["record_key"])))
    return found


def dsr_deadline(received_on: dt.date, months: int) -> dt.date:
    """received_on + N calendar months (month ends clamped), a weekend moved to the Monday."""
    return next_weekday_if_weekend(add_months(received_on, months))


def dsr_overdue(audit: Audit) -> set[Finding]:
    """DSR-OVERDUE: deadline = `received_on` + 1 calendar month (3 if `extended` with an
    `extension_reason`), month ends clamped, moved to the Monday when it falls on a weekend (no bank
    holidays); overdue when `completed_on > deadline`, or when not completed and `deadline < A`.

    Reading: "not completed" = no `completed_on` (whatever the status says); "extended" = true;
    "with an extension_reason" = a non-blank reason.
    """
    normal = int(audit.params.get("response_months", 1))
    extended = int(audit.params.get("extended_response_months", 3))

    def overdue(r: Row) -> bool:
        if r.get("received_on") is None:
            return False
        months = (
            extended
            if r.get("extended") is True and not is_empty(r.get("extension_reason"))
            else normal
        )
        deadline = dsr_deadline(r["received_on"], months)
        if r.get("completed_on") is not None:
            return r["completed_on"] > deadline
        return deadline < audit.as_of

    return _any_row(audit, "DSR-OVERDUE", "rights_requests", overdue)


def _completed_requests(audit: Audit, types: set[str]):
    for key, rows in audit.ds("rights_requests").records().items():
        matching = [
            r
            for r in rows
            if norm_text(r.get("request_type")) in types
            and norm_text(r.get("status")) == "completed"
        ]
        if matching:
            yield key, matching


def dsr_erasure_incomplete(audit: Audit) -> set[Finding]:
    """DSR-ERASURE-INCOMPLETE: type `Erasure`, status `Completed`, and the requester's subject still
    has a record in any dataset other than rights_requests and disclosures.

    Reading: any record of the subject counts, whenever it was made; type and status compared
    trimmed, case-insensitive.
    """
    found = set()
    for key, _ in _completed_requests(audit, {"erasure"}):
        subject = audit.subject("rights_requests", key)
        if subject is None:
            continue
        held = audit.subject_records.get(subject, {})
        if any(
            keys
            for dataset, keys in held.items()
            if dataset not in ("rights_requests", "disclosures")
        ):
            found.add(("DSR-ERASURE-INCOMPLETE", "rights_requests", key))
    return found


def dsr_objection_ignored(audit: Audit) -> set[Finding]:
    """DSR-OBJECTION-IGNORED: type `Objection to marketing` or `Withdraw consent`, status
    `Completed`, and the requester's subject still has a Mailchimp member with status `subscribed`,
    or a send with `sent_at` on or after the day after `completed_on`.

    Reading: "the day after completed_on" starts at 00:00 Europe/London; with no completed_on only
    the subscribed-member part can apply.
    """
    members = audit.ds("marketing_members").records()
    sends = audit.ds("marketing_sends").records()
    found = set()
    for key, rows in _completed_requests(audit, {"objection to marketing", "withdraw consent"}):
        subject = audit.subject("rights_requests", key)
        if subject is None:
            continue
        subscribed = any(
            norm_text(m.get("status")) == "subscribed"
            for k in audit.subject_keys(subject, "marketing_members")
            for m in members.get(k, [])
        )
        sent_after = False
        for r in rows:
            if r.get("completed_on") is None:
                continue
            start = local_midnight(r["completed_on"] + dt.timedelta(days=1), audit.tz)
            sent_after = sent_after or any(
                s.get("sent_at") is not None and s["sent_at"] >= start
                for k in audit.subject_keys(subject, "marketing_sends")
                for s in sends.get(k, [])
            )
        if subscribed or sent_after:
            found.add(("DSR-OBJECTION-IGNORED", "rights_requests", key))
    return found


# --------------------------------------------------------------------------------------------------
# Website cookies: the latest scan against the inventory (data_map/cookies.yaml)
# --------------------------------------------------------------------------------------------------


def cookie_pattern(name: str) -> re.Pattern[str]:
    """An inventory name as a whole-name pattern: `*` matches any run of characters (none too);
    every other character, `?` and `[` included, stands for itself; case-sensitive.
    """
    return re.compile("".join(".*" if c == "*" else re.escape(c) for c in name), re.DOTALL)


def cookie_entry(inventory: list[dict[str, Any]], cookie: Any) -> dict[str, Any] | None:
    """The inventory entry of a cookie: the entry with its exact name, else the first entry (in the
    inventory's order) whose `*` pattern it matches, else None.

    Reading: an exact name is compared as is (case-sensitive, not trimmed); an entry without `*`
    is only ever an exact name.
    """
    if cookie is None:
        return None
    name = str(cookie)
    for entry in inventory:
        if str(entry["name"]) == name:
            return entry
    for entry in inventory:
        pattern = str(entry["name"])
        if "*" in pattern and cookie_pattern(pattern).fullmatch(name):
            return entry
    return None


def needs_consent(entry: dict[str, Any]) -> bool:
    """Category not `strictly_necessary` and no `exemption` named.

    Reading: `exemption` names one when it is present and not empty; the category is compared
    trimmed, case-insensitive.
    """
    return norm_text(entry.get("category")) != "strictly_necessary" and is_empty(
        entry.get("exemption")
    )


def latest_scan(audit: Audit) -> list[tuple[str, Row]]:
    """(record_key, row) for the rows of the latest scan: those whose `scanned_on` is the greatest
    on or before A.

    Reading: rows with no scan date or no record key are never part of a scan; several files of
    the same date form one scan; a scan after A is ignored.
    """
    rows = [
        r
        for r in audit.ds("cookie_scans").rows
        if r.get("scanned_on") is not None
        and r.get("record_key") is not None
        and _as_date(r["scanned_on"]) <= audit.as_of
    ]
    if not rows:
        return []
    latest = max(_as_date(r["scanned_on"]) for r in rows)
    return [(str(r["record_key"]), r) for r in rows if _as_date(r["scanned_on"]) == latest]


def _as_date(value: dt.date) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def web_undeclared_cookie(audit: Audit) -> set[Finding]:
    """WEB-UNDECLARED-COOKIE: in the latest scan, a cookie whose name matches no inventory cookie
    (exact name, or a pattern with `*`).
    """
    return {
        ("WEB-UNDECLARED-COOKIE", "cookie_scans", key)
        for key, row in latest_scan(audit)
        if cookie_entry(audit.cookies, row.get("cookie_name")) is None
    }


def web_before_consent(audit: Audit) -> set[Finding]:
    """WEB-BEFORE-CONSENT: in the latest scan, `set_before_consent` is true and the cookie's
    inventory entry needs consent; the platform's own category is never consulted, and a cookie
    with no entry is left to WEB-UNDECLARED-COOKIE.

    Reading: "is true" means true (null is not).
    """
    found = set()
    for key, row in latest_scan(audit):
        if row.get("set_before_consent") is not True:
            continue
        entry = cookie_entry(audit.cookies, row.get("cookie_name"))
        if entry is not None and needs_consent(entry):
            found.add(("WEB-BEFORE-CONSENT", "cookie_scans", key))
    return found


def web_lifetime(audit: Audit) -> set[Finding]:
    """WEB-LIFETIME: in the latest scan, the cookie has an inventory entry and `expiry_days` (blank:
    a session cookie, 0) is greater than the entry's `max_lifetime_days` (0: session only).

    Reading: an entry with no `max_lifetime_days` sets no limit.
    """
    found = set()
    for key, row in latest_scan(audit):
        entry = cookie_entry(audit.cookies, row.get("cookie_name"))
        if entry is None or entry.get("max_lifetime_days") is None:
            continue
        expiry = row.get("expiry_days")
        lifetime = 0 if expiry is None else int(expiry)
        if lifetime > int(entry["max_lifetime_days"]):
            found.add(("WEB-LIFETIME", "cookie_scans", key))
    return found


CONSENT_ACTIONS = {"accept_all", "reject_all", "custom", "withdraw"}
CONSENT_ACTIONS_WITH_CATEGORIES = {"accept_all", "custom"}


def consent_record_missing(row: Row) -> list[str]:
    """What a consent log entry lacks of when, what (banner_version), how (action) and, for
    accept_all and custom, which categories.

    Reading: "not a time" = the staged value is not a timestamp (a value the loader could not read
    is staged null); an unknown action lacks "how" and is not asked for categories.
    """
    missing = []
    if not isinstance(row.get("consented_at"), dt.datetime):
        missing.append("when")
    if is_empty(row.get("banner_version")):
        missing.append("banner_version")
    action = norm_text(row.get("action"))
    if action not in CONSENT_ACTIONS:
        missing.append("action")
    elif action in CONSENT_ACTIONS_WITH_CATEGORIES and is_empty(row.get("categories")):
        missing.append("categories")
    return missing


def web_consent_record(audit: Audit) -> set[Finding]:
    """WEB-CONSENT-RECORD: the entry lacks when, what the visitor was told, how or (accept_all,
    custom) which categories. Keyed by the staged record_key (the data row number).
    """
    return _any_row(audit, "WEB-CONSENT-RECORD", "cookie_consents", consent_record_missing)


# --------------------------------------------------------------------------------------------------
# People: unsuccessful job applicants and leavers
# --------------------------------------------------------------------------------------------------

APPLICANT_PERSONAL = ("first_name", "last_name", "email", "phone")
LEAVER_PERSONAL = (
    "first_name",
    "last_name",
    "work_email",
    "home_email",
    "mobile_phone",
    "date_of_birth",
    "ni_number",
)


def _exempt_within(audit: Audit, retention_id: str, default: dict[str, Any]) -> dict[str, Any]:
    exempt = (audit.retention.get(retention_id) or {}).get("exempt_when")
    if isinstance(exempt, dict) and isinstance(exempt.get("within"), dict):
        return exempt["within"]
    return default


def ret_applicant(audit: Audit) -> set[Finding]:
    """RET-APPLICANT: status `Rejected` or `Withdrawn`, not anonymised (`first_name`, `last_name`,
    `email`, `phone` not all empty), the decision (`rejected_at`, else `last_activity_at`)
    `< T - 6 months`, and `keep_on_file_consent_at` empty or `< T - 12 months`.

    Reading: decided row by row (any row of the record); no decision time, no finding; the
    anonymisation is judged from the four columns, not from the staged is_anonymised; a
    keep-on-file agreement dated after T still exempts (only "empty or < T - 12 months" violates).
    """
    cutoff = audit.cutoff("unsuccessful_applicants", {"months": 6})
    keep_cutoff = cutoff_instant(
        audit.as_of, _exempt_within(audit, "unsuccessful_applicants", {"months": 12}), audit.tz
    )

    def violates(r: Row) -> bool:
        if norm_text(r.get("status")) not in ("rejected", "withdrawn"):
            return False
        if all(is_empty(r.get(c)) for c in APPLICANT_PERSONAL):
            return False
        decision = r.get("rejected_at")
        if decision is None:
            decision = r.get("last_activity_at")
        if decision is None or not decision < cutoff:
            return False
        keep = r.get("keep_on_file_consent_at")
        return keep is None or keep < keep_cutoff

    return _any_row(audit, "RET-APPLICANT", "job_applications", violates)


def ret_leaver(audit: Audit) -> set[Finding]:
    """RET-LEAVER: not anonymised (any of the names, emails, mobile phone, date of birth or NI
    number held) and `terminated_on < A - 6 years`.

    Reading: A - 6 years on the calendar (29 February becomes 28 February); status is not
    consulted, only the termination date; decided row by row.
    """
    keep_for = (audit.retention.get("leavers") or {}).get("keep_for") or {"years": 6}
    months, days = period_months(keep_for)
    cutoff = add_months(audit.as_of, -months) - dt.timedelta(days=days)
    return _any_row(
        audit,
        "RET-LEAVER",
        "employees",
        lambda r: (
            r.get("terminated_on") is not None
            and _as_date(r["terminated_on"]) < cutoff
            and any(not is_empty(r.get(c)) for c in LEAVER_PERSONAL)
        ),
    )


RULES = {
    "RET-CALLS": ret_calls,
    "RET-PROSPECT": ret_prospect,
    "RET-CUSTOMER": ret_customer,
    "RET-ORDERS": ret_orders,
    "RET-UNSUB": ret_unsub,
    "RET-CHAT": ret_chat,
    "CON-NO-BASIS": con_no_basis,
    "CON-OPTOUT-SYNC": con_optout_sync,
    "CON-SEND-AFTER-OPTOUT": con_send_after_optout,
    "CON-CALL-NOTICE": con_call_notice,
    "SEC-PAN": sec_pan,
    "SEC-CVV": sec_cvv,
    "SEC-UNDECLARED": sec_undeclared,
    "TPD-UNAPPROVED": tpd_unapproved,
    "TPD-SALE": tpd_sale,
    "TPD-TRANSFER": tpd_transfer,
    "DSR-OVERDUE": dsr_overdue,
    "DSR-ERASURE-INCOMPLETE": dsr_erasure_incomplete,
    "DSR-OBJECTION-IGNORED": dsr_objection_ignored,
    "WEB-UNDECLARED-COOKIE": web_undeclared_cookie,
    "WEB-BEFORE-CONSENT": web_before_consent,
    "WEB-LIFETIME": web_lifetime,
    "WEB-CONSENT-RECORD": web_consent_record,
    "RET-APPLICANT": ret_applicant,
    "RET-LEAVER": ret_leaver,
}


def reference_findings(
    db_path: Path, data_map_dir: Path, as_of: dt.date
) -> set[tuple[str, str, str]]:
    """Every violation of the 25 rules as (rule_id, dataset, record_key)."""
    audit = load_audit(Path(db_path), Path(data_map_dir), as_of)
    findings: set[Finding] = set()
    for rule in RULES.values():
        findings |= rule(audit)
    return findings
