"""Climate entities: one per heater, reading the home snapshot.

The cloud cannot set a mode or an absolute setpoint: its only write is a derogation, a shift of
the room's setpoint. So the entity offers only what works: the HVAC mode the heater is in (no
other), a temperature (an override of its room, `write_path.py`), and three presets that are each
an override: `boost` and `eco` (+N / -N °C for the default duration) and the heater's own mode
(`schedule`, `manual` or `antifreeze`: back to it, ending our change in force).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from homeassistant.components.climate import ClimateEntity
from homeassistant.components.climate.const import ClimateEntityFeature, HVACMode
from homeassistant.const import (
    ATTR_TEMPERATURE,
    PRECISION_TENTHS,
    PRECISION_WHOLE,
    UnitOfTemperature,
)
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, ServiceResponse, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_point_in_time
from homeassistant.util import dt as dt_util

from .api import Device, DeviceMode, WeekSchedule
from .compat import PLATFORM_ENTITY_SERVICES
from .const import CONF_PRESET_DELTA, DEFAULT_PRESET_DELTA
from .coordinator import HomeSmartlinkConfigEntry, HomeSmartlinkHome
from .entity import HomeSmartlinkOnlineDeviceEntity, async_add_device_entities
from .errors import translated, validation_error
from .services import async_register_schedule_action
from .writes.ledger import LedgerRecord, Outcome
from .writes.overrides import EndRule, delta_changes, resume_changes
from .writes.plan import clock
from .writes.policy import reachable_span, unexplained_shift
from .writes.send import Placement, async_send_changes, async_set_heater_temperature
from .writes.timeline import local, wall_instant

PARALLEL_UPDATES = 1

PRESET_ANTIFREEZE = "antifreeze"
PRESET_MANUAL = "manual"
PRESET_SCHEDULE = "schedule"
PRESET_STOP = "stop"
# Ours: a change in force that is no preset (a temperature, an action, a calendar event).
PRESET_OVERRIDE = "override"
PRESET_BOOST = "boost"
PRESET_ECO = "eco"
# The presets that shift the room, and the sign of their shift.
SHIFT_PRESETS = {PRESET_BOOST: 1, PRESET_ECO: -1}
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# The README documents this mapping.
MODE_TO_HVAC: dict[DeviceMode, HVACMode] = {
    DeviceMode.STOP: HVACMode.OFF,
    DeviceMode.ANTIFREEZE: HVACMode.HEAT,
    DeviceMode.MANUAL: HVACMode.HEAT,
    DeviceMode.PROG: HVACMode.AUTO,
}
MODE_TO_PRESET: dict[DeviceMode, str] = {
    DeviceMode.STOP: PRESET_STOP,
    DeviceMode.ANTIFREEZE: PRESET_ANTIFREEZE,
    DeviceMode.MANUAL: PRESET_MANUAL,
    DeviceMode.PROG: PRESET_SCHEDULE,
}


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HomeSmartlinkConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a climate entity for every heater, now and as new ones appear."""
    if not PLATFORM_ENTITY_SERVICES:
        async_register_schedule_action(hass)  # before 2025.10, entity actions live here
    for home in entry.runtime_data.homes.values():
        async_add_device_entities(
            home,
            async_add_entities,
            lambda device: device.category.is_heater,
            lambda home, device: [HomeSmartlinkClimate(home, device.id)],
        )


def schedule_attributes(schedule: WeekSchedule, now: datetime) -> dict[str, Any]:
    """Today's comfort ranges and the next change, as state attributes."""
    change = schedule.next_change(now)
    return {
        "comfort_ranges_today": [
            {"start": clock(r.start), "end": clock(r.end)}
            for r in schedule.ranges_on(now.weekday())
        ],
        "next_change": change.isoformat() if change else None,
        "next_change_to": (
            None if change is None else ("comfort" if schedule.in_comfort(change) else "eco")
        ),
    }


class HomeSmartlinkClimate(HomeSmartlinkOnlineDeviceEntity, ClimateEntity):
    """A heater: its reading, setpoint, mode and week schedule."""

    _attr_name = None
    _attr_translation_key = "heater"
    _attr_native_temperature_unit = UnitOfTemperature.CELSIUS
    # Home Assistant before 2026.11 reads the names without `native_`; from 2026.11 on it reads the
    # native ones, and a class that provides both is served by them without a deprecation report.
    _attr_temperature_unit = UnitOfTemperature.CELSIUS
    _attr_precision = PRECISION_TENTHS
    _attr_target_temperature_step = PRECISION_WHOLE
    _attr_supported_features = (
        ClimateEntityFeature.TARGET_TEMPERATURE | ClimateEntityFeature.PRESET_MODE
    )
    _enable_turn_on_off_backwards_compatibility = False

    def __init__(self, home: HomeSmartlinkHome, device_id: str) -> None:
        """Bind the entity to one heater."""
        super().__init__(home.coordinator, device_id, "climate")
        self._home = home
        self._unsub_boundary: CALLBACK_TYPE | None = None
        self._room_overrides: tuple[LedgerRecord, ...] = ()

    def _derogation(self) -> LedgerRecord | None:
        """Our derogation in force in the heater's room now, if any."""
        device = self.device
        if device is None:
            return None
        return self._home.derogations.active(device.room_id, dt_util.now())

    def _reachable(self) -> tuple[float, float] | None:
        device = self._online_device
        return None if device is None else reachable_span(self._home, device, dt_util.now())

    @property
    def min_temp(self) -> float:
        """The lowest setpoint a derogation can reach now (5 °C under the schedule)."""
        reachable = self._reachable()
        return super().min_temp if reachable is None else reachable[0]

    @property
    def max_temp(self) -> float:
        """The highest setpoint a derogation can reach now (5 °C over the schedule)."""
        reachable = self._reachable()
        return super().max_temp if reachable is None else reachable[1]

    @property
    def _online_device(self) -> Device | None:
        device = self.device
        return device if device is not None and device.online else None

    @property
    def native_current_temperature(self) -> float | None:
        """The heater's last local reading (`pv`)."""
        device = self._online_device
        return device.current_temperature if device else None

    @property
    def native_target_temperature(self) -> float | None:
        """The setpoint the heater follows now (`sp`); none while stopped."""
        device = self._online_device
        if device is None or device.mode is DeviceMode.STOP:
            return None
        return device.setpoint

    @property
    def current_temperature(self) -> float | None:
        """The reading, under the name Home Assistant reads before 2026.11."""
        return self.native_current_temperature

    @property
    def target_temperature(self) -> float | None:
        """The setpoint, under the name Home Assistant reads before 2026.11."""
        return self.native_target_temperature

    def _source(self) -> object:
        return self.device, self._home.setpoints.of(self.device_id)

    @property
    def hvac_modes(self) -> list[HVACMode]:
        """Only the mode the heater is in: the cloud cannot change it."""
        mode = self.hvac_mode
        return [] if mode is None else [mode]

    @property
    def preset_modes(self) -> list[str]:
        """The heater's own mode (back to it), boost and eco; nothing for a stopped heater.

        `override` too while a change of ours that is no preset is in force: what is shown is
        among what is offered (cards and dialogs otherwise show a blank preset and send it back).
        """
        device = self._online_device
        if device is None or device.mode is None or device.mode is DeviceMode.STOP:
            return []
        own = MODE_TO_PRESET.get(device.mode)
        if own is None:
            return []
        offered = [own, PRESET_BOOST, PRESET_ECO]
        return [*offered, PRESET_OVERRIDE] if self.preset_mode == PRESET_OVERRIDE else offered

    @property
    def hvac_mode(self) -> HVACMode | None:
        """The heater's mode, mapped (README: mode mapping); None when unknown."""
        device = self._online_device
        if device is None or device.mode is None:
            return None
        return MODE_TO_HVAC.get(device.mode)

    @property
    def preset_mode(self) -> str | None:
        """Our change in force (boost, eco or override); else the heater's own mode."""
        device = self._online_device
        if device is None or device.mode is None:
            return None
        if device.mode is not DeviceMode.STOP and (change := self._derogation()) is not None:
            return change.preset if change.preset in SHIFT_PRESETS else PRESET_OVERRIDE
        return MODE_TO_PRESET.get(device.mode)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """The schedule, its learned setpoints, and our override in force."""
        device = self._online_device
        if device is None:
            return None
        attributes: dict[str, Any] = {}
        if device.mode is DeviceMode.PROG and device.week_schedule is not None:
            attributes.update(
                schedule_attributes(device.week_schedule, dt_util.now(self._home.zone))
            )
            comfort, eco = self._home.setpoints.of(device.id)
            attributes.update(
                {
                    key: value
                    for key, value in (("comfort_setpoint", comfort), ("eco_setpoint", eco))
                    if value is not None
                }
            )
        now = dt_util.utcnow()
        if (override := self._derogation()) is not None:
            attributes["override_delta"] = override.delta
            end = self._home.derogations.run_end(override)
            attributes["override_end"] = local(end, self._home.zone).isoformat()
            attributes["override_by"] = override.source or "action"
            if override.outcome is not Outcome.PLACED:
                # Asked, but the cloud did not confirm it: the heaters' next reports settle it.
                attributes["override_outcome"] = Outcome.UNCERTAIN.value
        if (shift := unexplained_shift(self._home, device, now)) is not None:
            attributes["unexplained_shift"] = shift
        return attributes or None

    @translated
    async def async_set_temperature(self, **kwargs: Any) -> None:
        """Shift the heater's room to the wanted setpoint with a derogation (README)."""
        device = self.device
        if device is None:  # pragma: no cover - unavailable entities get no calls
            return
        await async_set_heater_temperature(
            self.hass, self._home, device, float(kwargs[ATTR_TEMPERATURE]), source="thermostat"
        )

    async def async_set_hvac_mode(self, hvac_mode: HVACMode) -> None:
        """The mode offered is the one the heater is in: nothing to do (no other is offered)."""
        if hvac_mode != self.hvac_mode:
            raise validation_error("set_mode_not_supported")

    @translated
    async def async_set_preset_mode(self, preset_mode: str) -> None:
        """Boost or eco for the default duration, or back to the heater's own mode."""
        device = self.device
        if device is None or preset_mode not in self.preset_modes:
            raise validation_error("set_mode_not_supported")
        if preset_mode == self.preset_mode:
            return  # the one in force: nothing to change
        heaters = [(self._home, device)]
        now = dt_util.utcnow()
        if (sign := SHIFT_PRESETS.get(preset_mode)) is None:
            changes = resume_changes(heaters, now)
        else:
            step = self._home.entry.options.get(CONF_PRESET_DELTA, DEFAULT_PRESET_DELTA)
            changes = delta_changes(heaters, sign * int(step), EndRule(), now)
        if changes:
            await async_send_changes(
                self.hass, changes, Placement(preset=preset_mode, source="preset")
            )

    async def async_get_schedule(self) -> ServiceResponse:
        """The `get_schedule` action: the heater's mode and week of comfort ranges."""
        device = self.device
        schedule = device.week_schedule if device is not None else None
        return {
            "mode": device.mode.value if device is not None and device.mode else None,
            "days": (
                [
                    {
                        "day": name,
                        "comfort": [
                            {"start": clock(r.start), "end": clock(r.end)}
                            for r in schedule.ranges_on(index)
                        ],
                    }
                    for index, name in enumerate(DAYS)
                ]
                if schedule is not None
                else None
            ),
        }

    # The schedule attributes move with the clock, not with the data: refresh them at the next
    # schedule change or local midnight, whichever comes first.

    async def async_added_to_hass(self) -> None:
        """Start following the schedule's boundaries and our derogations."""
        await super().async_added_to_hass()
        device = self.device
        self._room_overrides = tuple(
            self._home.derogations.for_room(device.room_id if device else None)
        )
        self._schedule_boundary_refresh()
        self.async_on_remove(self._cancel_boundary_refresh)
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, self._home.derogations.signal, self._handle_store_update
            )
        )

    @callback
    def _handle_store_update(self) -> None:
        """Write only when this heater's room got or lost an override.

        A campaign over many rooms would otherwise rewrite every heater of each home.
        """
        device = self.device
        mine = tuple(self._home.derogations.for_room(device.room_id)) if device else ()
        if mine == self._room_overrides:
            return
        self._room_overrides = mine
        self._schedule_boundary_refresh()
        self.async_write_ha_state()

    @callback
    def _source_changed(self) -> None:
        self._schedule_boundary_refresh()
        super()._source_changed()

    @callback
    def _cancel_boundary_refresh(self) -> None:
        if self._unsub_boundary is not None:
            self._unsub_boundary()
            self._unsub_boundary = None

    @callback
    def _schedule_boundary_refresh(self) -> None:
        self._cancel_boundary_refresh()
        device = self._online_device
        if device is None:
            return
        zone = self._home.zone
        now = dt_util.now(zone)
        moments: list[datetime] = []
        if device.week_schedule is not None and device.mode is DeviceMode.PROG:
            moments.append(wall_instant(now.date() + timedelta(days=1), 0, zone))
            if change := device.week_schedule.next_change(now):
                moments.append(change)
        if (derogation := self._derogation()) is not None:
            moments.append(derogation.bounds()[1])
        if moments:
            self._unsub_boundary = async_track_point_in_time(
                self.hass, self._boundary_reached, min(moments)
            )

    @callback
    def _boundary_reached(self, _now: datetime) -> None:
        self._unsub_boundary = None
        self._schedule_boundary_refresh()
        self.async_write_ha_state()
