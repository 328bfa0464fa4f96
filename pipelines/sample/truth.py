"""The ground truth: every finding an exact audit of the written estate must report.

One row per (rule_id, dataset, record_key), keys as DESIGN.md section 4 defines them: the CRM
Record ID, the order Name, the CDR uniqueid, the member's email lower-cased and trimmed,
`campaign_id|email` for a send, the chatId, the rights request Ref, the disclosure's 1-based data
row number, the cookie's name as the scan reports it, the consent log's 1-based data row number,
the Application ID, the Employee #, and for an undeclared column its header as exported.
"""

from __future__ import annotations

import csv
from pathlib import Path

RULE_IDS: tuple[str, ...] = (
    "RET-CALLS",
    "RET-PROSPECT",
    "RET-CUSTOMER",
    "RET-ORDERS",
    "RET-UNSUB",
    "RET-CHAT",
    "CON-NO-BASIS",
    "CON-OPTOUT-SYNC",
    "CON-SEND-AFTER-OPTOUT",
    "CON-CALL-NOTICE",
    "SEC-PAN",
    "SEC-CVV",
    "SEC-UNDECLARED",
    "TPD-UNAPPROVED",
    "TPD-SALE",
    "TPD-TRANSFER",
    "DSR-OVERDUE",
    "DSR-ERASURE-INCOMPLETE",
    "DSR-OBJECTION-IGNORED",
    "WEB-UNDECLARED-COOKIE",
    "WEB-BEFORE-CONSENT",
    "WEB-LIFETIME",
    "WEB-CONSENT-RECORD",
    "RET-APPLICANT",
    "RET-LEAVER",
)
GROUND_TRUTH_FILE = "ground_truth.csv"
HEADER = ("rule_id", "dataset", "record_key")


def email_key(email: str) -> str:
    return email.strip().lower()


def send_key(campaign_id: str, email: str) -> str:
    return f"{campaign_id}|{email_key(email)}"


class GroundTruth:
    """Expected findings, collected while the estate is written (small: planted cases only)."""

    def __init__(self) -> None:
        self.rows: set[tuple[str, str, str]] = set()

    def add(self, rule_id: str, dataset: str, key: str) -> None:
        assert rule_id in RULE_IDS, rule_id
        self.rows.add((rule_id, dataset, key))

    def write(self, out_dir: Path) -> Path:
        path = out_dir / GROUND_TRUTH_FILE
        with open(path, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(HEADER)
            writer.writerows(sorted(self.rows))
        return path
