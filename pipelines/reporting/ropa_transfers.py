"""The ROPA's recipients and transfers: who receives a purpose's data, and where it goes abroad.

The recipient categories and processor contracts of a purpose, the third countries its data is
transferred to (a recipient's country, or a place other than the controller's country named in
the system's location) and the safeguards declared for those transfers. "Abroad" means other than
policy.yaml's controller_country, however either country is written.
"""

from __future__ import annotations

import re
from functools import cache

from pipelines.countries import country_code
from pipelines.datamap import DataMap
from pipelines.datamap.models import Purpose, Recipient, System
from pipelines.reporting.ropa_words import join_words

OUTSIDE_UK_WORDS = ("EU", "EEA", "European Union", "European Economic Area")


def recipients_of(data_map: DataMap, purpose: Purpose) -> list[Recipient]:
    by_id = {r.id: r for r in data_map.recipients}
    return [by_id[r] for r in purpose.recipients if r in by_id]


def recipient_categories(system: System, recipients: list[Recipient]) -> str:
    by_category: dict[str, list[str]] = {}
    for recipient in recipients:
        by_category.setdefault(recipient.category, []).append(recipient.name)
    parts = [f"{category} ({', '.join(names)})" for category, names in by_category.items()]
    if system.processor:
        parts.append(f"processor hosting {system.name} ({system.processor})")
    return join_words(parts, "; ") or "None declared in the data map"


def contracts(system: System, recipients: list[Recipient]) -> str:
    parts = []
    if system.processor:
        parts.append(f"{system.processor} ({system.name}): no contract link in the data map")
    parts += [f"{r.name}: {r.contract or 'no contract link in the data map'}" for r in recipients]
    return join_words(parts, "; ") or "Not applicable (no processor declared)"


def third_countries(data_map: DataMap, system: System, recipients: list[Recipient]) -> str:
    parts = [
        f"{r.country} ({r.name}, {r.category})" for r in recipients if abroad(data_map, r.country)
    ]
    parts += [
        f"{place} ({system.name} location: {system.location})"
        for place in _places_outside_home(data_map, system.location)
    ]
    return join_words(parts, "; ") or "None"


def safeguards(data_map: DataMap, system: System, recipients: list[Recipient]) -> str:
    parts = [f"{r.name}: {r.safeguard}" for r in recipients if abroad(data_map, r.country)]
    if _places_outside_home(data_map, system.location):
        parts.append(f"{system.name} location: {system.location}")
    home = data_map.policy.controller_country
    return join_words(parts, "; ") or f"Not applicable (no transfer outside {home})"


def _places_outside_home(data_map: DataMap, location: str) -> list[str]:
    """Countries or regions other than the UK that a free-text location names."""
    names = set(_country_names()) | {r.country for r in data_map.recipients}
    names |= set(data_map.rules.safe_countries) | set(OUTSIDE_UK_WORDS)
    names = {name for name in names if abroad(data_map, name)}
    found = [
        name for name in names if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", location)
    ]
    # "United States" holds "States": keep the longest names only
    return sorted(n for n in found if not any(n != m and n in m for m in found))


def abroad(data_map: DataMap, country: str) -> bool:
    """A country other than the controller's (policy.yaml), however either is written."""
    home = data_map.policy.controller_country
    return (country_code(country) or country) != (country_code(home) or home)


@cache
def _country_names() -> tuple[str, ...]:
    """English country names (CLDR via babel when installed; else the data map's own names)."""
    try:
        from babel import Locale
    except ImportError:
        return ()
    return tuple(
        name for code, name in Locale("en").territories.items() if code.isalpha() and len(name) > 3
    )
