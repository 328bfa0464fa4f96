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
create or replace macro card_digit_runs(value) as  -- runs of 13+ not touching a letter, as digits
    list_transform(list_filter(
        list_zip(digit_runs(value), around_digit_runs(value)[:len(digit_runs(value))],
                 around_digit_runs(value)[2:]),
        lambda t: length(struct_extract_at(t, 1)) >= 13
                  and not regexp_matches(right(struct_extract_at(t, 2), 1)
                                         || left(struct_extract_at(t, 3), 1), '[A-Za-z]')),
        lambda t: regexp_replace(struct_extract_at(t, 1), '[ -]', '', 'g'));
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


def _spark_quoted(text: str) -> str:
    """A Spark SQL string literal: a backslash escapes there, so it is doubled."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def spark_functions_sql() -> list[str]:
    """The functions of `macros_sql()` for Spark SQL, one statement each, with the same meaning.

    Spark's regular expressions are Java's, DuckDB's RE2: the patterns above use only what the
    two read alike (classes, counted repeats, (?i)), and tests/test_spark_parity.py runs both.
    Spark's regexp_extract_all takes group 1 unless told 0; its arrays count from 1 in
    element_at, and try_element_at gives null past the end where DuckDB's slices give nothing.
    """
    run, cand = _spark_quoted(DIGIT_RUN), _spark_quoted(NI_CANDIDATE)
    runs, parts = f"regexp_extract_all(value, {run}, 0)", f"split(value, {run}, -1)"
    found, around = f"regexp_extract_all(value, {cand}, 0)", f"split(value, {cand}, -1)"
    never = ", ".join(_spark_quoted(p) for p in NI_NEVER_ALLOCATED)

    def each(items: str, test: str) -> str:  # some i in 1..size(items) passes test
        indexes = f"sequence(1, greatest(size({items}), 1))"  # (sequence(1, 0) is [1, 0])
        return f"(size({items}) > 0 and exists({indexes}, i -> {test}))"

    head = "create or replace temporary function"
    return [
        f"{head} card_runs_possible(value string) returns boolean return "
        f"value rlike {_spark_quoted(CARD_RUN)}",
        f"{head} digit_runs(value string) returns array<string> return {runs}",
        f"{head} around_digit_runs(value string) returns array<string> return {parts}",
        f"{head} card_digit_runs(value string) returns array<string> return "
        f"transform(filter(sequence(1, size({runs})), i -> size({runs}) > 0 "
        f"and length(try_element_at({runs}, i)) >= 13 "
        f"and not (right(try_element_at({parts}, i), 1) "
        f"|| left(try_element_at({parts}, i + 1), 1) rlike '[A-Za-z]')), "
        f"i -> regexp_replace(try_element_at({runs}, i), '[ -]', ''))",
        f"{head} holds_security_code(value string) returns boolean return "
        f"value rlike {_spark_quoted(SECURITY_CODE)}",
        f"{head} holds_date_of_birth(value string) returns boolean return "
        f"value rlike {_spark_quoted(DATE_OF_BIRTH)}",
        f"{head} holds_ni_number(value string) returns boolean return "
        + each(
            found,
            f"not (right(try_element_at({around}, i), 1) "
            f"|| left(try_element_at({around}, i + 1), 1) rlike '[A-Za-z0-9]') "
            f"and left(try_element_at({found}, i), 2) rlike {_spark_quoted(NI_PREFIX)} "
            f"and left(try_element_at({found}, i), 2) not in ({never})",
        ),
    ]
