"""Planted cookie scan cases: WEB-UNDECLARED-COOKIE, WEB-BEFORE-CONSENT, WEB-LIFETIME.

Findings come only from the latest scan on or before the as-of date, one per cookie name as the
scan writes it; the inventory (data_map/cookies.yaml, mirrored in vocab/web.py) decides, never
the platform's Category. Violations in the latest scan: undeclared cookies (a lookalike of GA's
`_ga_*` pattern, `_gat_gtag_UA_<n>_1`; `cookieconsent`, the inventory's `CookieConsent` in
another case; a tag set before consent), analytics, functional and marketing cookies set before
consent (one the platform calls Necessary, a `_ga_<id>` matched by pattern), cookies living longer
than allowed (one day over; a `_ga_<id>` over 395 days). Near misses: an undeclared cookie only in
older scans, or only in the scan dated after the as-of date; a strictly necessary cookie set
before consent that the platform calls Marketing; a cookie exactly at its limit, a session cookie,
a `_ga_<id>` at 395 days; a cookie set before consent or too long only in older scans or only
after the as-of date.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from ..cookies import Cookie, Scan, entry_of, ga_entry, ga_name, inventory_cookie
from ..vocab.web import (
    MATOMO_COOKIE,
    NEW_UNDECLARED_COOKIE,
    OLD_UNDECLARED_COOKIE,
    PAGES,
    UNDECLARED_COOKIES,
)
from . import Case

if TYPE_CHECKING:
    from ..generator import Estate

DATASET = "cookie_scans"
OLDER_SCANS = 3  # the "older scans only" cases are in the three oldest scans


def cases(k: int) -> list[Case]:
    return [*_undeclared(k), *_before_consent(k), *_lifetime(k)]


def _cookie(e: Estate, name: str, **changes: object) -> Cookie:
    """An inventory cookie as the site sets it (a `_ga_<id>` name: the `_ga_*` entry), changed."""
    entry = ga_entry() if name.startswith("_ga_") else entry_of(name)
    return replace(inventory_cookie(e.late.rng, entry, name), **changes)  # type: ignore[arg-type]


def _new_property(e: Estate) -> str:
    return ga_name(e.late.rng, e.late.scans.ga_ids)


def _older(e: Estate) -> list[Scan]:
    return e.late.scans.older[:OLDER_SCANS]


def _where(e: Estate, where: str) -> list[Scan]:
    """The scans a near miss goes in: the latest, the older ones, or the one after the as-of date
    (none when the export holds none)."""
    scans = e.late.scans
    if where == "latest":
        return [scans.latest]
    if where == "older":
        return _older(e)
    return [scans.after] if scans.after is not None else []


def _undeclared_cookie(e: Estate, spec: tuple, n: int = 0) -> Cookie:
    """An undeclared cookie (`{n}`: a random account number; Matomo's: site id n)."""
    rng = e.late.rng
    name, domain, provider, category, expiry, before = spec
    number = n if spec is MATOMO_COOKIE else rng.randrange(10**6, 10**8)
    name = name.format(n=number, h=f"{rng.getrandbits(16):04x}")
    return Cookie(name, domain, provider, category, expiry, rng.choice(PAGES), before)


def _undeclared(k: int) -> list[Case]:
    def violation(n: int) -> Case:
        spec = UNDECLARED_COOKIES[n] if n < len(UNDECLARED_COOKIES) else MATOMO_COOKIE

        def build(e: Estate, _: int) -> None:
            cookie = _undeclared_cookie(e, spec, n)
            e.late.scans.latest.plant(cookie)
            e.truth.add("WEB-UNDECLARED-COOKIE", DATASET, cookie.name)

        return Case(
            "WEB-UNDECLARED-COOKIE",
            True,
            f"undeclared {spec[0].format(n='<n>', h='<h>')} in the latest scan",
            build,
        )

    def only_in(where: str, spec: tuple):
        def build(e: Estate, _: int) -> None:
            cookie = _undeclared_cookie(e, spec)
            for scan in _where(e, where):
                scan.plant(replace(cookie))

        return build

    return [
        *(violation(n) for n in range(max(k, 3))),
        Case("WEB-UNDECLARED-COOKIE", False, "undeclared _hjid in older scans only",
             only_in("older", OLD_UNDECLARED_COOKIE)),
        Case("WEB-UNDECLARED-COOKIE", False, "undeclared _ttp only in the scan after the as-of "
             "date (when the export holds one)", only_in("after", NEW_UNDECLARED_COOKIE)),
    ]  # fmt: skip


def _before_consent(k: int) -> list[Case]:
    rule = "WEB-BEFORE-CONSENT"

    def violation(label: str, name: str | None, **changes: object) -> Case:
        def build(e: Estate, _: int) -> None:
            cookie = _cookie(e, name or _new_property(e), before=True, **changes)
            e.late.scans.latest.plant(cookie)
            e.truth.add(rule, DATASET, cookie.name)

        return Case(rule, True, label, build)

    def near(label: str, where: str, name: str, **changes: object) -> Case:
        def build(e: Estate, _: int) -> None:
            cookie = _cookie(e, name, before=True, **changes)
            for scan in _where(e, where):
                scan.plant(replace(cookie))

        return Case(rule, False, label, build)

    fixed = [
        violation("analytics _gid set before consent", "_gid", category="Statistics"),
        violation("marketing _fbp set before consent, the platform says Necessary", "_fbp",
                  category="Necessary"),
        violation("a _ga_<id> (by pattern) set before consent", None),
        violation("functional localization set before consent", "localization",
                  category="Preferences"),
    ]  # fmt: skip
    extra = [violation("a _ga_<id> set before consent", None) for _ in range(k - len(fixed))]
    return [
        *fixed,
        *extra,
        near("strictly necessary secure_customer_sig set before consent, the platform says "
             "Marketing", "latest", "secure_customer_sig", category="Marketing"),
        near("marketing hubspotutk set before consent in older scans only", "older",
             "hubspotutk"),
        near("analytics _ga set before consent only in the scan after the as-of date", "after",
             "_ga"),
    ]  # fmt: skip


def _lifetime(k: int) -> list[Case]:
    rule = "WEB-LIFETIME"

    def violation(label: str, name: str | None, expiry: int | None) -> Case:
        def build(e: Estate, _: int) -> None:
            days = expiry if expiry is not None else e.late.rng.randint(400, 800)
            cookie = _cookie(e, name or _new_property(e), expiry=days, before=False)
            e.late.scans.latest.plant(cookie)
            e.truth.add(rule, DATASET, cookie.name)

        return Case(rule, True, label, build)

    def near(label: str, where: str, name: str | None, expiry: int | None) -> Case:
        def build(e: Estate, _: int) -> None:
            cookie = _cookie(e, name or _new_property(e), expiry=expiry)
            for scan in _where(e, where):
                scan.plant(replace(cookie))

        return Case(rule, False, label, build)

    fixed = [
        violation("hubspotutk at 181 days, one over its 180", "hubspotutk", 181),
        violation("_ga at 730 days (GA's default), over 395", "_ga", 730),
        violation("a _ga_<id> (by pattern) at 396 days", None, 396),
    ]
    extra = [violation("a _ga_<id> over 395 days", None, None) for _ in range(k - len(fixed))]
    return [
        *fixed,
        *extra,
        near("CookieConsent at exactly its 183 days", "latest", "CookieConsent", 183),
        near("bbx_session a session cookie (Expiry blank; session only)", "latest",
             "bbx_session", None),
        near("a _ga_<id> at exactly 395 days", "latest", None, 395),
        near("_fbp at 180 days in older scans only", "older", "_fbp", 180),
        near("cart at 30 days only in the scan after the as-of date", "after", "cart", 30),
    ]  # fmt: skip
