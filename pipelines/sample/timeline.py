"""The estate's clock: the 10-year window before as_of, and every timestamp layout used.

Instants are plain integer epoch seconds (UTC).  Local Europe/London wall time is derived
with zoneinfo; the offset is cached per UTC hour (UK transitions fall on the hour).
"""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from random import Random
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
DAY = 86_400
HOUR = 3_600
_OFFSETS: dict[int, int] = {}


def london_offset(t: int) -> int:
    """Seconds east of UTC in Europe/London at instant t (0 or 3600)."""
    hour = t // HOUR
    off = _OFFSETS.get(hour)
    if off is None:
        delta = datetime.fromtimestamp(hour * HOUR, LONDON).utcoffset()
        off = int(delta.total_seconds()) if delta is not None else 0
        _OFFSETS[hour] = off
    return off


def london_midnight(d: date) -> int:
    """Epoch seconds of 00:00 Europe/London on day d."""
    return int(datetime(d.year, d.month, d.day, tzinfo=LONDON).timestamp())


def local_instant(d: date, hour: int = 0, minute: int = 0, second: int = 0) -> int:
    """Epoch seconds of a Europe/London wall time on day d (not in the autumn's repeated hour)."""
    return int(datetime(d.year, d.month, d.day, hour, minute, second, tzinfo=LONDON).timestamp())


def add_months(d: date, months: int) -> date:
    """d moved by whole calendar months; a day the target month lacks becomes its last day."""
    years, month0 = divmod(d.month - 1 + months, 12)
    year, month = d.year + years, month0 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def local_date(t: int) -> date:
    """The Europe/London calendar date of instant t."""
    s = _local(t)
    return date(s.tm_year, s.tm_mon, s.tm_mday)


def weekend_to_monday(d: date) -> date:
    return d + timedelta(days=7 - d.weekday()) if d.weekday() >= 5 else d


def _years_before(d: date, years: int) -> date:
    return add_months(d, -12 * years)


@dataclass(frozen=True, slots=True)
class Clock:
    """The history window [start, end): end is as_of 00:00 Europe/London, exclusive."""

    as_of: date
    start: int
    end: int

    @classmethod
    def for_as_of(cls, as_of: date, years: int = 10) -> Clock:
        start = london_midnight(_years_before(as_of, years))
        return cls(as_of=as_of, start=start, end=london_midnight(as_of))

    def uniform(self, rng: Random, lo: int, hi: int | None = None) -> int:
        """A uniform instant in [lo, hi) (hi defaults to end); lo if the range is empty."""
        hi = self.end if hi is None else hi
        return lo + int(rng.random() * (hi - lo)) if hi > lo else lo

    def daytime(self, rng: Random, lo: int, hi: int | None = None) -> int:
        """Like uniform, but moved to roughly 08:00-20:00 local time when that still fits."""
        hi = self.end if hi is None else hi
        t = self.uniform(rng, lo, hi)
        moved = t - t % DAY + rng.randrange(8 * HOUR, 19 * HOUR)
        return moved if lo <= moved < hi else t

    def before_end(self, t: int, margin: int = 1) -> int:
        """Clamp t so that it is strictly before the end of the window."""
        return min(t, self.end - margin)


# ---- layouts --------------------------------------------------------------------------


def _local(t: int) -> time.struct_time:
    return time.gmtime(t + london_offset(t))


def local_minutes(t: int) -> str:
    """HubSpot: 2020-01-10 10:00 (local)."""
    s = _local(t)
    return f"{s.tm_year:04d}-{s.tm_mon:02d}-{s.tm_mday:02d} {s.tm_hour:02d}:{s.tm_min:02d}"


def local_us_excel(t: int) -> str:
    """US Excel: 3/15/2024 2:30 PM (local, no zero padding)."""
    s = _local(t)
    h12 = s.tm_hour % 12 or 12
    ampm = "PM" if s.tm_hour >= 12 else "AM"
    return f"{s.tm_mon}/{s.tm_mday}/{s.tm_year} {h12}:{s.tm_min:02d} {ampm}"


def local_uk_excel(t: int) -> str:
    """UK Excel: 15/03/2024 14:30 (local)."""
    s = _local(t)
    return f"{s.tm_mday:02d}/{s.tm_mon:02d}/{s.tm_year:04d} {s.tm_hour:02d}:{s.tm_min:02d}"


def local_seconds(t: int) -> str:
    """Asterisk: 2024-01-27 15:07:24 (local)."""
    s = _local(t)
    return (
        f"{s.tm_year:04d}-{s.tm_mon:02d}-{s.tm_mday:02d} "
        f"{s.tm_hour:02d}:{s.tm_min:02d}:{s.tm_sec:02d}"
    )


def local_with_offset(t: int) -> str:
    """Shopify: 2026-06-08 23:02:14 +0100."""
    off = london_offset(t)
    return f"{local_seconds(t)} +{off // HOUR:02d}{off % HOUR // 60:02d}"


def uk_date(t: int) -> str:
    """Excel UK date: 27/01/2024 (local)."""
    s = _local(t)
    return f"{s.tm_mday:02d}/{s.tm_mon:02d}/{s.tm_year:04d}"


def utc_seconds(t: int) -> str:
    """Mailchimp: 2024-01-27 15:07:24 (UTC)."""
    s = time.gmtime(t)
    return (
        f"{s.tm_year:04d}-{s.tm_mon:02d}-{s.tm_mday:02d} "
        f"{s.tm_hour:02d}:{s.tm_min:02d}:{s.tm_sec:02d}"
    )


def utc_iso(t: int) -> str:
    """ISO 8601 UTC: 2024-03-05T09:00:00Z."""
    s = time.gmtime(t)
    return (
        f"{s.tm_year:04d}-{s.tm_mon:02d}-{s.tm_mday:02d}T"
        f"{s.tm_hour:02d}:{s.tm_min:02d}:{s.tm_sec:02d}Z"
    )


def compact_local(t: int) -> str:
    """Recording file stamp: 20240127-150724 (local)."""
    s = _local(t)
    return (
        f"{s.tm_year:04d}{s.tm_mon:02d}{s.tm_mday:02d}-{s.tm_hour:02d}{s.tm_min:02d}{s.tm_sec:02d}"
    )
