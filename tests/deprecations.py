"""What counts as Home Assistant reporting a deprecation or a misuse of this integration.

Home Assistant reports them in its log, not as Python warnings: `frame.report_usage` ("Detected
that custom integration 'homesmartlink' ..."), the deprecation helpers ("... is deprecated ...",
"... will stop working in Home Assistant 2026.12 ..."), and the entity-member migration helper
("custom_components.homesmartlink.climate::HomeSmartlinkClimate provides the deprecated ..."),
and blocking I/O found in the event loop ("Detected blocking call to open ...") in our code or in
the VEN's library.
The unit suite (tests/conftest.py) and the end-to-end suite (the real hass's log) both fail on one.
"""

from __future__ import annotations

import re

_REPORT = re.compile(
    r"will stop working|deprecat|detected that custom integration|detected code that",
    re.IGNORECASE,
)


# Blocking I/O in the event loop: ours, or the VEN's library's (we run it in the loop).
_BLOCKING = re.compile(r"detected blocking call", re.IGNORECASE)


def is_deprecation_report(line: str) -> bool:
    """Whether a log line is Home Assistant reporting a deprecation or misuse of ours."""
    lower = line.lower()
    if _BLOCKING.search(line) is not None:
        return "homesmartlink" in lower or "openleadr" in lower
    return "homesmartlink" in lower and _REPORT.search(line) is not None
