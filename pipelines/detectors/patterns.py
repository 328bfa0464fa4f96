"""Every detector's patterns, in one place: the text scan's pre-filter and the rule SQL use them.

The rules call the macros `macros_sql()` defines (installed with the other helper functions), and
the text scan keeps a value when `SUSPICIOUS` matches it, which is built from the same patterns:
changing a pattern here changes both.
"""

from __future__ import annotations

# a maximal run of digits with single spaces or dashes between them (a card number is one)
DIGIT_RUN = r"[0-9](?:[ -]?[0-9])*"
# such a run of 13 digits or more not touching a letter (a card number's shape; a run touching a
# letter is part of an id, as SEC-PAN says): every value SEC-PAN can flag holds one
CARD_RUN = r"(?:^|[^A-Za-z0-9])[0-9](?:[ -]?[0-9]){12,}(?:[^A-Za-z0-9]|$)"
# CVV, CVV2, CVC, CVC2, CSC or "security code" as a word, then up to 5 non-digits and 3-4 digits
SECURITY_CODE = (
    r"(?i)(?:^|[^a-z0-9])(?:cvv2?|cvc2?|csc|security\s+code)(?:[^a-z0-9]|$)[^0-9]{0,5}"
    r"[0-9]{3,4}(?:[^0-9]|$)"
)
# DOB, D.O.B. or "date of birth", then up to 5 non-digits and a date in digits
DATE_OF_BIRTH = (
    r"(?i)(?:^|[^a-z0-9])(?:dob|d\.o\.b\.?|date\s+of\s+birth)(?:[^a-z0-9]|$)[^0-9]{0,5}"
    r"(?:[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{2,4}|[0-9]{4}-[0-9]{2}-[0-9]{2})"
)
# National Insurance numbers HMRC can allocate (NIM39110): two prefix letters, six digits in pairs
# (a space between pairs or not), suffix A-D, not touching a letter or digit; the first prefix
# letter never D F I Q U V, the second never D F I O Q U V, and never one of NI_NEVER_ALLOCATED
NI_CANDIDATE = r"[A-Z]{2} ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-D]"
NI_PREFIX = r"^[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]$"
NI_NEVER_ALLOCATED = ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ")

# the pre-filter: a value any detector could flag (the words alone suffice for codes and dates)
SUSPICIOUS = "|".join(
    (
        CARD_RUN,
        r"(?i:cvv|cvc|csc|security\s+code|dob|d\.o\.b|date\s+of\s+birth)",
        NI_CANDIDATE,
    )
)


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def macros_sql() -> str:
    """DuckDB macros the rule SQL calls: the patterns above, applied to one value."""
    never = ", ".join(_quoted(p) for p in NI_NEVER_ALLOCATED)
    candidate = _quoted(NI_CANDIDATE)
    return f"""
create or replace macro card_runs_possible(value) as regexp_matches(value, {_quoted(CARD_RUN)});
create or replace macro digit_runs(value) as regexp_extract_all(value, {_quoted(DIGIT_RUN)});
create or replace macro around_digit_runs(value) as
    regexp_split_to_array(value, {_quoted(DIGIT_RUN)});
create or replace macro holds_security_code(value) as
    regexp_matches(value, {_quoted(SECURITY_CODE)});
create or replace macro holds_date_of_birth(value) as
    regexp_matches(value, {_quoted(DATE_OF_BIRTH)});
create or replace macro holds_ni_number(value) as  -- each candidate with the text around it
    len(list_filter(
        list_zip(regexp_extract_all(value, {candidate}),
                 regexp_split_to_array(value, {candidate})
                     [:len(regexp_extract_all(value, {candidate}))],
                 regexp_split_to_array(value, {candidate})[2:]),
        lambda t: not regexp_matches(right(struct_extract_at(t, 2), 1)
                                     || left(struct_extract_at(t, 3), 1), '[A-Za-z0-9]')
                  and regexp_matches(left(struct_extract_at(t, 1), 2), {_quoted(NI_PREFIX)})
                  and left(struct_extract_at(t, 1), 2) not in ({never}))) > 0;
"""
