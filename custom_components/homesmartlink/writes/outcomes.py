"""What became of a change: the write path's typed answers, in no one's words but ours.

Nothing here knows Home Assistant's errors, translations or a voice platform's codes: each edge
(entity and action, Yango, Sber) reads these and says them in its own language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ..api import (
    HomeSmartlinkAuthenticationError,
    HomeSmartlinkError,
    HomeSmartlinkNotSentError,
    HomeSmartlinkRateLimitError,
    HomeSmartlinkResponseError,
)
from .ledger import Outcome
from .plan import Window


class Refusal(StrEnum):
    """Why a heater, or a window of a change, could not be changed."""

    UNAVAILABLE = "unavailable"  # offline, no room, no setpoint known, or the cloud not answering
    STOPPED = "stopped"  # a stopped heater ignores derogations
    OUT_OF_REACH = "out_of_reach"  # more than the API's ±5 °C from the schedule
    ROOM_CONFLICT = "room_conflict"  # two heaters of one room asked different setpoints
    RATE_LIMITED = "rate_limited"  # the cloud said 429
    AUTH_FAILED = "auth_failed"  # the cloud refused the credentials
    BAD_ANSWER = "bad_answer"  # the cloud answered something we cannot read
    CLOUD_FAILURE = "cloud_failure"  # network, timeout, 5xx
    # Sent, but not the documented success (timeout, lost connection, 5xx, 200 without
    # triggers): it may be applied; the heaters' reports settle it, it is never sent again.
    UNCERTAIN = "uncertain"


def cloud_refusal(err: HomeSmartlinkError) -> Refusal:
    """What a failed cloud call means for a change."""
    if isinstance(err, HomeSmartlinkAuthenticationError):
        return Refusal.AUTH_FAILED
    if isinstance(err, HomeSmartlinkRateLimitError):
        return Refusal.RATE_LIMITED
    if isinstance(err, HomeSmartlinkResponseError):
        return Refusal.BAD_ANSWER
    return Refusal.CLOUD_FAILURE


def answer_outcome(err: HomeSmartlinkError) -> Outcome:
    """What a failed derogation request may have done in the cloud.

    Refused when the cloud surely applied nothing (credentials refused, rate limited, a 4xx, a
    connection never opened); uncertain when the request may have been applied (timeout, lost
    connection, 5xx, an answer we cannot read).
    """
    if isinstance(
        err,
        HomeSmartlinkAuthenticationError | HomeSmartlinkRateLimitError | HomeSmartlinkNotSentError,
    ):
        return Outcome.REFUSED
    if isinstance(err, HomeSmartlinkResponseError) and err.status is not None and err.status < 500:
        return Outcome.REFUSED
    return Outcome.UNCERTAIN


@dataclass(frozen=True, slots=True)
class Refused:
    """One heater's refusal, with what the edge needs to explain it."""

    reason: Refusal
    wanted: float | None = None
    # The setpoints a derogation can reach now, for OUT_OF_REACH.
    reachable: tuple[float, float] | None = None
    # For a cloud failure of a change spread over several windows: which went through.
    succeeded: tuple[Window, ...] = ()
    failed: tuple[Window, ...] = ()
    # For RATE_LIMITED: when writes may be sent again.
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class WindowOutcome:
    """What became of one request: its windows (one start and end, one or more dates)."""

    windows: tuple[Window, ...]
    rooms: int
    start_trigger: str | None = None
    end_trigger: str | None = None
    failure: Refusal | None = None
    # The real instants (UTC) its first window starts and its last ends, as the gateway runs them.
    starts_at: datetime | None = None
    ends_at: datetime | None = None

    @property
    def outcome(self) -> Outcome:
        """Placed, refused, or uncertain."""
        if self.failure is None:
            return Outcome.PLACED
        return Outcome.UNCERTAIN if self.failure is Refusal.UNCERTAIN else Outcome.REFUSED


class WriteError(Exception):
    """A change whose cloud requests failed, all of them or some: `outcomes` says which."""

    def __init__(
        self, outcomes: list[WindowOutcome], reason: Refusal, until: datetime | None = None
    ) -> None:
        """Keep every window's outcome; the first failure's refusal is the reason."""
        super().__init__(reason.value)
        self.outcomes = outcomes
        self.reason = reason
        self.until = until

    def refused(self) -> Refused:
        """The same failure, as a heater's refusal naming the windows that went through."""
        return Refused(
            self.reason,
            succeeded=tuple(w for o in self.outcomes if o.failure is None for w in o.windows),
            failed=tuple(w for o in self.outcomes if o.failure is not None for w in o.windows),
            until=self.until,
        )


class HeaterRefusedError(Exception):
    """One heater's change refused (raised by the single-heater write)."""

    def __init__(self, refused: Refused) -> None:
        """Keep the typed refusal."""
        super().__init__(refused.reason.value)
        self.refused = refused


class DiagnosisRefusedError(Exception):
    """The home did not accept a diagnosis request; `status` is what the cloud said."""

    def __init__(self, status: str | None) -> None:
        """Keep the cloud's status."""
        super().__init__(f"diagnosis refused ({status})")
        self.status = status
