"""Delivery of derogations: read a trigger's report until it settles, repair when it does not.

After a derogation the cloud sends an MQTT message to each home's gateway; the report of the
start trigger tells how many homes were targeted, reached and confirmed. We read it a few times
(the cloud needs a moment), keep the last one for the home's diagnostic sensors, and raise a repair
issue when delivery stays incomplete after the last look.
"""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_call_later

from .api import HomeSmartlinkClient, HomeSmartlinkError, Report
from .const import DOMAIN, LOGGER
from .notices import async_raise_issue

# Seconds after the derogation at which the report is read.
CHECK_DELAYS: tuple[float, ...] = (15.0, 60.0, 180.0, 600.0)


@dataclass(frozen=True, slots=True)
class Delivery:
    """The last known delivery of a derogation trigger."""

    trigger: str
    report: Report | None = None
    settled: bool = False

    @property
    def complete(self) -> bool:
        """Whether every targeted home confirmed reception."""
        if self.report is None:
            return False
        summary = self.report.summary
        return summary.requested is not None and summary.received == summary.requested


class DeliveryTracker:
    """Follows the delivery of the latest derogation of one home."""

    def __init__(
        self, hass: HomeAssistant, client: HomeSmartlinkClient, home_id: str, home_key: str
    ) -> None:
        """Nothing tracked yet; `home_key` (the subentry id) names the dispatcher signal."""
        self._hass = hass
        self._client = client
        self._home_id = home_id
        # Sent whenever the last delivery changes.
        self.signal = f"{DOMAIN}_delivery_{home_key}"
        self.last: Delivery | None = None
        self._attempt = 0
        self._cancel: CALLBACK_TYPE | None = None

    @property
    def issue_id(self) -> str:
        """The repair issue of this home."""
        return f"delivery_incomplete_{self._home_id}"

    @callback
    def async_track(self, trigger: str) -> None:
        """Follow a new trigger, forgetting the previous one."""
        self.async_stop()
        self.last = Delivery(trigger)
        self._attempt = 0
        self._schedule()
        self._notify()

    @callback
    def async_stop(self) -> None:
        """Stop reading reports (unload)."""
        if self._cancel is not None:
            self._cancel()
            self._cancel = None

    @callback
    def _schedule(self) -> None:
        delay = CHECK_DELAYS[self._attempt] - (
            CHECK_DELAYS[self._attempt - 1] if self._attempt else 0
        )
        self._cancel = async_call_later(self._hass, delay, self._check)

    async def _check(self, _now: object) -> None:
        self._cancel = None
        last = self.last
        if last is None:  # pragma: no cover - stop() cancels the timer first
            return
        self._attempt += 1
        final = self._attempt >= len(CHECK_DELAYS)
        report: Report | None
        try:
            report = await self._client.get_report(last.trigger)
        except HomeSmartlinkError as err:
            LOGGER.debug("Delivery report not available yet: %s", err)
            report = last.report
        delivery = Delivery(last.trigger, report, settled=final)
        if delivery.complete:
            delivery = Delivery(last.trigger, report, settled=True)
        self.last = delivery
        self._notify()
        if delivery.settled:
            summary = report.summary if report else None
            LOGGER.debug(
                "Delivery of trigger %s to home %s settled: %s of %s gateways acknowledged",
                last.trigger,
                self._home_id,
                summary.received if summary else "?",
                summary.requested if summary else "?",
            )
        if delivery.complete:
            ir.async_delete_issue(self._hass, DOMAIN, self.issue_id)
        elif final:
            summary = report.summary if report else None
            async_raise_issue(
                self._hass,
                self.issue_id,
                "delivery_incomplete",
                {
                    "home": self._home_id,
                    "requested": str(summary.requested if summary else "?"),
                    "received": str(summary.received if summary else "?"),
                },
            )
        else:
            self._schedule()

    @callback
    def _notify(self) -> None:
        async_dispatcher_send(self._hass, self.signal)
