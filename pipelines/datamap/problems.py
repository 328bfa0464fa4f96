"""A data map problem names the file, the key and what to do about it."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass(frozen=True)
class Problem:
    file: str
    key: str
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.message} (fix: {self.fix})"


class DataMapError(Exception):
    """The data map cannot be used; every problem found is listed."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"the data map has {len(problems)} problem(s):\n{lines}")


def check_timezone(file: str, key: str, name: str) -> list[Problem]:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return [
            Problem(
                file, key, f"unknown time zone '{name}'", "use an IANA name like 'Europe/London'"
            )
        ]
    return []
