"""Every detector's patterns, in one place: the text scan's pre-filter and the rule SQL use them.

The rules call the macros `macros_sql()` defines (installed with the other helper functions), and
the text scan keeps a value when `SUSPICIOUS` matches it, which is built from the same patterns:
changing a pattern here changes both.
"""

from __future__ import annotations

# a maximal run of digits with single spaces or dashes between them (a card number is one)
DIGIT_RUN = r"[0-9](?:[ -]?[0-9])*"
# such a run of 13 digits or more (a card number's shape)
CARD_RUN = r"[0-9](?:[ -]?[0-9]){12}"
# CVV, CVV2, CVC, CVC2, CSC or "security code" as a word, then up to 5 non-digits and 3-4 digits
SECURITY_CODE = (
    r"(?i)(?:^|[^a-z0-9])(?:cvv2?|cvc2?|csc|security code)(?:[^a-z0-9]|$)[^0-9]{0,5}"
    r"[0-9]{3,4}(?:[^0-9]|$)"
)
# DOB, D.O.B. or "date of birth", then up to 5 non-digits and a date in digits
DATE_OF_BIRTH = (
    r"(?i)(?:^|[^a-z0-9])(?:dob|d\.o\.b\.?|date of birth)(?:[^a-z0-9]|$)[^0-9]{0,5}"
    r"(?:[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{2,4}|[0-9]{4}-[0-9]{2}-[0-9]{2})"
)
# National Insurance numbers HMRC can allocate (NIM39110): the prefix letters it uses (first never
# D F I Q U V; second never D F I O Q U V), six digits, suffix A-D; spaced in pairs or not
NI_NUMBER = (
    r"(?:^|[^A-Za-z0-9])([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]) ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-D]"
    r"(?:[^A-Za-z0-9]|$)"
)
NI_NEVER_ALLOCATED = ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ")

# the pre-filter: a value any detector could flag (the words alone suffice for codes and dates)
SUSPICIOUS = "|".join(
    (
        CARD_RUN,
        r"(?i:cvv|cvc|csc|security code|dob|d\.o\.b|date of birth)",
        r"[A-Z]{2} ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-D]",
    )
)


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def macros_sql() -> str:
    """DuckDB macros the rule SQL calls: the patterns above, applied to one value."""
    never = ", ".join(_quoted(p) for p in NI_NEVER_ALLOCATED)
    return f"""
create or replace macro card_runs_possible(value) as regexp_matches(value, {_quoted(CARD_RUN)});
create or replace macro digit_runs(value) as regexp_extract_all(value, {_quoted(DIGIT_RUN)});
create or replace macro around_digit_runs(value) as
    regexp_split_to_array(value, {_quoted(DIGIT_RUN)});
create or replace macro holds_security_code(value) as
    regexp_matches(value, {_quoted(SECURITY_CODE)});
create or replace macro holds_date_of_birth(value) as
    regexp_matches(value, {_quoted(DATE_OF_BIRTH)});
create or replace macro holds_ni_number(value) as
    len(list_filter(regexp_extract_all(value, {_quoted(NI_NUMBER)}, 1),
                    lambda prefix: prefix not in ({never}))) > 0;
"""
