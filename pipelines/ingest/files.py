"""What every reader shares: the records it returns, and the file as UTF-8 text."""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from pipelines.datamap.models import FileSpec

CHUNK = 1 << 20


@dataclass(frozen=True)
class Reject:
    row_number: int
    raw_line: str
    reason: str


@dataclass(frozen=True)
class ReadResult:
    columns: list[str]
    rejects: list[Reject]
    layout_known: bool = True  # False when an empty file shows no columns to check
    problem: str = ""  # the file as a whole could not be read as declared (an audit gap)


def utf8_copy(path: Path, files: FileSpec, workdir: Path) -> Path:
    """The file itself when DuckDB can read it as is, else a UTF-8 copy (BOM dropped).

    Bytes the declared encoding does not define are carried over as they are (surrogateescape),
    so DuckDB rejects their rows as invalid encoding instead of the whole file failing.
    """
    encoding = detected_encoding(path, files.encoding)
    if encoding in ("utf-8", "utf8") and files.encoding_errors == "strict":
        return path
    target = workdir / (path.name + ".utf8")
    errors = "replace" if files.encoding_errors == "replace" else "surrogateescape"
    decoder = codecs.getincrementaldecoder(encoding)(errors=errors)
    with (
        path.open("rb") as source,
        target.open("w", encoding="utf-8", errors="surrogateescape", newline="") as out,
    ):
        first = True
        while chunk := source.read(CHUNK):
            text = decoder.decode(chunk)
            if first:
                text, first = text.removeprefix("\ufeff"), False
            out.write(text)
        out.write(decoder.decode(b"", final=True))
    return target


def detected_encoding(path: Path, declared: str) -> str:
    """A byte-order mark wins over the declared encoding (Excel's UTF-16 and UTF-8 exports)."""
    with path.open("rb") as handle:
        start = handle.read(4)
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if start.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    return declared.lower().replace("_", "-")
