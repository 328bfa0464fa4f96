"""Keyed pseudonyms: subject_key = HMAC-SHA256(secret, normalised identifier).

The secret lives outside the warehouse: the environment variable PRIVACY_AUDIT_SECRET, else a key
file created on first use with owner-only permissions. Without it nobody can recompute a key from a
candidate email; with the same secret keys are stable across runs.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

SECRET_VARIABLE = "PRIVACY_AUDIT_SECRET"


def load_secret(key_file: Path) -> bytes:
    """The installation secret: from the environment, else the key file (created if absent)."""
    if value := os.environ.get(SECRET_VARIABLE):
        return value.encode()
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
    return key_file.read_text().strip().encode()


def keyed(secret: bytes, identifier: str) -> str:
    return hmac.new(secret, identifier.encode(), hashlib.sha256).hexdigest()


def keyed_sql(value: str) -> str:
    """SQL computing keyed(secret, value) in DuckDB, for an expression `value`.

    HMAC-SHA256 spelled out (RFC 2104): sha256(outer pad || sha256(inner pad || message)). The
    pads come from pads(secret) as the query parameters $hmac_inner and $hmac_outer, so the
    secret never appears in SQL text. tests/test_subjects.py checks it equals keyed().
    """
    return f"sha256($hmac_outer || unhex(sha256($hmac_inner || encode({value}))))"


def pads(secret: bytes) -> dict[str, bytes]:
    """The HMAC-SHA256 inner and outer pads of the secret, the parameters keyed_sql() needs."""
    key = hashlib.sha256(secret).digest() if len(secret) > 64 else secret
    key = key.ljust(64, b"\0")
    return {
        "hmac_inner": bytes(b ^ 0x36 for b in key),
        "hmac_outer": bytes(b ^ 0x5C for b in key),
    }
