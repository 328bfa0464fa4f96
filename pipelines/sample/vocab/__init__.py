"""Static vocabularies for the sample estate (names, places, products, free text), by theme.

Everything here is plain data: tuples only, so iteration order is fixed and the generator stays
deterministic. The themed modules are re-exported here: `from .vocab import FIRST_NAMES` works.
"""

from .business import (
    CONTACT_OWNERS,
    CRM_NOTES,
    DISCOUNT_CODES,
    JOB_TITLES,
    LEAD_STATUSES,
    NOTE_ATTRIBUTES,
    ORDER_NOTES,
    PRODUCTS,
    SHIPPING_METHODS,
    STORE_STAFF,
)
from .logs import DISCLOSURE_CONTACTS, DISCLOSURE_RECIPIENTS, EXTENSION_REASONS, RIGHTS_TYPES
from .messages import (
    CAMPAIGN_THEMES,
    CHAT_OPENERS,
    CHAT_OPERATOR,
    CHAT_PHONE_LINES,
    CHAT_VISITOR,
    MEMBER_TAGS,
    UNSUB_OTHER,
    UNSUB_REASONS,
)
from .names import FIRST_NAMES, LAST_NAMES
from .places import CITIES, EMAIL_DOMAINS, POSTCODE_INWARD_LETTERS, STREET_NAMES, STREET_TYPES

__all__ = [
    "CAMPAIGN_THEMES",
    "CHAT_OPENERS",
    "CHAT_OPERATOR",
    "CHAT_PHONE_LINES",
    "CHAT_VISITOR",
    "CITIES",
    "CONTACT_OWNERS",
    "CRM_NOTES",
    "DISCLOSURE_CONTACTS",
    "DISCLOSURE_RECIPIENTS",
    "DISCOUNT_CODES",
    "EMAIL_DOMAINS",
    "EXTENSION_REASONS",
    "FIRST_NAMES",
    "JOB_TITLES",
    "LAST_NAMES",
    "LEAD_STATUSES",
    "MEMBER_TAGS",
    "NOTE_ATTRIBUTES",
    "ORDER_NOTES",
    "POSTCODE_INWARD_LETTERS",
    "PRODUCTS",
    "RIGHTS_TYPES",
    "SHIPPING_METHODS",
    "STORE_STAFF",
    "STREET_NAMES",
    "STREET_TYPES",
    "UNSUB_OTHER",
    "UNSUB_REASONS",
]
