"""Constants of the HomeSmartlink integration."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "homesmartlink"
LOGGER = logging.getLogger(__package__)

CONF_BASE_URL: Final = "base_url"
CONF_HOME_ID: Final = "home_id"
CONF_OVERRIDE_DURATION: Final = "override_duration"

# Minutes a temperature change made from Home Assistant lasts, unless the options say otherwise.
DEFAULT_OVERRIDE_DURATION: Final = 120
MIN_OVERRIDE_DURATION: Final = 5
MAX_OVERRIDE_DURATION: Final = 24 * 60
# The homes' time zone (an IANA name): their gateways read derogation windows on its wall clock.
CONF_TIME_ZONE: Final = "time_zone"
# During a shed, a room whose reading falls below this (°C) is released (an option; off if unset).
CONF_COMFORT_FLOOR: Final = "comfort_floor"
MIN_COMFORT_FLOOR: Final = 5.0
MAX_COMFORT_FLOOR: Final = 25.0
# Degrees the boost and eco presets shift a room by (an option of the account).
CONF_PRESET_DELTA: Final = "preset_delta"
DEFAULT_PRESET_DELTA: Final = 2

# One config call per home per minute: the cloud refreshes heaters about that often.
SCAN_INTERVAL: Final = timedelta(seconds=60)

MANUFACTURER: Final = "HomeSmartlink"

# Seconds a cloud call may take before it counts as failed.
REQUEST_TIMEOUT: Final = 30.0

# Voice bridges: options of an entry (each bridge is off unless turned on for the home).
CONF_YANGO: Final = "yango"
CONF_YANGO_SKILL_ID: Final = "yango_skill_id"
CONF_YANGO_SKILL_TOKEN: Final = "yango_skill_token"  # noqa: S105 - an option key
CONF_YANGO_DIALOGS_URL: Final = "yango_dialogs_url"
DEFAULT_YANGO_DIALOGS_URL: Final = "https://dialogs.yango.com"
CONF_SBER: Final = "sber"
CONF_SBER_URL: Final = "sber_url"
CONF_SBER_KEY: Final = "sber_key"
# A CA of the user's own (PEM), trusted for Sber's calls beside the official Russian ones.
CONF_SBER_CA: Final = "sber_ca"
DEFAULT_SBER_URL: Final = "https://partners.iot.sberdevices.ru"
# OpenADR VEN (openadr/): options of an entry, off unless turned on.
CONF_OPENADR: Final = "openadr"
CONF_OPENADR_VTN_URL: Final = "openadr_vtn_url"
CONF_OPENADR_VEN_NAME: Final = "openadr_ven_name"
CONF_OPENADR_CERT: Final = "openadr_cert"
CONF_OPENADR_KEY: Final = "openadr_key"
# The program's certificate authority (PEM), trusted for the VTN beside the system's.
CONF_OPENADR_CA: Final = "openadr_ca"
# SIMPLE signal levels 1..3 -> the shift in °C (options `openadr_level_1`...).
CONF_OPENADR_LEVEL: Final = "openadr_level_{}"
DEFAULT_OPENADR_LEVELS: Final = {1: -1, 2: -2, 3: -3}
# Optional phases around each event's shed: (delta °C, minutes); both set or it is off.
CONF_OPENADR_PREHEAT_DELTA: Final = "openadr_preheat_delta"
CONF_OPENADR_PREHEAT_MINUTES: Final = "openadr_preheat_minutes"
CONF_OPENADR_RECOVERY_DELTA: Final = "openadr_recovery_delta"
CONF_OPENADR_RECOVERY_MINUTES: Final = "openadr_recovery_minutes"
# The bridges' and the VEN's secrets: set in the options form, kept in the entry's data (never
# shown back).
BRIDGE_SECRETS: Final = (CONF_YANGO_SKILL_TOKEN, CONF_SBER_KEY, CONF_OPENADR_CERT, CONF_OPENADR_KEY)

# A config entry is a partner account; each of its homes is a subentry of this type.
SUBENTRY_HOME: Final = "home"
