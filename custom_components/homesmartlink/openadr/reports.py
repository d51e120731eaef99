"""What the VEN reports to the program: each home's status, the account's shedding.

`openleadr` 0.5.36 offers reports when the VEN registers and writes every value as a number
(`payloadFloat`): a home's status is a TELEMETRY_STATUS report whose points are `<home>:online`
(1 when its gateway is online and the last poll answered) and `<home>:manual_override` (1 when a
room of the home opted out of a running campaign: someone changed a heater at home); the same two
are measurements `x-online` and `x-manual_override` of the home in the TELEMETRY_USAGE report,
for VTNs that tell report points apart by measurement. That report also gives the account's rooms
shedding now (`x-rooms_shedding`) and the degree-hours run so far by the running campaigns
(`x-degree_hours`). The VTN picks the interval (10 s to 1 h); the library samples and sends.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

from homeassistant.util import dt as dt_util

from ..campaigns.model import CampaignState, RoomStatus
from ..coordinator import HomeSmartlinkConfigEntry
from ..devices import gateway_online

STATUS = "homesmartlink-status"
TELEMETRY = "homesmartlink-telemetry"
# The buffer the library may build between sends.
DURATION = timedelta(hours=1)
_RUNNING = (CampaignState.PREHEAT, CampaignState.SHED, CampaignState.RECOVERY)


def offer_reports(client: Any, entry: HomeSmartlinkConfigEntry, ven_name: str) -> None:
    """Register the reports with the client (before it runs: they go with the registration)."""
    for home in entry.runtime_data.homes.values():
        for point, read in (("online", _online), ("manual_override", _manual_override)):
            client.add_report(
                callback=partial(read, entry, home.subentry_id),
                resource_id=home.home_id,
                report_name="TELEMETRY_STATUS",
                report_specifier_id=STATUS,
                r_id=f"{home.home_id}:{point}",
                report_duration=DURATION,
            )
            # The same point as a named measurement: a VTN that asks for reports by resource
            # and measurement (openleadr's compact handler) sees every status point as "Status".
            client.add_report(
                callback=partial(read, entry, home.subentry_id),
                resource_id=home.home_id,
                measurement=f"x-{point}",
                unit="1",
                report_name="TELEMETRY_USAGE",
                report_specifier_id=TELEMETRY,
                r_id=f"{home.home_id}:{point}:measured",
                report_duration=DURATION,
            )
    telemetry: tuple[tuple[str, str, Callable[[HomeSmartlinkConfigEntry], float]], ...] = (
        ("rooms_shedding", "rooms", _rooms_shedding),
        ("degree_hours", "degC.h", _degree_hours),
    )
    for point, unit, value in telemetry:
        client.add_report(
            callback=partial(value, entry),
            resource_id=ven_name,
            measurement=f"x-{point}",
            unit=unit,
            report_name="TELEMETRY_USAGE",
            report_specifier_id=TELEMETRY,
            r_id=point,
            report_duration=DURATION,
        )


def _online(entry: HomeSmartlinkConfigEntry, subentry_id: str) -> float:
    home = entry.runtime_data.homes.get(subentry_id)
    if home is None or home.coordinator.data is None:
        return 0.0
    reachable = home.coordinator.last_update_success
    return float(reachable and gateway_online(home.coordinator.data.devices))


def _manual_override(entry: HomeSmartlinkConfigEntry, subentry_id: str) -> float:
    """1 when a room of the home opted out of a running campaign."""
    now = dt_util.utcnow()
    for campaign in entry.runtime_data.campaigns.campaigns.values():
        if campaign.state(now) not in _RUNNING:
            continue
        keys = {room.key for room in campaign.rooms if room.subentry_id == subentry_id}
        if campaign.rooms_with(RoomStatus.OPTED_OUT, keys):
            return 1.0
    return 0.0


def _rooms_shedding(entry: HomeSmartlinkConfigEntry) -> float:
    now = dt_util.utcnow()
    return float(sum(c.shedding(now) for c in entry.runtime_data.campaigns.campaigns.values()))


def _degree_hours(entry: HomeSmartlinkConfigEntry) -> float:
    now = dt_util.utcnow()
    return round(
        sum(
            c.degree_hours(now)
            for c in entry.runtime_data.campaigns.campaigns.values()
            if c.state(now) in _RUNNING
        ),
        3,
    )
