"""The website: its cookies as the consent platform's scanner reports them, pages, visitors."""

from __future__ import annotations

SITE = "https://www.betterbox.co.uk"

# Cookies the inventory (data_map/cookies.yaml) declares, as the scanner finds them:
# (name, domain, provider as the platform names it, the platform's usual Category, the company's
# inventory category, max_lifetime_days (0: session only), the expiry the site really sets
# (None: a session cookie)). `_ga_*` stands for one cookie per analytics property.
INVENTORY_COOKIES: tuple[tuple[str, str, str, str, str, int, int | None], ...] = (
    ("CookieConsent", "www.betterbox.co.uk", "Cookiebot", "Necessary", "strictly_necessary",
     183, 182),
    ("bbx_session", "www.betterbox.co.uk", "betterbox.co.uk", "Necessary", "strictly_necessary",
     0, None),
    ("cart", "www.betterbox.co.uk", "Shopify", "Necessary", "strictly_necessary", 14, 14),
    ("secure_customer_sig", "www.betterbox.co.uk", "Shopify", "Necessary", "strictly_necessary",
     365, 365),
    ("localization", "www.betterbox.co.uk", "Shopify", "Preferences", "functional", 365, 365),
    ("_ga", ".betterbox.co.uk", "Google", "Statistics", "analytics", 395, 395),
    ("_ga_*", ".betterbox.co.uk", "Google", "Statistics", "analytics", 395, 395),
    ("_gid", ".betterbox.co.uk", "Google", "Statistics", "analytics", 1, 1),
    ("_fbp", ".betterbox.co.uk", "Meta Platforms, Inc.", "Marketing", "marketing", 90, 90),
    ("hubspotutk", ".betterbox.co.uk", "HubSpot", "Marketing", "marketing", 180, 180),
)  # fmt: skip
PLATFORM_CATEGORIES: tuple[str, ...] = (
    "Necessary",
    "Preferences",
    "Statistics",
    "Marketing",
    "Unclassified",
)
# Characters of a GA4 measurement id's suffix (`G-8HQ2K1XZ` sets `_ga_8HQ2K1XZ`).
GA_ID_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"

# Cookies nobody put in the inventory (a tag added by marketing, a leftover of an old banner):
# (name, domain, provider, platform Category, Expiry (days) or None, set before consent).
# `{n}` is a site or account number.
UNDECLARED_COOKIES: tuple[tuple[str, str, str, str, int | None, bool], ...] = (
    ("_gat_gtag_UA_{n}_1", ".betterbox.co.uk", "Google", "Statistics", 1, False),
    ("cookieconsent", "www.betterbox.co.uk", "betterbox.co.uk", "Unclassified", 365, True),
    ("_gcl_au", ".betterbox.co.uk", "Google", "Marketing", 90, True),
    ("_hjSessionUser_{n}", ".betterbox.co.uk", "Hotjar", "Statistics", 365, False),
    ("_clck", ".betterbox.co.uk", "Microsoft", "Unclassified", 365, False),
    ("IDE", ".doubleclick.net", "Google", "Marketing", 390, False),
    ("_uetsid", ".betterbox.co.uk", "Microsoft", "Marketing", 1, False),
    ("_tt_enable_cookie", ".betterbox.co.uk", "TikTok", "Marketing", 389, False),
    ("li_sugr", ".linkedin.com", "LinkedIn", "Marketing", 90, False),
    ("_pin_unauth", ".betterbox.co.uk", "Pinterest", "Unclassified", 365, True),
)
# beyond those: Matomo's `_pk_id.<site>.<hash>`, one per site id
MATOMO_COOKIE = ("_pk_id.{n}.{h}", ".betterbox.co.uk", "Matomo", "Statistics", 393, False)
# only in older scans (a Hotjar trial, removed since) / only in a scan after the as-of date
OLD_UNDECLARED_COOKIE = ("_hjid", ".betterbox.co.uk", "Hotjar", "Statistics", 365, False)
NEW_UNDECLARED_COOKIE = ("_ttp", ".betterbox.co.uk", "TikTok", "Marketing", 390, True)

PAGES: tuple[str, ...] = (
    "/",
    "/",
    "/",
    "/broadband",
    "/broadband/full-fibre",
    "/sim-only",
    "/phones",
    "/phones/samsung-galaxy-a25-5g",
    "/phones/apple-iphone-13",
    "/business",
    "/business/broadband",
    "/deals",
    "/cart",
    "/account/login",
    "/help",
    "/help/contact-us",
    "/blog/how-fast-is-full-fibre",
)
CAMPAIGN_QUERIES: tuple[str, ...] = (
    "?utm_source=newsletter&utm_medium=email&utm_campaign=spring-broadband",
    "?utm_source=google&utm_medium=cpc&utm_campaign=sim-only",
    "?utm_source=facebook&utm_medium=social",
    "?ref=comparison-site",
)

# (consent banner version, months before the as-of date it went live)
BANNER_VERSIONS: tuple[tuple[str, int], ...] = (("v3.2", 18), ("v3.3", 9), ("v4.0", 4))
ACTIONS: tuple[tuple[str, int], ...] = (
    ("accept_all", 56),
    ("reject_all", 21),
    ("custom", 19),
    ("withdraw", 4),
)
OPTIONAL_CATEGORIES: tuple[str, ...] = ("preferences", "statistics", "marketing")
# first octets of UK broadband and mobile ranges
IP_FIRST_OCTETS: tuple[int, ...] = (2, 31, 51, 62, 77, 81, 82, 86, 90, 92, 109, 146, 176, 212, 217)
USER_AGENTS: tuple[str, ...] = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; SM-A256B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/125.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0",
    "Mozilla/5.0 (iPad; CPU OS 16_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/16.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36",
)
