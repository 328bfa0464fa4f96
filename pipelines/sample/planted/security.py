"""Planted security cases: SEC-PAN, SEC-CVV and SEC-UNDECLARED in free text.

Card numbers go into CRM Notes, Shopify Notes, chat messages and Mailchimp NOTES of records that
break nothing else: the scheme test numbers and random Luhn-valid Visa/Mastercard numbers, with
spaces, dashes or neither. Near misses: masked numbers, Luhn failures, IMEIs, ICCIDs, phone
numbers and Shopify order references; "never share your CVV", "CVV not provided"; a date
without DOB context; NI numbers HMRC never issues (the specimen QQ 12 34 56 C, prefixes BG, GB,
KN, NK, NT, TN, ZZ, a D or O second letter) beside the allocatable ones planted. (The undeclared
"Contact Name" column of the disclosures log and "Birthday" merge field of the Mailchimp list are
written, and recorded, by the generator.)
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from ..cards import (
    TEST_CARDS,
    card_readings,
    iccid,
    imei,
    luhn_failing,
    masked,
    random_card,
    spaced,
)
from ..ids import not_luhn
from ..people import format_phone
from ..timeline import DAY, HOUR, uk_date
from . import Case
from .kit import between, days_ago, member, person, quiet_contact

if TYPE_CHECKING:
    from random import Random

    from ..generator import Estate

DATASETS = ("crm_contacts", "orders", "chat_transcripts", "marketing_members")
# prefixes HMRC allocates (NIM39110: first letter never D F I Q U V, second never D F I O Q U V,
# never BG GB KN NK NT TN ZZ)
NI_PREFIXES = ("AB", "JT", "PE", "SH", "WL", "CE", "MA", "NX")
NI_BAD_FIRST, NI_BAD_SECOND = set("DFIQUV"), set("DFIOQUV")
NI_NEVER_ALLOCATED = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}
assert not any(
    a in NI_BAD_FIRST or b in NI_BAD_SECOND or a + b in NI_NEVER_ALLOCATED for a, b in NI_PREFIXES
)


def cases(k: int) -> list[Case]:
    return [*_pans(k), *_cvvs(k), *_undeclared(k)]


def _write(e: Estate, i: int, dataset: str, text: str, visitor: bool = True) -> str:
    """A record of `dataset` that breaks nothing but holds `text` in its free text; its key."""
    if dataset == "crm_contacts":
        _, record_id = quiet_contact(e, i, days_ago(e, 1, 300), notes=text)
        return record_id
    if dataset == "orders":
        when = between(e, max(e.cut.orders, e.clock.end - 2 * 365 * DAY), e.clock.end - 2 * HOUR)
        return e.write_order(person(e), when, anonymise=False, notes=text)
    if dataset == "chat_transcripts":
        started = between(e, e.cut.chats + DAY, e.clock.end - HOUR)
        return e.write_chat(person(e), started, ("visitor" if visitor else "operator", text))
    p = person(e)
    return e.write_member(p, member(e, p, "subscribed", days_ago(e, 30, 900), notes=text))


def _pan(rng: Random, n: int) -> str:
    return TEST_CARDS[n] if n < len(TEST_CARDS) else spaced(random_card(rng), rng)


PAN_TEXTS = {
    "crm_contacts": "Caller read out card {pan} to pay for a SIM - told not to, note to delete",
    "orders": "Paid over the phone, card {pan} exp 09/28",
    "chat_transcripts": "can you take the payment now? my card number is {pan}",
    "marketing_members": "Card on file {pan} (old CRM import)",
}


def _pans(k: int) -> list[Case]:
    def pan_case(n: int) -> Case:
        dataset = DATASETS[n % len(DATASETS)]

        def build(e: Estate, i: int) -> None:
            text = PAN_TEXTS[dataset].format(pan=_pan(e.rng, n))
            assert card_readings(text)
            e.truth.add("SEC-PAN", dataset, _write(e, i, dataset, text))

        return Case("SEC-PAN", True, f"card number in {dataset}", build, dataset == "crm_contacts")

    def pan_and_cvv(e: Estate, i: int) -> None:
        card = random_card(e.rng)
        text = f"card is {spaced(card, e.rng)} and the cvv is {e.rng.randint(100, 999)}"
        key = _write(e, i, "chat_transcripts", text)
        e.truth.add("SEC-PAN", "chat_transcripts", key)
        e.truth.add("SEC-CVV", "chat_transcripts", key)

    def near(kind: str, dataset: str) -> Case:
        def build(e: Estate, i: int) -> None:
            rng = e.rng
            text = {
                "masked": lambda: f"Paid with card {masked(TEST_CARDS[0])}, thanks",
                "luhn failure": lambda: f"Card number {luhn_failing(rng)} rejected by Worldpay",
                "imei": lambda: f"Handset IMEI {imei(rng)} blocked after theft",
                "iccid": lambda: f"Replacement SIM ICCID {iccid(rng)} sent 1st class",
                "phone": lambda: "Call back on " + format_phone(e.people.phones.take(), 0),
                "order reference": lambda: (
                    f"where is my Shopify order #{rng.randint(1001, 9999)} (order id "
                    f"{not_luhn(rng.randrange(4_503_000_000_000_000, 4_504_000_000_000_000))})?"
                ),
            }[kind]()
            assert not card_readings(text), text
            _write(e, i, dataset, text)

        return Case("SEC-PAN", False, f"{kind} in {dataset}", build, dataset == "crm_contacts")

    return [
        *(pan_case(n) for n in range(max(k, len(DATASETS)))),
        Case("SEC-PAN", True, "card number and CVV in a chat", pan_and_cvv),
        near("masked", "crm_contacts"),
        near("luhn failure", "orders"),
        near("imei", "crm_contacts"),
        near("iccid", "chat_transcripts"),
        near("phone", "crm_contacts"),
        near("order reference", "chat_transcripts"),
    ]


CVV_TEXTS = (
    ("chat_transcripts", "the CVV is {cvv}"),
    ("crm_contacts", "Took card details by phone, CVC2: {cvv}"),
    ("orders", "security code {cvv} given by customer - card declined"),
)


def _cvvs(k: int) -> list[Case]:
    def cvv_case(n: int) -> Case:
        dataset, template = CVV_TEXTS[n % len(CVV_TEXTS)]

        def build(e: Estate, i: int) -> None:
            cvv = f"{e.rng.randint(0, 9999):04d}" if n % 4 == 1 else f"{e.rng.randint(0, 999):03d}"
            key = _write(e, i, dataset, template.format(cvv=cvv))
            e.truth.add("SEC-CVV", dataset, key)

        return Case(
            "SEC-CVV", True, f"card security code in {dataset}", build, dataset == "crm_contacts"
        )

    def near(dataset: str, text: str, visitor: bool = True) -> Case:
        def build(e: Estate, i: int) -> None:
            _write(e, i, dataset, text, visitor)

        return Case("SEC-CVV", False, f"{text!r} in {dataset}", build, dataset == "crm_contacts")

    return [
        *(cvv_case(n) for n in range(k)),
        near("chat_transcripts", "Please never share your CVV with anyone, including us.", False),
        near("crm_contacts", "CVV not provided - customer will call back to pay"),
    ]


def _dob(rng: Random) -> str:
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(55 * 365))
    return born.strftime("%d/%m/%Y")


def _nino(rng: Random, prefix: str | None = None) -> str:
    """An NI number as typed: `AB123456C`, or spaced in pairs as on the card (`AB 12 34 56 C`)."""
    prefix = prefix or rng.choice(NI_PREFIXES)
    digits, suffix = f"{rng.randrange(10**6):06d}", rng.choice("ABCD")
    if rng.random() < 0.4:
        return f"{prefix} {digits[:2]} {digits[2:4]} {digits[4:]} {suffix}"
    return f"{prefix}{digits}{suffix}"


# NI numbers HMRC never issues, in free text: not SEC-UNDECLARED
UNALLOCATED_NI_TEXTS = (
    ("crm_contacts", "NI number given as QQ 12 34 56 C (the example on the form) - asked again"),
    ("chat_transcripts", "is it ok to put QQ123456C for the national insurance number?"),
    ("orders", "Business account, director's NI number {GB}"),
    ("crm_contacts", "Temp NI {TN} from payroll, waiting for the real one"),
    ("chat_transcripts", "my NI number is {BG} i think"),
    ("crm_contacts", "NI {ZZ} on the old application form (placeholder)"),
    ("orders", "Credit check: NI {AD} rejected by Experian - typo"),
    ("crm_contacts", "NI number {SO} failed validation, customer to confirm"),
    ("chat_transcripts", "national insurance {NT}"),
    ("crm_contacts", "NI given as {KN}, then {NK} - neither valid, ask for the P60"),
)
UNALLOCATED_PREFIXES = ("GB", "TN", "BG", "ZZ", "AD", "SO", "NT", "KN", "NK")


UNDECLARED_TEXTS = (
    ("crm_contacts", "DOB {dob} confirmed for the credit check"),
    ("chat_transcripts", "my date of birth: {dob}"),
    ("orders", "Business account, director's NI number {nino}"),
    ("crm_contacts", "D.O.B. {dob}, NI {nino} (ID check for contract)"),
    ("chat_transcripts", "my national insurance number is {nino}"),
)


def _undeclared(k: int) -> list[Case]:
    def personal_case(n: int) -> Case:
        dataset, template = UNDECLARED_TEXTS[n % len(UNDECLARED_TEXTS)]

        def build(e: Estate, i: int) -> None:
            text = template.format(dob=_dob(e.rng), nino=_nino(e.rng))
            e.truth.add("SEC-UNDECLARED", dataset, _write(e, i, dataset, text))

        return Case(
            "SEC-UNDECLARED",
            True,
            f"DOB / NI number in {dataset}",
            build,
            dataset == "crm_contacts",
        )

    def date_without_dob(e: Estate, i: int) -> None:
        _write(e, i, "crm_contacts", f"Renewal call booked for {uk_date(days_ago(e, 30, 700))}")

    def dob_without_date(e: Estate, i: int) -> None:
        # not in a chat: the transcript's JSON holds message timestamps after any text
        _write(e, i, "crm_contacts", "DOB not given - not needed for a SIM swap")

    def unallocated(dataset: str, template: str) -> Case:
        def build(e: Estate, i: int) -> None:
            ninos = {prefix: _nino(e.rng, prefix) for prefix in UNALLOCATED_PREFIXES}
            _write(e, i, dataset, template.format(**ninos))

        label = f"NI number HMRC never issues in {dataset}: {template!r}"
        return Case("SEC-UNDECLARED", False, label, build, dataset == "crm_contacts")

    return [
        *(personal_case(n) for n in range(max(k, 3))),
        Case("SEC-UNDECLARED", False, "a date without DOB context", date_without_dob, True),
        Case("SEC-UNDECLARED", False, "DOB mentioned, no date", dob_without_date, True),
        *(unallocated(dataset, template) for dataset, template in UNALLOCATED_NI_TEXTS),
    ]
