"""Planted consent log cases: WEB-CONSENT-RECORD.

A consent record must hold when (a time), what the visitor was told (the banner version), how
(one of accept_all, reject_all, custom, withdraw: trimmed, any case) and, for an accept or a
custom choice, which categories. Violations: no date, a date that is not a time (the platform's
`Invalid Date`), no banner version, no action, an unknown action, accept_all / custom /
`Accept_All` without categories, no date and no banner version at once (one finding: one row).
Near misses: reject_all, `REJECT_ALL` and withdraw without categories (nothing was accepted);
`Accept_All` and ` custom ` (odd case, padded) with categories; a date without the trailing Z.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..consents import ALL_CATEGORIES
from . import Case

if TYPE_CHECKING:
    from ..generator import Estate

RULE = "WEB-CONSENT-RECORD"
ACTIONS = ("accept_all", "reject_all", "custom", "withdraw")
# (label, changes to an ordinary entry of the action named (trimmed, lower-cased), field -> value;
# "no Z": the entry's own date without its trailing Z)
VIOLATIONS: tuple[tuple[str, dict[str, str]], ...] = (
    ("no Consent Date", {"date": ""}),
    ("Consent Date not a time ('Invalid Date')", {"date": "Invalid Date"}),
    ("no Banner Version", {"banner": ""}),
    ("no Action", {"action": ""}),
    ("unknown Action 'accept'", {"action": "accept", "categories": ALL_CATEGORIES}),
    ("accept_all without Categories", {"action": "accept_all", "categories": ""}),
    ("custom without Categories", {"action": "custom", "categories": ""}),
    ("Accept_All (odd case) without Categories", {"action": "Accept_All", "categories": ""}),
    ("no Consent Date and no Banner Version", {"date": "", "banner": ""}),
)
NEAR_MISSES: tuple[tuple[str, dict[str, str]], ...] = (
    ("reject_all without Categories", {"action": "reject_all", "categories": ""}),
    ("REJECT_ALL (odd case) without Categories", {"action": "REJECT_ALL", "categories": ""}),
    ("withdraw without Categories", {"action": "withdraw", "categories": ""}),
    ("Accept_All (odd case) with Categories", {"action": "Accept_All"}),
    ("' custom ' (padded) with Categories", {"action": " custom "}),
    ("Consent Date without the trailing Z", {"date": "no Z"}),
)


def cases(k: int) -> list[Case]:
    def case(label: str, changes: dict[str, str], violation: bool) -> Case:
        def build(e: Estate, _: int) -> None:
            log = e.late.consents
            base = changes.get("action", "").strip().lower()
            consent = log.entry(action=base if base in ACTIONS else None)
            for name, value in changes.items():
                setattr(consent, name, consent.date[:19] if value == "no Z" else value)
            if violation:
                consent.expect = (RULE,)
            log.add(consent)

        return Case(RULE, violation, label, build)

    n = max(k, len(VIOLATIONS))
    return [
        *(case(*VIOLATIONS[i % len(VIOLATIONS)], True) for i in range(n)),
        *(case(label, changes, False) for label, changes in NEAR_MISSES),
    ]
