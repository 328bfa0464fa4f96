"""Tests of the sample estate generator (pipelines.sample)."""

from __future__ import annotations

import calendar
import csv
import io
import json
import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from pipelines.datamap import load_data_map
from pipelines.ingest.load import load_dataset
from pipelines.sample import DATASETS, generate_estate
from pipelines.sample import generator as sample_generator
from pipelines.sample import writers as sample_writers
from pipelines.sample.writers import (
    APPLICATIONS_HEADER,
    CONSENT_LOG_HEADER,
    COOKIE_SCAN_HEADER,
    CRM_HEADER,
    DISCLOSURES_HEADER,
    EMPLOYEES_HEADER,
    MEMBER_HEADERS,
    ORDER_HEADER,
    RIGHTS_HEADER,
    SENDS_HEADER,
)
from pipelines.staging.build import build_staging
from pipelines.staging.subjects import build_subjects
from pipelines.warehouse import connect, ident

AS_OF = date(2026, 6, 30)
CONTACTS = 300
SEED = 20240127
BIG_SEED, BIG_AS_OF = 5, AS_OF
LONDON = ZoneInfo("Europe/London")
CUTOFF = datetime(AS_OF.year, AS_OF.month, AS_OF.day, tzinfo=LONDON)
REPO = Path(__file__).resolve().parents[1]
RULE_IDS = {
    "RET-CALLS", "RET-PROSPECT", "RET-CUSTOMER", "RET-ORDERS", "RET-UNSUB", "RET-CHAT",
    "CON-NO-BASIS", "CON-OPTOUT-SYNC", "CON-SEND-AFTER-OPTOUT", "CON-CALL-NOTICE", "SEC-PAN",
    "SEC-CVV", "SEC-UNDECLARED", "TPD-UNAPPROVED", "TPD-SALE", "TPD-TRANSFER", "DSR-OVERDUE",
    "DSR-ERASURE-INCOMPLETE", "DSR-OBJECTION-IGNORED", "WEB-UNDECLARED-COOKIE",
    "WEB-BEFORE-CONSENT", "WEB-LIFETIME", "WEB-CONSENT-RECORD", "RET-APPLICANT", "RET-LEAVER",
}  # fmt: skip
APPROVED = {"worldpay", "royal mail", "dpd uk", "printmail ltd", "pure chat"}
ORDER_LEVEL_COLUMNS = [
    c
    for c in ORDER_HEADER
    if c not in ("Name", "Email", "Created at") and not c.startswith("Lineitem")
]


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("estate")
    return out, generate_estate(out, CONTACTS, SEED, AS_OF)


@pytest.fixture(scope="module")
def big_estate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("big")
    generate_estate(out, 3_000, BIG_SEED, BIG_AS_OF)
    return out


def files_of(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def one(root: Path, dataset: str, pattern: str = "*") -> Path:
    (path,) = sorted((root / dataset).glob(pattern))
    return path


def read_csv(path: Path, encoding: str = "utf-8") -> list[list[str]]:
    with open(path, encoding=encoding, newline="") as fh:
        return list(csv.reader(fh))


def cdr_rows(root: Path) -> list[list[str]]:
    text = one(root, "call_recordings", "Master.csv").read_bytes().decode("latin-1")
    return list(csv.reader(io.StringIO(text, newline="")))


def order_rows(root: Path) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in sorted((root / "orders").glob("orders_export_*.csv")):
        with open(path, encoding="utf-8", newline="") as fh:
            rows += list(csv.DictReader(fh))
    return rows


def chat_lines(root: Path) -> list[str]:
    """Every transcript as one JSON text: the JSON-lines export's lines, then the chats of the
    API page files (purechat_api_page_<n>.json: {"chats": [...], "meta": {...}})."""
    lines = one(root, "chat_transcripts", "*.jsonl").read_text(encoding="utf-8").splitlines()
    for path in sorted((root / "chat_transcripts").glob("purechat_api_page_*.json")):
        page = json.loads(path.read_text(encoding="utf-8"))
        lines += [json.dumps(chat, ensure_ascii=False) for chat in page["chats"]]
    return lines


def member_files(root: Path) -> dict[str, Path]:
    return {
        status: one(root, "marketing_members", f"{status}_members_export_*.csv")
        for status in MEMBER_HEADERS
    }


def scan_dates(root: Path) -> list[date]:
    """The dates of the cookie scans on or before AS_OF (from their file names), oldest first."""
    days = [date.fromisoformat(p.stem.removeprefix("cookie-scan-")) for p in scan_files(root)]
    return [d for d in days if d <= AS_OF]


def scan_files(root: Path) -> list[Path]:
    return sorted((root / "cookie_scans").glob("cookie-scan-*.csv"))


def latest_and_older_scans(root: Path, as_of: date = AS_OF) -> list[Path]:
    return [p for p in scan_files(root) if date.fromisoformat(p.stem[12:]) <= as_of]


def ground_truth(root: Path) -> set[tuple[str, str, str]]:
    rows = read_csv(root / "ground_truth.csv")
    assert rows[0] == ["rule_id", "dataset", "record_key"]
    return {(r[0], r[1], r[2]) for r in rows[1:]}


def planted(root: Path, rule: str) -> set[str]:
    """Record keys the ground truth expects `rule` to report."""
    return {key for r, _, key in ground_truth(root) if r == rule}


# ---- determinism ------------------------------------------------------------------------


def test_same_seed_gives_byte_identical_files(estate, tmp_path):
    root, counts = estate
    again = generate_estate(tmp_path / "again", CONTACTS, SEED, AS_OF)
    assert again == counts
    assert files_of(tmp_path / "again") == files_of(root)


def test_different_seed_differs(estate, tmp_path):
    root, _ = estate
    generate_estate(tmp_path / "other", CONTACTS, SEED + 1, AS_OF)
    ours = files_of(root)
    theirs = files_of(tmp_path / "other")
    same_named = set(ours) & set(theirs)
    assert same_named
    assert all(ours[name] != theirs[name] for name in same_named)


def test_progress_reports_every_contact(tmp_path, monkeypatch):
    monkeypatch.setattr(sample_generator, "PROGRESS_EVERY", 100)
    seen: list[int] = []
    generate_estate(tmp_path, 250, 1, AS_OF, progress=seen.append)
    assert seen == [100, 100, 50]


# ---- layouts ------------------------------------------------------------------------------


def test_every_dataset_has_its_files_and_exact_headers(estate):
    root, counts = estate
    assert tuple(counts) == DATASETS
    assert sorted(p.name for p in root.iterdir()) == sorted([*DATASETS, "ground_truth.csv"])
    iso = AS_OF.isoformat()
    crm = root / "crm_contacts" / f"hubspot-crm-exports-all-contacts-{iso}.csv"
    assert read_csv(crm)[0] == list(CRM_HEADER)
    assert read_csv(root / "orders" / "orders_export_1.csv")[0] == list(ORDER_HEADER)
    assert len(ORDER_HEADER) == 79
    sends = root / "marketing_sends" / f"campaign_activity_{iso}.csv"
    assert read_csv(sends)[0] == list(SENDS_HEADER)
    assert (root / "chat_transcripts" / f"purechat_transcripts_{iso}.jsonl").is_file()
    pages = sorted(p.name for p in (root / "chat_transcripts").glob("*.json"))
    assert pages == ["purechat_api_page_0.json", "purechat_api_page_1.json"]
    rights = root / "rights_requests" / "rights_requests_tracker.csv"
    assert read_csv(rights, "cp1252")[0] == list(RIGHTS_HEADER)
    log = root / "disclosures" / "third_party_disclosures_log.csv"
    assert read_csv(log, "cp1252")[0] == [*DISCLOSURES_HEADER, "Contact Name"]  # undeclared
    scans = sorted((root / "cookie_scans").iterdir())
    assert len(scans) >= 6 and all(
        re.fullmatch(r"cookie-scan-\d{4}-\d\d-\d\d\.csv", p.name) for p in scans
    )
    assert all(read_csv(p)[0] == list(COOKIE_SCAN_HEADER) for p in scans)
    assert read_csv(one(root, "cookie_consents"))[0] == list(CONSENT_LOG_HEADER)
    assert read_csv(one(root, "job_applications"))[0] == list(APPLICATIONS_HEADER)
    assert read_csv(one(root, "employees"))[0] == list(EMPLOYEES_HEADER)


def test_cdr_has_no_header_and_21_fields_per_line(estate):
    root, _ = estate
    raw = one(root, "call_recordings", "Master.csv").read_bytes()
    assert b"\r\n" not in raw and raw.endswith(b"\n")
    rows = cdr_rows(root)
    assert rows and all(len(r) == 21 for r in rows)
    assert not rows[0][0].startswith("accountcode")
    unanswered = [line for line in raw.decode("latin-1").splitlines() if '"NO ANSWER"' in line]
    assert unanswered and all(re.search(r'",,"\d{4}-', line) for line in unanswered)
    assert len({r[16] for r in rows}) == len(rows)  # uniqueid
    assert all(re.fullmatch(r'"[^"]*" <\+?\d+>', r[4]) for r in rows)
    flags = Counter(r[15] for r in rows)  # cdr_csv writes the flag's name, quoted
    assert set(flags) == {"DOCUMENTATION", "BILLING"} and flags["DOCUMENTATION"] > flags["BILLING"]
    assert all(
        re.search(r',"(DOCUMENTATION|BILLING)",', line)
        for line in raw.decode("latin-1").splitlines()
    )


def test_chat_api_pages(big_estate):
    pages = sorted((big_estate / "chat_transcripts").glob("*.json"))
    assert [p.name for p in pages] == ["purechat_api_page_0.json", "purechat_api_page_1.json"]
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in pages]
    assert [d["meta"] for d in docs] == [
        {"page": 0, "next_page_uri": "/api/v2/chats?page=1"},
        {"page": 1, "next_page_uri": None},
    ]
    assert all(d["chats"] and set(d) == {"chats", "meta"} for d in docs)
    ids = [json.loads(line)["chatId"] for line in chat_lines(big_estate)]
    assert len(ids) == len(set(ids)) and 0.05 < sum(len(d["chats"]) for d in docs) / len(ids) < 0.2


def test_cdr_has_a_few_latin1_caller_names(big_estate):
    lines = (big_estate / "call_recordings" / "Master.csv").read_bytes().split(b"\n")[:-1]
    invalid = []
    for line in lines:
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            invalid.append(line)
    assert 0 < len(invalid) < len(lines) // 100
    for line in invalid:
        (row,) = csv.reader([line.decode("latin-1")])
        assert not row[4].isascii() and len(row) == 21


def test_crm_quotes_every_field(estate):
    root, _ = estate
    path = one(root, "crm_contacts")
    text = path.read_text(encoding="utf-8")
    rows = read_csv(path)
    buf = io.StringIO()
    csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
    assert buf.getvalue() == text
    assert any("\n" in r[-1] for r in rows[1:])  # multi-line notes
    ids = [r[0] for r in rows[1:]]
    assert len(set(ids)) == len(ids) and all(re.fullmatch(r"\d{11,12}", i) for i in ids)


def test_shopify_continuation_rows_and_postcodes(estate):
    root, _ = estate
    rows = order_rows(root)
    firsts = [r for r in rows if r["Financial Status"]]
    continuations = [r for r in rows if not r["Financial Status"]]
    assert firsts and continuations
    for r in continuations:
        assert r["Name"] and r["Created at"] and r["Lineitem sku"]
        assert all(r[c] == "" for c in ORDER_LEVEL_COLUMNS), r["Name"]
    anonymised = {r["Name"] for r in firsts if not r["Email"]}
    assert anonymised and len(anonymised) < len(firsts) // 2
    held = {r["Name"] for r in rows if r["Email"] or r["Billing Name"] or r["Phone"]}
    assert anonymised & held == anonymised & planted(root, "RET-ORDERS") != set()
    for r in firsts:
        if r["Name"] in anonymised:
            continue
        assert re.fullmatch(r"'[A-Z]{1,2}\d{1,2} \d[A-Z]{2}", r["Billing Zip"])
        assert r["Shipping Zip"].startswith("'") and r["Currency"] == "GBP"
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0[01]00", r["Created at"])
    names = [r["Name"] for r in firsts]
    assert len(set(names)) == len(names) and names[0] == "#1001"
    raw = (root / "orders" / "orders_export_1.csv").read_text(encoding="utf-8")
    assert ',"",' in raw  # explicitly quoted empty cells


def test_orders_split_across_files_without_splitting_an_order(tmp_path, monkeypatch):
    monkeypatch.setattr(sample_writers, "ORDERS_ROWS_PER_FILE", 40)
    counts = generate_estate(tmp_path, CONTACTS, SEED, AS_OF)
    paths = sorted((tmp_path / "orders").glob("orders_export_*.csv"))
    assert len(paths) > 3
    owner: dict[str, str] = {}
    total = 0
    for path in paths:
        rows = read_csv(path)
        assert rows[0] == list(ORDER_HEADER)
        assert rows[1][2]  # a file starts with an order's first row
        for row in rows[1:]:
            assert owner.setdefault(row[0], path.name) == path.name
        total += len(rows) - 1
    assert total == counts["orders"]


def test_mailchimp_files_have_no_status_column_and_unique_members(estate):
    root, _ = estate
    seen: list[str] = []
    for status, path in member_files(root).items():
        header_line = path.read_text(encoding="utf-8").split("\n", 1)[0]
        assert header_line.startswith(
            '"Email Address","First Name","Last Name","Phone Number",Birthday,'
        )  # merge fields between "Last Name" and MEMBER_RATING; Birthday is not in the data map
        assert ",EMAIL_TYPE,MEMBER_RATING," in header_line
        rows = read_csv(path)
        assert rows[0] == list(MEMBER_HEADERS[status])
        assert not {"STATUS", "Status", "status"} & set(rows[0])
        assert all(len(r) == len(rows[0]) for r in rows[1:])
        seen += [r[0].strip().lower() for r in rows[1:]]
    assert len(seen) == len(set(seen))
    subscribed = read_csv(member_files(root)["subscribed"])
    tags = [r[-1] for r in subscribed[1:] if r[-1]]
    assert tags and all(re.fullmatch(r'"[^"]+"(,"[^"]+")*', t) for t in tags)
    assert sum(1 for r in subscribed[1:] if r[7] == "") > 0  # no consent recorded
    birthdays = [r[4] for r in subscribed[1:] if r[4]]
    assert birthdays and all(re.fullmatch(r"(0[1-9]|1[0-2])/[0-3]\d", b) for b in birthdays)


def test_sends_only_to_members_while_subscribed(estate):
    root, _ = estate
    windows: dict[str, tuple[str, str]] = {}
    for path in member_files(root).values():
        header, *members = read_csv(path)
        for r in (dict(zip(header, m, strict=True)) for m in members):
            end = r.get("UNSUB_TIME") or r.get("CLEAN_TIME") or "9999"
            windows[r["Email Address"]] = (r["CONFIRM_TIME"] or r["OPTIN_TIME"], end)
    header, *sends = read_csv(one(root, "marketing_sends"))
    rows = [dict(zip(header, r, strict=True)) for r in sends]
    assert rows
    pairs = [(r["campaign_id"], r["email"]) for r in rows]
    assert len(pairs) == len(set(pairs))
    late = planted(root, "CON-SEND-AFTER-OPTOUT")
    for r in rows:
        if f"{r['campaign_id']}|{r['email'].strip().lower()}" in late:
            continue
        assert r["email"] in windows
        start, end = windows[r["email"]]
        sent = r["sent_at"].replace("T", " ").rstrip("Z")
        assert (not start or start < sent) and sent < end


def test_cp1252_files(estate):
    root, _ = estate
    for dataset in ("rights_requests", "disclosures"):
        raw = one(root, dataset).read_bytes()
        text = raw.decode("cp1252")
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
        assert not text.isascii()
        assert raw.count(b"\r\n") == raw.count(b"\n")
        rows = read_csv(one(root, dataset), "cp1252")
        assert all(
            re.fullmatch(r"\d\d/\d\d/\d{4}", r[1 if dataset == "rights_requests" else 0])
            for r in rows[1:]
        )
    log = read_csv(one(root, "disclosures"), "cp1252")
    unapproved = planted(root, "TPD-UNAPPROVED")
    for n, r in enumerate(log[1:], start=1):
        assert (" ".join(r[1].lower().split()) in APPROVED) != (str(n) in unapproved), r
    refs = [r[0] for r in read_csv(one(root, "rights_requests"), "cp1252")[1:]]
    assert len(refs) == len(set(refs)) >= 5


# ---- content ------------------------------------------------------------------------------


def test_returned_counts_equal_data_rows(estate):
    root, counts = estate
    assert counts["crm_contacts"] == CONTACTS == len(read_csv(one(root, "crm_contacts"))) - 1
    assert counts["orders"] == len(order_rows(root))
    assert counts["call_recordings"] == len(cdr_rows(root))
    members = sum(len(read_csv(p)) - 1 for p in member_files(root).values())
    assert counts["marketing_members"] == members
    assert counts["marketing_sends"] == len(read_csv(one(root, "marketing_sends"))) - 1
    assert counts["chat_transcripts"] == len(chat_lines(root))
    assert counts["rights_requests"] == len(read_csv(one(root, "rights_requests"), "cp1252")) - 1
    assert counts["disclosures"] == len(read_csv(one(root, "disclosures"), "cp1252")) - 1 == 50
    scan_rows = sum(len(read_csv(p)) - 1 for p in (root / "cookie_scans").iterdir())
    assert counts["cookie_scans"] == scan_rows
    assert counts["cookie_consents"] == len(read_csv(one(root, "cookie_consents"))) - 1 == 200
    assert counts["job_applications"] == len(read_csv(one(root, "job_applications"))) - 1 >= 60
    assert counts["employees"] == len(read_csv(one(root, "employees"))) - 1 >= 40


def all_instants(root: Path) -> list[datetime]:
    """Every timestamp/date in the estate, as an aware datetime (dates: start of day)."""
    found: list[datetime] = []

    def local(text: str, fmt: str) -> None:
        found.append(datetime.strptime(text, fmt).replace(tzinfo=LONDON))

    def utc(text: str, fmt: str) -> None:
        found.append(datetime.strptime(text, fmt).replace(tzinfo=UTC))

    for r in read_csv(one(root, "crm_contacts"))[1:]:
        for v in (r[7], r[10]):
            if v:
                local(
                    v,
                    "%m/%d/%Y %I:%M %p"
                    if "M" in v
                    else "%d/%m/%Y %H:%M"
                    if "/" in v
                    else "%Y-%m-%d %H:%M",
                )
    for r in order_rows(root):
        for col in ("Created at", "Paid at", "Fulfilled at", "Cancelled at"):
            if r[col]:
                found.append(datetime.strptime(r[col], "%Y-%m-%d %H:%M:%S %z"))
    for r in cdr_rows(root):
        for v in (r[9], r[10], r[11]):
            if v:
                local(v, "%Y-%m-%d %H:%M:%S")
    for path in member_files(root).values():
        for r in read_csv(path)[1:]:
            for v in r:
                if re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", v):
                    utc(v, "%Y-%m-%d %H:%M:%S")
    for r in read_csv(one(root, "marketing_sends"))[1:]:
        utc(r[3], "%Y-%m-%dT%H:%M:%SZ")
    for line in chat_lines(root):
        chat = json.loads(line)
        for v in [chat["startedAt"], *(m["at"] for m in chat["messages"])]:
            utc(v, "%Y-%m-%dT%H:%M:%SZ")
    for r in read_csv(one(root, "rights_requests"), "cp1252")[1:]:
        for v in (r[1], r[5]):
            if v:
                local(v, "%d/%m/%Y")
    for r in read_csv(one(root, "disclosures"), "cp1252")[1:]:
        local(r[0], "%d/%m/%Y")
    for path in latest_and_older_scans(root):
        for r in read_csv(path)[1:]:
            local(r[0], "%Y-%m-%d")
    for r in read_csv(one(root, "cookie_consents"))[1:]:
        if re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z?", r[1]):
            utc(r[1][:19], "%Y-%m-%dT%H:%M:%S")
    for r in read_csv(one(root, "job_applications"))[1:]:
        for v in (r[7], r[9], r[11], r[12]):
            if v:
                utc(v, "%Y-%m-%d %H:%M:%S")
    for r in read_csv(one(root, "employees"))[1:]:
        for v in (r[6], r[7], r[11]):
            if v:
                local(v, "%d/%m/%Y")
    return found


def test_nothing_dated_on_or_after_as_of(estate):
    root, _ = estate
    instants = all_instants(root)
    assert len(instants) > 3 * CONTACTS
    assert max(instants) < CUTOFF or max(instants) == CUTOFF and scan_dates(root)[-1] == AS_OF
    # HR holds people hired and born long before the CRM's ten years
    assert min(instants) >= CUTOFF.replace(year=AS_OF.year - 80)


def test_same_person_spelled_differently_across_systems(estate):
    root, _ = estate
    spellings: dict[str, dict[str, set[str]]] = {}

    def add(system: str, email: str) -> None:
        if email:
            spellings.setdefault(email.strip().lower(), {}).setdefault(system, set()).add(email)

    for r in read_csv(one(root, "crm_contacts"))[1:]:
        add("crm", r[3])
    for r in order_rows(root):
        add("orders", r["Email"])
    for path in member_files(root).values():
        for r in read_csv(path)[1:]:
            add("mailchimp", r[0])
    differing = [
        k
        for k, by_system in spellings.items()
        if len(by_system) > 1 and len(set().union(*by_system.values())) > 1
    ]
    assert len(differing) >= 10
    assert all(re.fullmatch(r"[a-z0-9._]+@([a-z]+\.)?example\.(com|org|net)", k) for k in spellings)


def test_phone_formats_vary(estate):
    root, _ = estate
    phones = {r[4] for r in read_csv(one(root, "crm_contacts"))[1:] if r[4]}
    shapes = {re.sub(r"\d", "9", p) for p in phones}
    assert {"99999 999999", "+99 9999 999999", "+999999999999", "(99999) 999999"} <= shapes


def _luhn(digits: str) -> bool:
    total = 0
    for pos, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if pos % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def test_recordings_outside_retention_only_on_legal_hold(big_estate):
    keep_from = f"{AS_OF.year - 1}-{AS_OF.month:02d}-{AS_OF.day:02d} 00:00:00"  # T - 12 months
    rows = cdr_rows(big_estate)
    too_old = planted(big_estate, "RET-CALLS")
    skipped = planted(big_estate, "CON-CALL-NOTICE")
    assert too_old and skipped
    preset = 0
    for r in rows:
        if r[14] != "ANSWERED":  # the queue presets userfield before the answer: no recording
            assert r[10] == "" and r[13] == "0"
            assert r[17] == "" or (
                re.fullmatch(r"rec=\d{8}-\d{6}_\d+\.\d+\.wav;notice=skipped;hold=0", r[17])
                and r[7] == "Queue"
            )
            preset += bool(r[17])
            assert r[16] not in too_old and r[16] not in skipped
        elif r[17]:
            assert re.fullmatch(
                r"rec=\d{8}-\d{6}_\d+\.\d+\.wav;notice=(played|skipped);hold=[01]", r[17]
            )
            assert (r[9] >= keep_from or r[17].endswith("hold=1")) != (r[16] in too_old)
            assert ("notice=skipped" in r[17]) == (r[16] in skipped)
    assert sum(1 for r in rows if r[17] and r[9] >= keep_from) > 50
    assert preset > 20 and any(r[17] and r[14] != "ANSWERED" and r[9] < keep_from for r in rows)


def add_months(d: date, months: int) -> date:
    years, month0 = divmod(d.month - 1 + months, 12)
    year, month = d.year + years, month0 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def deadline(received: date, months: int) -> date:
    """README: received + months, the day clamped to the month's end, weekend -> Monday."""
    d = add_months(received, months)
    return d + timedelta(days=7 - d.weekday()) if d.weekday() >= 5 else d


def test_deadline_rule_examples():
    assert deadline(date(2025, 1, 31), 1) == date(2025, 2, 28)  # clamped, a Friday
    assert deadline(date(2026, 1, 31), 1) == date(2026, 3, 2)  # 28 Feb 2026 is a Saturday
    assert deadline(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert deadline(date(2025, 11, 30), 3) == date(2026, 3, 2)  # Sat 28 Feb -> Mon 2 Mar


def test_rights_requests_are_answered_in_time_and_respected(big_estate):
    root = big_estate
    rows = [
        dict(zip(RIGHTS_HEADER, r, strict=True))
        for r in read_csv(one(root, "rights_requests"), "cp1252")[1:]
    ]
    overdue = planted(root, "DSR-OVERDUE")
    incomplete = planted(root, "DSR-ERASURE-INCOMPLETE")
    ignored = planted(root, "DSR-OBJECTION-IGNORED")
    assert overdue and incomplete and ignored
    subscribed = {r[0].strip().lower() for r in read_csv(member_files(root)["subscribed"])[1:]}
    sends = read_csv(one(root, "marketing_sends"))[1:]
    elsewhere = everyone_but_the_logs(root)
    for r in rows:
        received = datetime.strptime(r["Received"], "%d/%m/%Y").date()
        months = 3 if r["Extended"] == "Yes" and r["Extension Reason"] else 1
        due = deadline(received, months)
        email = r["Requester Email"].strip().lower()
        if r["Status"] == "Open":
            assert not r["Completed On"]
            assert (due < AS_OF) == (r["Ref"] in overdue)
            continue
        done = datetime.strptime(r["Completed On"], "%d/%m/%Y").date()
        assert received < done < AS_OF
        assert (done > due) == (r["Ref"] in overdue), r
        if r["Ref"] not in overdue:
            assert (r["Extended"] == "Yes") == bool(r["Extension Reason"])
        if r["Request Type"] == "Erasure" and r["Status"] == "Completed":
            assert (email in elsewhere) == (r["Ref"] in incomplete), r
        if r["Status"] == "Completed" and r["Request Type"] in (
            "Objection to marketing",
            "Withdraw consent",
        ):
            day_after = (done + timedelta(days=1)).isoformat()
            late = [s for s in sends if s[2].strip().lower() == email and s[3][:10] >= day_after]
            assert (email in subscribed or bool(late)) == (r["Ref"] in ignored), r


def everyone_but_the_logs(root: Path) -> set[str]:
    """Lower-cased emails held anywhere but the rights tracker and the disclosures log."""
    emails = {r[3].strip().lower() for r in read_csv(one(root, "crm_contacts"))[1:]}
    emails |= {r["Email"].strip().lower() for r in order_rows(root)}
    for path in member_files(root).values():
        emails |= {r[0].strip().lower() for r in read_csv(path)[1:]}
    emails |= {r[2].strip().lower() for r in read_csv(one(root, "marketing_sends"))[1:]}
    for line in chat_lines(root):
        emails.add(json.loads(line).get("visitorEmail", "").strip().lower())
    emails |= {r[4].strip().lower() for r in read_csv(one(root, "job_applications"))[1:]}
    for r in read_csv(one(root, "employees"))[1:]:
        emails |= {r[3].strip().lower(), r[4].strip().lower()}
    return emails - {""}


# ---- ground truth ---------------------------------------------------------------------------


def export_records(root: Path) -> tuple[dict[str, dict[str, list[str]]], dict[str, set[str]]]:
    """Every record of every export as {dataset: {record key: its cells}}, and each dataset's
    header columns; keys as DESIGN.md section 4 defines them."""
    records: dict[str, dict[str, list[str]]] = {d: {} for d in DATASETS}
    headers: dict[str, set[str]] = {d: set() for d in DATASETS}

    def add(dataset: str, key: str, cells: list[str]) -> None:
        records[dataset].setdefault(key, []).extend(cells)

    crm = read_csv(one(root, "crm_contacts"))
    headers["crm_contacts"] = set(crm[0])
    for r in crm[1:]:
        add("crm_contacts", r[0], r)
    for path in sorted((root / "orders").glob("orders_export_*.csv")):
        rows = read_csv(path)
        headers["orders"] |= set(rows[0])
        for r in rows[1:]:
            add("orders", r[0], r)
    for r in cdr_rows(root):
        add("call_recordings", r[16], r)
    for path in member_files(root).values():
        rows = read_csv(path)
        headers["marketing_members"] |= set(rows[0])
        for r in rows[1:]:
            add("marketing_members", r[0].strip().lower(), r)
    sends = read_csv(one(root, "marketing_sends"))
    headers["marketing_sends"] = set(sends[0])
    for r in sends[1:]:
        add("marketing_sends", f"{r[0]}|{r[2].strip().lower()}", r)
    for line in chat_lines(root):
        chat = json.loads(line)
        headers["chat_transcripts"] |= set(chat)
        add("chat_transcripts", chat["chatId"], [line])
    for dataset in ("rights_requests", "disclosures"):
        rows = read_csv(one(root, dataset), "cp1252")
        headers[dataset] = set(rows[0])
        for n, r in enumerate(rows[1:], start=1):
            add(dataset, r[0] if dataset == "rights_requests" else str(n), r)
    for path in sorted((root / "cookie_scans").iterdir()):
        rows = read_csv(path)
        headers["cookie_scans"] |= set(rows[0])
        for r in rows[1:]:
            add("cookie_scans", r[1], r)
    for dataset in ("cookie_consents", "job_applications", "employees"):
        rows = read_csv(one(root, dataset))
        headers[dataset] = set(rows[0])
        for n, r in enumerate(rows[1:], start=1):
            add(dataset, str(n) if dataset == "cookie_consents" else r[0], r)
    return records, headers


def test_ground_truth_is_sorted_and_deterministic(estate, tmp_path):
    root, counts = estate
    text = (root / "ground_truth.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "rule_id,dataset,record_key"
    assert [tuple(r) for r in csv.reader(lines[1:])] == sorted(ground_truth(root))
    assert "ground_truth" not in counts
    generate_estate(tmp_path / "again", CONTACTS, SEED, AS_OF)
    assert (tmp_path / "again" / "ground_truth.csv").read_text(encoding="utf-8") == text


def test_ground_truth_covers_every_rule(estate):
    root, _ = estate
    truth = ground_truth(root)
    per_rule = Counter(rule for rule, _, _ in truth)
    assert set(per_rule) == RULE_IDS
    assert min(per_rule.values()) >= 3, per_rule
    spread = {rule: {d for r, d, _ in truth if r == rule} for rule in ("SEC-PAN", "SEC-CVV")}
    assert {"crm_contacts", "orders", "chat_transcripts"} <= spread["SEC-PAN"] & spread["SEC-CVV"]
    assert ("SEC-UNDECLARED", "disclosures", "Contact Name") in truth


def test_ground_truth_keys_exist_in_the_exports(estate, big_estate):
    for root in (estate[0], big_estate):
        records, headers = export_records(root)
        for rule, dataset, key in ground_truth(root):
            assert rule in RULE_IDS and dataset in DATASETS
            assert key in records[dataset] or (
                rule == "SEC-UNDECLARED" and key in headers[dataset]
            ), (rule, dataset, key)


# Card numbers as reference/uk-rules.md defines them (prefix, lengths); kept apart from the
# generator's own list so that the two can disagree.
CARD_SCHEMES = [
    ("4", (13, 16, 19)),
    *((str(p), (16,)) for p in [*range(51, 56), *range(2221, 2721)]),
    ("34", (15,)),
    ("37", (15,)),
    *((str(p), range(16, 20)) for p in ["6011", *map(str, range(644, 650)), "65"]),
    *((str(p), range(16, 20)) for p in range(3528, 3590)),
    *((str(p), range(14, 20)) for p in [*map(str, range(300, 306)), "36"]),
]


LONG_DIGIT_RUN = re.compile(r"[0-9](?:[ -]?[0-9]){12,}")


def card_numbers(text: str) -> list[str]:
    """Every reading of text as a card number: any run of whole digit groups (split at one
    space or dash) of a longer run, 13-19 digits, a scheme's prefix and length, Luhn-valid."""
    found = []
    for run in LONG_DIGIT_RUN.findall(text):
        groups = re.split(r"[ -]", run)
        for i in range(len(groups)):
            for j in range(i + 1, len(groups) + 1):
                digits = "".join(groups[i:j])
                schemes = (digits.startswith(p) and len(digits) in n for p, n in CARD_SCHEMES)
                if 13 <= len(digits) <= 19 and _luhn(digits) and any(schemes):
                    found.append(digits)
    return found


def test_no_card_number_outside_the_planted_records(estate, big_estate):
    for root in (estate[0], big_estate):
        records, _ = export_records(root)
        holding = {
            (dataset, key)
            for dataset, by_key in records.items()
            for key, cells in by_key.items()
            if any(card_numbers(cell) for cell in cells)
        }
        assert holding == {(d, k) for r, d, k in ground_truth(root) if r == "SEC-PAN"}
        assert len({d for d, _ in holding}) >= 4


def test_near_misses_are_present(estate):
    root, _ = estate
    records, _ = export_records(root)
    text = {d: "\n".join("\x1f".join(c) for c in by_key.values()) for d, by_key in records.items()}
    everything = "\n".join(text.values())
    for needle in (
        r"4111 \*{4} \*{4} 1111",  # masked card
        r"IMEI 35\d{13}\b",
        r"ICCID 89\d{17,18}\b",
        r"Card number \d{4} \d{4} \d{4} \d{4} rejected",  # Luhn failure
        r"Shopify order #\d+ \(order id 45\d{14}\)",
        r"never share your CVV",
        r"CVV not provided",
        r"DOB not given",
        r"Renewal call booked for \d\d/\d\d/\d{4}",
        r"QQ 12 34 56 C",  # HMRC's specimen NI number
        r"NI number (GB|BG|ZZ|AD|SO) ?\d\d ?\d\d ?\d\d ?[A-D]",  # prefixes never allocated
    ):
        assert re.search(needle, everything), needle
    undeclared = "\n".join(
        "\x1f".join(records[d][k])
        for r, d, k in ground_truth(root)
        if r == "SEC-UNDECLARED"
        if k in records[d]
    )
    assert not re.search(
        r"QQ ?12|(GB|BG|ZZ|TN|NT|KN|NK|[A-Z][DO]) ?\d\d ?\d\d ?\d\d ?[A-D]\b", undeclared
    )
    assert not card_numbers("4111 **** **** 1111") and card_numbers("4111 1111 1111 1111")
    log = text["disclosures"]
    for needle in ("ROYAL MAIL", "dpd uk", "Wholesale delivery", "Sales ledger", "UK IDTA"):
        assert needle in log
    assert re.search(r"\x1fIreland\x1f\x1f", log)  # EEA, no safeguard needed
    for needle in (
        "\x1fU.K.\x1f\x1f",
        "\x1fEngland\x1fn/a\x1f",
        "\x1fIE\x1f-\x1f",
        "\x1fUSA\x1fUK IDTA",
    ):
        assert needle in log, needle  # UK and EEA as people write them: no transfer
    created = {r["Created at"] for r in order_rows(root)}
    assert "2020-03-31 23:30:00 +0100" in created  # FY ending 31 March 2020: past retention
    assert "2020-04-01 00:30:00 +0100" in created  # 31 March 23:30 UTC, but the next FY
    starts = {r[9] for r in cdr_rows(root) if r[17]}
    assert {"2025-06-30 00:00:00", "2025-06-29 23:59:00"} <= starts  # T - 12 months, a minute more
    chats = text["chat_transcripts"]
    assert '"startedAt": "2025-06-29T23:00:00Z"' in chats  # exactly T - 12 months (BST)
    crm_activity = {r[7] for r in read_csv(one(root, "crm_contacts"))[1:]}
    assert crm_activity & {"2024-06-30 00:00", "6/30/2024 12:00 AM", "30/06/2024 00:00"}


def test_identifiers_are_never_shared_between_people(estate):
    root, _ = estate
    crm = read_csv(one(root, "crm_contacts"))[1:]
    emails = [r[3].strip().lower() for r in crm if r[3]]
    phones = [re.sub(r"\D", "", r[4])[-10:] for r in crm if r[4]]
    assert len(emails) == len(set(emails)) and len(phones) == len(set(phones))
    anonymised = [r for r in crm if not (r[1] or r[2] or r[3] or r[4])]
    assert anonymised  # HubSpot keeps an anonymised contact: it links to no person
    assert all(not (r[12] or r[13] or r[14] or r[16]) for r in anonymised)
    assert all(r[3] or r[4] for r in crm if r not in anonymised)  # the others can be linked


# ---- an independent reading of expectations/README.md over the written files -----------------

FREE_TEXT = {
    "crm_contacts": ("notes",),
    "orders": ("notes", "note_attributes"),
    "marketing_members": ("unsub_reason_other", "notes"),
    "chat_transcripts": ("messages",),
    "job_applications": ("rejection_reason",),
}
SAFE_COUNTRIES = {"gb", "ie", "fr", "de", "nl", "es"}  # staged as ISO 3166-1 codes
CVV = re.compile(r"(?i)(cvv2?|cvc2?|csc|security code)[^0-9]{0,5}[0-9]{3,4}(?![0-9])")
DOB = re.compile(r"(?i)(dob|d\.o\.b\.?|date of birth)[^0-9]{0,12}[0-9]{1,4}[/.-][0-9]{1,2}[/.-]")
NINO = re.compile(r"(?<![A-Za-z0-9])([A-Z]{2}) ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-D](?![A-Za-z0-9])")
SAFEGUARD_NONE = {"", "none", "n/a", "-"}
CRM_IDENTITY = ("first_name", "last_name", "email", "phone")


def allocatable_ni(text: str) -> bool:
    """An NI number HMRC can allocate (NIM39110): first letter not D F I Q U V, second not
    D F I O Q U V, and not a prefix it never uses."""
    return any(
        p[0] not in "DFIQUV"
        and p[1] not in "DFIOQUV"
        and p not in ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ")
        for p in NINO.findall(text)
    )


SALE = re.compile(r"(?i)\b(sale|sold|sell|selling)\b|list rental")
ORDER_IDENTITY = ("email", "billing_name", "shipping_name", "billing_phone", "shipping_phone")


def midnight(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=LONDON)


def fy_end(ts: datetime) -> date:
    d = ts.astimezone(LONDON).date()
    return date(d.year, 3, 31) if d <= date(d.year, 3, 31) else date(d.year + 1, 3, 31)


def staged_warehouse(root: Path, work: Path):
    """The audit's own ingest, staging and identity resolution over the written exports."""
    data_map = load_data_map(REPO / "data_map")
    conn = connect(work / "oracle.duckdb")
    for spec in data_map.datasets.values():
        load = load_dataset(conn, spec, root)
        assert not load.skipped and all(f.rows_rejected == 0 for f in load.files), spec.name
        build_staging(conn, spec)
    build_subjects(conn, list(data_map.datasets.values()), b"test-secret")
    return conn, data_map


def query(conn, sql: str) -> list[dict[str, Any]]:
    cursor = conn.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def audit_findings(root: Path, as_of: date, work: Path) -> set[tuple[str, str, str]]:
    """Every finding of the 19 rules, computed in Python from the staged tables."""
    conn, data_map = staged_warehouse(root, work)
    try:
        found = _retention_and_consent(conn, data_map, as_of)
        found |= _security(conn, data_map)
        found |= _third_parties_and_rights(conn, data_map, as_of)
        found |= _web(conn, as_of)
        found |= _applicants_and_leavers(conn, as_of)
    finally:
        conn.close()
    return found


def _subjects(conn) -> tuple[dict[tuple[str, str], str], dict[str, dict[str, list[str]]]]:
    subject, keys = {}, {}
    for r in query(conn, "select dataset, record_key, subject_key from core.subject_records"):
        subject[(r["dataset"], r["record_key"])] = r["subject_key"]
        keys.setdefault(r["subject_key"], {}).setdefault(r["dataset"], []).append(r["record_key"])
    return subject, keys


def _retention_and_consent(conn, data_map, as_of: date) -> set[tuple[str, str, str]]:
    st = {name: query(conn, f"select * from staging.{ident(name)}") for name in data_map.datasets}
    subject, _ = _subjects(conn)
    months_ago = {m: midnight(add_months(as_of, -m)) for m in (12, 24)}
    days_ago = {d: midnight(as_of - timedelta(days=d)) for d in (7, 30)}
    found: set[tuple[str, str, str]] = set()

    def of(dataset: str, rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
        by: dict[str, list[dict[str, Any]]] = {}
        for r in rows:
            if (s := subject.get((dataset, r["record_key"]))) is not None:
                by.setdefault(s, []).append(r)
        return by

    orders_of, members_of = (
        of("orders", st["orders"]),
        of("marketing_members", st["marketing_members"]),
    )
    crm_of = of("crm_contacts", st["crm_contacts"])
    for r in st["call_recordings"]:
        if not (r["recording_file"] and r["disposition"] == "ANSWERED"):
            continue  # no recording: an unanswered call's preset userfield names no real file
        if r["started_at"] < months_ago[12] and r["legal_hold"] is not True:
            found.add(("RET-CALLS", "call_recordings", r["record_key"]))
        if r["recording_notice"] is not None and r["recording_notice"] != "played":
            found.add(("CON-CALL-NOTICE", "call_recordings", r["record_key"]))
    order_rows_by_key: dict[str, list[dict[str, Any]]] = {}
    for r in st["orders"]:
        order_rows_by_key.setdefault(r["record_key"], []).append(r)
    for key, rows in order_rows_by_key.items():
        expired = add_months(fy_end(rows[0]["created_at"]), 72) < as_of
        if expired and any(r[c] is not None for r in rows for c in (*ORDER_IDENTITY, "phone")):
            found.add(("RET-ORDERS", "orders", key))
    for r in st["crm_contacts"]:
        if all(r[c] is None for c in CRM_IDENTITY):
            continue  # anonymised: links to no person, kept by HubSpot as a blank record
        s = subject[("crm_contacts", r["record_key"])]  # the others have an email or phone
        if s not in orders_of:
            if r["last_activity_at"] < months_ago[24]:
                found.add(("RET-PROSPECT", "crm_contacts", r["record_key"]))
        elif add_months(fy_end(max(o["created_at"] for o in orders_of[s])), 72) < as_of:
            found.add(("RET-CUSTOMER", "crm_contacts", r["record_key"]))
        if r["unsubscribed_from_all_email"] is False and any(
            m["status"] == "unsubscribed" and m["unsubscribed_at"] < days_ago[7]
            for m in members_of.get(s, [])
        ):
            found.add(("CON-OPTOUT-SYNC", "crm_contacts", r["record_key"]))
    for r in st["marketing_members"]:
        s = subject.get(("marketing_members", r["record_key"]))
        profile = any(r[c] is not None for c in ("first_name", "last_name", "phone"))
        if r["status"] == "unsubscribed" and r["unsubscribed_at"] < days_ago[30] and profile:
            found.add(("RET-UNSUB", "marketing_members", r["record_key"]))
        if (
            r["status"] == "subscribed"
            and r["optin_at"] is None
            and not any(o["accepts_marketing"] is True for o in orders_of.get(s, []))
        ):
            found.add(("CON-NO-BASIS", "marketing_members", r["record_key"]))
        if r["status"] == "subscribed" and any(
            c["unsubscribed_from_all_email"] is True and c["last_activity_at"] < days_ago[7]
            for c in crm_of.get(s, [])
        ):
            found.add(("CON-OPTOUT-SYNC", "marketing_members", r["record_key"]))
    for r in st["chat_transcripts"]:
        if r["started_at"] < months_ago[12]:
            found.add(("RET-CHAT", "chat_transcripts", r["record_key"]))
    for r in st["marketing_sends"]:
        s = subject.get(("marketing_sends", r["record_key"]))
        if any(
            m["status"] == "unsubscribed" and r["sent_at"] > m["unsubscribed_at"]
            for m in members_of.get(s, [])
        ):
            found.add(("CON-SEND-AFTER-OPTOUT", "marketing_sends", r["record_key"]))
    return found


def _security(conn, data_map) -> set[tuple[str, str, str]]:
    found: set[tuple[str, str, str]] = set()
    for name, spec in data_map.datasets.items():
        declared = set(spec.source_columns) | set(spec.files.column_names or [])
        raw = query(conn, f"select * from raw.{ident(name)}")
        columns = [c for c in (raw[0] if raw else {}) if not c.startswith("_")]
        found |= {("SEC-UNDECLARED", name, c) for c in columns if c not in declared}
        keys = {
            (r["_source_file"], r["_row_number"]): r["record_key"]
            for r in query(conn, f"select * from staging.{ident(name)}")
        }
        for r in raw:
            if any(card_numbers(r[c]) for c in columns if r[c]):
                found.add(("SEC-PAN", name, keys[(r["_source_file"], r["_row_number"])]))
        for r in query(conn, f"select * from staging.{ident(name)}"):
            texts = [r[c] for c in FREE_TEXT.get(name, ()) if r[c]]
            if any(CVV.search(t) for t in texts):
                found.add(("SEC-CVV", name, r["record_key"]))
            if any(DOB.search(t) or allocatable_ni(t) for t in texts):
                found.add(("SEC-UNDECLARED", name, r["record_key"]))
    return found


def _third_parties_and_rights(conn, data_map, as_of: date) -> set[tuple[str, str, str]]:
    found: set[tuple[str, str, str]] = set()
    for r in query(conn, "select * from staging.disclosures"):
        key = r["record_key"]
        if " ".join((r["recipient"] or "").lower().split()) not in APPROVED:
            found.add(("TPD-UNAPPROVED", "disclosures", key))
        if SALE.search(r["purpose"] or ""):
            found.add(("TPD-SALE", "disclosures", key))
        no_safeguard = (r["safeguard"] or "").strip().lower() in SAFEGUARD_NONE
        if (r["country"] or "").lower() not in SAFE_COUNTRIES and no_safeguard:
            found.add(("TPD-TRANSFER", "disclosures", key))
    subject, records_of = _subjects(conn)
    members = {r["record_key"]: r for r in query(conn, "select * from staging.marketing_members")}
    sent = {
        r["record_key"]: r["sent_at"] for r in query(conn, "select * from staging.marketing_sends")
    }
    for r in query(conn, "select * from staging.rights_requests"):
        key, done = r["record_key"], r["completed_on"]
        months = 3 if r["extended"] is True and r["extension_reason"] else 1
        due = deadline(r["received_on"], months)
        if (done is not None and done > due) or (done is None and due < as_of):
            found.add(("DSR-OVERDUE", "rights_requests", key))
        if r["status"] != "Completed":
            continue
        held = records_of.get(subject.get(("rights_requests", key)), {})
        if r["request_type"] == "Erasure" and set(held) - {"rights_requests", "disclosures"}:
            found.add(("DSR-ERASURE-INCOMPLETE", "rights_requests", key))
        if r["request_type"] in ("Objection to marketing", "Withdraw consent"):
            day_after = midnight(done + timedelta(days=1))
            subscribed = any(
                members[k]["status"] == "subscribed" for k in held.get("marketing_members", [])
            )
            if subscribed or any(sent[k] >= day_after for k in held.get("marketing_sends", [])):
                found.add(("DSR-OBJECTION-IGNORED", "rights_requests", key))
    return found


def inventory_entry(name: str, inventory: list[dict[str, Any]]) -> dict[str, Any] | None:
    """README: the entry with the cookie's exact name (case-sensitive), else the first pattern
    (in the inventory's order) it matches, `*` standing for any run of characters."""
    for entry in inventory:
        if entry["name"] == name:
            return entry
    for entry in inventory:
        if "*" in entry["name"]:
            pattern = ".*".join(re.escape(part) for part in entry["name"].split("*"))
            if re.fullmatch(pattern, name):
                return entry
    return None


def _web(conn, as_of: date) -> set[tuple[str, str, str]]:
    inventory = yaml.safe_load((REPO / "data_map" / "cookies.yaml").read_text())["cookies"]
    found: set[tuple[str, str, str]] = set()
    scans = query(conn, "select * from staging.cookie_scans")
    latest = max(r["scanned_on"] for r in scans if r["scanned_on"] <= as_of)
    for r in scans:
        if r["scanned_on"] != latest:
            continue
        name, entry = r["cookie_name"], inventory_entry(r["cookie_name"], inventory)
        if entry is None:
            found.add(("WEB-UNDECLARED-COOKIE", "cookie_scans", name))
            continue
        needs_consent = entry["category"] != "strictly_necessary" and not entry.get("exemption")
        if r["set_before_consent"] is True and needs_consent:
            found.add(("WEB-BEFORE-CONSENT", "cookie_scans", name))
        if (r["expiry_days"] or 0) > entry["max_lifetime_days"]:
            found.add(("WEB-LIFETIME", "cookie_scans", name))
    for r in query(conn, "select * from staging.cookie_consents"):
        action = (r["action"] or "").strip().lower()
        if (
            r["consented_at"] is None
            or r["banner_version"] is None
            or action not in ("accept_all", "reject_all", "custom", "withdraw")
            or (action in ("accept_all", "custom") and r["categories"] is None)
        ):
            found.add(("WEB-CONSENT-RECORD", "cookie_consents", r["record_key"]))
    return found


def _applicants_and_leavers(conn, as_of: date) -> set[tuple[str, str, str]]:
    found: set[tuple[str, str, str]] = set()
    six_months, twelve_months = midnight(add_months(as_of, -6)), midnight(add_months(as_of, -12))
    for r in query(conn, "select * from staging.job_applications"):
        if (r["status"] or "").strip().lower() not in ("rejected", "withdrawn"):
            continue
        if all(r[c] is None for c in ("first_name", "last_name", "email", "phone")):
            continue
        decision = r["rejected_at"] or r["last_activity_at"]
        kept = r["keep_on_file_consent_at"]
        if decision < six_months and (kept is None or kept < twelve_months):
            found.add(("RET-APPLICANT", "job_applications", r["record_key"]))
    identity = (
        "first_name", "last_name", "work_email", "home_email", "mobile_phone", "date_of_birth",
        "ni_number",
    )  # fmt: skip
    for r in query(conn, "select * from staging.employees"):
        held = any(r[c] is not None for c in identity)
        if held and r["terminated_on"] is not None and r["terminated_on"] < add_months(as_of, -72):
            found.add(("RET-LEAVER", "employees", r["record_key"]))
    return found


def test_ground_truth_is_exactly_what_the_rules_find(estate, tmp_path):
    root, _ = estate
    assert audit_findings(root, AS_OF, tmp_path) == ground_truth(root)


def test_ground_truth_is_exact_on_a_bigger_estate(big_estate, tmp_path):
    assert audit_findings(big_estate, BIG_AS_OF, tmp_path) == ground_truth(big_estate)


@pytest.mark.parametrize(
    ("contacts", "seed", "as_of"),
    [(400, 7, date(2026, 3, 31)), (400, 8, date(2024, 2, 29)), (400, 9, date(2025, 11, 2))],
)
def test_ground_truth_is_exact_on_other_dates(tmp_path, contacts, seed, as_of):
    """Financial-year ends, a leap day, an as-of just after the clocks go back."""
    generate_estate(tmp_path / "exports", contacts, seed, as_of)
    found = audit_findings(tmp_path / "exports", as_of, tmp_path)
    assert found == ground_truth(tmp_path / "exports")


# ---- the consent platform, the applicant tracking system, the HR system ------------------------

BST_AS_OF = date(2026, 11, 1)  # T - 6 months is 1 May 00:00 BST: 30 April 23:00 UTC


@pytest.fixture(scope="module")
def bst_estate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bst")
    generate_estate(out, 400, 7, BST_AS_OF)
    return out


@pytest.fixture(scope="module")
def small_estates(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, date]]:
    """Small estates over several seeds and dates: some have a scan after the as-of date, some a
    latest scan dated the as-of date itself."""
    out = []
    dates = [AS_OF, BST_AS_OF, date(2025, 3, 14), AS_OF, date(2024, 2, 29), BST_AS_OF, AS_OF, AS_OF]
    for seed, as_of in enumerate(dates, start=1):
        root = tmp_path_factory.mktemp(f"small{seed}")
        generate_estate(root, 150, seed, as_of)
        out.append((root, as_of))
    return out


def estate_of(request: pytest.FixtureRequest, which: str) -> tuple[Path, date]:
    if which == "estate":
        return request.getfixturevalue("estate")[0], AS_OF
    return request.getfixturevalue("bst_estate"), BST_AS_OF


def dict_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def utc_text(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def scans_of(root: Path, as_of: date) -> tuple[list[Path], Path, list[Path]]:
    """(older scans, the latest on or before as_of, scans after as_of)."""
    files = scan_files(root)
    on_or_before = [p for p in files if date.fromisoformat(p.stem[12:]) <= as_of]
    return on_or_before[:-1], on_or_before[-1], [p for p in files if p not in on_or_before]


def by_name(path: Path) -> dict[str, dict[str, str]]:
    rows = dict_rows(path)
    names = [r["Cookie Name"] for r in rows]
    assert len(names) == len(set(names)), path  # a cookie is listed once per scan
    return {r["Cookie Name"]: r for r in rows}


def test_cookie_scans_layout_and_variance(estate, small_estates):
    for root, as_of in [(estate[0], AS_OF), *small_estates]:
        older, latest, after = scans_of(root, as_of)
        assert len(older) == 5 and len(after) <= 1
        for path in [*older, latest, *after]:
            rows = dict_rows(path)
            assert {r["Scan Date"] for r in rows} == {path.stem[12:]}
            assert all(r["Set Before Consent"] in ("Yes", "No") for r in rows)
            assert all(re.fullmatch(r"\d*", r["Expiry (days)"]) for r in rows)
            assert all(
                r["First Found URL"].startswith("https://www.betterbox.co.uk/") for r in rows
            )
            assert {r["Category"] for r in rows} <= {
                "Necessary", "Preferences", "Statistics", "Marketing", "Unclassified"
            }  # fmt: skip
            assert any(re.fullmatch(r"_ga_[A-Z0-9]{8}", r["Cookie Name"]) for r in rows)
            assert any(r["Expiry (days)"] == "" for r in rows)  # session cookies
    scans = [scans_of(root, as_of) for root, as_of in small_estates]
    assert any(after for _, _, after in scans) and any(not after for _, _, after in scans)
    assert any(latest.stem[12:] == as_of.isoformat() for (_, latest, _), (_, as_of) in
               zip(scans, small_estates, strict=True))  # fmt: skip
    # the platform's guess differs from the inventory's now and then
    guesses = {
        (r["Cookie Name"], r["Category"]) for p in scan_files(estate[0]) for r in dict_rows(p)
    }
    assert ("CookieConsent", "Necessary") in guesses and len(
        {c for n, c in guesses if n == "cart"}
    ) >= 1


def test_cookie_boundaries_in_the_latest_scan(estate, bst_estate, small_estates):
    for root, as_of in [(estate[0], AS_OF), (bst_estate, BST_AS_OF), *small_estates]:
        older, latest_path, after = scans_of(root, as_of)
        latest = by_name(latest_path)
        undeclared = planted(root, "WEB-UNDECLARED-COOKIE")
        before = planted(root, "WEB-BEFORE-CONSENT")
        lifetime = planted(root, "WEB-LIFETIME")
        assert undeclared | before | lifetime <= set(latest)  # findings: latest scan names only
        # undeclared: a lookalike of _ga_*, another case of CookieConsent, one set before consent
        assert any(n.startswith("_gat_gtag_UA_") for n in undeclared)
        assert {"cookieconsent", "_gcl_au"} <= undeclared and latest["_gcl_au"][
            "Set Before Consent"
        ] == "Yes"
        assert "CookieConsent" in latest and "CookieConsent" not in undeclared
        assert all("_hjid" in by_name(p) for p in older[:3]) and "_hjid" not in latest
        assert "_hjid" not in undeclared
        for path in after:
            assert "_ttp" in by_name(path) and "_ttp" not in latest and "_ttp" not in undeclared
        # set before consent: the inventory decides, never the platform's Category
        assert {"_gid", "_fbp", "localization"} <= before
        assert (
            latest["_fbp"]["Category"] == "Necessary"
            and latest["_fbp"]["Set Before Consent"] == "Yes"
        )
        assert any(n.startswith("_ga_") for n in before)
        sig = latest["secure_customer_sig"]
        assert (sig["Category"], sig["Set Before Consent"]) == ("Marketing", "Yes")
        assert "secure_customer_sig" not in before
        assert all(by_name(p)["hubspotutk"]["Set Before Consent"] == "Yes" for p in older[:3])
        assert latest["hubspotutk"]["Set Before Consent"] == "No"
        for path in after:
            assert by_name(path)["_ga"]["Set Before Consent"] == "Yes"
        assert latest["_ga"]["Set Before Consent"] == "No"
        # lifetimes
        assert latest["hubspotutk"]["Expiry (days)"] == "181" and "hubspotutk" in lifetime
        assert latest["CookieConsent"]["Expiry (days)"] == "183" and "CookieConsent" not in lifetime
        assert latest["bbx_session"]["Expiry (days)"] == "" and "bbx_session" not in lifetime
        ga = {n: r["Expiry (days)"] for n, r in latest.items() if n.startswith("_ga_")}
        assert any(days == "396" and n in lifetime for n, days in ga.items())
        assert any(days == "395" and n not in lifetime for n, days in ga.items())
        assert all(by_name(p)["_fbp"]["Expiry (days)"] == "180" for p in older[:3])
        assert "_fbp" not in lifetime
        for path in after:
            assert by_name(path)["cart"]["Expiry (days)"] == "30" and "cart" not in lifetime


@pytest.mark.parametrize("which", ["estate", "bst_estate"])
def test_consent_log_layout_and_boundaries(which, request):
    root, as_of = estate_of(request, which)
    rows = dict_rows(one(root, "cookie_consents"))
    found = planted(root, "WEB-CONSENT-RECORD")
    assert len({r["Consent ID"] for r in rows}) == len(rows)
    ok = [r for n, r in enumerate(rows, start=1) if str(n) not in found]
    assert all(
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z?", r["Consent Date"]) for r in ok
    )
    assert any(r["Consent Date"].endswith("Z") and "." in r["Consent Date"] for r in ok)
    assert any(not r["Consent Date"].endswith("Z") for r in ok)  # planted: no trailing Z
    assert all(re.fullmatch(r"\d+\.\d+\.\d+\.0", r["IP Address"]) for r in rows)
    assert {r["Banner Version"] for r in ok} == {"v3.2", "v3.3", "v4.0"}
    words = {"necessary", "preferences", "statistics", "marketing"}
    assert all(set(r["Categories"].split(";")) <= words for r in rows if r["Categories"])
    dates = [r["Consent Date"] for r in ok]
    assert dates == sorted(dates, key=lambda d: d[:19])  # the log in date order

    def keys(pred) -> set[str]:
        return {str(n) for n, r in enumerate(rows, start=1) if pred(r)}

    violations = [
        keys(lambda r: r["Consent Date"] == ""),
        keys(lambda r: r["Consent Date"] == "Invalid Date"),
        keys(lambda r: r["Banner Version"] == ""),
        keys(lambda r: r["Action"] == ""),
        keys(lambda r: r["Action"] == "accept"),
        keys(
            lambda r: r["Action"] in ("accept_all", "custom", "Accept_All") and not r["Categories"]
        ),
    ]
    assert all(v and v <= found for v in violations)
    near = [
        keys(lambda r: r["Action"] in ("reject_all", "REJECT_ALL") and not r["Categories"]),
        keys(lambda r: r["Action"] == "withdraw" and not r["Categories"]),
        keys(lambda r: r["Action"] in ("Accept_All", " custom ") and r["Categories"]),
    ]
    assert all(v and not v & found for v in near)
    assert set().union(*violations) == found


@pytest.mark.parametrize("which", ["estate", "bst_estate"])
def test_applications_layout(which, request):
    root, as_of = estate_of(request, which)
    apps = dict_rows(one(root, "job_applications"))
    ids = [a["Application ID"] for a in apps]
    assert len(ids) == len(set(ids)) and ids == sorted(ids, key=int)
    assert Counter(a["Candidate ID"] for a in apps).most_common(1)[0][1] >= 2
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"
    for a in apps:
        assert re.fullmatch(stamp, a["Applied At"]) and re.fullmatch(stamp, a["Last Activity"])
        assert a["Rejected At"] == "" or re.fullmatch(stamp, a["Rejected At"])
        assert a["Status"].strip().lower() in ("active", "rejected", "hired", "withdrawn")
        anonymised = not any(a[c] for c in ("First Name", "Last Name", "Email", "Phone"))
        assert not anonymised or not a["Rejection Reason"]
    statuses = {a["Status"] for a in apps}
    assert {"Active", "Rejected", "Hired", "Withdrawn", "rejected", " REJECTED "} <= statuses
    crm = {r[3].strip().lower() for r in read_csv(one(root, "crm_contacts"))[1:] if r[3]}
    assert {a["Email"].strip().lower() for a in apps} & crm  # CRM contacts who applied


@pytest.mark.parametrize("which", ["estate", "bst_estate"])
def test_applicant_boundaries(which, request):
    root, as_of = estate_of(request, which)
    apps = dict_rows(one(root, "job_applications"))
    found = planted(root, "RET-APPLICANT")
    six, twelve = midnight(add_months(as_of, -6)), midnight(add_months(as_of, -12))
    if as_of == BST_AS_OF:
        assert utc_text(six) == "2026-04-30 23:00:00"

    def ids(pred) -> set[str]:
        return {a["Application ID"] for a in apps if pred(a)}

    def london(months: int) -> str:
        d = add_months(as_of, -months)
        return utc_text(datetime(d.year, d.month, d.day, 10, tzinfo=LONDON))

    exact = ids(lambda a: a["Rejected At"] == utc_text(six))
    second = ids(lambda a: a["Rejected At"] == utc_text(six - timedelta(seconds=1)))
    assert exact and not exact & found and second and second <= found
    eleven = ids(lambda a: a["Keep On File Consent At"] == london(11))
    thirteen = ids(lambda a: a["Keep On File Consent At"] == london(13))
    at_twelve = ids(lambda a: a["Keep On File Consent At"] == utc_text(twelve))
    assert eleven and at_twelve and not (eleven | at_twelve) & found
    assert thirteen and thirteen <= found
    withdrawn = ids(
        lambda a: (
            a["Status"] == "Withdrawn"
            and not a["Rejected At"]
            and a["Email"]
            and a["Keep On File Consent At"] < utc_text(twelve)
        )  # "" when none: not kept on file
    )
    old = ids(lambda a: a["Last Activity"] < utc_text(six))
    assert withdrawn & old and withdrawn & old <= found
    assert withdrawn - old and not (withdrawn - old) & found
    assert ids(lambda a: a["Status"] in ("rejected", " REJECTED ")) <= found
    hired = ids(lambda a: a["Status"] == "Hired")
    assert (
        ids(lambda a: a["Status"] == "Hired" and a["Applied At"] < utc_text(six))
        and not hired & found
    )
    blank = ids(lambda a: not any(a[c] for c in ("First Name", "Last Name", "Email", "Phone")))
    assert blank & ids(lambda a: a["Status"] == "Rejected") and not blank & found
    partial = ids(lambda a: not a["First Name"] and a["Email"])
    assert partial and partial <= found
    active = ids(lambda a: a["Status"] == "Active" and a["Applied At"] < utc_text(twelve))
    assert active and not active & found


@pytest.mark.parametrize("which", ["estate", "bst_estate"])
def test_employees_layout_and_leaver_boundaries(which, request):
    root, as_of = estate_of(request, which)
    staff = dict_rows(one(root, "employees"))
    found = planted(root, "RET-LEAVER")
    nums = [e["Employee #"] for e in staff]
    assert len(nums) == len(set(nums)) >= 40
    identity = ("First Name", "Last Name", "Work Email", "Home Email", "Mobile Phone",
                "Date of Birth", "NI Number")  # fmt: skip
    for e in staff:
        for col in ("Hire Date", "Termination Date", "Date of Birth"):
            assert e[col] == "" or re.fullmatch(r"\d\d/\d\d/\d{4}", e[col])
        assert e["Status"] in ("Active", "Inactive")
        if e["NI Number"]:
            assert re.fullmatch(r"[A-Z]{2} \d\d \d\d \d\d [A-D]", e["NI Number"])
            assert allocatable_ni(e["NI Number"])
        if e["Work Email"]:
            assert e["Work Email"].endswith("@betterbox.co.uk")
            assert re.fullmatch(r"0?7\d{3} ?\d{6}|\+44 7\d{3} \d{6}|07\d{9}", e["Mobile Phone"])
    works = [e["Work Email"] for e in staff if e["Work Email"]]
    assert len(works) == len(set(works))

    def nums_where(pred) -> set[str]:
        return {e["Employee #"] for e in staff if pred(e)}

    cut = add_months(as_of, -72)
    exact = nums_where(lambda e: e["Termination Date"] == cut.strftime("%d/%m/%Y"))
    day_before = (cut - timedelta(days=1)).strftime("%d/%m/%Y")
    assert exact and not exact & found
    assert nums_where(lambda e: e["Termination Date"] == day_before) <= found
    assert nums_where(lambda e: e["Termination Date"] == day_before)
    anonymised = nums_where(lambda e: not any(e[c] for c in identity))
    assert anonymised and not anonymised & found
    assert nums_where(lambda e: e["NI Number"] and not e["First Name"]) <= found
    assert nums_where(lambda e: e["Status"] == "Active" and e["Termination Date"]) <= found
    assert nums_where(lambda e: e["Status"] == "Active" and not e["Termination Date"])
    # dates of birth and NI numbers are declared personnel data here
    assert not {k for r, d, k in ground_truth(root) if d == "employees" and r != "RET-LEAVER"}


@pytest.mark.parametrize("which", ["estate", "bst_estate"])
def test_free_text_and_erasures_in_the_applicant_export(which, request):
    root, as_of = estate_of(request, which)
    apps = {a["Application ID"]: a for a in dict_rows(one(root, "job_applications"))}
    pans = planted(root, "SEC-PAN") & set(apps)
    undeclared = planted(root, "SEC-UNDECLARED") & set(apps)
    assert pans and all(card_numbers(apps[k]["Rejection Reason"]) for k in pans)
    assert any(allocatable_ni(apps[k]["Rejection Reason"]) for k in undeclared)
    assert any(DOB.search(apps[k]["Rejection Reason"]) for k in undeclared)
    reasons = {k: a["Rejection Reason"] for k, a in apps.items()}
    specimen = {k for k, text in reasons.items() if "QQ 12 34 56 C" in text}
    masked_card = {k for k, text in reasons.items() if "4111 **** **** 1111" in text}
    assert specimen and masked_card and not (specimen | masked_card) & (pans | undeclared)
    # an erased requester still held by the ATS, another anonymised there
    tracker = read_csv(one(root, "rights_requests"), "cp1252")[1:]
    erased = {
        r[2].strip().lower(): r[0] for r in tracker if r[3] == "Erasure" and r[4] == "Completed"
    }
    held = {a["Email"].strip().lower() for a in apps.values()} & set(erased)
    assert held and {erased[email] for email in held} <= planted(root, "DSR-ERASURE-INCOMPLETE")
