"""Keep personal data out of the report: record keys and details as a manager may see them.

A record key is shown as exported unless it is made of personal data (Mailchimp members are keyed
by their email): such parts are withheld, and the finding's pseudonymous subject key names the
person instead. Details are masked by the rules already; as a second guard any email address or
long run of digits (a phone or card number) left in a detail or a key is replaced.
"""

from __future__ import annotations

import re

from pipelines.datamap import DataMap, DatasetSpec

EMAIL = re.compile(r"[^\s@|<>\"'(),;:]+@[^\s@|<>\"'(),;:]+")
# a phone or card number: digits, up to two spaces, dots, dashes or brackets between them
NUMBER = re.compile(r"\+?\(?\d(?:[ .()-]{0,2}\d)+\)?")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?: \d{2})?")  # a date (and hour) is not a phone number
CARD = re.compile(r"(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)")  # 13-19 digits, as SEC-PAN reads them
PERSONAL_PREFIXES = ("user.contact", "user.name", "user.payment", "user.financial")
SUBJECT_CHARS = 12


def short_subject(subject_key: str | None) -> str:
    return f"person {subject_key[:SUBJECT_CHARS]}" if subject_key else ""


def redact(text: str | None, min_digits: int = 10) -> str:
    """Text with email addresses and runs of min_digits or more digits replaced."""
    if not text:
        return ""
    text = EMAIL.sub("[email removed]", text)

    def number(match: re.Match[str]) -> str:
        digits = sum(ch.isdigit() for ch in match.group())
        if digits < min_digits or DATE.fullmatch(match.group()):
            return match.group()
        return "[number removed]"

    return NUMBER.sub(number, text)


def redact_key_part(part: str) -> str:
    """A key part that is not declared personal: only emails and card-like runs go."""
    return CARD.sub("[number removed]", EMAIL.sub("[email removed]", part))


def withheld(spec: DatasetSpec, name: str) -> str | None:
    """How a key column is shown when it is personal data; None when it is not."""
    column = spec.column(name)
    if column is None:
        return "[withheld]"
    if column.type in ("email", "phone"):
        return f"[{column.type} withheld]"
    if column.is_identifier or column.category.startswith(PERSONAL_PREFIXES):
        return "[withheld]"
    return None


def mask_key(data_map: DataMap, dataset: str, record_key: str) -> str:
    """The record key with its personal parts withheld."""
    spec = data_map.datasets.get(dataset)
    parts = record_key.split("|")
    if spec is None or len(spec.key) != len(parts):  # a row number or a column header
        return redact_key_part(record_key)
    return "|".join(
        withheld(spec, name) or redact_key_part(part)
        for part, name in zip(parts, spec.key, strict=True)
    )
