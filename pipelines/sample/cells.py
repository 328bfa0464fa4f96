"""Hand-built CSV lines for the quirks the csv module cannot produce.

A cell is a str.  Plain str cells are quoted only when needed (like csv.QUOTE_MINIMAL);
`Quoted` cells are always quoted, so `QUOTED_EMPTY` is written as `""` instead of nothing.
"""

from __future__ import annotations


class Quoted(str):
    """A cell that is always written inside double quotes."""

    __slots__ = ()


QUOTED_EMPTY = Quoted("")


def quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def cell(value: str) -> str:
    if value.__class__ is Quoted:
        return quote(value)
    if '"' in value or "," in value or "\n" in value or "\r" in value:
        return quote(value)
    return value


def csv_line(cells: list[str]) -> str:
    """One CSV record terminated by a bare LF."""
    return ",".join([cell(v) for v in cells]) + "\n"


def header_line(names: tuple[str, ...], quote_spaced_only: bool = False) -> str:
    """Header row; with quote_spaced_only, names are quoted only if they contain a space."""
    if quote_spaced_only:
        return ",".join(quote(n) if " " in n else n for n in names) + "\n"
    return csv_line(list(names))
