"""Planted disclosures-log rows: TPD-UNAPPROVED, TPD-SALE, TPD-TRANSFER.

Countries are written as people write them (`UK`, `U.K.`, `England`, `USA`, `U.S.`, `IE`); the
audit reads them as ISO codes. Near misses: an approved recipient spelled in other case or with
stray spaces (`ROYAL MAIL`); purposes holding "sale" only inside a word or as "Sales" (Wholesale,
Sales ledger); transfers within the UK (`U.K.`, `England`) or to the EEA (`Ireland`, `IE`, `DE`)
with no safeguard; US transfers (`United States`, `USA`) under the UK IDTA.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..disclosures import Disclosure, record_count
from ..timeline import DAY
from . import Case
from .kit import between

if TYPE_CHECKING:
    from ..generator import Estate

CONTRACT = "UK GDPR – processor contract"
UK = "United Kingdom"
# (recipient, type, purpose, data shared, country, safeguard)
Row = tuple[str, str, str, str, str, str]
UNAPPROVED: tuple[Row, ...] = (
    ("Hermes Parcelnet", "Courier", "Delivery of orders", "name; address; phone", "UK", CONTRACT),
    (
        "Acme Debt Recovery Ltd",
        "Debt collection agency",
        "Recovery of unpaid bills",
        "name; address; phone; balance",
        UK,
        "Letter of engagement",
    ),
    # a UK printer, no safeguard: unapproved, but no transfer
    ("Quickprint Direct", "Mailing house", "Printing of paper bills", "name; address", "U.K.", ""),
    ("Yodel Delivery Network", "Courier", "Delivery of orders", "name; address", "England",
     CONTRACT),
)  # fmt: skip
SALES: tuple[Row, ...] = (
    (
        "Printmail Ltd",
        "Mailing house",
        "list rental to partner brands – spring mailing",
        "name; address",
        UK,
        CONTRACT,
    ),
    (
        "Printmail Ltd",
        "Mailing house",
        "Lapsed customer list sold to a partner mailing",
        "name; address",
        "GB",
        CONTRACT,
    ),
    (
        "Printmail Ltd",
        "Mailing house",
        "Prospect data offered for sale to partner brands",
        "name; address; email",
        UK,
        CONTRACT,
    ),
    (
        "Printmail Ltd",
        "Mailing house",
        "Mailing list selling to partner brands",
        "name; address",
        "Great Britain",
        CONTRACT,
    ),
)
TRANSFERS: tuple[Row, ...] = (
    ("Pure Chat", "Live chat provider", "Live chat hosting", "name; email; chat transcript",
     "USA", ""),
    ("Pure Chat", "Live chat provider", "Live chat hosting", "name; email; chat transcript",
     "United States", "none"),
    ("Worldpay", "Payment processor", "Payment processing", "name; billing address; email",
     "U.S.", "n/a"),
    ("Pure Chat", "Live chat provider", "Live chat hosting", "name; email; chat transcript",
     "United States of America", "-"),
)  # fmt: skip
NEAR_MISSES: dict[str, tuple[Row, ...]] = {
    "TPD-UNAPPROVED": (
        ("ROYAL MAIL", "Courier", "Delivery of orders", "name; address; phone", UK, CONTRACT),
        ("dpd uk", "Courier", "Delivery of orders", "name; address; phone", UK, CONTRACT),
        ("Printmail Ltd ", "Mailing house", "Printing of paper bills", "name; address", UK,
         CONTRACT),
    ),
    "TPD-SALE": (
        ("DPD UK", "Courier", "Wholesale delivery of handsets", "name; address; phone", UK,
         CONTRACT),
        ("Worldpay", "Payment processor", "Sales ledger reconciliation",
         "name; transaction reference", UK, CONTRACT),
    ),
    "TPD-TRANSFER": (
        ("Worldpay", "Payment processor", "Refund processing", "name; email; transaction reference",
         "Ireland", ""),
        ("Pure Chat", "Live chat provider", "Live chat hosting", "name; email; chat transcript",
         "United States", "UK IDTA"),
        ("Pure Chat", "Live chat provider", "Live chat hosting", "name; email; chat transcript",
         "USA", "UK IDTA"),
        ("Royal Mail", "Courier", "Delivery of orders", "name; address; phone", "U.K.", ""),
        ("DPD UK", "Courier", "Delivery of orders", "name; address; phone", "England", "n/a"),
        ("Worldpay", "Payment processor", "Refund processing", "name; email; transaction reference",
         "IE", "-"),
        ("DPD UK", "Courier", "Delivery of orders to EU customers", "name; address; phone", "DE",
         "none"),
    ),
}  # fmt: skip


def cases(k: int) -> list[Case]:
    out = []
    for rule, rows in (
        ("TPD-UNAPPROVED", UNAPPROVED),
        ("TPD-SALE", SALES),
        ("TPD-TRANSFER", TRANSFERS),
    ):
        out += [_row(rule, True, rows[n % len(rows)]) for n in range(k)]
        out += [_row(rule, False, row) for row in NEAR_MISSES[rule]]
    return out


def _row(rule: str, violation: bool, row: Row) -> Case:
    def build(e: Estate, i: int) -> None:
        when = between(e, e.clock.start + 30 * DAY, e.clock.end - DAY)
        recipient, kind, purpose, shared, country, safeguard = row
        expect = (rule,) if violation else ()
        e.disclosures.append(
            Disclosure(when, recipient, kind, purpose, shared, country, safeguard,
                       record_count(e.rng), expect)
        )  # fmt: skip

    return Case(rule, violation, f"{row[0]!r}: {row[2]!r}, {row[4]}, {row[5]!r}", build)
