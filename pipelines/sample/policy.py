"""BetterBox's rules as the sample company keeps them, and the cut-offs they give at as_of.

The figures mirror data_map/retention.yaml, data_map/rules.yaml and expectations/README.md (the
sample is a fixed company: its ground truth is computed with these, not read from the map).
A period that ends exactly at the as-of instant T is not yet exceeded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .timeline import Clock, add_months, local_date, london_midnight, weekend_to_monday

RECORDING_MONTHS = 12
CHAT_MONTHS = 12
PROSPECT_MONTHS = 24
ACCOUNTING_YEARS = 6
FY_END_MONTH, FY_END_DAY = 3, 31
UNSUB_REDUCE_DAYS = 30
OPTOUT_GRACE_DAYS = 7
RESPONSE_MONTHS = 1
EXTENDED_RESPONSE_MONTHS = 3
APPLICANT_MONTHS = 6  # an unsuccessful applicant: from the decision (rejection or withdrawal)
KEEP_ON_FILE_MONTHS = 12  # ... unless they agreed to be kept on file within this period
LEAVER_YEARS = 6  # a former employee: from the end of employment


def fy_end(t: int) -> date:
    """The end of the financial year holding instant t's London date (first 31 March on/after)."""
    d = local_date(t)
    end = date(d.year, FY_END_MONTH, FY_END_DAY)
    return end if d <= end else date(d.year + 1, FY_END_MONTH, FY_END_DAY)


def response_deadline(received: date, extended_with_reason: bool) -> date:
    """Received + 1 calendar month (3 when extended with a reason), clamped, weekend -> Monday."""
    months = EXTENDED_RESPONSE_MONTHS if extended_with_reason else RESPONSE_MONTHS
    return weekend_to_monday(add_months(received, months))


@dataclass(frozen=True, slots=True)
class Cutoffs:
    """Instants (epoch seconds) before which something is past its period at as_of."""

    recordings: int  # T - 12 months: older recordings purged unless on legal hold
    chats: int  # T - 12 months: older transcripts deleted
    prospects: int  # T - 24 months: a prospect's last activity must be on or after this
    unsub: int  # T - 30 days: unsubscribed before this -> reduced to a suppression entry
    grace: int  # T - 7 days: an opt-out at or before this must have reached the other system
    orders: int  # first instant of the oldest financial year still kept (not anonymised)
    expired_fy_end: date  # the latest financial year end whose records are past retention
    applicants: int  # T - 6 months: an unsuccessful applicant decided before this is anonymised
    keep_on_file: int  # T - 12 months: a keep-on-file agreement on or after this still holds
    leavers: date  # A - 6 years: a leaver terminated before this day is anonymised

    @classmethod
    def at(cls, clock: Clock) -> Cutoffs:
        a = clock.as_of
        year = a.year - ACCOUNTING_YEARS
        if date(year + ACCOUNTING_YEARS, FY_END_MONTH, FY_END_DAY) >= a:
            year -= 1  # FY end + 6 years must fall strictly before as_of
        expired = date(year, FY_END_MONTH, FY_END_DAY)
        return cls(
            recordings=london_midnight(add_months(a, -RECORDING_MONTHS)),
            chats=london_midnight(add_months(a, -CHAT_MONTHS)),
            prospects=london_midnight(add_months(a, -PROSPECT_MONTHS)),
            unsub=london_midnight(a - timedelta(days=UNSUB_REDUCE_DAYS)),
            grace=london_midnight(a - timedelta(days=OPTOUT_GRACE_DAYS)),
            orders=london_midnight(expired + timedelta(days=1)),
            expired_fy_end=expired,
            applicants=london_midnight(add_months(a, -APPLICANT_MONTHS)),
            keep_on_file=london_midnight(add_months(a, -KEEP_ON_FILE_MONTHS)),
            leavers=add_months(a, -12 * LEAVER_YEARS),
        )

    def order_expired(self, t: int) -> bool:
        """FY end of t + 6 years < as_of: the order must be anonymised."""
        return t < self.orders
