"""Each default export layout, quirks included, reads into staging.<dataset> correctly."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def reconciled(load, read: int, loaded: int, rejected: int = 0) -> None:
    [file] = load.files
    assert (file.status, file.rows_read, file.rows_loaded, file.rows_rejected) == (
        "loaded",
        read,
        loaded,
        rejected,
    ), file


# --- HubSpot contacts ------------------------------------------------------------------------


def test_hubspot_contacts(estate, layouts):
    estate.put(
        "crm_contacts",
        "hubspot-crm-exports-all-contacts-2024-08-01.csv",
        layouts.hubspot(
            [
                {
                    "Record ID": "10000000001",
                    "First Name": "Jane",
                    "Last Name": "Doe",
                    "Email": " Jane.Doe@Example.COM ",
                    "Phone Number": "07700 900123",
                    "Job Title": 'Head of "Growth"',
                    "Last Activity Date": "2020-01-10 10:00",
                    "Create Date": "2019-12-01 09:15",
                    "Unsubscribed from all email": "true",
                    "Postal Code": "MK11 3HA",
                    "Notes": "Prefers email.\nCall after 5pm, please",
                },
                {
                    "Record ID": "10000000002",
                    "Email": "BOB@Example.co.uk",
                    "Phone Number": "+44 7700 900124",
                    "Last Activity Date": "3/15/2024 2:30 PM",
                    "Create Date": "15/03/2024 14:30",
                    "Unsubscribed from all email": "Yes",
                },
                {
                    "Record ID": "100000000003",
                    "Email": "cy@example.com",
                    "Phone Number": "(07700) 900125",
                    "Last Activity Date": "2024-07-01 12:00",
                    "Create Date": "7/1/2024 9:05 AM",
                    "Unsubscribed from all email": "No",
                },
                {
                    "Record ID": "100000000004",
                    "Email": "di@example.com",
                    "Phone Number": "0044 7700 900126",
                    "Last Activity Date": "15/07/2024 14:30",
                    "Create Date": "2024-07-15 08:00",
                    "Unsubscribed from all email": "false",
                },
            ]
        ),
    )

    load = estate.ingest("crm_contacts")

    reconciled(load, read=4, loaded=4)
    rows = estate.staged(
        "crm_contacts",
        "record_id",
        "email",
        "phone",
        "last_activity_at",
        "created_at",
        "unsubscribed_from_all_email",
        "record_key",
        "_row_number",
    )
    assert rows == [
        {
            "record_id": 10000000001,
            "email": "jane.doe@example.com",
            "phone": "+447700900123",
            "last_activity_at": utc(2020, 1, 10, 10, 0),  # GMT: London = UTC
            "created_at": utc(2019, 12, 1, 9, 15),
            "unsubscribed_from_all_email": True,
            "record_key": "10000000001",
            "_row_number": 1,
        },
        {
            "record_id": 10000000002,
            "email": "bob@example.co.uk",
            "phone": "+447700900124",
            "last_activity_at": utc(2024, 3, 15, 14, 30),  # US form, Excel re-save
            "created_at": utc(2024, 3, 15, 14, 30),  # UK form
            "unsubscribed_from_all_email": True,
            "record_key": "10000000002",
            "_row_number": 2,
        },
        {
            "record_id": 100000000003,
            "email": "cy@example.com",
            "phone": "+447700900125",
            "last_activity_at": utc(2024, 7, 1, 11, 0),  # BST: one hour behind in UTC
            "created_at": utc(2024, 7, 1, 8, 5),
            "unsubscribed_from_all_email": False,
            "record_key": "100000000003",
            "_row_number": 3,
        },
        {
            "record_id": 100000000004,
            "email": "di@example.com",
            "phone": "+447700900126",
            "last_activity_at": utc(2024, 7, 15, 13, 30),
            "created_at": utc(2024, 7, 15, 7, 0),
            "unsubscribed_from_all_email": False,
            "record_key": "100000000004",
            "_row_number": 4,
        },
    ]
    first = estate.staged("crm_contacts", "first_name", "job_title", "postal_code", "notes")[0]
    assert first == {
        "first_name": "Jane",
        "job_title": 'Head of "Growth"',
        "postal_code": "MK11 3HA",
        "notes": "Prefers email.\nCall after 5pm, please",
    }
    assert estate.rejects("crm_contacts") == []


def test_hubspot_staging_types(estate, layouts):
    estate.put("crm_contacts", "c.csv", layouts.hubspot([]))
    estate.ingest("crm_contacts")

    types = {
        row["column_name"]: row["column_type"]
        for row in estate.query("describe staging.crm_contacts")
    }
    assert types["record_id"] == "BIGINT"
    assert types["last_activity_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["unsubscribed_from_all_email"] == "BOOLEAN"
    assert types["email"] == types["phone"] == types["record_key"] == "VARCHAR"


# --- Shopify orders --------------------------------------------------------------------------


def test_shopify_multi_line_order(estate, layouts):
    raw = layouts.raw
    first = {
        "Name": "#1001",
        "Email": "Jane.Doe@Example.com",
        "Financial Status": "paid",
        "Paid at": "2026-06-09 00:10:00 +0100",
        "Accepts Marketing": "yes",
        "Currency": "GBP",
        "Subtotal": "1,020.00",
        "Total": "1,024.99",
        "Discount Code": raw('""'),
        "Discount Amount": raw('""'),
        "Created at": "2026-06-08 23:02:14 +0100",
        "Lineitem quantity": "1",
        "Lineitem name": "Router",
        "Lineitem price": "1000.00",
        "Billing Name": "Jane Doe",
        "Billing Zip": "'MK11 3HA",
        "Billing Phone": "07700 900123",
        "Shipping Zip": "'SW1A 1AA",
        "Notes": "Leave with neighbour\nat no. 12",
        "Note Attributes": raw('""'),
    }
    continuation = {
        "Name": "#1001",
        "Email": "Jane.Doe@Example.com",
        "Created at": "2026-06-08 23:02:14 +0100",
        "Lineitem quantity": "2",
        "Lineitem name": 'Cable, 2m "flat"',
        "Lineitem price": "10.00",
    }
    second = {
        "Name": "#1002",
        "Email": "bob@example.com",
        "Financial Status": "refunded",
        "Accepts Marketing": "no",
        "Currency": "GBP",
        "Total": "5.00",
        "Created at": "2026-01-05 10:00:00 +0000",
        "Lineitem quantity": "1",
        "Lineitem name": "Filter",
        "Billing Zip": "MK9 2AA",
        "Payment Method": "PayPal Express Checkout",
        "Phone": "+44 7700 900124",
    }
    estate.put("orders", "orders_export_1.csv", layouts.shopify([first, continuation, second]))

    load = estate.ingest("orders")

    reconciled(load, read=3, loaded=3)
    rows = estate.staged(
        "orders",
        "order_name",
        "email",
        "financial_status",
        "paid_at",
        "accepts_marketing",
        "subtotal",
        "total",
        "discount_code",
        "discount_amount",
        "created_at",
        "lineitem_quantity",
        "lineitem_name",
        "billing_postcode",
        "shipping_postcode",
        "billing_phone",
        "phone",
        "payment_method",
        "notes",
        "note_attributes",
        "record_key",
    )
    assert rows == [
        {
            "order_name": "#1001",
            "email": "jane.doe@example.com",
            "financial_status": "paid",
            "paid_at": utc(2026, 6, 8, 23, 10, 0),
            "accepts_marketing": True,
            "subtotal": Decimal("1020.00"),
            "total": Decimal("1024.99"),
            "discount_code": None,
            "discount_amount": None,
            "created_at": utc(2026, 6, 8, 22, 2, 14),
            "lineitem_quantity": 1,
            "lineitem_name": "Router",
            "billing_postcode": "MK11 3HA",
            "shipping_postcode": "SW1A 1AA",
            "billing_phone": "+447700900123",
            "phone": None,
            "payment_method": None,
            "notes": "Leave with neighbour\nat no. 12",
            "note_attributes": None,
            "record_key": "#1001",
        },
        {
            "order_name": "#1001",
            "email": "jane.doe@example.com",
            "financial_status": None,
            "paid_at": None,
            "accepts_marketing": None,
            "subtotal": None,
            "total": None,
            "discount_code": None,
            "discount_amount": None,
            "created_at": utc(2026, 6, 8, 22, 2, 14),
            "lineitem_quantity": 2,
            "lineitem_name": 'Cable, 2m "flat"',
            "billing_postcode": None,
            "shipping_postcode": None,
            "billing_phone": None,
            "phone": None,
            "payment_method": None,
            "notes": None,
            "note_attributes": None,
            "record_key": "#1001",
        },
        {
            "order_name": "#1002",
            "email": "bob@example.com",
            "financial_status": "refunded",
            "paid_at": None,
            "accepts_marketing": False,
            "subtotal": None,
            "total": Decimal("5.00"),
            "discount_code": None,
            "discount_amount": None,
            "created_at": utc(2026, 1, 5, 10, 0, 0),
            "lineitem_quantity": 1,
            "lineitem_name": "Filter",
            "billing_postcode": "MK9 2AA",
            "shipping_postcode": None,
            "billing_phone": None,
            "phone": "+447700900124",
            "payment_method": "PayPal Express Checkout",
            "notes": None,
            "note_attributes": None,
            "record_key": "#1002",
        },
    ]
    assert estate.rejects("orders") == []


def test_shopify_older_export_stopping_at_cancelled_at(estate, layouts):
    estate.put(
        "orders",
        "orders_export_2019.csv",
        layouts.shopify(
            [
                {
                    "Name": "#0900",
                    "Email": "old@example.com",
                    "Financial Status": "voided",
                    "Created at": "2019-07-01 09:30:00 +0100",
                    "Billing Zip": "'MK11 3HA",
                    "Cancelled at": "2019-07-02 10:00:00 +0100",
                }
            ],
            header=layouts.shopify_old_header,
        ),
    )
    estate.put(
        "orders",
        "orders_export_1.csv",
        layouts.shopify(
            [
                {
                    "Name": "#1001",
                    "Email": "new@example.com",
                    "Created at": "2026-01-01 10:00:00 +0000",
                    "Payment Method": "Shopify Payments",
                }
            ]
        ),
    )

    load = estate.ingest("orders")

    assert [(f.source_file, f.status, f.rows_loaded) for f in load.files] == [
        ("orders/orders_export_1.csv", "loaded", 1),
        ("orders/orders_export_2019.csv", "loaded", 1),
    ]
    rows = estate.staged(
        "orders", "order_name", "created_at", "cancelled_at", "billing_postcode", "payment_method"
    )
    assert rows == [
        {
            "order_name": "#1001",
            "created_at": utc(2026, 1, 1, 10, 0),
            "cancelled_at": None,
            "billing_postcode": None,
            "payment_method": "Shopify Payments",
        },
        {
            "order_name": "#0900",
            "created_at": utc(2019, 7, 1, 8, 30),
            "cancelled_at": utc(2019, 7, 2, 9, 0),
            "billing_postcode": "MK11 3HA",
            "payment_method": None,  # column absent from the older layout
        },
    ]


# --- Asterisk CDR ----------------------------------------------------------------------------

CDR = (
    # answered, recorded, announcement played, on legal hold; quotes doubled inside clid
    b'"","07700900123","200","from-external","""Jane Doe"" <07700900123>","SIP/trunk-0001",'
    b'"SIP/200-0002","Dial","SIP/200,30","2024-01-27 15:07:24","2024-01-27 15:07:30",'
    b'"2024-01-27 15:10:00",156,150,"ANSWERED",3,"1706368044.1",'
    b'"rec=20240127-1706368044.1.wav;notice=played;hold=1","","1706368044.1",1\n'
    # unanswered (empty unquoted answer), Latin-1 byte in the caller name, prefixed uniqueid
    b'"","+44 7700 900124","200","from-external","""Jos\xe9 Smith"" <+447700900124>",'
    b'"SIP/trunk-0003","","Dial","SIP/200,30","2024-07-27 15:07:24",,"2024-07-27 15:08:00",'
    b'36,0,"NO ANSWER",3,"pbx1-1722089244.2","","","1722089244.2",2\n'
    # an older Asterisk: 18 fields, no peeraccount/linkedid/sequence; announcement skipped
    b'"","07700900125","200","from-external","Old Caller <07700900125>","SIP/trunk-0004",'
    b'"SIP/200-0005","Dial","SIP/200,30","2024-01-27 16:00:00","2024-01-27 16:00:05",'
    b'"2024-01-27 16:01:00",60,55,"ANSWERED",3,"1706371200.3",'
    b'"rec=20240127-1706371200.3.wav;notice=skipped;hold=0"\n'
)


def test_asterisk_master_csv(estate):
    estate.put("call_recordings", "Master.csv", CDR)

    load = estate.ingest("call_recordings")

    reconciled(load, read=3, loaded=3)
    rows = estate.staged(
        "call_recordings",
        "caller_number",
        "caller_name",
        "caller_id_number",
        "started_at",
        "answered_at",
        "duration_seconds",
        "disposition",
        "unique_id",
        "recording_file",
        "recording_notice",
        "legal_hold",
        "peer_account",
        "linked_id",
        "sequence",
        "record_key",
        "_row_number",
    )
    jane, jose, old = rows
    assert jane == {
        "caller_number": "+447700900123",
        "caller_name": "Jane Doe",
        "caller_id_number": "+447700900123",
        "started_at": utc(2024, 1, 27, 15, 7, 24),
        "answered_at": utc(2024, 1, 27, 15, 7, 30),
        "duration_seconds": 156,
        "disposition": "ANSWERED",
        "unique_id": "1706368044.1",
        "recording_file": "20240127-1706368044.1.wav",
        "recording_notice": "played",
        "legal_hold": True,
        "peer_account": None,
        "linked_id": "1706368044.1",
        "sequence": 1,
        "record_key": "1706368044.1",
        "_row_number": 1,
    }
    assert jose["caller_name"].startswith("Jos") and jose["caller_name"].endswith(" Smith")
    assert jose | {"caller_name": None} == {
        "caller_number": "+447700900124",
        "caller_name": None,
        "caller_id_number": "+447700900124",
        "started_at": utc(2024, 7, 27, 14, 7, 24),  # BST
        "answered_at": None,
        "duration_seconds": 36,
        "disposition": "NO ANSWER",
        "unique_id": "pbx1-1722089244.2",
        "recording_file": None,
        "recording_notice": None,
        "legal_hold": None,
        "peer_account": None,
        "linked_id": "1722089244.2",
        "sequence": 2,
        "record_key": "pbx1-1722089244.2",
        "_row_number": 2,
    }
    assert old == {
        "caller_number": "+447700900125",
        "caller_name": "Old Caller",
        "caller_id_number": "+447700900125",
        "started_at": utc(2024, 1, 27, 16, 0, 0),
        "answered_at": utc(2024, 1, 27, 16, 0, 5),
        "duration_seconds": 60,
        "disposition": "ANSWERED",
        "unique_id": "1706371200.3",
        "recording_file": "20240127-1706371200.3.wav",
        "recording_notice": "skipped",
        "legal_hold": False,
        "peer_account": None,
        "linked_id": None,
        "sequence": None,
        "record_key": "1706371200.3",
        "_row_number": 3,
    }
    assert estate.rejects("call_recordings") == []


# --- Mailchimp audience ----------------------------------------------------------------------


def test_mailchimp_audience_status_from_file_name(estate, layouts):
    estate.put(
        "marketing_members",
        "subscribed_members_export_a1b2c3.csv",
        layouts.mailchimp(
            "subscribed",
            [
                {
                    "Email Address": " Jane.Doe@Example.COM ",
                    "First Name": "Jane",
                    "EMAIL_TYPE": "html",
                    "MEMBER_RATING": "4",
                    "OPTIN_TIME": "2020-01-01 10:00:00",
                    "CONFIRM_TIME": layouts.raw('"2020-01-01 10:05:00"'),
                    "LAST_CHANGED": "2024-01-01 00:00:00",
                    "LEID": "111",
                    "TAGS": layouts.raw('"""VIP"",""Blog"""'),
                },
                {
                    "Email Address": "bob@example.com",
                    "MEMBER_RATING": "2",
                    "OPTIN_TIME": "",
                    "LAST_CHANGED": "2024-01-02 00:00:00",
                },
            ],
        ),
    )
    estate.put(
        "marketing_members",
        "unsubscribed_members_export_a1b2c3.csv",
        layouts.mailchimp(
            "unsubscribed",
            [
                {
                    "Email Address": "Cy@Example.com",
                    "OPTIN_TIME": "2019-01-01 10:00:00",
                    "UNSUB_TIME": "2024-02-01 09:00:00",
                    "UNSUB_CAMPAIGN_TITLE": "Spring, 2024",
                    "UNSUB_REASON": "No longer interested",
                }
            ],
        ),
    )
    estate.put(
        "marketing_members",
        "cleaned_members_export_a1b2c3.csv",
        layouts.mailchimp(
            "cleaned",
            [{"Email Address": "gone@example.com", "CLEAN_TIME": "2024-03-01 09:00:00"}],
        ),
    )

    load = estate.ingest("marketing_members")

    assert {f.status for f in load.files} == {"loaded"}
    assert sorted((f.source_file.split("/")[1], f.rows_loaded) for f in load.files) == [
        ("cleaned_members_export_a1b2c3.csv", 1),
        ("subscribed_members_export_a1b2c3.csv", 2),
        ("unsubscribed_members_export_a1b2c3.csv", 1),
    ]
    rows = estate.query(
        "select status, email, record_key, first_name, member_rating, optin_at, confirmed_at, "
        "unsubscribed_at, unsub_campaign_title, cleaned_at, tags "
        "from staging.marketing_members order by email"
    )
    assert rows == [
        {
            "status": "subscribed",
            "email": "bob@example.com",
            "record_key": "bob@example.com",
            "first_name": None,
            "member_rating": 2,
            "optin_at": None,
            "confirmed_at": None,
            "unsubscribed_at": None,
            "unsub_campaign_title": None,
            "cleaned_at": None,
            "tags": None,
        },
        {
            "status": "unsubscribed",
            "email": "cy@example.com",
            "record_key": "cy@example.com",
            "first_name": None,
            "member_rating": None,
            "optin_at": utc(2019, 1, 1, 10, 0),
            "confirmed_at": None,
            "unsubscribed_at": utc(2024, 2, 1, 9, 0),
            "unsub_campaign_title": "Spring, 2024",
            "cleaned_at": None,
            "tags": None,
        },
        {
            "status": "cleaned",
            "email": "gone@example.com",
            "record_key": "gone@example.com",
            "first_name": None,
            "member_rating": None,
            "optin_at": None,
            "confirmed_at": None,
            "unsubscribed_at": None,
            "unsub_campaign_title": None,
            "cleaned_at": utc(2024, 3, 1, 9, 0),
            "tags": None,
        },
        {
            "status": "subscribed",
            "email": "jane.doe@example.com",
            "record_key": "jane.doe@example.com",
            "first_name": "Jane",
            "member_rating": 4,
            "optin_at": utc(2020, 1, 1, 10, 0),  # Mailchimp times are UTC, even in summer
            "confirmed_at": utc(2020, 1, 1, 10, 5),
            "unsubscribed_at": None,
            "unsub_campaign_title": None,
            "cleaned_at": None,
            "tags": '"VIP","Blog"',
        },
    ]
    assert estate.rejects("marketing_members") == []


def test_mailchimp_summer_times_stay_utc(estate, layouts):
    estate.put(
        "marketing_members",
        "subscribed_members_export_x.csv",
        layouts.mailchimp(
            "subscribed", [{"Email Address": "a@example.com", "OPTIN_TIME": "2024-07-01 12:00:00"}]
        ),
    )
    estate.ingest("marketing_members")

    assert estate.staged("marketing_members", "status", "optin_at") == [
        {"status": "subscribed", "optin_at": utc(2024, 7, 1, 12, 0)}
    ]


# --- Campaign sends --------------------------------------------------------------------------


def test_campaign_sends(estate, layouts):
    estate.put(
        "marketing_sends",
        "campaign_activity_2024-08-01.csv",
        layouts.csv(
            "campaign_id,campaign_title,email,sent_at",
            [
                ["cmp-01", "Spring sale, 2024", " Jane.Doe@Example.COM ", "2024-03-01T09:00:00Z"],
                ["cmp-02", "Summer", "bob@example.com", "2024-07-01T12:30:00Z"],
                ["cmp-02", "Summer", "cy@example.com", "2024-07-01T12:31:00"],
            ],
        ),
    )

    load = estate.ingest("marketing_sends")

    reconciled(load, read=3, loaded=3)
    assert estate.staged("marketing_sends", "record_key", "campaign_title", "email", "sent_at") == [
        {
            "record_key": "cmp-01|jane.doe@example.com",
            "campaign_title": "Spring sale, 2024",
            "email": "jane.doe@example.com",
            "sent_at": utc(2024, 3, 1, 9, 0),
        },
        {
            "record_key": "cmp-02|bob@example.com",
            "campaign_title": "Summer",
            "email": "bob@example.com",
            "sent_at": utc(2024, 7, 1, 12, 30),
        },
        {
            "record_key": "cmp-02|cy@example.com",
            "campaign_title": "Summer",
            "email": "cy@example.com",
            "sent_at": utc(2024, 7, 1, 12, 31),
        },
    ]


# --- Pure Chat -------------------------------------------------------------------------------


def test_pure_chat_json_lines(estate):
    chats = [
        {
            "chatId": "chat-1",
            "startedAt": "2025-02-03T10:11:12Z",
            "visitorName": "Jane",
            "visitorEmail": "Jane.Doe@Example.com",
            "messages": [
                {"at": "2025-02-03T10:11:12Z", "from": "visitor", "text": "My card is 4111 …"},
                {"at": "2025-02-03T10:12:00Z", "from": "operator", "text": "Please don't!"},
            ],
        },
        {
            "chatId": "chat-2",
            "startedAt": "2025-07-03T10:11:12.250Z",
            "visitorName": "Anonymous",
            "messages": [{"at": "2025-07-03T10:11:12Z", "from": "visitor", "text": "hi"}],
        },
    ]
    lines = [
        json.dumps(chats[0], ensure_ascii=False),
        '{"chatId": "chat-broken", "startedAt": ',
        json.dumps(chats[1]),
    ]
    estate.put("chat_transcripts", "purechat_transcripts_2025-08-01.jsonl", "\n".join(lines) + "\n")

    load = estate.ingest("chat_transcripts")

    reconciled(load, read=3, loaded=2, rejected=1)
    rows = estate.staged(
        "chat_transcripts",
        "chat_id",
        "started_at",
        "visitor_name",
        "visitor_email",
        "messages",
        "record_key",
        "_row_number",
    )
    assert [json.loads(r.pop("messages")) for r in rows] == [
        chats[0]["messages"],
        chats[1]["messages"],
    ]
    assert rows == [
        {
            "chat_id": "chat-1",
            "started_at": utc(2025, 2, 3, 10, 11, 12),
            "visitor_name": "Jane",
            "visitor_email": "jane.doe@example.com",
            "record_key": "chat-1",
            "_row_number": 1,
        },
        {
            "chat_id": "chat-2",
            "started_at": utc(2025, 7, 3, 10, 11, 12, 250000),
            "visitor_name": "Anonymous",
            "visitor_email": None,
            "record_key": "chat-2",
            "_row_number": 3,
        },
    ]
    assert estate.rejects("chat_transcripts") == [
        {
            "_source_file": "chat_transcripts/purechat_transcripts_2025-08-01.jsonl",
            "_row_number": 2,
            "_raw_line": '{"chatId": "chat-broken", "startedAt": ',
            "_reason": "the record is not a JSON object",
        }
    ]


def test_pure_chat_messages_are_searchable_text(estate):
    estate.put(
        "chat_transcripts",
        "t.jsonl",
        json.dumps(
            {
                "chatId": "c",
                "startedAt": "2025-02-03T10:11:12Z",
                "messages": [{"from": "visitor", "text": "call me on 07700 900123"}],
            }
        )
        + "\n",
    )
    estate.ingest("chat_transcripts")

    found = estate.query(
        "select chat_id from staging.chat_transcripts where messages like '%07700 900123%'"
    )
    assert found == [{"chat_id": "c"}]


# --- Company logs ----------------------------------------------------------------------------


def test_rights_requests_windows_1252_with_crlf(estate, layouts):
    content = layouts.csv(
        "Ref,Received,Requester Email,Request Type,Status,Completed On,Extended,Extension Reason",
        [
            ["DSR-001", "03/02/2024", "Jane.Doe@Example.com ", "Erasure", "Completed", "10/02/2024"]
            + ["No", ""],
            ["DSR-002", "15/03/2024", "bob@example.com", "Objection to marketing", "Open", ""]
            + ["Yes", "Complex – ‘several’ systems; £0 fee"],
        ],
        newline="\r\n",
    )
    estate.put("rights_requests", "rights_requests_tracker.csv", content, encoding="cp1252")

    load = estate.ingest("rights_requests")

    reconciled(load, read=2, loaded=2)
    assert estate.staged(
        "rights_requests",
        "record_key",
        "received_on",
        "requester_email",
        "request_type",
        "completed_on",
        "extended",
        "extension_reason",
    ) == [
        {
            "record_key": "DSR-001",
            "received_on": date(2024, 2, 3),  # DD/MM/YYYY: 3 February
            "requester_email": "jane.doe@example.com",
            "request_type": "Erasure",
            "completed_on": date(2024, 2, 10),
            "extended": False,
            "extension_reason": None,
        },
        {
            "record_key": "DSR-002",
            "received_on": date(2024, 3, 15),
            "requester_email": "bob@example.com",
            "request_type": "Objection to marketing",
            "completed_on": None,
            "extended": True,
            "extension_reason": "Complex – ‘several’ systems; £0 fee",
        },
    ]


def test_disclosures_keyed_by_data_row_number(estate, layouts):
    content = layouts.csv(
        "Date,Recipient,Recipient Type,Purpose,Data Shared,Country,Safeguard,Records",
        [
            [
                "01/02/2024",
                "Worldpay",
                "payment processor",
                "Payment",
                "name, card",
                "United Kingdom",
            ]
            + ["UK GDPR – processor contract", "12"],
            ["02/02/2024", "DataBrokers Inc", "broker", "Sale of data", "emails", "United States"]
            + ["", "1,000"],
            ["13/02/2024", "Royal Mail", "courier", "Delivery", "address", "United Kingdom"]
            + ["UK GDPR – processor contract", "3"],
        ],
        newline="\r\n",
    )
    estate.put("disclosures", "third_party_disclosures_log.csv", content, encoding="cp1252")

    load = estate.ingest("disclosures")

    reconciled(load, read=3, loaded=3)
    assert estate.staged(
        "disclosures", "record_key", "disclosed_on", "recipient", "safeguard", "records"
    ) == [
        {
            "record_key": "1",
            "disclosed_on": date(2024, 2, 1),
            "recipient": "Worldpay",
            "safeguard": "UK GDPR – processor contract",
            "records": 12,
        },
        {
            "record_key": "2",
            "disclosed_on": date(2024, 2, 2),
            "recipient": "DataBrokers Inc",
            "safeguard": None,
            "records": 1000,
        },
        {
            "record_key": "3",
            "disclosed_on": date(2024, 2, 13),
            "recipient": "Royal Mail",
            "safeguard": "UK GDPR – processor contract",
            "records": 3,
        },
    ]
