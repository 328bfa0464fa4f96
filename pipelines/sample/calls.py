"""Asterisk CDR records (Master.csv) of inbound calls, with their recording metadata."""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

from .people import Person
from .timeline import compact_local, local_seconds

DISPOSITIONS = (("ANSWERED", 80), ("NO ANSWER", 12), ("BUSY", 4), ("FAILED", 2), ("CONGESTION", 2))
_DISPOSITION_POOL = tuple(d for d, w in DISPOSITIONS for _ in range(w))
EXTENSIONS = ("2001", "2002", "2003", "2004", "2005", "2010", "2011", "2012")
DDIS = ("01908048100", "01908048200", "01908048300")
LATIN1_NAME_RATE = 0.010  # of non-ASCII names (~1 in 4): about 1 in 500 calls overall
# cdr_csv writes the flag's name: DOCUMENTATION (the default), BILLING on the billing trunk's calls
AMAFLAGS_DEFAULT, AMAFLAGS_BILLING = "DOCUMENTATION", "BILLING"
BILLING_DDI = "01908048300"  # the accounts line: its channel is set to amaflags=billing
LEGAL_HOLD_RATE = 0.005
CdrField = str | int | bytes | None


@dataclass(slots=True)
class CallIds:
    """Counters behind uniqueid (epoch.n), channel names and the CDR sequence."""

    n: int = 0

    def take(self) -> int:
        self.n += 1
        return self.n


def caller_number(p_mobile: str, rng: Random) -> str:
    return f"+44{p_mobile}" if rng.random() < 0.3 else f"0{p_mobile}"


def caller_id(name: str, number: str, rng: Random) -> str | bytes:
    """clid `"Name" <number>`; a few non-ASCII names arrive from the trunk in Latin-1."""
    clid = f'"{name}" <{number}>'
    if not name.isascii() and rng.random() < LATIN1_NAME_RATE:
        return clid.encode("latin-1", errors="replace")
    return clid


@dataclass(frozen=True, slots=True)
class Recording:
    """What the dialplan wrote into userfield: kept (or purged), notice, legal hold.

    disposition: the call's outcome. The queue context sets userfield before ringing the agents
    (`notice=skipped`, made `played` on the answer), so an unanswered queued call still names a
    recording file that was never made."""

    kept: bool
    notice: str = "played"
    hold: bool = False
    disposition: str = "ANSWERED"


def build_call(
    p: Person | None,
    mobile: str,
    rng: Random,
    ids: CallIds,
    start: int,
    keep_from: int,
    recording: Recording | None = None,
) -> list[CdrField]:
    """One CDR line for a call from `mobile` starting at `start` (p None: unknown caller).

    Recordings of calls started before `keep_from` were purged (retention) unless on legal
    hold; an unanswered call through the queue keeps the userfield the queue context preset
    (no recording exists, so nothing is purged). `recording` forces a call with that userfield
    and disposition (planted cases). The caller should leave a couple of hours before the end
    of the window."""
    n = ids.take()
    src = caller_number(mobile, rng)
    name = p.full_name if p is not None else src
    disposition = rng.choice(_DISPOSITION_POOL) if recording is None else recording.disposition
    ring = rng.randint(2, 25)
    answered = disposition == "ANSWERED"
    billsec = min(3600, 15 + int(rng.expovariate(1 / 280))) if answered else 0
    end = start + ring + billsec
    uniqueid = f"{start}.{n}"
    system_id = f"pbx1-{uniqueid}" if rng.random() < 0.2 else uniqueid
    via_queue = rng.random() < 0.6 or (recording is not None and not answered)
    ext = rng.choice(EXTENSIONS)
    dst = rng.choice(DDIS) if rng.random() < 0.5 else ext
    rings_agent = disposition in ("ANSWERED", "NO ANSWER", "BUSY")
    if recording is None and answered:
        hold = rng.random() < LEGAL_HOLD_RATE
        recording = Recording(kept=start >= keep_from or hold, hold=hold)
    elif recording is None and via_queue:  # preset by the queue context, never made
        recording = Recording(kept=True, notice="skipped", disposition=disposition)
    return [
        "",  # accountcode
        src,
        dst,
        "from-trunk",
        caller_id(name, src, rng),
        f"PJSIP/bt-trunk-{2 * n:08x}",
        f"PJSIP/{ext}-{2 * n + 1:08x}" if rings_agent else "",
        "Queue" if via_queue else "Dial",
        "support,tT,,,300" if via_queue else f"PJSIP/{ext},30,tTr",
        local_seconds(start),
        local_seconds(start + ring) if answered else None,
        local_seconds(end),
        end - start,
        billsec,
        disposition,
        AMAFLAGS_BILLING if dst == BILLING_DDI else AMAFLAGS_DEFAULT,
        system_id,
        recording_field(start, uniqueid, recording) if recording is not None else "",
        "",  # peeraccount
        system_id,
        n,
    ]


def recording_field(start: int, uniqueid: str, rec: Recording) -> str:
    """userfield of the call; empty once an answered call's recording has been purged."""
    if not rec.kept:
        return ""
    stamp = compact_local(start)  # "_" before the uniqueid: no digit run reads as a card number
    return f"rec={stamp}_{uniqueid}.wav;notice={rec.notice};hold={int(rec.hold)}"
