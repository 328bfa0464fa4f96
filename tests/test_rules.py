"""The rule catalogue on small hand-made estates: which records each rule finds, and which not.

These run the rules' SQL straight in DuckDB (what audit.findings is made from); the Great
Expectations run of the same SQL is tested in test_rules_gx.py.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from conftest import DISCLOSURES_HEADER, REPO, RIGHTS_HEADER, SENDS_HEADER, Estate

from pipelines.datamap import load_data_map
from pipelines.rules.catalogue import load_catalogue
from pipelines.rules.findings import evaluate_rules, record_findings
from pipelines.rules.inputs import prepare_rules
from pipelines.staging.subjects import build_subjects

AS_OF = date(2026, 11, 1)  # T = 2026-11-01 00:00 GMT
EXPECTATIONS = REPO / "expectations"


def audit(
    estate: Estate, as_of: date = AS_OF, run_id: str = "r1", expectations: Path = EXPECTATIONS
) -> set[tuple[str, str, str]]:
    """Stage every dataset, resolve subjects, run every rule; (rule, dataset, record key)."""
    for name in estate.data_map.datasets:
        estate.load(name)
        estate.stage(name)
    build_subjects(estate.conn, list(estate.data_map.datasets.values()), b"secret")
    prepare_rules(estate.conn, estate.data_map, as_of)
    suites = load_catalogue(expectations, estate.data_map)
    evaluate_rules(estate.conn, suites)
    record_findings(estate.conn, suites, run_id, as_of)
    rows = estate.query(
        "select rule_id, dataset, record_key from audit.findings where run_id = ?", [run_id]
    )
    return {(r["rule_id"], r["dataset"], r["record_key"]) for r in rows}


def rule(findings: set[tuple[str, str, str]], rule_id: str) -> set[tuple[str, str]]:
    return {(dataset, key) for r, dataset, key in findings if r == rule_id}


def contact(record_id: str, **fields: str) -> dict[str, str]:
    base = {
        "Record ID": record_id,
        "First Name": "Ann",
        "Last Name": "Lee",
        "Email": f"c{record_id}@example.com",
        "Last Activity Date": "2026-10-01 10:00",
        "Create Date": "2020-01-01 10:00",
        "Unsubscribed from all email": "false",
    }
    return base | fields


def test_card_numbers_found_and_near_misses_ignored(estate: Estate, layouts) -> None:
    notes = {
        "101": "card 4111 1111 1111 1111 exp 12/27",
        "102": "paid with 5555-5555-5555-4444",
        "103": "amex 378282246310005",
        "104": "card 4111 1111 1111 1112",  # Luhn fails
        "105": "card 4111 **** **** 1111",  # masked
        "106": "call back on 07700 900123 or +44 7700 900123",
        "107": "IMEI 356938035643809",  # 15 digits, Luhn-valid, not a card
        "108": "SIM 8944110068240938176",  # ICCID
        "109": "ref 84301373-c68a-4674-9954-73533cdcadbe",  # UUID with a Luhn-valid digit run
        "110": "order #1001 and #1002",
        "111": "chat 2dc52c36-1285-4656-8350-cd7cac67327d",  # a Luhn-valid run inside a UUID
        "112": "x4111111111111111",  # touching a letter: part of an id
    }
    estate.put(
        "crm_contacts", "c.csv", layouts.hubspot([contact(k, Notes=v) for k, v in notes.items()])
    )
    found = rule(audit(estate), "SEC-PAN")
    assert found == {("crm_contacts", "101"), ("crm_contacts", "102"), ("crm_contacts", "103")}
    details = estate.query(
        "select detail from audit.findings where rule_id = 'SEC-PAN' order by record_key"
    )
    assert details[0]["detail"] == "card number ending 1111 in Notes"
    stored = estate.query("select string_agg(detail, ' ') as d from audit.findings")[0]["d"]
    assert "4111111111111111" not in stored and "4111 1111" not in stored


def test_security_codes_and_undeclared_data_in_free_text(estate: Estate, layouts) -> None:
    notes = {
        "201": "customer read out CVV 123 on the phone",
        "202": "security code: 4567",
        "203": "never share your CVV with anyone",
        "204": "CVV not provided",
        "205": "DOB 12/03/1980",
        "206": "date of birth: 1975-06-30",
        "207": "NI number AB 12 34 56 C",
        "208": "meeting on 12/03/2026 about broadband",
        "209": "asked about the NI office",
        # HMRC never issues these (NIM39110): its specimen, a D or O prefix letter, BG, GB, ZZ
        "210": "NI number QQ 12 34 56 C (the example on the form)",
        "211": "NI DA123456A, OD 12 34 56 B",
        "212": "GB123456A BG 12 34 56 A ZZ123456D",
        "213": "NI: JY 12 34 56 D, copied from payroll",
    }
    estate.put(
        "crm_contacts", "c.csv", layouts.hubspot([contact(k, Notes=v) for k, v in notes.items()])
    )
    findings = audit(estate)
    assert rule(findings, "SEC-CVV") == {("crm_contacts", "201"), ("crm_contacts", "202")}
    assert rule(findings, "SEC-UNDECLARED") == {
        ("crm_contacts", "205"),
        ("crm_contacts", "206"),
        ("crm_contacts", "207"),
        ("crm_contacts", "213"),
    }


def test_undeclared_column_is_one_finding_keyed_by_its_header(estate: Estate, layouts) -> None:
    header = DISCLOSURES_HEADER + ",Contact Name"
    estate.put(
        "disclosures",
        "d.csv",
        layouts.csv(
            header,
            [
                [
                    "01/10/2026",
                    "Royal Mail",
                    "courier",
                    "Delivery of orders",
                    "name; address",
                    "United Kingdom",
                    "UK GDPR",
                    "10",
                    "Jane Doe",
                ],
                [
                    "02/10/2026",
                    "Royal Mail",
                    "courier",
                    "Delivery of orders",
                    "name; address",
                    "United Kingdom",
                    "UK GDPR",
                    "12",
                    "John Roe",
                ],
            ],
        ),
    )
    assert rule(audit(estate), "SEC-UNDECLARED") == {("disclosures", "Contact Name")}


def test_retention_boundaries(estate: Estate, layouts) -> None:
    # T = 2026-11-01 00:00 GMT; 12 months earlier is 2025-11-01 00:00 GMT (London time)
    lines = [
        '"","07700900001","200","ctx","""A"" <07700900001>","SIP/1","SIP/2","Dial","",'
        '"{start}","{start}","{start}",60,60,"ANSWERED",3,"{uid}","rec=a.wav;notice={n};hold={h}"'
    ]
    calls = [
        ("2025-11-01 00:00:00", "exact", "played", 0),
        ("2025-10-31 23:59:00", "older", "played", 0),
        ("2024-01-01 10:00:00", "held", "played", 1),
        ("2026-10-01 10:00:00", "quiet", "skipped", 0),
    ]
    body = "\n".join(lines[0].format(start=s, uid=u, n=n, h=h) for s, u, n, h in calls) + "\n"
    estate.put("call_recordings", "Master.csv", body)
    findings = audit(estate)
    assert rule(findings, "RET-CALLS") == {("call_recordings", "older")}
    assert rule(findings, "CON-CALL-NOTICE") == {("call_recordings", "quiet")}


def test_orders_financial_year_is_taken_from_the_london_date(estate: Estate, layouts) -> None:
    # FY ending 2020-03-31 + 6 years = 2026-03-31 < 2026-11-01: violation if not anonymised
    rows = [
        {"Name": "#1", "Email": "a@example.com", "Created at": "2020-03-31 23:30:00 +0100"},
        {"Name": "#2", "Email": "b@example.com", "Created at": "2020-04-01 00:30:00 +0100"},
        {"Name": "#3", "Email": "", "Created at": "2019-06-01 10:00:00 +0100"},  # anonymised
    ]
    estate.put("orders", "orders_export_1.csv", layouts.shopify(rows))
    assert rule(audit(estate), "RET-ORDERS") == {("orders", "#1")}


def test_third_party_rules(estate: Estate, layouts) -> None:
    rows = [
        ["01/10/2026", "Royal Mail", "courier", "Delivery of orders", "", "United Kingdom", "x", 1],
        [
            "01/10/2026",
            "ROYAL MAIL ",
            "courier",
            "Delivery of orders",
            "",
            "United Kingdom",
            "x",
            1,
        ],
        ["01/10/2026", "DataBroker Ltd", "broker", "Marketing", "", "United Kingdom", "x", 1],
        [
            "01/10/2026",
            "Printmail Ltd",
            "mailing",
            "Sale of customer list",
            "",
            "United Kingdom",
            "x",
            1,
        ],
        [
            "01/10/2026",
            "Printmail Ltd",
            "mailing",
            "Sales ledger mailing",
            "",
            "United Kingdom",
            "x",
            1,
        ],
        ["01/10/2026", "Pure Chat", "chat", "Live chat hosting", "", "United States", "None", 1],
        ["01/10/2026", "Pure Chat", "chat", "Live chat hosting", "", "United States", "UK IDTA", 1],
        ["01/10/2026", "Worldpay", "payments", "Payment processing", "", "Ireland", "", 1],
    ]
    estate.put("disclosures", "d.csv", layouts.csv(DISCLOSURES_HEADER, rows))
    findings = audit(estate)
    assert rule(findings, "TPD-UNAPPROVED") == {("disclosures", "3")}
    assert rule(findings, "TPD-SALE") == {("disclosures", "4")}
    assert rule(findings, "TPD-TRANSFER") == {("disclosures", "6")}


def test_rights_request_deadlines(estate: Estate, layouts) -> None:
    rows = [
        # received 31 Jan 2026: due 28 Feb 2026 (a Saturday) -> Monday 2 March
        ["RR-1", "31/01/2026", "a@example.com", "Access", "Completed", "02/03/2026", "No", ""],
        ["RR-2", "31/01/2026", "b@example.com", "Access", "Completed", "03/03/2026", "No", ""],
        [
            "RR-3",
            "01/06/2026",
            "c@example.com",
            "Access",
            "Completed",
            "15/08/2026",
            "Yes",
            "Complex – several systems",
        ],
        ["RR-4", "01/06/2026", "d@example.com", "Access", "Completed", "03/08/2026", "Yes", ""],
        ["RR-5", "01/09/2026", "e@example.com", "Access", "Open", "", "No", ""],
        ["RR-6", "15/10/2026", "f@example.com", "Access", "Open", "", "No", ""],
    ]
    estate.put("rights_requests", "r.csv", layouts.csv(RIGHTS_HEADER, rows, "\r\n"), "cp1252")
    assert rule(audit(estate), "DSR-OVERDUE") == {
        ("rights_requests", "RR-2"),
        ("rights_requests", "RR-4"),
        ("rights_requests", "RR-5"),
    }


def test_erasure_and_objection_are_checked_against_the_systems(estate: Estate, layouts) -> None:
    estate.put(
        "crm_contacts",
        "c.csv",
        layouts.hubspot(
            [
                contact("301", Email="Kept@Example.com"),
                contact("302", Email="gone.phone@example.com", **{"Phone Number": "07700 900777"}),
            ]
        ),
    )
    estate.put(
        "marketing_members",
        "subscribed_members_export_x.csv",
        layouts.mailchimp(
            "subscribed",
            [{"Email Address": "objector@example.com", "OPTIN_TIME": "2020-01-01 10:00:00"}],
        ),
    )
    estate.put(
        "marketing_sends",
        "s.csv",
        layouts.csv(
            SENDS_HEADER,
            [
                ["c1", "Spring", "late@example.com", "2026-09-02T09:00:00Z"],
                ["c0", "Winter", "ontime@example.com", "2026-08-31T09:00:00Z"],
            ],
        ),
    )
    estate.put(
        "rights_requests",
        "r.csv",
        layouts.csv(
            RIGHTS_HEADER,
            [
                [
                    "RR-1",
                    "01/09/2026",
                    "kept@example.com",
                    "Erasure",
                    "Completed",
                    "10/09/2026",
                    "No",
                    "",
                ],
                [
                    "RR-2",
                    "01/09/2026",
                    "erased@example.com",
                    "Erasure",
                    "Completed",
                    "10/09/2026",
                    "No",
                    "",
                ],
                [
                    "RR-3",
                    "01/09/2026",
                    "objector@example.com",
                    "Objection to marketing",
                    "Completed",
                    "05/09/2026",
                    "No",
                    "",
                ],
                [
                    "RR-4",
                    "25/08/2026",
                    "late@example.com",
                    "Withdraw consent",
                    "Completed",
                    "01/09/2026",
                    "No",
                    "",
                ],
                [
                    "RR-5",
                    "25/08/2026",
                    "ontime@example.com",
                    "Withdraw consent",
                    "Completed",
                    "01/09/2026",
                    "No",
                    "",
                ],
            ],
            "\r\n",
        ),
        "cp1252",
    )
    findings = audit(estate)
    assert rule(findings, "DSR-ERASURE-INCOMPLETE") == {("rights_requests", "RR-1")}
    assert rule(findings, "DSR-OBJECTION-IGNORED") == {
        ("rights_requests", "RR-3"),
        ("rights_requests", "RR-4"),
    }


def test_consent_rules(estate: Estate, layouts) -> None:
    estate.put(
        "crm_contacts",
        "c.csv",
        layouts.hubspot(
            [
                contact(
                    "401", Email="synced@example.com", **{"Unsubscribed from all email": "true"}
                ),
                contact(
                    "402", Email="stale@example.com"
                ),  # still opted in, left Mailchimp 10 days ago
                contact(
                    "403", Email="fresh@example.com"
                ),  # left Mailchimp 3 days ago: within grace
            ]
        ),
    )
    estate.put(
        "marketing_members",
        "unsubscribed_members_export_x.csv",
        layouts.mailchimp(
            "unsubscribed",
            [
                {"Email Address": "synced@example.com", "UNSUB_TIME": "2026-10-01 10:00:00"},
                {"Email Address": "stale@example.com", "UNSUB_TIME": "2026-10-22 10:00:00"},
                {"Email Address": "fresh@example.com", "UNSUB_TIME": "2026-10-29 10:00:00"},
            ],
        ),
    )
    estate.put(
        "marketing_members",
        "subscribed_members_export_x.csv",
        layouts.mailchimp(
            "subscribed",
            [
                {"Email Address": "noconsent@example.com", "First Name": "N"},
                {"Email Address": "buyer@example.com"},
                {"Email Address": "consent@example.com", "OPTIN_TIME": "2021-01-01 10:00:00"},
            ],
        ),
    )
    estate.put(
        "orders",
        "o.csv",
        layouts.shopify(
            [
                {
                    "Name": "#9",
                    "Email": "buyer@example.com",
                    "Accepts Marketing": "yes",
                    "Created at": "2026-05-01 10:00:00 +0100",
                }
            ]
        ),
    )
    estate.put(
        "marketing_sends",
        "s.csv",
        layouts.csv(
            SENDS_HEADER,
            [
                ["c1", "Autumn", "synced@example.com", "2026-10-05T09:00:00Z"],
                ["c0", "Summer", "synced@example.com", "2026-09-05T09:00:00Z"],
            ],
        ),
    )
    findings = audit(estate)
    assert rule(findings, "CON-NO-BASIS") == {("marketing_members", "noconsent@example.com")}
    assert rule(findings, "CON-OPTOUT-SYNC") == {("crm_contacts", "402")}
    assert rule(findings, "CON-SEND-AFTER-OPTOUT") == {("marketing_sends", "c1|synced@example.com")}


def test_a_changed_data_map_changes_the_findings(data_map_copy: Path, make_estate, layouts) -> None:
    calls = (
        '"","07700900001","200","ctx","""A"" <07700900001>","SIP/1","SIP/2","Dial","",'
        '"2025-06-01 10:00:00","2025-06-01 10:00:00","2025-06-01 10:01:00",60,60,'
        '"ANSWERED",3,"old","rec=a.wav;notice=played;hold=0"\n'
    )
    disclosures = layouts.csv(
        DISCLOSURES_HEADER,
        [["01/10/2026", "Acme Couriers", "courier", "Delivery", "", "United Kingdom", "x", 1]],
    )
    before = make_estate(load_data_map(data_map_copy), "before")
    before.put("call_recordings", "Master.csv", calls)
    before.put("disclosures", "d.csv", disclosures)
    findings = audit(before)
    assert rule(findings, "RET-CALLS") == {("call_recordings", "old")}
    assert rule(findings, "TPD-UNAPPROVED") == {("disclosures", "1")}

    retention = data_map_copy / "retention.yaml"
    retention.write_text(
        retention.read_text().replace(
            "keep_for: {months: 12}\n      starts: "
            "started_at\n      action: delete\n      "
            "exempt_when",
            "keep_for: {months: 24}\n"
            "      starts: started_at\n      action: "
            "delete\n      exempt_when",
        )
    )
    recipients = data_map_copy / "recipients.yaml"
    recipients.write_text(
        recipients.read_text() + "  - id: acme\n    name: Acme Couriers\n"
        "    category: courier\n    country: United Kingdom\n"
        "    safeguard: processor contract\n"
    )
    after = make_estate(load_data_map(data_map_copy), "after")
    after.put("call_recordings", "Master.csv", calls)
    after.put("disclosures", "d.csv", disclosures)
    findings = audit(after)
    assert rule(findings, "RET-CALLS") == set()
    assert rule(findings, "TPD-UNAPPROVED") == set()


def test_second_run_keeps_first_seen_run(estate: Estate, layouts) -> None:
    estate.put("crm_contacts", "c.csv", layouts.hubspot([contact("501", Notes="cvv 321")]))
    first = audit(estate, run_id="20260101T000000Z")
    second = audit(estate, run_id="20260102T000000Z")
    assert first == second == {("SEC-CVV", "crm_contacts", "501")}
    rows = estate.query("select run_id, first_seen_run from audit.findings order by run_id")
    assert [r["first_seen_run"] for r in rows] == ["20260101T000000Z"] * 2


def test_unknown_clause_in_a_suite_is_reported(tmp_path: Path, data_map) -> None:
    from pipelines.datamap import DataMapError

    suites = tmp_path / "expectations"
    shutil.copytree(EXPECTATIONS, suites)
    path = suites / "rights.yaml"
    path.write_text(
        path.read_text().replace('clauses: ["8.1", "8.2", "8.3", "8.4", "9.1"]', 'clauses: ["8.9"]')
    )
    with pytest.raises(DataMapError) as error:
        load_catalogue(suites, data_map)
    assert "rights.yaml" in str(error.value) and "rules.DSR-OVERDUE.clauses" in str(error.value)


def _call(uid: str, start: str, answer: str, disposition: str, userfield: str) -> str:
    """One Asterisk Master.csv line (no header; text quoted, numbers not)."""
    return (
        f'"","07700900123","200","ctx","""A"" <07700900123>","c","d","Dial","x","{start}",'
        f'{answer},"{start}",1,1,"{disposition}","DOCUMENTATION","{uid}","{userfield}","","1",1\n'
    )


def test_call_rules_need_a_recording_and_print_the_london_date(estate: Estate) -> None:
    lines = [
        # 00:30 in London on 1 July 2025 is 23:30 UTC on 30 June: the detail says 1 July
        _call("1.1", "2025-07-01 00:30:00", '"2025-07-01 00:30:05"', "ANSWERED",
              "rec=a.wav;notice=skipped;hold=0"),
        # never answered: no recording, whatever the userfield says, so neither rule applies
        _call("1.2", "2025-07-01 09:00:00", "", "NO ANSWER", "rec=b.wav;notice=skipped;hold=0"),
        _call("1.3", "2025-07-01 09:00:00", "", "BUSY", "notice=skipped"),
        # answered but nothing recorded
        _call("1.4", "2025-07-01 09:00:00", '"2025-07-01 09:00:03"', "ANSWERED", "notice=skipped"),
    ]  # fmt: skip
    estate.put("call_recordings", "Master.csv", "".join(lines))
    findings = audit(estate)
    assert rule(findings, "RET-CALLS") == {("call_recordings", "1.1")}
    assert rule(findings, "CON-CALL-NOTICE") == {("call_recordings", "1.1")}
    details = dict(
        (r["rule_id"], r["detail"])
        for r in estate.query("select rule_id, detail from audit.findings where record_key = '1.1'")
    )
    assert details["RET-CALLS"] == "recorded 2025-07-01"


def test_anonymised_contacts_and_orders_are_outside_retention(estate: Estate, layouts) -> None:
    old = {"Last Activity Date": "2019-05-01 10:00"}
    blank = {"First Name": "", "Last Name": "", "Email": "", "Phone Number": ""}
    estate.put(
        "crm_contacts",
        "c.csv",
        layouts.hubspot(
            [
                contact("301", **old),  # an old prospect: kept too long
                contact("302", **old, **blank),  # anonymised already
                contact("303", **old, **(blank | {"Phone Number": "07700 900301"})),  # not quite
            ]
        ),
    )
    estate.put(
        "orders",
        "o.csv",
        layouts.shopify(
            [
                {"Name": "#1", "Email": "x@example.com", "Created at": "2019-05-01 10:00:00 +0100"},
                {"Name": "#2", "Email": "", "Created at": "2019-05-01 10:00:00 +0100"},
                {"Name": "#2", "Email": "", "Created at": "2019-05-01 10:00:00 +0100"},
                {"Name": "#3", "Email": "", "Created at": "2019-05-01 10:00:00 +0100"},
                {"Name": "#3", "Email": "", "Billing Name": "Ann Lee",
                 "Created at": "2019-05-01 10:00:00 +0100"},
            ]
        ),
    )  # fmt: skip
    findings = audit(estate)
    assert rule(findings, "RET-PROSPECT") == {("crm_contacts", "301"), ("crm_contacts", "303")}
    assert rule(findings, "RET-ORDERS") == {("orders", "#1"), ("orders", "#3")}
