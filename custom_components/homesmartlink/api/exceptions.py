"""Exceptions raised by the HomeSmartlink partner API client.

One tree, so that callers can catch `HomeSmartlinkError` or the precise kind they handle.
Messages never carry credentials or personal data.
"""

from __future__ import annotations


class HomeSmartlinkError(Exception):
    """Base of every error raised by the client."""


class HomeSmartlinkConnectionError(HomeSmartlinkError):
    """The cloud could not be reached, timed out, or answered with a server error.

    A request that was written may have been applied: only `HomeSmartlinkNotSentError` says it
    never left.
    """


class HomeSmartlinkNotSentError(HomeSmartlinkConnectionError):
    """The connection could not be opened: the request never reached the cloud."""


class HomeSmartlinkAuthenticationError(HomeSmartlinkError):
    """The partner credentials were refused (HTTP 401 or 403)."""


class HomeSmartlinkRateLimitError(HomeSmartlinkError):
    """The cloud asked us to slow down (HTTP 429).

    `retry_after` holds the seconds to wait, from the Retry-After header, when it was given.
    """

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        """Keep the delay the cloud asked for."""
        super().__init__(message)
        self.retry_after = retry_after


class HomeSmartlinkResponseError(HomeSmartlinkError):
    """The cloud answered, but not with something we can use.

    A 4xx other than auth and rate limits, or a body that is not the documented JSON.
    `status` is the HTTP status when there was one.
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        """Keep the HTTP status of the answer."""
        super().__init__(message)
        self.status = status


class HomeSmartlinkNotFoundError(HomeSmartlinkResponseError):
    """The cloud does not know the home, trigger or message asked for (HTTP 404)."""
