"""Config flow: partner credentials, then a home; reauth, reconfigure and options."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET
from homeassistant.core import callback
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
from .const import (
    CONF_BASE_URL,
    CONF_HOME_ID,
    CONF_OVERRIDE_DURATION,
    DEFAULT_OVERRIDE_DURATION,
    DOMAIN,
    LOGGER,
    MAX_OVERRIDE_DURATION,
    MIN_OVERRIDE_DURATION,
)
from .helpers import schema

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


class HomeSmartlinkOptionsFlow(OptionsFlow):
    """Options of an entry: how long a temperature change lasts by default."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """One form of options."""
        if user_input is not None:
            return self.async_create_entry(
                data={CONF_OVERRIDE_DURATION: int(user_input[CONF_OVERRIDE_DURATION])}
            )
        current = self.config_entry.options.get(CONF_OVERRIDE_DURATION, DEFAULT_OVERRIDE_DURATION)
        return self.async_show_form(
            step_id="init",
            data_schema=schema(
                {
                    vol.Required(CONF_OVERRIDE_DURATION, default=current): NumberSelector(
                        NumberSelectorConfig(
                            min=MIN_OVERRIDE_DURATION,
                            max=MAX_OVERRIDE_DURATION,
                            step=5,
                            unit_of_measurement="min",
                            mode=NumberSelectorMode.BOX,
                        )
                    )
                }
            ),
        )
