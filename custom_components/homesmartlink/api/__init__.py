"""HomeSmartlink partner API client: no Home Assistant import anywhere in this package."""

from .client import HomeSmartlinkClient, parse_retry_after
from .exceptions import (
    HomeSmartlinkAuthenticationError,
    HomeSmartlinkConnectionError,
    HomeSmartlinkError,
    HomeSmartlinkNotFoundError,
    HomeSmartlinkRateLimitError,
    HomeSmartlinkResponseError,
)
from .models import (
    ComfortRange,
    Derogation,
    DerogationResult,
    Device,
    DeviceCategory,
    DeviceMode,
    DiagnosisRequest,
    DiagnosisResult,
    Gateway,
    HomeConfig,
    Report,
    ReportDetail,
    ReportSummary,
    User,
    WeekSchedule,
)

__all__ = [
    "ComfortRange",
    "Derogation",
    "DerogationResult",
    "Device",
    "DeviceCategory",
    "DeviceMode",
    "DiagnosisRequest",
    "DiagnosisResult",
    "Gateway",
    "HomeConfig",
    "HomeSmartlinkAuthenticationError",
    "HomeSmartlinkClient",
    "HomeSmartlinkConnectionError",
    "HomeSmartlinkError",
    "HomeSmartlinkNotFoundError",
    "HomeSmartlinkRateLimitError",
    "HomeSmartlinkResponseError",
    "Report",
    "ReportDetail",
    "ReportSummary",
    "User",
    "WeekSchedule",
    "parse_retry_after",
]
