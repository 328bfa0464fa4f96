"""Writers of the streamed exports' file quirks: Shopify's split order files, Pure Chat's API page
dumps, Asterisk's cdr-csv lines."""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path
from typing import IO

from .cells import csv_line, header_line
from .headers import ORDER_HEADER

CHAT_API_URI = "/api/v2/chats?page={page}"
BUFFER = 1 << 20


class OrdersWriter:
    """Shopify export split into orders_export_N.csv, never splitting one order."""

    def __init__(self, directory: Path, stack: ExitStack, rows_per_file: int) -> None:
        self._dir = directory
        self._stack = stack
        self._limit = rows_per_file
        self._file_no = 0
        self._in_file = 0
        self._fh: IO[str] | None = None
        self._fh = self._next_file()

    def _next_file(self) -> IO[str]:
        if self._fh is not None:
            self._fh.close()
        self._file_no += 1
        path = self._dir / f"orders_export_{self._file_no}.csv"
        fh = open(path, "w", encoding="utf-8", newline="", buffering=BUFFER)  # noqa: SIM115
        self._stack.callback(fh.close)
        fh.write(header_line(ORDER_HEADER))
        self._in_file = 0
        return fh

    def write_order(self, rows: list[list[str]]) -> None:
        if self._in_file >= self._limit:
            self._fh = self._next_file()
        assert self._fh is not None
        self._fh.write("".join([csv_line(r) for r in rows]))
        self._in_file += len(rows)


class ChatPages:
    """API dumps of chats: `purechat_api_page_<n>.json` (n from 0), each a JSON object
    `{"chats": [...], "meta": {"page": n, "next_page_uri": ...}}` written as chats arrive. A page
    file is opened with its first chat, so no page is empty; close() ends each with its metadata
    (the last page's next_page_uri is null)."""

    def __init__(self, directory: Path, pages: int) -> None:
        self._dir = directory
        self._pages = pages
        self._files: list[IO[str]] = []
        self._next = 0

    def write(self, record: str) -> None:
        n = self._next
        self._next = (n + 1) % self._pages
        if n == len(self._files):
            path = self._dir / f"purechat_api_page_{n}.json"
            fh = open(path, "w", encoding="utf-8", newline="", buffering=BUFFER)  # noqa: SIM115
            self._files.append(fh)
            fh.write('{"chats": [\n')
        else:
            fh = self._files[n]
            fh.write(",\n")
        fh.write(record)

    def close(self) -> None:
        for n, fh in enumerate(self._files):
            last = n == len(self._files) - 1
            meta = {"page": n, "next_page_uri": None if last else CHAT_API_URI.format(page=n + 1)}
            fh.write('\n], "meta": ' + json.dumps(meta) + "}\n")
            fh.close()
        self._files = []


def cdr_line(fields: list[str | int | bytes | None]) -> bytes:
    """Asterisk cdr-csv: strings quoted, numbers bare, None as nothing; bytes are a cell
    already encoded by the PBX (e.g. a Latin-1 caller name) and written verbatim."""
    parts: list[str] = []
    raw: bytes | None = None
    for v in fields:
        if v is None:
            parts.append("")
        elif v.__class__ is int:
            parts.append(str(v))
        elif v.__class__ is bytes:
            parts.append("\x00")
            raw = v  # type: ignore[assignment]
        else:
            parts.append('"' + v.replace('"', '""') + '"')  # type: ignore[union-attr]
    line = (",".join(parts) + "\n").encode("utf-8")
    if raw is not None:
        line = line.replace(b"\x00", b'"' + raw.replace(b'"', b'""') + b'"', 1)
    return line
