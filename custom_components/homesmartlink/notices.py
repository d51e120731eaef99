"""Repair issues, and the outage notice of an outward push that keeps failing."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN, LOGGER

# Pauses after failures of an outward push: 30 s, doubled each time, an hour at most.
FIRST_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)


@callback
def async_raise_issue(
    hass: HomeAssistant, issue_id: str, translation_key: str, placeholders: dict[str, str]
) -> None:
    """A repair issue the user cannot fix from the dialog: it explains, and goes away by itself."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=translation_key,
        translation_placeholders=placeholders,
    )


def backoff(failures: int) -> timedelta:
    """The pause after this many failures in a row."""
    return min(FIRST_BACKOFF * (1 << min(max(failures - 1, 0), 20)), MAX_BACKOFF)


class OutageNotice:
    """Something outward that keeps failing: said once in the log and as a repair issue.

    The next success says it is back and removes the issue. Never a line per failure.
    """

    def __init__(
        self, hass: HomeAssistant, what: str, issue_id: str, translation_key: str, home: str
    ) -> None:
        """`what` names it in the log (English, like every log line)."""
        self._hass = hass
        self._what = what
        self.issue_id = issue_id
        self._translation_key = translation_key
        self._home = home
        self.failures = 0

    @callback
    def async_failed(self, reason: str) -> timedelta:
        """Note a failure; returns how long to wait before the next attempt."""
        self.failures += 1
        if self.failures == 1:
            LOGGER.warning("%s failed (%s); retrying later with backoff", self._what, reason)
            async_raise_issue(
                self._hass,
                self.issue_id,
                self._translation_key,
                {"home": self._home, "reason": reason},
            )
        return backoff(self.failures)

    @callback
    def async_succeeded(self) -> None:
        """Note a success, ending an outage if there was one."""
        if self.failures:
            LOGGER.info("%s back to normal", self._what)
            ir.async_delete_issue(self._hass, DOMAIN, self.issue_id)
        self.failures = 0
