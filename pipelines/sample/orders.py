"""Shopify orders: one order -> one row per line item (order-level columns on row 1)."""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

from .cells import QUOTED_EMPTY
from .ids import not_luhn, spaced_id
from .people import Person, messy_email, messy_phone
from .timeline import DAY, Clock, local_with_offset
from .vocab import (
    DISCOUNT_CODES,
    NOTE_ATTRIBUTES,
    ORDER_NOTES,
    PRODUCTS,
    SHIPPING_METHODS,
    STORE_STAFF,
)
from .writers import ORDER_HEADER

ORDER_PHONE_WEIGHTS = (30, 10, 25, 2, 3, 10, 20)
FINANCIAL_STATUSES = (
    ("paid", 78),
    ("pending", 3),
    ("authorized", 3),
    ("partially_paid", 2),
    ("refunded", 6),
    ("partially_refunded", 4),
    ("voided", 4),
)
_STATUS_POOL = tuple(s for s, w in FINANCIAL_STATUSES for _ in range(w))
# Who placed an order: blanked when the order is anonymised (Billing/Shipping Country stay).
ANONYMISED_COLUMNS: tuple[str, ...] = (
    "Email",
    "Phone",
    "Notes",
    "Note Attributes",
    *(
        f"{side} {part}"
        for side in ("Billing", "Shipping")
        for part in ("Name", "Street", "Address1", "Address2", "Company", "City", "Zip", "Phone")
    ),
)
ORDER_COLUMN = {name: i for i, name in enumerate(ORDER_HEADER)}
Product = tuple[str, str, str, str, bool, str]


@dataclass(slots=True)
class OrderIds:
    """Order numbers (#1001 upward) and Shopify ids, both unique and increasing."""

    count: int = 0

    def take(self, rng: Random) -> tuple[str, str]:
        k = self.count
        self.count += 1
        return f"#{1001 + k}", str(spaced_id(k, rng, 4_503_000_000_000, 4_096))


def money(pennies: int) -> str:
    return f"{pennies // 100}.{pennies % 100:02d}"


def pennies(text: str) -> int:
    pounds, _, pence = text.partition(".")
    return int(pounds) * 100 + int(pence or 0)


def pick_items(rng: Random, count: int = 0) -> list[tuple[Product, int]]:
    products = rng.sample(PRODUCTS, count or rng.choice((1, 1, 1, 2, 2, 3)))
    return [(prod, 1 if rng.random() < 0.9 else 2) for prod in products]


def build_order(
    p: Person,
    rng: Random,
    clock: Clock,
    ids: OrderIds,
    when: int,
    accepts_marketing: bool,
    anonymise: bool = False,
    notes: str | None = None,
    items: int = 0,
) -> tuple[str, list[list[str]]]:
    """(Name, all CSV rows) of one order placed by p at instant `when`.

    anonymise: the order is past its retention period: who placed it is blanked on every row
    (email, names, phones, addresses, free text); amounts, items and dates stay for the books.
    notes: the order's Notes instead of a random one; items: how many line items (0: random)."""
    name, order_id = ids.take(rng)
    email = "" if anonymise else messy_email(p.email, rng, 0.08, 0.04, 0.02)
    created = local_with_offset(when)
    chosen = pick_items(rng, items)
    head = order_level(p, rng, clock, when, chosen)
    if notes is not None:
        head["Notes"] = notes
    head.update(
        {
            "Name": name,
            "Email": email,
            "Created at": created,
            "Id": order_id,
            "Accepts Marketing": "yes" if accepts_marketing else "no",
        }
    )
    if anonymise:
        head.update(dict.fromkeys(ANONYMISED_COLUMNS, ""))
    rows = []
    for n, (product, qty) in enumerate(chosen):
        cells = head if n == 0 else {"Name": name, "Email": email, "Created at": created}
        cells.update(line_item(product, qty, head["Fulfillment Status"]))
        rows.append([cells.get(col, "") for col in ORDER_HEADER])
    return name, rows


def line_item(product: Product, qty: int, fulfillment: str) -> dict[str, str]:
    sku, title, price, compare_at, ships, _vendor = product
    return {
        "Lineitem quantity": str(qty),
        "Lineitem name": title,
        "Lineitem price": price,
        "Lineitem compare at price": compare_at,
        "Lineitem sku": sku,
        "Lineitem requires shipping": "true" if ships else "false",
        "Lineitem taxable": "false" if sku == "BBX-INS-12" else "true",
        "Lineitem fulfillment status": "fulfilled" if fulfillment == "fulfilled" else "pending",
        "Lineitem discount": "0.00",
    }


def order_level(
    p: Person, rng: Random, clock: Clock, when: int, items: list[tuple[Product, int]]
) -> dict[str, str]:
    """Columns that appear only on the first row of an order."""
    pos = rng.random() < 0.08
    cells = amounts(rng, items, pos)
    cells.update(payment(rng, clock, when, cells["Total"], pos))
    cells.update(addresses(p, rng))
    cells.update(extras(rng, pos))
    cells["Vendor"] = items[0][0][5]
    if rng.random() < 0.15:  # some exports write these empty cells as ""
        for col in ("Notes", "Note Attributes", "Billing Company", "Discount Code"):
            if not cells[col]:
                cells[col] = QUOTED_EMPTY
    return cells


def amounts(rng: Random, items: list[tuple[Product, int]], pos: bool) -> dict[str, str]:
    subtotal = sum(pennies(prod[2]) * qty for prod, qty in items)
    exempt = sum(pennies(prod[2]) * qty for prod, qty in items if prod[0] == "BBX-INS-12")
    code, pct = rng.choice(DISCOUNT_CODES) if rng.random() < 0.1 else ("", 0)
    discount = subtotal * pct // 100
    method, ship = ("", "0.00") if pos else rng.choice(SHIPPING_METHODS)
    total = subtotal - discount + pennies(ship)
    taxes = max(0, total - exempt) // 6
    return {
        "Currency": "GBP",
        "Subtotal": money(subtotal - discount),
        "Shipping": ship,
        "Taxes": money(taxes),
        "Total": money(total),
        "Discount Code": code,
        "Discount Amount": money(discount) if code else "0.00",
        "Shipping Method": method,
        "Tax 1 Name": "VAT 20%",
        "Tax 1 Value": money(taxes),
    }


def payment(rng: Random, clock: Clock, when: int, total: str, pos: bool) -> dict[str, str]:
    status = rng.choice(_STATUS_POOL)
    paid = status not in ("pending", "authorized", "voided")
    fulfilled_at = when + rng.randint(DAY // 2, 5 * DAY)
    fulfilled = paid and status != "refunded" and fulfilled_at < clock.end
    cancelled = status == "voided" or (status == "refunded" and rng.random() < 0.5)
    ref = f"c{not_luhn(rng.randrange(10**13, 10**14))}.1"
    due = pennies(total)
    return {
        "Financial Status": status,
        "Paid at": local_with_offset(clock.before_end(when + rng.randint(2, 600))) if paid else "",
        "Fulfillment Status": "fulfilled" if fulfilled else "unfulfilled",
        "Fulfilled at": local_with_offset(fulfilled_at) if fulfilled else "",
        "Cancelled at": local_with_offset(clock.before_end(when + rng.randint(600, 3 * DAY)))
        if cancelled
        else "",
        "Payment Method": ("Cash" if rng.random() < 0.3 else "Shopify Payments")
        if pos
        else ("PayPal Express Checkout" if rng.random() < 0.25 else "Shopify Payments"),
        "Payment Reference": ref,
        "Payment ID": ref,
        "Payment References": ref,
        "Refunded Amount": total
        if status == "refunded"
        else money(due // 4)
        if status == "partially_refunded"
        else "0.00",
        "Outstanding Balance": money(due // 2)
        if status == "partially_paid"
        else total
        if status in ("pending", "authorized")
        else "0.00",
    }


def addresses(p: Person, rng: Random) -> dict[str, str]:
    phone = "" if rng.random() < 0.1 else messy_phone(p.mobile, rng, ORDER_PHONE_WEIGHTS)
    company = f"{p.last} Consulting Ltd" if rng.random() < 0.04 else ""
    street = f"{p.street}, {p.flat}" if p.flat else p.street
    cells = {"Phone": phone}
    for side in ("Billing", "Shipping"):
        cells.update(
            {
                f"{side} Name": p.full_name,
                f"{side} Street": street,
                f"{side} Address1": p.street,
                f"{side} Address2": p.flat,
                f"{side} Company": company,
                f"{side} City": p.city,
                f"{side} Zip": f"'{p.postcode}",
                f"{side} Country": "GB",
                f"{side} Phone": phone,
            }
        )
    return cells


def extras(rng: Random, pos: bool) -> dict[str, str]:
    cells = {
        "Notes": rng.choice(ORDER_NOTES) if rng.random() < 0.08 else "",
        "Note Attributes": rng.choice(NOTE_ATTRIBUTES) if rng.random() < 0.05 else "",
        "Tags": "" if rng.random() < 0.8 else rng.choice(("broadband", "business", "upgrade")),
        "Risk Level": "Low" if rng.random() < 0.93 else rng.choice(("Medium", "High")),
        "Source": "pos" if pos else "web",
    }
    if pos:
        cells.update(
            {
                "Employee": rng.choice(STORE_STAFF),
                "Location": "BetterBox Milton Keynes",
                "Device ID": str(rng.randint(1, 4)),
            }
        )
    return cells
