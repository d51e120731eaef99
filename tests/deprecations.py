"""What counts as Home Assistant reporting a deprecation or a misuse of this integration.

Home Assistant reports them in its log, not as Python warnings: `frame.report_usage` ("Detected
that custom integration 'homesmartlink' ..."), the deprecation helpers ("... is deprecated ...",
"... will stop working in Home Assistant 2026.12 ..."), and the entity-member migration helper
("custom_components.homesmartlink.climate::HomeSmartlinkClimate provides the deprecated ...").
The unit suite (tests/conftest.py) and the end-to-end suite (the real hass's log) both fail on one.
"""

from __future__ import annotations

import re

_REPORT = re.compile(
    r"will stop working|deprecat|detected that custom integration|detected code that",
    re.IGNORECASE,
)


def is_deprecation_report(line: str) -> bool:
    """Whether a log line is Home Assistant reporting a deprecation or misuse of ours."""
    return "homesmartlink" in line.lower() and _REPORT.search(line) is not None
