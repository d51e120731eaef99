"""An account's campaigns as calendar events: each phase an event, past and future.

What ran stays as it ran: a phase cut by a cancel ends at the cancel, and what was still to come
is shown apart, titled as cancelled. Events are on the homes' clock; ids are the campaign's and
the phase's, so that deleting one names its campaign.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo

from .model import Campaign, PhaseSpan

# The id of a campaign's phase event: "<campaign id>#<phase>".
UID_SEPARATOR = "#"


@dataclass(frozen=True, slots=True)
class AgendaEvent:
    """One event: a phase (or what of it was cancelled) of a campaign."""

    campaign: Campaign
    start: datetime
    end: datetime
    summary: str
    uid: str


def _summary(phase: PhaseSpan, words: Mapping[str, str], cancelled: bool) -> str:
    title = f"{words.get(phase.phase.value, phase.phase.value)} {phase.delta:+d} °C"
    return f"{title} · {words.get('cancelled', 'cancelled')}" if cancelled else title


def campaign_uid(campaign: Campaign, phase: PhaseSpan) -> str:
    """The id of a phase's event."""
    return f"{campaign.id}{UID_SEPARATOR}{phase.phase.value}"


def campaign_of(uid: str) -> str:
    """The campaign id an event id names."""
    return uid.partition(UID_SEPARATOR)[0]


def agenda(
    campaigns: Iterable[Campaign],
    start: datetime,
    end: datetime,
    words: Mapping[str, str],
    zone: tzinfo,
) -> list[AgendaEvent]:
    """Every phase of these campaigns overlapping [start, end), in time order."""
    events: list[AgendaEvent] = []
    for campaign in campaigns:
        for phase in campaign.phases:
            cut = campaign.cancelled
            pieces = [(phase.start, phase.end, False)]
            if cut is not None and cut < phase.end:
                pieces = [(phase.start, cut, False), (max(cut, phase.start), phase.end, True)]
            for begin, finish, cancelled in pieces:
                if begin >= finish or finish <= start or begin >= end:
                    continue
                uid = campaign_uid(campaign, phase) + ("-cancelled" if cancelled else "")
                events.append(
                    AgendaEvent(
                        campaign,
                        begin.astimezone(zone),
                        finish.astimezone(zone),
                        _summary(phase, words, cancelled),
                        uid,
                    )
                )
    return sorted(events, key=lambda event: (event.start, event.summary))
