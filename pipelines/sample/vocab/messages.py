"""Marketing campaigns and live chat lines."""

from __future__ import annotations

CAMPAIGN_THEMES: tuple[tuple[str, ...], ...] = (
    ("New Year upgrade offers", "January newsletter"),
    ("Valentine's SIM only deals", "February newsletter"),
    ("Spring broadband deals", "March newsletter"),
    ("Easter handset sale", "April newsletter"),
    ("May bank holiday offers", "Fibre rollout update"),
    ("Summer SIM only offers", "June newsletter"),
    ("Summer roaming guide", "July newsletter"),
    ("Back to school bundles", "August newsletter"),
    ("Autumn broadband deals", "September newsletter"),
    ("New handset launches", "October newsletter"),
    ("Black Friday handset sale", "November newsletter"),
    ("Christmas gift guide", "Last orders for Christmas"),
)
MEMBER_TAGS: tuple[str, ...] = (
    "VIP",
    "Blog",
    "Broadband",
    "Business",
    "Newsletter",
    "Competition 2019",
    "Store sign-up",
)
UNSUB_REASONS: tuple[str, ...] = (
    "I no longer want to receive these emails",
    "I never signed up for this mailing list",
    "The emails are inappropriate",
    "The emails are spam and should be reported",
    "Other (fill in reason below)",
)
UNSUB_OTHER: tuple[str, ...] = (
    "Too many emails",
    "Moved to another provider",
    "Not relevant to me",
    "",
)

CHAT_OPENERS: tuple[str, ...] = (
    "Hi, is fibre available at my postcode?",
    "My router keeps dropping the connection",
    "Can I port my number to you?",
    "When will my order arrive?",
    "How do I cancel my contract?",
    "Do you do business broadband?",
    "I think I've been overcharged this month",
)
CHAT_VISITOR: tuple[str, ...] = (
    "Thanks",
    "Ok great",
    "It's been happening all week",
    "Yes that's right",
    "Can you email me the details?",
    "How long will that take?",
    "Brilliant, thank you!",
)
CHAT_OPERATOR: tuple[str, ...] = (
    "Thanks for getting in touch! Let me check that for you.",
    "Could you confirm the postcode please?",
    "I've raised a ticket for you, you'll get an update within 24 hours.",
    "Is there anything else I can help with?",
    "I can see your account now.",
    "Our engineers are aware of an issue in your area.",
)
CHAT_PHONE_LINES: tuple[str, ...] = (
    "You can call me back on {phone}",
    "My number is {phone} if that's easier",
    "Please ring {phone} after 6",
)
