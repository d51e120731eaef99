"""Config flow: partner credentials, then a home; reauth, reconfigure and options."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
)
from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET
from homeassistant.core import callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import voluptuous as vol
from yarl import URL

from .api import (
    HomeSmartlinkAuthenticationError,
    HomeSmartlinkClient,
    HomeSmartlinkError,
    HomeSmartlinkResponseError,
)
from .compat import ReloadingOptionsFlow
from .const import (
    CONF_BASE_URL,
    CONF_HOME_ID,
    CONF_OVERRIDE_DURATION,
    CONF_SBER,
    CONF_SBER_KEY,
    CONF_SBER_URL,
    CONF_YANGO,
    CONF_YANGO_DIALOGS_URL,
    CONF_YANGO_SKILL_ID,
    CONF_YANGO_SKILL_TOKEN,
    DEFAULT_OVERRIDE_DURATION,
    DEFAULT_SBER_URL,
    DEFAULT_YANGO_DIALOGS_URL,
    DOMAIN,
    LOGGER,
    MAX_OVERRIDE_DURATION,
    MIN_OVERRIDE_DURATION,
)
from .helpers import schema

SECTION_YANGO = "yango_bridge"
SECTION_SBER = "sber_bridge"

# A partner may have thousands of homes: list the first ones, the field also takes a typed id.
MAX_HOME_CHOICES = 500

URL_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
SECRET_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))


def _credentials_schema(defaults: Mapping[str, Any]) -> Any:
    return schema(
        {
            vol.Required(CONF_BASE_URL, default=defaults.get(CONF_BASE_URL, vol.UNDEFINED)): (
                URL_SELECTOR
            ),
            vol.Required(CONF_CLIENT_ID, default=defaults.get(CONF_CLIENT_ID, vol.UNDEFINED)): str,
            vol.Required(CONF_CLIENT_SECRET): SECRET_SELECTOR,
        }
    )


def _normalise_url(value: str) -> str | None:
    """The base URL without trailing slash, or None when it is not an http(s) URL."""
    text = value.strip()
    try:
        url = URL(text)
    except ValueError:
        return None
    if url.scheme not in ("http", "https") or not url.host:
        return None
    return text.rstrip("/")


class HomeSmartlinkConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up one home of a HomeSmartlink partner account."""

    VERSION = 1

    def __init__(self) -> None:
        """Start with nothing checked."""
        self._credentials: dict[str, str] = {}
        self._homes: dict[str, str] = {}

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> HomeSmartlinkOptionsFlow:
        """The options of an entry."""
        return HomeSmartlinkOptionsFlow()

    def _client(self, credentials: Mapping[str, str]) -> HomeSmartlinkClient:
        return HomeSmartlinkClient(
            async_get_clientsession(self.hass),
            credentials[CONF_BASE_URL],
            credentials[CONF_CLIENT_ID],
            credentials[CONF_CLIENT_SECRET],
        )

    async def _list_homes(self, credentials: Mapping[str, str]) -> dict[str, str]:
        """Check the credentials with the users call, and keep the homes it lists."""
        self._homes = {}
        try:
            async for user in self._client(credentials).iter_users():
                label = f"{user.home_id} ({user.city})" if user.city else user.home_id
                self._homes.setdefault(user.home_id, label)
                if len(self._homes) >= MAX_HOME_CHOICES:
                    break
        except HomeSmartlinkAuthenticationError:
            return {"base": "invalid_auth"}
        except HomeSmartlinkResponseError:
            # Some partner accounts may not be allowed the users call: the home is then typed,
            # and checked by the config call of the next step.
            LOGGER.debug("Users call unavailable; the home id will be typed")
        except HomeSmartlinkError:
            return {"base": "cannot_connect"}
        except Exception:  # noqa: BLE001 - a config flow must never crash on the unexpected
            LOGGER.exception("Unexpected error while listing homes")
            return {"base": "unknown"}
        return {}

    async def _check_home(self, credentials: Mapping[str, str], home_id: str) -> dict[str, str]:
        """Fetch the home's config with these credentials; errors keyed by form field."""
        try:
            await self._client(credentials).get_home_config(home_id)
        except HomeSmartlinkAuthenticationError:
            return {"base": "invalid_auth"}
        except HomeSmartlinkResponseError:
            return {CONF_HOME_ID: "invalid_home"}
        except HomeSmartlinkError:
            return {"base": "cannot_connect"}
        except Exception:  # noqa: BLE001 - a config flow must never crash on the unexpected
            LOGGER.exception("Unexpected error while checking the home")
            return {"base": "unknown"}
        return {}

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the partner credentials and check them."""
        errors: dict[str, str] = {}
        if user_input is not None:
            base_url = _normalise_url(user_input[CONF_BASE_URL])
            if base_url is None:
                errors[CONF_BASE_URL] = "invalid_url"
            else:
                credentials = {**user_input, CONF_BASE_URL: base_url}
                errors = await self._list_homes(credentials)
                if not errors:
                    self._credentials = credentials
                    return await self.async_step_home()
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                _credentials_schema({}),
                {k: v for k, v in (user_input or {}).items() if k != CONF_CLIENT_SECRET},
            ),
            errors=errors,
        )

    async def async_step_home(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Pick a listed home, or type a home id; checked with the config call."""
        errors: dict[str, str] = {}
        if user_input is not None:
            home_id = str(user_input[CONF_HOME_ID]).strip()
            if not home_id:
                errors[CONF_HOME_ID] = "invalid_home"
            else:
                await self.async_set_unique_id(home_id)
                self._abort_if_unique_id_configured()
                errors = await self._check_home(self._credentials, home_id)
                if not errors:
                    return self.async_create_entry(
                        title=home_id,
                        data={**self._credentials, CONF_HOME_ID: home_id},
                        options={CONF_OVERRIDE_DURATION: DEFAULT_OVERRIDE_DURATION},
                    )
        field: Any = TextSelector()
        if self._homes:
            field = SelectSelector(
                SelectSelectorConfig(
                    options=[
                        SelectOptionDict(value=home_id, label=label)
                        for home_id, label in self._homes.items()
                    ],
                    custom_value=True,
                    mode=SelectSelectorMode.DROPDOWN,
                )
            )
        return self.async_show_form(
            step_id="home",
            data_schema=schema({vol.Required(CONF_HOME_ID): field}),
            errors=errors,
            description_placeholders={"count": str(len(self._homes))},
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The cloud refused the stored credentials."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for new credentials and check them against the entry's home."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            credentials = {**entry.data, **user_input}
            errors = await self._check_home(credentials, entry.data[CONF_HOME_ID])
            if not errors:
                return self.async_update_reload_and_abort(entry, data_updates=user_input)
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=schema(
                {
                    vol.Required(CONF_CLIENT_ID, default=entry.data[CONF_CLIENT_ID]): str,
                    vol.Required(CONF_CLIENT_SECRET): SECRET_SELECTOR,
                }
            ),
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the base URL or credentials of an entry; its home stays."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            base_url = _normalise_url(user_input[CONF_BASE_URL])
            if base_url is None:
                errors[CONF_BASE_URL] = "invalid_url"
            else:
                updates = {**user_input, CONF_BASE_URL: base_url}
                errors = await self._check_home({**entry.data, **updates}, entry.data[CONF_HOME_ID])
                if not errors:
                    return self.async_update_reload_and_abort(entry, data_updates=updates)
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=_credentials_schema(entry.data),
            errors=errors,
        )


class HomeSmartlinkOptionsFlow(ReloadingOptionsFlow):
    """Options of an entry: temperature change duration, and the two voice bridges."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """One form; each bridge in its own section, off unless turned on."""
        current = dict(self.config_entry.options)
        errors: dict[str, str] = {}
        if user_input is not None:
            options, errors = _read_options(user_input, current)
            if not errors:
                return self.async_create_entry(data=options)
            current = {**current, **_flatten(user_input)}
        return self.async_show_form(
            step_id="init", data_schema=_options_schema(current), errors=errors
        )


def _flatten(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """The form's sections as one flat mapping of options."""
    flat: dict[str, Any] = {}
    for key, value in user_input.items():
        if key in (SECTION_YANGO, SECTION_SBER) and isinstance(value, Mapping):
            flat.update(value)
        else:
            flat[key] = value
    return flat


def _read_options(
    user_input: Mapping[str, Any], current: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Validated options, or the errors of the form. An empty secret keeps the stored one."""
    values = _flatten(user_input)
    errors: dict[str, str] = {}
    options: dict[str, Any] = {
        CONF_OVERRIDE_DURATION: int(values[CONF_OVERRIDE_DURATION]),
        CONF_YANGO: bool(values.get(CONF_YANGO, False)),
        CONF_SBER: bool(values.get(CONF_SBER, False)),
    }
    for key in (CONF_YANGO_SKILL_ID, CONF_YANGO_SKILL_TOKEN, CONF_SBER_KEY):
        text = str(values.get(key) or "").strip() or str(current.get(key) or "")
        if text:
            options[key] = text
    for key, default in (
        (CONF_YANGO_DIALOGS_URL, DEFAULT_YANGO_DIALOGS_URL),
        (CONF_SBER_URL, DEFAULT_SBER_URL),
    ):
        url = _normalise_url(str(values.get(key) or default))
        if url is None:
            errors["base"] = "invalid_url"
        else:
            options[key] = url
    if options[CONF_YANGO] and (CONF_YANGO_SKILL_TOKEN in options) != (
        CONF_YANGO_SKILL_ID in options
    ):
        # Notifications need both; without either the bridge still answers the platform.
        errors["base"] = "skill_incomplete"
    if options[CONF_SBER] and CONF_SBER_KEY not in options:
        errors["base"] = "sber_key_required"
    return options, errors


def _options_schema(current: Mapping[str, Any]) -> Any:
    duration = current.get(CONF_OVERRIDE_DURATION, DEFAULT_OVERRIDE_DURATION)
    return schema(
        {
            vol.Required(CONF_OVERRIDE_DURATION, default=duration): NumberSelector(
                NumberSelectorConfig(
                    min=MIN_OVERRIDE_DURATION,
                    max=MAX_OVERRIDE_DURATION,
                    step=5,
                    unit_of_measurement="min",
                    mode=NumberSelectorMode.BOX,
                )
            ),
            vol.Required(SECTION_YANGO): section(
                schema(
                    {
                        vol.Required(CONF_YANGO, default=bool(current.get(CONF_YANGO))): bool,
                        vol.Optional(
                            CONF_YANGO_SKILL_ID,
                            description={"suggested_value": current.get(CONF_YANGO_SKILL_ID)},
                        ): str,
                        vol.Optional(CONF_YANGO_SKILL_TOKEN): SECRET_SELECTOR,
                        vol.Required(
                            CONF_YANGO_DIALOGS_URL,
                            default=current.get(CONF_YANGO_DIALOGS_URL, DEFAULT_YANGO_DIALOGS_URL),
                        ): URL_SELECTOR,
                    }
                ),
                {"collapsed": not current.get(CONF_YANGO)},
            ),
            vol.Required(SECTION_SBER): section(
                schema(
                    {
                        vol.Required(CONF_SBER, default=bool(current.get(CONF_SBER))): bool,
                        vol.Required(
                            CONF_SBER_URL, default=current.get(CONF_SBER_URL, DEFAULT_SBER_URL)
                        ): URL_SELECTOR,
                        vol.Optional(CONF_SBER_KEY): SECRET_SELECTOR,
                    }
                ),
                {"collapsed": not current.get(CONF_SBER)},
            ),
        }
    )
