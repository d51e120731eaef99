"""Config flow: a partner account, its homes (subentries), reauth, reconfigure and options.

The account is the entry; each home is a subentry of type `home`, added in the first flow (one,
several or all of the homes the users call lists) or later with "Add home".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryData,
    ConfigSubentryFlow,
    OptionsFlow,
    SubentryFlowResult,
)
from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET, CONF_NAME
from homeassistant.core import HomeAssistant, callback
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
)
import voluptuous as vol
from yarl import URL

from .api import (
    HomeSmartlinkAuthenticationError,
    HomeSmartlinkClient,
    HomeSmartlinkError,
    HomeSmartlinkResponseError,
)
from .compat import schema
from .const import (
    BRIDGE_SECRETS,
    CONF_BASE_URL,
    CONF_COMFORT_FLOOR,
    CONF_HOME_ID,
    CONF_OPENADR,
    CONF_OPENADR_VTN_URL,
    CONF_OVERRIDE_DURATION,
    CONF_PRESET_DELTA,
    CONF_SBER,
    CONF_SBER_CA,
    CONF_SBER_KEY,
    CONF_SBER_URL,
    CONF_TIME_ZONE,
    CONF_YANGO,
    CONF_YANGO_DIALOGS_URL,
    CONF_YANGO_SKILL_ID,
    CONF_YANGO_SKILL_TOKEN,
    DEFAULT_OVERRIDE_DURATION,
    DEFAULT_PRESET_DELTA,
    DEFAULT_SBER_URL,
    DEFAULT_YANGO_DIALOGS_URL,
    DOMAIN,
    LOGGER,
    MAX_COMFORT_FLOOR,
    MAX_OVERRIDE_DURATION,
    MIN_COMFORT_FLOOR,
    MIN_OVERRIDE_DURATION,
    SUBENTRY_HOME,
)
from .form_fields import (
    PEM_SELECTOR,
    SECRET_SELECTOR,
    URL_SELECTOR,
    secret_field,
    typed_secret,
)
from .migration import MINOR_VERSION, VERSION, account_title, account_unique_id
from .openadr.form import SECTION_OPENADR, openadr_fields, read_openadr
from .pem import CertificateError, certificates_text
from .writes.plan import MAX_DELTA
from .writes.timeline import is_zone

SECTION_YANGO = "yango_bridge"
SECTION_SBER = "sber_bridge"

# A partner may have thousands of homes: list the first ones, the field also takes typed ids.
MAX_HOME_CHOICES = 500
# Homes named one by one in the first flow; more are given their proposed names (renamed later).
MAX_NAMED_HOMES = 20
CONF_HOME_IDS = "home_ids"
CONF_ALL_HOMES = "all_homes"
# What people paste from the API documentation: the base URL is the part before it.
_API_PATH = "/partners/1"


def _credentials_schema() -> Any:
    return schema(
        {
            vol.Required(CONF_BASE_URL): URL_SELECTOR,
            vol.Required(CONF_CLIENT_ID): str,
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


def _read_credentials(user_input: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """Credentials from a form (base URL normalised, `/partners/1` taken off), or its errors."""
    base_url = _normalise_url(str(user_input[CONF_BASE_URL]))
    if base_url is None:
        return {}, {CONF_BASE_URL: "invalid_url"}
    base_url = base_url.removesuffix(_API_PATH).rstrip("/")
    return {
        CONF_BASE_URL: base_url,
        CONF_CLIENT_ID: str(user_input[CONF_CLIENT_ID]).strip(),
        CONF_CLIENT_SECRET: str(user_input[CONF_CLIENT_SECRET]),
    }, {}


def _client(hass: HomeAssistant, credentials: Mapping[str, str]) -> HomeSmartlinkClient:
    return HomeSmartlinkClient(
        async_get_clientsession(hass),
        credentials[CONF_BASE_URL],
        credentials[CONF_CLIENT_ID],
        credentials[CONF_CLIENT_SECRET],
    )


async def _async_list_homes(
    hass: HomeAssistant, credentials: Mapping[str, str]
) -> tuple[dict[str, str | None] | None, dict[str, str]]:
    """The homes the users call lists, with their city (None when the account may not use it).

    Also the credentials check: a refused secret fails here. Only the city is kept of what the
    call says of a home's users (names, address and email are never read into the flow).
    """
    homes: dict[str, str | None] = {}
    try:
        async for user in _client(hass, credentials).iter_users():
            if homes.get(user.home_id) is None:
                homes[user.home_id] = user.city or None
            if len(homes) >= MAX_HOME_CHOICES:
                break
    except HomeSmartlinkAuthenticationError:
        return None, {CONF_CLIENT_SECRET: "invalid_auth"}
    except HomeSmartlinkResponseError:
        # Some partner accounts may not be allowed the users call: homes are then typed, and
        # checked by the config call.
        LOGGER.debug("Users call unavailable; home ids will be typed")
        return None, {}
    except HomeSmartlinkError:
        return None, {CONF_BASE_URL: "cannot_connect"}
    except Exception:  # noqa: BLE001 - a config flow must never crash on the unexpected
        LOGGER.exception("Unexpected error while listing homes")
        return None, {"base": "unknown"}
    return homes, {}


def _label(home_id: str, city: str | None) -> str:
    return f"{home_id} ({city})" if city else home_id


def proposed_names(
    home_ids: list[str], cities: Mapping[str, str | None], taken: set[str]
) -> dict[str, str]:
    """A name per home: its city, with its id when the city is not enough to tell it apart.

    `taken`: names of the account's other homes. Without a city, the home id.
    """
    seen = Counter(cities.get(home_id) for home_id in home_ids)
    names: dict[str, str] = {}
    for home_id in home_ids:
        city = cities.get(home_id)
        name = city if city and seen[city] == 1 and city not in taken else None
        names[home_id] = name or (f"{city} ({home_id})" if city else home_id)
    return names


def _read_name(value: Any, taken: set[str]) -> tuple[str, str | None]:
    """A home's name as typed (trimmed), or the error it gets."""
    name = " ".join(str(value or "").split())
    if not name:
        return name, "name_empty"
    if name.casefold() in {other.casefold() for other in taken}:
        return name, "name_taken"
    return name, None


async def _async_check_home(
    hass: HomeAssistant, credentials: Mapping[str, str], home_id: str, field: str
) -> dict[str, str]:
    """Fetch a home's config with these credentials; errors keyed by the field they concern."""
    try:
        await _client(hass, credentials).get_home_config(home_id)
    except HomeSmartlinkAuthenticationError:
        return {CONF_CLIENT_SECRET: "invalid_auth"}
    except HomeSmartlinkResponseError:
        return {field: "invalid_home"}
    except HomeSmartlinkError:
        return {CONF_BASE_URL: "cannot_connect"}
    except Exception:  # noqa: BLE001 - a config flow must never crash on the unexpected
        LOGGER.exception("Unexpected error while checking the home")
        return {"base": "unknown"}
    return {}


async def _async_check_account(
    hass: HomeAssistant, credentials: Mapping[str, str], home_ids: list[str]
) -> dict[str, str]:
    """Check credentials: with the users call, else with the config call of a known home."""
    homes, errors = await _async_list_homes(hass, credentials)
    if errors or homes is not None or not home_ids:
        return errors
    errors = await _async_check_home(hass, credentials, home_ids[0], CONF_BASE_URL)
    if errors.get(CONF_BASE_URL) == "invalid_home":
        return {CONF_CLIENT_SECRET: "invalid_auth"}
    return errors


def _on_form(errors: dict[str, str], fields: set[str]) -> dict[str, str]:
    """Errors on the fields of this form; an error about a field it lacks goes on top."""
    return {(key if key in fields else "base"): value for key, value in errors.items()}


def _typed_ids(value: Any) -> list[str]:
    """Home ids from a multi-select (a list) or a text field (separated by commas or spaces)."""
    items = value if isinstance(value, list) else str(value).replace(",", " ").split()
    return list(dict.fromkeys(str(item).strip() for item in items if str(item).strip()))


async def _async_read_homes(
    hass: HomeAssistant,
    credentials: Mapping[str, str],
    listed: Mapping[str, str | None],
    user_input: Mapping[str, Any],
    field: str,
) -> tuple[list[str], dict[str, str]]:
    """The home ids picked or typed; homes not listed by the users call are checked one by one."""
    if user_input.get(CONF_ALL_HOMES):
        return list(listed), {}
    home_ids = _typed_ids(user_input.get(field, []))
    if not home_ids:
        return [], {field: "no_home_chosen"}
    for home_id in home_ids:
        if home_id not in listed and (
            errors := await _async_check_home(hass, credentials, home_id, field)
        ):
            return [], errors
    return home_ids, {}


def _homes_schema(listed: Mapping[str, str | None], field: str, multiple: bool) -> Any:
    """A picker of the listed homes that also takes typed ids; a text field when none listed."""
    if not listed:
        return schema({vol.Required(field): TextSelector()})
    picker = SelectSelector(
        SelectSelectorConfig(
            options=[
                SelectOptionDict(value=key, label=_label(key, city)) for key, city in listed.items()
            ],
            custom_value=True,
            multiple=multiple,
            mode=SelectSelectorMode.DROPDOWN,
        )
    )
    if not multiple:
        return schema({vol.Required(field): picker})
    return schema({vol.Optional(field): picker, vol.Optional(CONF_ALL_HOMES, default=False): bool})


def _home_subentry(home_id: str, name: str) -> ConfigSubentryData:
    return ConfigSubentryData(
        data={CONF_HOME_ID: home_id},
        subentry_type=SUBENTRY_HOME,
        title=name,
        unique_id=home_id,
    )


def _home_names(entry: ConfigEntry, but: str | None = None) -> set[str]:
    """The names of an account's homes (all but one subentry)."""
    return {
        subentry.title
        for subentry in entry.subentries.values()
        if subentry.subentry_type == SUBENTRY_HOME and subentry.subentry_id != but
    }


def _read_names(
    home_ids: list[str], user_input: Mapping[str, Any]
) -> tuple[dict[str, str], dict[str, str]]:
    """One name per home, each told apart from the others, or the errors of the form."""
    names: dict[str, str] = {}
    errors: dict[str, str] = {}
    for home_id in home_ids:
        name, error = _read_name(user_input.get(home_id), set(names.values()))
        names[home_id] = name
        if error:
            errors[home_id] = error
    return names, errors


def _home_ids(entry: ConfigEntry) -> list[str]:
    return [
        subentry.data[CONF_HOME_ID]
        for subentry in entry.subentries.values()
        if subentry.subentry_type == SUBENTRY_HOME
    ]


class HomeSmartlinkConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up a HomeSmartlink partner account and its homes."""

    VERSION = VERSION
    MINOR_VERSION = MINOR_VERSION

    def __init__(self) -> None:
        """Start with nothing checked."""
        self._credentials: dict[str, str] = {}
        self._homes: dict[str, str | None] = {}
        self._chosen: list[str] = []

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> HomeSmartlinkOptionsFlow:
        """The options of an account."""
        return HomeSmartlinkOptionsFlow()

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Homes are added to an account one by one ("Add home")."""
        return {SUBENTRY_HOME: HomeSubentryFlow}

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the partner credentials and check them with the users call."""
        errors: dict[str, str] = {}
        if user_input is not None:
            credentials, errors = _read_credentials(user_input)
            if not errors:
                await self.async_set_unique_id(
                    account_unique_id(credentials[CONF_BASE_URL], credentials[CONF_CLIENT_ID])
                )
                self._abort_if_unique_id_configured()
                homes, errors = await _async_list_homes(self.hass, credentials)
                if not errors:
                    self._credentials, self._homes = credentials, homes or {}
                    return await self.async_step_homes()
        return self.async_show_form(
            step_id="user",
            # What was typed stays, the secret too (only within this flow).
            data_schema=self.add_suggested_values_to_schema(_credentials_schema(), user_input),
            errors=errors,
        )

    async def async_step_homes(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Pick one, several or all of the listed homes, or type home ids."""
        errors: dict[str, str] = {}
        if user_input is not None:
            home_ids, errors = await _async_read_homes(
                self.hass, self._credentials, self._homes, user_input, CONF_HOME_IDS
            )
            errors = _on_form(errors, {CONF_HOME_IDS})
            if not errors:
                self._chosen = home_ids
                if len(home_ids) > MAX_NAMED_HOMES:
                    return self._create_account(proposed_names(home_ids, self._homes, set()))
                return await self.async_step_names()
        return self.async_show_form(
            step_id="homes" if self._homes else "type_homes",
            data_schema=self.add_suggested_values_to_schema(
                _homes_schema(self._homes, CONF_HOME_IDS, multiple=True), user_input
            ),
            errors=errors,
            description_placeholders={"count": str(len(self._homes))},
        )

    async def async_step_names(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Name each chosen home (its city proposed); the names are told apart."""
        names = proposed_names(self._chosen, self._homes, set())
        errors: dict[str, str] = {}
        if user_input is not None:
            names, errors = _read_names(self._chosen, user_input)
            if not errors:
                return self._create_account(names)
        return self.async_show_form(
            step_id="names",
            data_schema=self.add_suggested_values_to_schema(
                schema({vol.Required(home_id): str for home_id in self._chosen}),
                {**names, **(user_input or {})},
            ),
            errors=errors,
        )

    def _create_account(self, names: Mapping[str, str]) -> ConfigFlowResult:
        return self.async_create_entry(
            title=account_title(self._credentials[CONF_CLIENT_ID]),
            data=self._credentials,
            options={CONF_OVERRIDE_DURATION: DEFAULT_OVERRIDE_DURATION},
            subentries=[_home_subentry(home_id, names[home_id]) for home_id in self._chosen],
        )

    async def async_step_type_homes(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Type home ids (the account may not use the users call)."""
        return await self.async_step_homes(user_input)

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The cloud refused the stored credentials."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for new credentials once for the whole account, and check them."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            credentials = {
                **entry.data,
                CONF_CLIENT_ID: str(user_input[CONF_CLIENT_ID]).strip(),
                CONF_CLIENT_SECRET: str(user_input[CONF_CLIENT_SECRET]),
            }
            await self._async_same_account(credentials)
            errors = _on_form(
                await _async_check_account(self.hass, credentials, _home_ids(entry)),
                {CONF_CLIENT_ID, CONF_CLIENT_SECRET},
            )
            if not errors:
                # The account reloads from its update listener (__init__.py).
                self.hass.config_entries.async_update_entry(entry, data=credentials)
                return self.async_abort(reason="reauth_successful")
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=self.add_suggested_values_to_schema(
                schema(
                    {
                        vol.Required(CONF_CLIENT_ID): str,
                        vol.Required(CONF_CLIENT_SECRET): SECRET_SELECTOR,
                    }
                ),
                user_input or {CONF_CLIENT_ID: entry.data[CONF_CLIENT_ID]},
            ),
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the base URL or credentials of the account; its homes stay."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            credentials, errors = _read_credentials(user_input)
            if not errors:
                await self._async_same_account(credentials)
                errors = await _async_check_account(self.hass, credentials, _home_ids(entry))
            if not errors:
                # The account reloads from its update listener (__init__.py); the bridges'
                # secrets stay in its data.
                self.hass.config_entries.async_update_entry(
                    entry,
                    data={**entry.data, **credentials},
                    title=account_title(credentials[CONF_CLIENT_ID]),
                )
                return self.async_abort(reason="reconfigure_successful")
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                _credentials_schema(),
                user_input or {k: v for k, v in entry.data.items() if k != CONF_CLIENT_SECRET},
            ),
            errors=errors,
        )

    async def _async_same_account(self, credentials: Mapping[str, str]) -> None:
        """Re-authentication and reconfiguration keep the account: another one is refused."""
        await self.async_set_unique_id(
            account_unique_id(credentials[CONF_BASE_URL], credentials[CONF_CLIENT_ID])
        )
        self._abort_if_unique_id_mismatch(reason="wrong_account")


class HomeSubentryFlow(ConfigSubentryFlow):
    """Add a home to an account (pick it, then name it), or rename one."""

    def __init__(self) -> None:
        """Nothing picked yet."""
        self._home_id = ""
        self._proposed = ""

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Pick a listed home not added yet, or type a home id; a home already added is refused."""
        entry = self._get_entry()
        added = set(_home_ids(entry))
        listed, errors = await _async_list_homes(self.hass, entry.data)
        errors = _on_form(errors, set())
        homes = {key: city for key, city in (listed or {}).items() if key not in added}
        if user_input is not None and not errors:
            home_id = str(user_input[CONF_HOME_ID]).strip()
            if home_id in added:
                errors = {CONF_HOME_ID: "home_already_added"}
            else:
                home_ids, errors = await _async_read_homes(
                    self.hass, entry.data, homes, {CONF_HOME_ID: home_id}, CONF_HOME_ID
                )
                errors = _on_form(errors, {CONF_HOME_ID})
            if not errors:
                self._home_id = home_ids[0]
                self._proposed = proposed_names(home_ids, homes, _home_names(entry))[self._home_id]
                return await self.async_step_name()
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                _homes_schema(homes, CONF_HOME_ID, multiple=False), user_input
            ),
            errors=errors,
            description_placeholders={"count": str(len(homes))},
        )

    async def async_step_name(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Name the home picked (its city proposed), apart from the account's other homes."""
        errors: dict[str, str] = {}
        if user_input is not None:
            name, error = _read_name(user_input.get(CONF_NAME), _home_names(self._get_entry()))
            if error is None:
                subentry = _home_subentry(self._home_id, name)
                return self.async_create_entry(
                    title=subentry["title"],
                    data=dict(subentry["data"]),
                    unique_id=subentry["unique_id"],
                )
            errors = {CONF_NAME: error}
        return self._name_form("name", user_input, self._proposed, errors)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Rename a home; its devices' names follow (those the user named stay)."""
        entry, subentry = self._get_entry(), self._get_reconfigure_subentry()
        errors: dict[str, str] = {}
        if user_input is not None:
            taken = _home_names(entry, but=subentry.subentry_id)
            name, error = _read_name(user_input.get(CONF_NAME), taken)
            if error is None:
                # The account reloads from its update listener (__init__.py).
                return self.async_update_and_abort(entry, subentry, title=name)
            errors = {CONF_NAME: error}
        return self._name_form("reconfigure", user_input, subentry.title, errors)

    def _name_form(
        self,
        step_id: str,
        user_input: Mapping[str, Any] | None,
        name: str,
        errors: dict[str, str],
    ) -> SubentryFlowResult:
        home_id = self._home_id or self._get_reconfigure_subentry().data[CONF_HOME_ID]
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(
                schema({vol.Required(CONF_NAME): str}), user_input or {CONF_NAME: name}
            ),
            errors=errors,
            description_placeholders={"home_id": home_id},
        )


class HomeSmartlinkOptionsFlow(OptionsFlow):
    """Options of an account: temperature change duration, and the two voice bridges.

    Saved options reload the account through its update listener, as added or deleted homes do
    (OptionsFlowWithReload refuses an entry with an update listener, and Home Assistant tells an
    entry about its subentries only through one).
    """

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """One form; each bridge in its own section, off unless turned on."""
        entry = self.config_entry
        secrets = {key: entry.data[key] for key in BRIDGE_SECRETS if key in entry.data}
        current = {**entry.options, **secrets}
        errors: dict[str, str] = {}
        if user_input is not None:
            options, errors = _read_options(user_input, current)
            if not errors:
                # The bridges' secrets go to the entry's data, the rest to its options, in one
                # update (one reload; finishing the flow then changes nothing more).
                data = {key: value for key, value in entry.data.items() if key not in secrets}
                data.update({key: options.pop(key) for key in BRIDGE_SECRETS if key in options})
                self.hass.config_entries.async_update_entry(entry, data=data, options=options)
                return self.async_create_entry(data=options)
            current = {**current, **_flatten(user_input)}
        return self.async_show_form(
            step_id="init", data_schema=_options_schema(current), errors=errors
        )


def _flatten(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """The form's sections as one flat mapping of options."""
    flat: dict[str, Any] = {}
    for key, value in user_input.items():
        if key in (SECTION_YANGO, SECTION_SBER, SECTION_OPENADR) and isinstance(value, Mapping):
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
        CONF_PRESET_DELTA: int(values.get(CONF_PRESET_DELTA, DEFAULT_PRESET_DELTA)),
        CONF_YANGO: bool(values.get(CONF_YANGO, False)),
        CONF_SBER: bool(values.get(CONF_SBER, False)),
    }
    for key in (CONF_YANGO_SKILL_ID, CONF_YANGO_SKILL_TOKEN, CONF_SBER_KEY):
        text = typed_secret(values, key) or str(current.get(key) or "")
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
    _read_zone(values, options, errors)
    _read_ven(values, current, options, errors)
    if (floor := values.get(CONF_COMFORT_FLOOR)) not in (None, ""):
        options[CONF_COMFORT_FLOOR] = float(floor)
    if ca := str(values.get(CONF_SBER_CA) or "").strip():
        try:
            options[CONF_SBER_CA] = certificates_text(ca)
        except CertificateError:
            errors["base"] = "invalid_ca"
    return options, errors


def _read_ven(
    values: Mapping[str, Any],
    current: Mapping[str, Any],
    options: dict[str, Any],
    errors: dict[str, str],
) -> None:
    """The OpenADR VEN's section (`openadr/form.py`), its VTN URL an http(s) one."""
    if error := read_openadr(values, current, options):
        errors["base"] = error
    elif (url := options.get(CONF_OPENADR_VTN_URL)) and _normalise_url(url) is None:
        errors["base"] = "invalid_url"


def _read_zone(values: Mapping[str, Any], options: dict[str, Any], errors: dict[str, str]) -> None:
    """The homes' time zone: an IANA name, or nothing for Home Assistant's."""
    if zone := str(values.get(CONF_TIME_ZONE) or "").strip():
        if is_zone(zone):
            options[CONF_TIME_ZONE] = zone
        else:
            errors[CONF_TIME_ZONE] = "invalid_time_zone"


def _override_fields(current: Mapping[str, Any]) -> dict[Any, Any]:
    """How long a change made from Home Assistant lasts, and how far the presets shift."""
    duration = current.get(CONF_OVERRIDE_DURATION, DEFAULT_OVERRIDE_DURATION)
    return {
        vol.Required(CONF_OVERRIDE_DURATION, default=duration): NumberSelector(
            NumberSelectorConfig(
                min=MIN_OVERRIDE_DURATION,
                max=MAX_OVERRIDE_DURATION,
                step=5,
                unit_of_measurement="min",
                mode=NumberSelectorMode.BOX,
            )
        ),
        vol.Required(
            CONF_PRESET_DELTA,
            default=current.get(CONF_PRESET_DELTA, DEFAULT_PRESET_DELTA),
        ): NumberSelector(
            NumberSelectorConfig(
                min=1,
                max=MAX_DELTA,
                step=1,
                unit_of_measurement="°C",
                mode=NumberSelectorMode.BOX,
            )
        ),
        # The homes' clock: empty means Home Assistant's time zone.
        vol.Optional(
            CONF_TIME_ZONE, description={"suggested_value": current.get(CONF_TIME_ZONE)}
        ): str,
        # A shed ends in a room whose reading falls below it; empty: off.
        vol.Optional(
            CONF_COMFORT_FLOOR, description={"suggested_value": current.get(CONF_COMFORT_FLOOR)}
        ): NumberSelector(
            NumberSelectorConfig(
                min=MIN_COMFORT_FLOOR,
                max=MAX_COMFORT_FLOOR,
                step=0.5,
                unit_of_measurement="°C",
                mode=NumberSelectorMode.BOX,
            )
        ),
    }


def _options_schema(current: Mapping[str, Any]) -> Any:
    return schema(
        {
            **_override_fields(current),
            vol.Required(SECTION_YANGO): section(
                schema(
                    {
                        vol.Required(CONF_YANGO, default=bool(current.get(CONF_YANGO))): bool,
                        vol.Optional(
                            CONF_YANGO_SKILL_ID,
                            description={"suggested_value": current.get(CONF_YANGO_SKILL_ID)},
                        ): str,
                        vol.Optional(secret_field(CONF_YANGO_SKILL_TOKEN, current)): (
                            SECRET_SELECTOR
                        ),
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
                        vol.Optional(secret_field(CONF_SBER_KEY, current)): SECRET_SELECTOR,
                        vol.Optional(
                            CONF_SBER_CA,
                            description={"suggested_value": current.get(CONF_SBER_CA)},
                        ): PEM_SELECTOR,
                    }
                ),
                {"collapsed": not current.get(CONF_SBER)},
            ),
            vol.Required(SECTION_OPENADR): section(
                schema(openadr_fields(current)), {"collapsed": not current.get(CONF_OPENADR)}
            ),
        }
    )
