"""The ROPA's recipients and transfers: who receives a purpose's data, and where it goes abroad.

The recipient categories and processor contracts of a purpose, the third countries its data is
transferred to (a recipient's country, or a place other than the controller's country named in
the system's location) and the safeguards declared for those transfers. "Abroad" means other than
policy.yaml's controller_country, however either country is written.

Beside them, what the disclosure log shows for the row (which rows show which disclosures:
ropa_observed.py): the recipients with their approval, disclosures, records and the run's open
findings on them; the countries outside the controller's; and per country the disclosures with no
safeguard (rules.yaml's no_safeguard_values) and the safeguards logged for the others.
"""

from __future__ import annotations

import re
from functools import cache

import pycountry

from pipelines.countries import country_code
from pipelines.datamap import DataMap
from pipelines.datamap.models import Purpose, Recipient, System
from pipelines.reporting.ropa_observed import Disclosures, Observed, approved
from pipelines.reporting.ropa_words import join_words

OUTSIDE_UK_WORDS = ("EU", "EEA", "European Union", "European Economic Area")
NONE_DECLARED = "None declared in the data map"
OBSERVED = "Observed in the disclosure log"
UNTIED = "for no declared purpose (the log does not name the system)"


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
    return join_words(parts, "; ") or NONE_DECLARED


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


def transfer_cells(
    data_map: DataMap, system: System, purpose: Purpose, observed: Observed
) -> tuple[str, str, str, str]:
    """Columns 6 to 9: recipients, processor contracts, third countries, safeguards."""
    recipients = recipients_of(data_map, purpose)
    countries = observed_countries(data_map, observed, purpose)
    guarded = observed_safeguards(data_map, observed, purpose)
    declared_countries = third_countries(data_map, system, recipients)
    declared_safeguards = safeguards(data_map, system, recipients)
    if countries and declared_countries == "None":
        declared_countries = NONE_DECLARED
    if guarded and declared_safeguards.startswith("Not applicable"):
        declared_safeguards = NONE_DECLARED
    return (
        _beside(
            recipient_categories(system, recipients),
            observed_recipients(data_map, observed, purpose),
        ),
        contracts(system, recipients),
        _beside(declared_countries, countries),
        _beside(declared_safeguards, guarded),
    )


def _beside(declared: str, seen: str) -> str:
    """The data map's words, then (on a line of its own) what the run observed."""
    return f"{declared}\n{seen}" if seen else declared


# --- what the disclosure log shows (ropa_observed.py says which rows show what) -----------------


def observed_recipients(data_map: DataMap, observed: Observed, purpose: Purpose) -> str:
    """The disclosure log's recipients for this row: its declared ones, and any undeclared."""
    declared, undeclared = _shown(data_map, observed, purpose)
    parts = []
    if declared:
        parts.append(f"{OBSERVED}: {_recipient_words(data_map, declared)}")
    if undeclared:
        parts.append(f"{OBSERVED}, {UNTIED}: {_recipient_words(data_map, undeclared)}")
    return "\n".join(parts)


def observed_countries(data_map: DataMap, observed: Observed, purpose: Purpose) -> str:
    parts = []
    for words, shown in _labelled(data_map, observed, purpose):
        abroad_ = _abroad(data_map, shown)
        by_place: dict[tuple[str, str], int] = {}
        for d in abroad_:
            key = (country_name(d.country), d.recipient)
            by_place[key] = by_place.get(key, 0) + d.count
        if by_place:
            places = "; ".join(
                f"{place} ({recipient}, {_n(n, 'disclosure')})"
                for (place, recipient), n in by_place.items()
            )
            parts.append(f"{words}: {places}")
    return "\n".join(parts)


def observed_safeguards(data_map: DataMap, observed: Observed, purpose: Purpose) -> str:
    """Per country abroad: the disclosures with no safeguard, and the safeguards logged."""
    safe = {country_code(c) for c in data_map.rules.safe_countries}
    parts = []
    for words, shown in _labelled(data_map, observed, purpose):
        by_country: dict[str | None, list[Disclosures]] = {}
        for d in _abroad(data_map, shown):
            by_country.setdefault(d.country, []).append(d)
        texts = []
        for country, group in by_country.items():
            bare = [d for d in group if d.safeguard is None]
            under = [d for d in group if d.safeguard is not None]
            said = []
            if bare:
                notes = "; ".join(
                    filter(
                        None, ["none needed: a safe country" * (country in safe), _rule_words(bare)]
                    )
                )
                said.append(
                    f"{_n(_count(bare), 'disclosure')} with no safeguard"
                    + (f" ({notes})" if notes else "")
                )
            if under:
                safeguards_ = " / ".join(dict.fromkeys(str(d.safeguard) for d in under))
                rules = _rule_words(under)
                said.append(
                    f"{_count(under):,} under {safeguards_}" + (f" ({rules})" if rules else "")
                )
            texts.append(f"to {country_name(country)}: {', '.join(said)}")
        if texts:
            parts.append(f"{words}: {'; '.join(texts)}")
    return "\n".join(parts)


def undeclared_lines(data_map: DataMap, observed: Observed) -> list[str]:
    """The controller-level section: one line per recipient no purpose declares."""
    return [
        f"{recipient}: {words}"
        for recipient, words in _by_recipient(data_map, observed.undeclared(data_map))
    ]


def country_name(code: str | None) -> str:
    if code is None:
        return "an unknown country"
    country = pycountry.countries.get(alpha_2=code)
    return country.name if country else code


def _shown(
    data_map: DataMap, observed: Observed, purpose: Purpose
) -> tuple[list[Disclosures], list[Disclosures]]:
    """(disclosures to the purpose's declared recipients, undeclared ones the row shows)."""
    declared = observed.to_recipients(r.name for r in recipients_of(data_map, purpose))
    undeclared = observed.undeclared(data_map) if observed.reaches(purpose) else []
    return declared, undeclared


def _labelled(
    data_map: DataMap, observed: Observed, purpose: Purpose
) -> list[tuple[str, list[Disclosures]]]:
    declared, undeclared = _shown(data_map, observed, purpose)
    return [(OBSERVED, declared), (f"{OBSERVED}, {UNTIED}", undeclared)]


def _abroad(data_map: DataMap, shown: list[Disclosures]) -> list[Disclosures]:
    return [d for d in shown if d.country is None or abroad(data_map, d.country)]


def _recipient_words(data_map: DataMap, shown: list[Disclosures]) -> str:
    return "; ".join(f"{name} ({words})" for name, words in _by_recipient(data_map, shown))


def _by_recipient(data_map: DataMap, shown: list[Disclosures]) -> list[tuple[str, str]]:
    groups: dict[str, list[Disclosures]] = {}
    for d in shown:
        groups.setdefault(d.recipient.lower(), []).append(d)
    words = []
    for group in groups.values():
        name = group[0].recipient
        status = "approved" if approved(data_map, name) else "not approved"
        counts = (
            f"{_n(_count(group), 'disclosure')} of {_n(sum(d.records for d in group), 'record')}"
        )
        rules = _rule_words(group)
        words.append((name, ", ".join(filter(None, [status, counts, rules]))))
    return words


def _rule_words(group: list[Disclosures]) -> str:
    """The rules of the open findings on these disclosures, with how many where not all."""
    totals: dict[str, int] = {}
    for d in group:
        for rule_id, n in d.rules.items():
            totals[rule_id] = totals.get(rule_id, 0) + n
    every = _count(group)
    return ", ".join(
        rule_id if n == every else f"{rule_id} {n}" for rule_id, n in sorted(totals.items())
    )


def _count(group: list[Disclosures]) -> int:
    return sum(d.count for d in group)


def _n(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"
