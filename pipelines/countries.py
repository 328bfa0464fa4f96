"""Countries as people write them, to ISO 3166-1 alpha-2 codes (pycountry, plus common spellings).

`UK`, `U.K.`, `GB`, `Great Britain`, `England`, `Scotland`, `Wales` and `Northern Ireland` are all
the United Kingdom; `USA`, `US`, `U.S.` and `United States of America` the United States. Anything
pycountry knows (names, official names, alpha-2 and alpha-3 codes) is read too; the rest is None.
"""

from __future__ import annotations

import contextlib
import re
from functools import lru_cache

import pycountry

# spellings pycountry does not know, each with its code (keys compared lower-case, dots removed)
ALIASES = {
    "uk": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "united kingdom of great britain and northern ireland": "GB",
    "usa": "US",
    "us": "US",
    "america": "US",
    "united states of america": "US",
    "the netherlands": "NL",
    "holland": "NL",
    "south korea": "KR",
    "russia": "RU",
}


@lru_cache(maxsize=10_000)
def country_code(text: str | None) -> str | None:
    """The ISO 3166-1 alpha-2 code of a country however it is written, else None."""
    if text is None:
        return None
    cleaned = re.sub(r"\s+", " ", text.replace(".", "").strip())
    if not cleaned:
        return None
    if alias := ALIASES.get(cleaned.lower()):
        return alias
    with contextlib.suppress(LookupError):
        return pycountry.countries.lookup(cleaned).alpha_2
    return None
