"""Tests of the sample estate generator (pipelines.sample)."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pipelines.sample import DATASETS, generate_estate
from pipelines.sample import generator as sample_generator
from pipelines.sample import writers as sample_writers
from pipelines.sample.writers import (
    CRM_HEADER,
    DISCLOSURES_HEADER,
    MEMBER_HEADERS,
    ORDER_HEADER,
    RIGHTS_HEADER,
    SENDS_HEADER,
)

AS_OF = date(2026, 6, 30)
CONTACTS = 300
SEED = 20240127
LONDON = ZoneInfo("Europe/London")
CUTOFF = datetime(AS_OF.year, AS_OF.month, AS_OF.day, tzinfo=LONDON)
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
    generate_estate(out, 3_000, 5, AS_OF)
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


def member_files(root: Path) -> dict[str, Path]:
    return {
        status: one(root, "marketing_members", f"{status}_members_export_*.csv")
        for status in MEMBER_HEADERS
    }


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
    assert sorted(p.name for p in root.iterdir()) == sorted(DATASETS)
    iso = AS_OF.isoformat()
    crm = root / "crm_contacts" / f"hubspot-crm-exports-all-contacts-{iso}.csv"
    assert read_csv(crm)[0] == list(CRM_HEADER)
    assert read_csv(root / "orders" / "orders_export_1.csv")[0] == list(ORDER_HEADER)
    assert len(ORDER_HEADER) == 79
    sends = root / "marketing_sends" / f"campaign_activity_{iso}.csv"
    assert read_csv(sends)[0] == list(SENDS_HEADER)
    assert (root / "chat_transcripts" / f"purechat_transcripts_{iso}.jsonl").is_file()
    rights = root / "rights_requests" / "rights_requests_tracker.csv"
    assert read_csv(rights, "cp1252")[0] == list(RIGHTS_HEADER)
    log = root / "disclosures" / "third_party_disclosures_log.csv"
    assert read_csv(log, "cp1252")[0] == list(DISCLOSURES_HEADER)


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
        assert r["Name"] and r["Email"] and r["Created at"] and r["Lineitem sku"]
        assert all(r[c] == "" for c in ORDER_LEVEL_COLUMNS), r["Name"]
    for r in firsts:
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
        assert header_line.startswith('"Email Address","First Name","Last Name","Phone Number",')
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
    assert sum(1 for r in subscribed[1:] if r[6] == "") > 0  # no consent recorded


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
    for r in rows:
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
    assert {r[1] for r in log[1:]} <= {
        "Worldpay",
        "Royal Mail",
        "DPD UK",
        "Printmail Ltd",
        "Pure Chat",
    }
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
    chats = one(root, "chat_transcripts").read_text(encoding="utf-8").splitlines()
    assert counts["chat_transcripts"] == len(chats)
    assert counts["rights_requests"] == len(read_csv(one(root, "rights_requests"), "cp1252")) - 1
    assert counts["disclosures"] == len(read_csv(one(root, "disclosures"), "cp1252")) - 1 == 50


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
    for line in one(root, "chat_transcripts").read_text(encoding="utf-8").splitlines():
        chat = json.loads(line)
        for v in [chat["startedAt"], *(m["at"] for m in chat["messages"])]:
            utc(v, "%Y-%m-%dT%H:%M:%SZ")
    for r in read_csv(one(root, "rights_requests"), "cp1252")[1:]:
        for v in (r[1], r[5]):
            if v:
                local(v, "%d/%m/%Y")
    for r in read_csv(one(root, "disclosures"), "cp1252")[1:]:
        local(r[0], "%d/%m/%Y")
    return found


def test_nothing_dated_on_or_after_as_of(estate):
    root, _ = estate
    instants = all_instants(root)
    assert len(instants) > 3 * CONTACTS
    assert max(instants) < CUTOFF
    assert min(instants) >= CUTOFF.replace(year=AS_OF.year - 10)


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


def test_phone_formats_vary_and_no_card_numbers(estate):
    root, _ = estate
    phones = {r[4] for r in read_csv(one(root, "crm_contacts"))[1:] if r[4]}
    shapes = {re.sub(r"\d", "9", p) for p in phones}
    assert {"99999 999999", "+99 9999 999999", "+999999999999", "(99999) 999999"} <= shapes
    text = "".join(p.read_bytes().decode("latin-1") for p in sorted(root.rglob("*.*")))
    long_numbers = re.findall(r"(?<!\d)\d{13,19}(?!\d)", text)
    assert long_numbers  # order ids, payment references...
    assert not any(_luhn(n) for n in long_numbers)


def _luhn(digits: str) -> bool:
    total = 0
    for pos, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if pos % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def test_recordings_outside_retention_only_on_legal_hold(big_estate):
    keep_from = (CUTOFF - timedelta(days=365)).strftime("%Y-%m-%d %H:%M:%S")
    rows = cdr_rows(big_estate)
    for r in rows:
        if r[14] != "ANSWERED":
            assert r[17] == "" and r[10] == "" and r[13] == "0"
        elif r[17]:
            assert re.fullmatch(
                r"rec=\d{8}-\d{6}-\d+\.\d+\.wav;notice=(played|skipped);hold=[01]", r[17]
            )
            assert r[9] >= keep_from or r[17].endswith("hold=1")
    assert sum(1 for r in rows if r[17] and r[9] >= keep_from) > 50


def test_rights_requests_are_answered_in_time_and_respected(big_estate):
    root = big_estate
    rows = [
        dict(zip(RIGHTS_HEADER, r, strict=True))
        for r in read_csv(one(root, "rights_requests"), "cp1252")[1:]
    ]
    cutoff = CUTOFF.date()
    subscribed = {r[0].strip().lower() for r in read_csv(member_files(root)["subscribed"])[1:]}
    sends = read_csv(one(root, "marketing_sends"))[1:]
    for r in rows:
        received = datetime.strptime(r["Received"], "%d/%m/%Y").date()
        limit = timedelta(days=92 if r["Extended"] == "Yes" else 31)
        if r["Status"] == "Open":
            assert cutoff - received < limit and not r["Completed On"]
            continue
        done = datetime.strptime(r["Completed On"], "%d/%m/%Y").date()
        assert timedelta(0) < done - received <= limit
        assert (r["Extended"] == "Yes") == bool(r["Extension Reason"])
        assert not (r["Request Type"] == "Erasure" and r["Status"] == "Completed")
        if r["Status"] == "Completed" and r["Request Type"] in (
            "Objection to marketing",
            "Withdraw consent",
        ):
            email = r["Requester Email"].strip().lower()
            assert email not in subscribed
            late = [
                s for s in sends if s[2].strip().lower() == email and s[3][:10] >= done.isoformat()
            ]
            assert not late
