"""Keyed pseudonyms: subject_key = HMAC-SHA256(secret, normalised identifier).

The secret lives outside the warehouse: the environment variable PRIVACY_AUDIT_SECRET, else a key
file created on first use with owner-only permissions. Without it nobody can recompute a key from a
candidate email; with the same secret keys are stable across runs.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from pathlib import Path

import duckdb
import pyarrow as pa
from duckdb.sqltypes import VARCHAR

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


def register(conn: duckdb.DuckDBPyConnection, secret: bytes) -> None:
    """Make `subject_key(identifier)` available on this connection."""

    def subject_key(values: pa.Array) -> pa.Array:
        return pa.array(
            [None if v is None else keyed(secret, v) for v in values.to_pylist()], pa.string()
        )

    with contextlib.suppress(duckdb.InvalidInputException):
        conn.remove_function("subject_key")
    conn.create_function("subject_key", subject_key, [VARCHAR], VARCHAR, type="arrow")
