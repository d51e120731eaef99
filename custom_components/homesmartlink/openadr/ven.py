"""One account's OpenADR VEN: `openleadr`'s client, the events it receives, their campaigns.

Registration, polling and the answers to events are the library's; this module gives it what to
answer. The client is built in the executor (it reads the local time zone and key files) and
`openleadr` is imported there too, so an account without a VEN never loads it. When the VTN
cannot be reached at start, the library gives up: the VEN tries again every minute until the
account is unloaded. Once registered, the library's scheduler polls; a VTN that goes away and
comes back is polled again as it was.

An event becomes one campaign of the ledger (`campaigns/run.py`), marked with the event's id and
modification number: a redelivered event is recognised (never sent twice), a modified one
re-plans what has not run (the campaign is cancelled, what it covered given back, and the new
plan sent), a cancelled one cancels it. What cannot be carried is opted out, with its reason in
the log and on the account's VEN status.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
import logging
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.util import dt as dt_util

from ..campaigns.model import Campaign, CampaignState, plan_phases
from ..campaigns.run import async_cancel_campaign, async_start_campaign, every_room
from ..coordinator import HomeSmartlinkConfigEntry
from ..writes.outcomes import WriteError
from ..writes.plan import DerogationPlanError, PlanProblem
from .client import build_client
from .reports import offer_reports
from .settings import VenSettings
from .signals import (
    CANCELLED,
    EventId,
    EventRefusedError,
    Refusal,
    event_id,
    fitting_preheat,
    plan_event,
)

LOGGER = logging.getLogger(__name__)
OPT_IN, OPT_OUT = "optIn", "optOut"
RETRY = timedelta(minutes=1)
# The VTN counts as reachable while it answered within this many of its poll periods.
REACHABLE_POLLS = 2.5
_OVER = (CampaignState.FINISHED, CampaignState.CANCELLED)


def ven_signal(entry_id: str) -> str:
    """The dispatcher signal an account's VEN sends when its state changes."""
    return f"homesmartlink_ven_{entry_id}"


@dataclass(frozen=True, slots=True)
class EventAnswer:
    """What the VEN made of the last event it received (shown on the account's VEN entities)."""

    event_id: str
    modification: int
    status: str
    answer: str
    received: datetime
    campaign_id: str | None = None
    reason: str | None = None
    notes: tuple[str, ...] = ()


@dataclass
class VenState:
    """What the VEN's entities and diagnostics read."""

    registered: bool = False
    last_answer: datetime | None = None
    poll_every: timedelta = timedelta(seconds=10)
    last_event: EventAnswer | None = None

    def connected(self, now: datetime) -> bool:
        """Registered, and the VTN answered within the last polls."""
        if not self.registered or self.last_answer is None:
            return False
        return now - self.last_answer <= self.poll_every * REACHABLE_POLLS + timedelta(seconds=2)


class Ven:
    """The VEN of one account, from set-up to unload."""

    def __init__(
        self, hass: HomeAssistant, entry: HomeSmartlinkConfigEntry, settings: VenSettings
    ) -> None:
        """Bind the VEN to its account; nothing runs before `async_start`."""
        self._hass = hass
        self._entry = entry
        self._settings = settings
        self._client: Any = None
        self._task: asyncio.Task[None] | None = None
        self.state = VenState()
        self.signal = ven_signal(entry.entry_id)

    @callback
    def async_start(self) -> Callable[[], Any]:
        """Connect in the background; returns what stops it (for the entry's unload)."""
        self._task = self._entry.async_create_background_task(
            self._hass, self._async_connect(), f"homesmartlink VEN {self._entry.entry_id}"
        )
        return self.async_stop

    async def async_stop(self) -> None:
        """Stop connecting, the library's scheduler and its session: nothing left running."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
        await self._async_close_client()

    async def _async_close_client(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        if client.scheduler.running:
            client.scheduler.shutdown(wait=False)
        if client.report_queue_task is not None:
            client.report_queue_task.cancel()
        if client.client_session is not None and not client.client_session.closed:
            await client.client_session.close()

    async def _async_connect(self) -> None:
        """Register with the VTN, again each minute until it answers."""
        while True:
            client = await build_client(self._hass, self._settings)
            client.add_handler("on_event", self._async_on_event)
            client.add_handler("on_update_event", self._async_on_event)
            client.add_hook("after_receive_xml", self._async_answered)
            offer_reports(client, self._entry, self._settings.ven_name)
            self._client = client
            try:
                await client.run()
            except Exception as err:  # noqa: BLE001 - the library's run may raise anything: retried
                LOGGER.warning(
                    "The OpenADR VTN could not be registered with: %s", type(err).__name__
                )
            if client.registration_id and client.scheduler.running:
                self.state.registered = True
                self.state.poll_every = client.poll_frequency or self.state.poll_every
                self._changed()
                return
            await self._async_close_client()
            LOGGER.info("The OpenADR VTN did not register this VEN; trying again in a minute")
            await asyncio.sleep(RETRY.total_seconds())

    async def _async_answered(self, _content: str) -> None:
        """The VTN answered a request: it is reachable (told only when it was not)."""
        now = dt_util.utcnow()
        was = self.state.connected(now)
        self.state.last_answer = now
        if not was:
            self._changed()

    @callback
    def _changed(self) -> None:
        async_dispatcher_send(self._hass, self.signal)

    async def _async_on_event(self, event: Mapping[str, Any]) -> str:
        """The answer to an event (new, redelivered, modified or cancelled)."""
        now = dt_util.utcnow()
        try:
            ident = event_id(event)
        except EventRefusedError as err:
            LOGGER.warning("OpenADR event opted out: %s", err.reason)
            return OPT_OUT
        carried = self._campaign_of(ident.event_id)
        if ident.status == CANCELLED:
            return await self._async_cancelled(ident, carried, now)
        if (
            carried is not None
            and carried.openadr_event is not None
            and carried.openadr_event[1] >= ident.modification
        ):  # redelivered: already carried, never sent twice
            # The library answers a redelivery itself; this is one after a restart: what the
            # campaign became says it (cancelled in Home Assistant: no longer taking part).
            return OPT_OUT if carried.cancelled is not None else OPT_IN
        try:
            answer = await self._async_carry(event, ident, carried, now)
        except EventRefusedError as err:
            answer = self._tell(ident, OPT_OUT, now, reason=err.reason.value)
        return answer

    async def _async_carry(
        self,
        event: Mapping[str, Any],
        ident: EventId,
        carried: Campaign | None,
        now: datetime,
    ) -> str:
        """Plan the event, give back what an older modification held, start its campaign."""
        homes = self._entry.runtime_data.homes.values()
        plan = plan_event(
            event, {home.home_id: home.participating for home in homes}, now, self._settings.levels
        )
        try:
            phases = plan_phases(
                plan.start,
                plan.end,
                plan.delta,
                now,
                preheat=fitting_preheat(self._settings.preheat, plan.start, now),
                recovery=self._settings.recovery,
            )
        except DerogationPlanError as err:
            far = err.problem in (PlanProblem.SPAN_TOO_LONG, PlanProblem.PERIOD_OUT_OF_REACH)
            raise EventRefusedError(Refusal.TOO_FAR if far else Refusal.MALFORMED) from err
        if carried is not None and carried.state(now) not in _OVER:
            await self._async_cancel(carried)
        targets = every_room(home for home in homes if home.home_id in plan.home_ids)
        try:
            campaign, _ = await async_start_campaign(
                self._hass, self._entry, targets, phases, (ident.event_id, ident.modification)
            )
        except (WriteError, DerogationPlanError) as err:
            LOGGER.warning("OpenADR event %s not sent: %s", ident.event_id, err)
            raise EventRefusedError(Refusal.NOT_SENT) from err
        notes = tuple(note.value for note in plan.notes)
        if notes:
            LOGGER.info("OpenADR event %s carried with: %s", ident.event_id, ", ".join(notes))
        return self._tell(ident, OPT_IN, now, campaign_id=campaign.id, notes=notes)

    async def _async_cancelled(
        self, ident: EventId, carried: Campaign | None, now: datetime
    ) -> str:
        """The VTN cancelled the event: so is its campaign (what has not run, given back)."""
        if carried is not None and carried.state(now) not in _OVER:
            await self._async_cancel(carried)
        answer = OPT_IN if carried is not None else OPT_OUT
        return self._tell(ident, answer, now, campaign_id=carried.id if carried else None)

    async def _async_cancel(self, campaign: Campaign) -> None:
        try:
            await async_cancel_campaign(self._hass, self._entry, campaign)
        except WriteError as err:  # said; the campaign's own repair and figures tell the rest
            LOGGER.warning("OpenADR campaign %s not cancelled: %s", campaign.id, err)

    def _campaign_of(self, event: str) -> Campaign | None:
        """The latest campaign carrying this event (the book keeps them across restarts)."""
        found = [
            c
            for c in self._entry.runtime_data.campaigns.campaigns.values()
            if c.openadr_event is not None and c.openadr_event[0] == event
        ]
        return max(found, key=lambda c: c.created, default=None)

    def _tell(
        self,
        ident: EventId,
        answer: str,
        now: datetime,
        *,
        campaign_id: str | None = None,
        reason: str | None = None,
        notes: tuple[str, ...] = (),
    ) -> str:
        """Remember and show the answer; returns it for the library."""
        if reason is not None:
            LOGGER.info("OpenADR event %s opted out: %s", ident.event_id, reason)
        self.state.last_event = EventAnswer(
            ident.event_id,
            ident.modification,
            ident.status,
            answer,
            now,
            campaign_id,
            reason,
            notes,
        )
        self._changed()
        return answer

    def diagnostics(self) -> dict[str, Any]:
        """The VEN's state for the diagnostics download (ids only, no URL or key)."""
        last = self.state.last_event
        return {
            "registered": self.state.registered,
            "connected": self.state.connected(dt_util.utcnow()),
            "poll_seconds": self.state.poll_every.total_seconds(),
            "last_event": None
            if last is None
            else {
                "event_id": last.event_id,
                "modification": last.modification,
                "status": last.status,
                "answer": last.answer,
                "reason": last.reason,
                "notes": list(last.notes),
                "campaign_id": last.campaign_id,
            },
        }

    def home_diagnostics(self, subentry_id: str) -> dict[str, Any] | None:
        """The VEN is the account's: nothing per home."""
        return None
