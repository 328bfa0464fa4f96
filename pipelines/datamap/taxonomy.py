"""The fideslang default taxonomy: where data map categories, uses and subjects come from."""

from __future__ import annotations

import difflib
from functools import cache


@cache
def taxonomy() -> dict[str, frozenset[str]]:
    from fideslang.default_taxonomy import DEFAULT_TAXONOMY

    return {
        "data category": frozenset(c.fides_key for c in DEFAULT_TAXONOMY.data_category),
        "data use": frozenset(u.fides_key for u in DEFAULT_TAXONOMY.data_use),
        "data subject": frozenset(s.fides_key for s in DEFAULT_TAXONOMY.data_subject),
    }


def unknown(kind: str, value: str) -> str | None:
    """None when value is in the taxonomy, else a suggested fix."""
    keys = taxonomy()[kind]
    if value in keys:
        return None
    close = difflib.get_close_matches(value, sorted(keys), n=1)
    return f"use '{close[0]}'" if close else f"use a fideslang {kind}"
