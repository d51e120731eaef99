"""Async client of the HomeSmartlink partner API (`{base}/partners/1/...`).

The session is injected and never closed here. Every call goes through `_request`, which adds Basic
auth and the timeout and turns every failure into the exception tree of `exceptions.py`.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
import json
import math
from typing import Any

import aiohttp

from .exceptions import (
    HomeSmartlinkAuthenticationError,
    HomeSmartlinkConnectionError,
    HomeSmartlinkNotFoundError,
    HomeSmartlinkNotSentError,
    HomeSmartlinkRateLimitError,
    HomeSmartlinkResponseError,
)
from .models import (
    Derogation,
    DerogationResult,
    DiagnosisRequest,
    DiagnosisResult,
    HomeConfig,
    Report,
    User,
)

DEFAULT_TIMEOUT = 30.0
# A Retry-After beyond a day is treated as a day: a broken header must not silence us for good.
MAX_RETRY_AFTER = 24 * 3600.0
DEFAULT_USERS_PAGE_SIZE = 100
# A server that ignores paging would otherwise be read forever.
MAX_USERS_PAGES = 1000


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date (0..a day)."""
    if not value:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return min(max(seconds, 0.0), MAX_RETRY_AFTER) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max((when - (now or datetime.now(UTC))).total_seconds(), 0.0), MAX_RETRY_AFTER)


def _json_object(text: str, path: str) -> dict[str, Any]:
    """The JSON object of an answer, or a response error."""
    try:
        data = json.loads(text)
    except ValueError as err:
        raise HomeSmartlinkResponseError(f"Unparseable answer on {path}") from err
    if not isinstance(data, dict):
        raise HomeSmartlinkResponseError(f"Answer on {path} is not a JSON object")
    return data


class HomeSmartlinkClient:
    """One partner account of the HomeSmartlink cloud."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        request_timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """Keep the session and credentials; nothing is sent until a call is made."""
        self._session = session
        self._base_url = base_url.rstrip("/")
        # Built by hand: aiohttp's BasicAuth is deprecated in its newer releases.
        token = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode("ascii")
        self._headers = {"Accept": "application/json", "Authorization": f"Basic {token}"}
        self._timeout = request_timeout
        # The last config answer of each home, as text and parsed: an unchanged poll (most of
        # them) is recognised by its bytes and skips JSON decoding and parsing.
        self._last_config: dict[str, tuple[str, HomeConfig]] = {}

    async def _request_text(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> str:
        """Send one call and return its body, or raise one of our exceptions."""
        url = f"{self._base_url}/partners/1/{path}"
        try:
            async with asyncio.timeout(self._timeout):
                async with self._session.request(
                    method,
                    url,
                    json=body,
                    params=params,
                    headers=self._headers,
                ) as response:
                    status = response.status
                    retry_after = response.headers.get("Retry-After")
                    text = await response.text(errors="replace")
        except TimeoutError as err:
            raise HomeSmartlinkConnectionError(
                f"Timeout after {self._timeout:g} s on {method} {path}"
            ) from err
        except aiohttp.ClientConnectorError as err:
            raise HomeSmartlinkNotSentError(f"{type(err).__name__} on {method} {path}") from err
        except aiohttp.ClientError as err:
            raise HomeSmartlinkConnectionError(f"{type(err).__name__} on {method} {path}") from err

        if status in (401, 403):
            raise HomeSmartlinkAuthenticationError(f"Credentials refused ({status}) on {path}")
        if status == 429:
            raise HomeSmartlinkRateLimitError(
                f"Rate limited on {path}", retry_after=parse_retry_after(retry_after)
            )
        if status == 404:
            raise HomeSmartlinkNotFoundError(f"Not found on {path}", status=status)
        if status >= 500:
            raise HomeSmartlinkConnectionError(f"Server error {status} on {method} {path}")
        if status >= 400:
            raise HomeSmartlinkResponseError(f"Request refused ({status}) on {path}", status)
        return text

    async def _request(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """Send one call and return its JSON object, or raise one of our exceptions."""
        return _json_object(await self._request_text(method, path, body=body, params=params), path)

    async def get_home_config(self, home_id: str) -> HomeConfig:
        """Devices and gateway of one home."""
        text = await self._request_text("POST", "config", body={"homeId": home_id})
        last = self._last_config.get(home_id)
        if last is not None and last[0] == text:
            return last[1]
        home = HomeConfig.from_wire(_json_object(text, "config"))
        self._last_config[home_id] = (text, home)
        return home

    async def set_derogations(self, derogations: Sequence[Derogation]) -> DerogationResult:
        """Schedule derogations that all share one window (the API refuses mixed windows)."""
        if not derogations:
            raise ValueError("At least one derogation is needed")
        windows = {(item.start_time, item.end_time) for item in derogations}
        if len(windows) != 1:
            raise ValueError("All derogations of one request must share start and end time")
        data = await self._request(
            "POST", "derogations", body={"derogations": [item.to_wire() for item in derogations]}
        )
        return DerogationResult.from_wire(data)

    async def get_report(self, trigger: str) -> Report:
        """Delivery report of a derogation trigger."""
        return Report.from_wire(await self._request("POST", "report", body={"trigger": trigger}))

    async def get_users(self, page: int = 1, size: int = DEFAULT_USERS_PAGE_SIZE) -> list[User]:
        """One page of users (page 1 is the first; page P skips (P-1)*size users)."""
        if page < 1 or size < 1:
            raise ValueError("page and size start at 1")
        data = await self._request("GET", "users", params={"page": str(page), "size": str(size)})
        return User.list_from_wire(data)

    async def iter_users(self, page_size: int = DEFAULT_USERS_PAGE_SIZE) -> AsyncIterator[User]:
        """Every user of the partner, page after page, until a short or repeated page."""
        previous: list[User] | None = None
        for page in range(1, MAX_USERS_PAGES + 1):
            users = await self.get_users(page, page_size)
            if users == previous:
                return
            for user in users:
                yield user
            if len(users) < page_size:
                return
            previous = users

    async def request_diagnosis(self, home_id: str) -> DiagnosisRequest:
        """Ask a home for a diagnosis; the result is ready after about five minutes."""
        return DiagnosisRequest.from_wire(
            await self._request("POST", "request", body={"homeId": home_id})
        )

    async def get_diagnosis_result(self, message_id: str) -> DiagnosisResult:
        """The result of a diagnosis requested earlier."""
        return DiagnosisResult.from_wire(
            await self._request("PUT", "request", body={"messageId": message_id})
        )
