"""The hand-kept logs: rights request types, extension reasons, disclosure recipients."""

from __future__ import annotations

RIGHTS_TYPES: tuple[str, ...] = (
    "Access",
    "Erasure",
    "Rectification",
    "Objection to marketing",
    "Withdraw consent",
)
EXTENSION_REASONS: tuple[str, ...] = (
    "Complex request – data held across several systems",
    "Requester’s ID not verified until ‘second’ letter",
    "Large volume of call recordings – £ cost estimate sent",
    "Awaiting reply from ‘Pure Chat’ – transcripts",
    "Several requests from the same person – combined",
)

# (recipient, recipient type, country, safeguard, ((purpose, data shared), ...))
DISCLOSURE_RECIPIENTS: tuple[tuple[str, str, str, str, tuple[tuple[str, str], ...]], ...] = (
    (
        "Worldpay",
        "Payment processor",
        "United Kingdom",
        "UK GDPR – processor contract",
        (
            ("Payment processing", "name; billing address; email; order value"),
            ("Refund processing", "name; email; transaction reference"),
        ),
    ),
    (
        "Royal Mail",
        "Courier",
        "United Kingdom",
        "UK GDPR – processor contract",
        (("Delivery of orders", "name; address; phone"),),
    ),
    (
        "DPD UK",
        "Courier",
        "United Kingdom",
        "UK GDPR – processor contract",
        (
            ("Delivery of orders", "name; address; phone; email"),
            ("Next day delivery of handsets", "name; address; phone"),
        ),
    ),
    (
        "Printmail Ltd",
        "Mailing house",
        "United Kingdom",
        "UK GDPR – processor contract",
        (
            ("Printing of our own marketing mailers – spring campaign", "name; address"),
            ("Printing of our own marketing mailers – autumn campaign", "name; address"),
            ("Printing of paper bills", "name; address; account number"),
        ),
    ),
    (
        "Pure Chat",
        "Live chat provider",
        "United States",
        "UK IDTA",
        (("Live chat hosting", "name; email; chat transcript"),),
    ),
)
# People at the recipients, typed into the log's undeclared "Contact Name" column.
DISCLOSURE_CONTACTS: tuple[str, ...] = (
    "Sarah Jenkins",
    "Tom Price",
    "Account manager",
    "Ops team",
    "Daniel Whitfield",
    "Priya Raman",
)
