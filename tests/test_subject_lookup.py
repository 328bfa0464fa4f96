"""privacy-audit subject: one person's records in every source, for access and erasure requests.

One audited warehouse (run_audit over hand-made exports) is shared by the module: Jane Doe in four
sources under four spellings (HubSpot, Shopify, Asterisk, Mailchimp), John Smith, whose old
call recording is past retention, Erin Gone, whose erasure was completed but whose CRM contact,
order and call on legal hold are still held, and Owen Waits, whose erasure is still open.
"""

from __future__ import annotations

import hashlib
import json
import stat
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest
from conftest import REPO, RIGHTS_HEADER, Layouts

from pipelines.audit import run_audit
from pipelines.cli import main
from pipelines.datamap import load_data_map
from pipelines.lookup import normalise, to_html
from pipelines.lookup.art15 import art15_pack
from pipelines.lookup.model import HeldField, SubjectRecord, SubjectReport
from pipelines.lookup.retention import Due, assess
from pipelines.lookup.subject import mask_cards
from pipelines.settings import Settings

AS_OF = date(2026, 11, 1)
JANE = {
    ("call_recordings", "1788256800.1"),
    ("crm_contacts", "10000000001"),
    ("marketing_members", "jane.doe@example.com"),
    ("orders", "#1001"),
}
NOTES = "<script>alert('pwned')</script> paid by card 4111 1111 1111 1111"


@dataclass(frozen=True)
class Audited:
    db: Path
    data_map: Path
    run_id: str

    def subject(self, identifier: str, out: Path, *extra: str) -> int:
        return main(
            ["subject", identifier, "--db", str(self.db), "--data-map", str(self.data_map)]
            + ["--out", str(out), *extra]
        )


def call(uniqueid: str, src: str, name: str, start: str, hold: int = 0) -> str:
    """One Asterisk Master.csv line: answered, recorded, announcement played, legal hold or not."""
    return (
        f'"","{src}","200","from-external","""{name}"" <{src}>","SIP/t","SIP/200","Dial","x",'
        f'"{start}","{start}","{start}",60,55,"ANSWERED",3,"{uniqueid}",'
        f'"rec={uniqueid}.wav;notice=played;hold={hold}","","{uniqueid}",1\n'
    )


def write_exports(exports: Path) -> None:
    def put(dataset: str, name: str, text: str) -> None:
        (exports / dataset).mkdir(parents=True, exist_ok=True)
        (exports / dataset / name).write_text(text, encoding="utf-8")

    activity = {"Last Activity Date": "2026-09-01 10:00", "Create Date": "2025-01-01 09:00"}
    put(
        "crm_contacts",
        "contacts.csv",
        Layouts.hubspot(
            [
                {
                    "Record ID": "10000000001",
                    "First Name": "Jane",
                    "Last Name": "Doe",
                    "Email": "Jane.Doe@Example.com",
                    "Phone Number": "07700 900123",
                    "Notes": NOTES,
                    **activity,
                },
                {
                    "Record ID": "10000000002",
                    "First Name": "John",
                    "Last Name": "Smith",
                    "Email": "john.smith@example.com",
                    "Phone Number": "07700 900456",
                    **activity,
                },
                {
                    "Record ID": "10000000003",
                    "First Name": "Erin",
                    "Last Name": "Gone",
                    "Email": "erin.gone@example.com",
                    "Phone Number": "07700 900789",
                    **activity,
                },
                {
                    "Record ID": "10000000004",
                    "First Name": "Owen",
                    "Last Name": "Waits",
                    "Email": "owen.waits@example.com",
                    **activity,
                },
            ]
        ),
    )
    put(
        "orders",
        "orders_export_1.csv",
        Layouts.shopify(
            [
                {
                    "Name": "#1001",
                    "Email": " jane.doe@example.com ",
                    "Created at": "2025-06-01 10:00:00 +0100",
                    "Billing Name": "Jane Doe",
                    "Lineitem name": "Router",
                    "Total": "49.00",
                },
                {
                    "Name": "#1002",
                    "Email": "erin.gone@example.com",
                    "Created at": "2025-06-01 10:00:00 +0100",
                    "Billing Name": "Erin Gone",
                    "Lineitem name": "Modem",
                    "Total": "59.00",
                },
            ]
        ),
    )
    put(
        "call_recordings",
        "Master.csv",
        call("1788256800.1", "+44 7700 900123", "Jane Doe", "2026-09-01 10:00:00")
        + call("1706368044.2", "07700900456", "John Smith", "2024-01-27 15:07:24")
        + call("1788256900.3", "07700900789", "Erin Gone", "2026-09-01 11:00:00", hold=1),
    )
    put(
        "rights_requests",
        "tracker.csv",
        Layouts.csv(
            RIGHTS_HEADER,
            [
                ["DSR-1", "01/09/2026", " Erin.Gone@example.com", " ERASURE ", "completed "]
                + ["01/10/2026", "No", ""],
                ["DSR-2", "20/10/2026", "owen.waits@example.com", "Erasure", "Open", "", "", ""],
            ],
            newline="\r\n",
        ),
    )
    put(
        "marketing_members",
        "subscribed_members_export_a1.csv",
        Layouts.mailchimp(
            "subscribed",
            [
                {
                    "Email Address": "JANE.DOE@EXAMPLE.COM",
                    "First Name": "Jane",
                    "OPTIN_TIME": "2025-01-01 10:00:00",
                }
            ],
        ),
    )


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> Audited:
    root = tmp_path_factory.mktemp("subject_lookup")
    write_exports(root / "exports")
    settings = Settings(
        exports_dir=root / "exports",
        data_map_dir=REPO / "data_map",
        expectations_dir=REPO / "expectations",
        db_path=root / "warehouse" / "w.duckdb",
        reports_dir=root / "reports",
        key_file=root / "secrets" / "key",
        as_of=AS_OF,
    )
    summary = run_audit(settings)
    return Audited(settings.db_path, settings.data_map_dir, summary.run_id)


def written(out: Path, suffix: str) -> Path:
    (path,) = out.glob(f"subject-*.{suffix}")
    return path


def records(out: Path) -> dict[tuple[str, str], dict]:
    report = json.loads(written(out, "json").read_text(encoding="utf-8"))
    return {(r["dataset"], r["record_key"]): r for r in report["records"]}


def test_email_finds_every_record_of_the_person(audited: Audited, tmp_path: Path, capsys) -> None:
    assert audited.subject("JANE.DOE@example.com ", tmp_path) == 0

    found = records(tmp_path)
    assert set(found) == JANE
    report = json.loads(written(tmp_path, "json").read_text(encoding="utf-8"))
    assert report["identifier"] == "jane.doe@example.com"
    assert report["emails"] == ["jane.doe@example.com"] and report["phones"] == ["+447700900123"]
    assert report["run_id"] == audited.run_id and report["as_of"] == "2026-11-01"
    assert "john" not in written(tmp_path, "json").read_text(encoding="utf-8").lower()
    systems = {key[0]: r["system"]["vendor"] for key, r in found.items()}
    assert systems == {
        "call_recordings": "Asterisk PBX",
        "crm_contacts": "HubSpot",
        "marketing_members": "Mailchimp",
        "orders": "Shopify",
    }
    terminal = capsys.readouterr().out
    for dataset, key in JANE:
        assert dataset in terminal and key in terminal
    assert "john.smith" not in terminal


def test_fields_held_carry_their_categories(audited: Audited, tmp_path: Path) -> None:
    audited.subject("jane.doe@example.com", tmp_path)
    found = records(tmp_path)

    def fields(dataset: str, key: str) -> dict[str, tuple[str, list]]:
        return {f["name"]: (f["category"], f["values"]) for f in found[(dataset, key)]["fields"]}

    crm = fields("crm_contacts", "10000000001")
    assert crm["first_name"] == ("user.name.first", ["Jane"])
    assert crm["email"] == ("user.contact.email", ["jane.doe@example.com"])
    assert crm["phone"] == ("user.contact.phone_number", ["+447700900123"])
    assert "job_title" not in crm  # only the columns that hold a value
    order = fields("orders", "#1001")
    assert order["billing_name"] == ("user.name", ["Jane Doe"])
    assert order["lineitem_name"][1] == ["Router"] and order["total"][1] == ["49.00"]
    assert order["created_at"][1] == ["2025-06-01T09:00:00+00:00"]
    call_fields = fields("call_recordings", "1788256800.1")
    assert call_fields["caller_name"] == ("user.name", ["Jane Doe"])
    assert call_fields["recording_file"][0] == "user.biometric.voice"
    member = fields("marketing_members", "jane.doe@example.com")
    assert member["status"][1] == ["subscribed"]


def test_phone_in_another_spelling_finds_the_same_records(audited: Audited, tmp_path: Path) -> None:
    by_email, by_phone = tmp_path / "email", tmp_path / "phone"
    assert audited.subject("Jane.Doe@Example.com", by_email) == 0
    assert audited.subject("0044 7700 900123", by_phone) == 0

    assert set(records(by_phone)) == JANE
    assert written(by_phone, "json").name == written(by_email, "json").name
    phone_report = json.loads(written(by_phone, "json").read_text(encoding="utf-8"))
    assert phone_report["identifier_kind"] == "phone"
    assert phone_report["identifier"] == "+447700900123"


def test_html_escapes_what_the_exports_hold(audited: Audited, tmp_path: Path) -> None:
    audited.subject("jane.doe@example.com", tmp_path)

    html = written(tmp_path, "html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;" in html
    assert "<script" not in html.lower()
    assert "default-src 'none'" in html  # nothing runs even if something slipped through
    assert "http://" not in html and "https://" not in html  # self-contained


def test_card_numbers_are_masked_even_for_the_person(audited: Audited, tmp_path: Path) -> None:
    audited.subject("jane.doe@example.com", tmp_path)

    for path in (written(tmp_path, "json"), written(tmp_path, "html")):
        text = path.read_text(encoding="utf-8")
        assert "4111 1111 1111 1111" not in text and "4111111111111111" not in text
        assert "[card number ending 1111]" in text
    crm = records(tmp_path)[("crm_contacts", "10000000001")]
    pan = [f for f in crm["findings"] if f["rule_id"] == "SEC-PAN"]
    assert pan == [
        {
            "rule_id": "SEC-PAN",
            "title": "Full card number stored",
            "severity": "critical",
            "area": "security",
            "detail": "card number ending 1111 in Notes",
            "open_since": "2026-11-01",
        }
    ]


def test_files_are_owner_only(audited: Audited, tmp_path: Path) -> None:
    out = tmp_path / "subjects"
    audited.subject("jane.doe@example.com", out)

    files = sorted(out.iterdir())
    assert [p.suffix for p in files] == [".html", ".json"]
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(out.stat().st_mode) == 0o700


def test_default_folder_is_reports_subjects(
    audited: Audited, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRIVACY_AUDIT_REPORTS_DIR", str(tmp_path / "reports"))
    args = ["subject", "jane.doe@example.com", "--db", str(audited.db)]
    assert main([*args, "--data-map", str(audited.data_map)]) == 0
    assert written(tmp_path / "reports" / "subjects", "json").stat().st_size > 0


def test_nothing_held_is_written_with_what_was_searched(
    audited: Audited, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "out"
    assert audited.subject(" Nobody@Example.com", out) == 0

    terminal = capsys.readouterr().out
    assert "nothing held on email nobody@example.com" in terminal
    assert audited.run_id in terminal
    report = json.loads(written(out, "json").read_text(encoding="utf-8"))
    assert report["held"] is False and report["records"] == [] and report["art15"] is None
    assert report["identifier"] == "nobody@example.com"
    assert report["run_id"] == audited.run_id and report["as_of"] == "2026-11-01"
    searched = {s["dataset"]: s for s in report["searched"]}
    assert set(searched) == set(load_data_map(audited.data_map).datasets)
    assert searched["crm_contacts"]["columns"] == ["email", "phone"]
    assert searched["crm_contacts"]["rows"] == 4 and searched["crm_contacts"]["note"] == ""
    assert searched["call_recordings"]["note"].startswith("no email column")
    assert searched["disclosures"]["note"] == "no email or phone column"
    html = written(out, "html").read_text(encoding="utf-8")
    assert "Nothing held on nobody@example.com" in html
    assert f"audit run\n{audited.run_id} (as of 2026-11-01)" in html
    for dataset in ("crm_contacts", "orders", "marketing_members", "rights_requests"):
        assert f"<td>{dataset}</td>" in html
    for path in out.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(out.stat().st_mode) == 0o700


def test_not_an_identifier_exits_1(audited: Audited, tmp_path: Path, capsys) -> None:
    assert audited.subject("jane doe", tmp_path) == 1
    assert "neither an email address nor a phone number" in capsys.readouterr().err


def test_warehouse_is_only_read(audited: Audited, tmp_path: Path) -> None:
    before = hashlib.sha256(audited.db.read_bytes()).hexdigest()
    audited.subject("jane.doe@example.com", tmp_path)
    assert hashlib.sha256(audited.db.read_bytes()).hexdigest() == before


def test_erasure_keeps_the_order_and_deletes_the_rest(audited: Audited, tmp_path: Path) -> None:
    audited.subject("jane.doe@example.com", tmp_path)
    found = records(tmp_path)
    advice = {key: r["erasure"] for key, r in found.items()}

    # created 2025-06-01: financial year ends 2026-03-31, kept 6 years after it
    order = advice[("orders", "#1001")]
    assert order["action"] == "keep" and order["keep_until"] == "2032-03-31"
    assert order["text"] == "keep until 2032-03-31, then anonymise"
    assert "Keeping accounting records" in order["reason"]
    assert advice[("crm_contacts", "10000000001")]["action"] == "delete"
    assert advice[("call_recordings", "1788256800.1")]["action"] == "delete"
    member = advice[("marketing_members", "jane.doe@example.com")]
    assert member["action"] == "suppress"
    digest = hashlib.sha256(b"jane.doe@example.com").hexdigest()
    assert member["suppression_entry"] == f"sha256:{digest}"


def test_retention_status_per_record(audited: Audited, tmp_path: Path) -> None:
    audited.subject("jane.doe@example.com", tmp_path / "jane")
    jane = {key: r["retention"] for key, r in records(tmp_path / "jane").items()}
    assert jane[("orders", "#1001")]["status"] == "within retention"
    assert jane[("orders", "#1001")]["ends_on"] == "2032-03-31"
    crm = jane[("crm_contacts", "10000000001")]
    assert crm["rule"] == "customers" and crm["ends_on"] == "2032-03-31"  # she has an order
    assert jane[("call_recordings", "1788256800.1")]["ends_on"] == "2027-09-01"
    assert jane[("marketing_members", "jane.doe@example.com")]["status"] == "no retention rule"

    assert audited.subject("+447700900456", tmp_path / "john") == 0
    john = records(tmp_path / "john")
    assert set(john) == {("call_recordings", "1706368044.2"), ("crm_contacts", "10000000002")}
    assert all(r["verdict"] is None for r in john.values())  # no erasure request
    old_call = john[("call_recordings", "1706368044.2")]
    assert old_call["retention"]["status"] == "past retention (RET-CALLS since 2026-11-01)"
    assert old_call["retention_finding"]["rule_id"] == "RET-CALLS"
    assert old_call["erasure"]["action"] == "delete"
    assert john[("crm_contacts", "10000000002")]["retention"]["rule"] == "prospects"


def test_a_call_on_legal_hold_is_kept_while_the_hold_lasts() -> None:
    data_map = load_data_map(REPO / "data_map")
    held = SubjectRecord("call_recordings", "1.1", "telephony", "Telephone system", "", "")
    held.fields = [
        HeldField("started_at", "system.operations", [datetime.fromisoformat("2024-01-01T10:00Z")]),
        HeldField("legal_hold", "system.operations", [True]),
    ]
    # audit.retention_due's row for it: past its 12 months, but exempt
    due = Due("call_recordings", date(2024, 1, 1), date(2025, 1, 1), exempt=True, due=False)
    assess([held], data_map, {("call_recordings", "1.1"): due})
    assert held.retention.status == "exempt (legal hold)"
    assert held.erasure is not None and held.erasure.action == "keep"
    assert held.erasure.text == "keep while the legal hold lasts, then delete"


def test_identifiers_are_normalised_like_staging() -> None:
    assert normalise("  Jane.Doe@Example.COM ") == ("email", "jane.doe@example.com")
    assert normalise("07700 900123") == ("phone", "+447700900123")
    assert normalise("0044 7700 900123") == ("phone", "+447700900123")
    assert normalise("+44 (0)7700 900123") == ("phone", "+447700900123")


def test_card_numbers_masked() -> None:
    assert mask_cards("cvv 123, card 5555-5555-5555-4444") == (
        "cvv [removed], card [card number ending 4444]"
    )
    assert mask_cards("order 4503000000147") == "order 4503000000147"  # not Luhn-valid


def test_art15_pack_gives_purposes_bases_recipients_and_rights(
    audited: Audited, tmp_path: Path
) -> None:
    audited.subject("jane.doe@example.com", tmp_path)
    report = json.loads(written(tmp_path, "json").read_text(encoding="utf-8"))
    pack = report["art15"]
    entries = {e["dataset"]: e for e in pack["entries"]}
    assert set(entries) == {d for d, _ in JANE}

    def purposes(dataset: str) -> dict[str, str]:
        return {p["name"]: p["lawful_basis"] for p in entries[dataset]["purposes"]}

    # her order says she is a customer: the CRM's purpose for prospects is not hers
    assert purposes("crm_contacts") == {
        "Managing customer and prospect relationships": "Article 6(1)(b) contract"
    }
    assert entries["crm_contacts"]["subjects"] == "customers"
    assert purposes("orders") == {
        "Taking and fulfilling orders": "Article 6(1)(b) contract",
        "Keeping accounting records": "Article 6(1)(c) legal obligation",
    }
    assert purposes("call_recordings") == {
        "Call recording for quality, training and security": (
            "Article 6(1)(f) legitimate interests"
        )
    }
    assert [r["name"] for r in entries["orders"]["recipients"]] == [
        "Worldpay",
        "Royal Mail",
        "DPD UK",
    ]
    assert not any(r["abroad"] for r in entries["orders"]["recipients"])
    assert (
        entries["orders"]["source"]
        == load_data_map(REPO / "data_map").datasets["orders"].collected_from
    )
    assert entries["orders"]["kept_until"] == [
        {"record_key": "#1001", "kept_until": "2032-03-31", "status": "within retention"}
    ]
    assert entries["orders"]["retention"] == [
        "orders and payment records: 6 years from the end of the financial year (31 March) "
        "of the creation time, then anonymise"
    ]

    contact = load_data_map(REPO / "data_map").policy.contact
    assert pack["contact"] == contact
    rights = {r["name"]: r for r in pack["rights"]}
    assert list(rights) == [
        "access",
        "rectification",
        "erasure",
        "restriction",
        "objection",
        "portability",
        "withdraw consent",
        "complaint",
    ]
    assert rights["withdraw consent"]["applies"] == ["Email marketing of our own products"]
    assert "Keeping accounting records (legal obligation)" in rights["erasure"]["not_for"]
    assert "Email marketing of our own products" in rights["objection"]["applies"]
    assert "Information Commissioner" in rights["complaint"]["text"]
    html = written(tmp_path, "html").read_text(encoding="utf-8")
    assert "Article 15 information" in html
    assert "Keeping accounting records: <strong>Article 6(1)(c) legal obligation</strong>" in html
    assert contact in html and "Worldpay" in html


def test_a_recipient_abroad_is_a_transfer_with_its_safeguard() -> None:
    data_map = load_data_map(REPO / "data_map")
    chat = SubjectRecord("chat_transcripts", "c1", "live_chat", "Live chat", "Pure Chat", "")
    pack = art15_pack([chat], data_map)
    (recipient,) = pack.entries[0].recipients
    assert (recipient.name, recipient.country, recipient.abroad) == (
        "Pure Chat",
        "United States",
        True,
    )
    assert recipient.safeguard == "UK IDTA"
    html = to_html(
        SubjectReport("a@b.c", "email", "r1", AS_OF, ["k" * 64], [], [], [chat], art15=pack)
    )
    assert "Pure Chat (live chat provider, United States): <strong>transfer outside United " in html
    assert "safeguard UK IDTA" in html


def test_completed_erasure_judges_every_record_still_held(audited: Audited, tmp_path: Path) -> None:
    assert audited.subject("erin.gone@example.com", tmp_path) == 0
    report = json.loads(written(tmp_path, "json").read_text(encoding="utf-8"))
    assert report["erasure_request"]["ref"] == "DSR-1"
    assert report["erasure_request"]["completed_on"] == "2026-10-01"
    verdicts = {key: r["verdict"] for key, r in records(tmp_path).items()}
    assert verdicts == {
        # within retention, but nothing requires keeping a CRM contact
        ("crm_contacts", "10000000003"): {
            "kind": "should_have_been_erased",
            "text": "still held after erasure completed on 2026-10-01: should have been erased",
        },
        # within retention, and the law requires keeping the order
        ("orders", "#1002"): {
            "kind": "kept",
            "text": "kept: legal obligation until 2032-03-31 "
            "(orders and payment records, Keeping accounting records)",
        },
        ("call_recordings", "1788256900.3"): {"kind": "kept", "text": "kept: legal hold"},
        ("rights_requests", "DSR-1"): {
            "kind": "kept",
            "text": "kept: evidence of the request (rights-request records, until 2032-10-01)",
        },
    }
    html = written(tmp_path, "html").read_text(encoding="utf-8")
    assert "<h2>Erasure request DSR-1</h2>" in html
    assert "still held after erasure completed on 2026-10-01: should have been erased" in html


def test_open_erasure_is_requested_not_completed(audited: Audited, tmp_path: Path) -> None:
    assert audited.subject("owen.waits@example.com", tmp_path) == 0
    verdicts = {key: r["verdict"]["text"] for key, r in records(tmp_path).items()}
    assert verdicts == {
        ("crm_contacts", "10000000004"): (
            "erasure requested on 2026-10-20, not yet completed (DSR-2, status Open)"
        ),
        ("rights_requests", "DSR-2"): "kept: evidence of the request (rights-request records)",
    }
