"""Pure Chat transcripts (one JSON object per chat)."""

from __future__ import annotations

from random import Random
from typing import Any

from .ids import guid
from .people import Person, format_phone, messy_email
from .timeline import utc_iso
from .vocab import CHAT_OPENERS, CHAT_OPERATOR, CHAT_PHONE_LINES, CHAT_VISITOR

GREETING = "thanks for getting in touch! Let me check that for you."


def build_chat(
    p: Person, rng: Random, started: int, k: int, planted: tuple[str, str] | None = None
) -> dict[str, Any]:
    """The k-th chat of the estate, started by p at `started` (at least 1 h before the end).

    planted: (sender, text) of one extra message (a pasted card number, say), after the opener."""
    chat: dict[str, Any] = {"chatId": guid(k, rng), "startedAt": utc_iso(started)}
    r = rng.random()
    chat["visitorName"] = p.full_name if r < 0.7 else p.first if r < 0.9 else ""
    r = rng.random()
    if r < 0.7:
        chat["visitorEmail"] = messy_email(p.email, rng, 0.05, 0.02, 0.03)
    elif r < 0.9:
        chat["visitorEmail"] = ""
    chat["messages"] = messages(p, rng, started, planted)
    return chat


def messages(
    p: Person, rng: Random, started: int, planted: tuple[str, str] | None = None
) -> list[dict[str, str]]:
    count = rng.randint(2, 8)
    phone_at = 2 * rng.randrange((count + 1) // 2) if rng.random() < 0.08 else -1
    at = started
    out = []
    for i in range(count):
        sender = "visitor" if i % 2 == 0 else "operator"
        if i == phone_at and sender == "visitor":
            text = rng.choice(CHAT_PHONE_LINES).format(
                phone=format_phone(p.mobile, rng.choice((0, 6, 1)))
            )
        elif sender == "operator":
            text = f"Hi {p.first}, {GREETING}" if i == 1 else rng.choice(CHAT_OPERATOR)
        else:
            text = rng.choice(CHAT_VISITOR) if i else rng.choice(CHAT_OPENERS)
        out.append({"at": utc_iso(at), "from": sender, "text": text})
        at += rng.randint(5, 120)
        if i == 0 and planted is not None:
            out.append({"at": utc_iso(at), "from": planted[0], "text": planted[1]})
            at += rng.randint(5, 120)
    return out
