"""The campaigns `cancel_campaign` and `get_campaign` offer to pick from, kept current.

`services.yaml` is static and campaigns are not: each time a book changes (a campaign scheduled,
a phase started, one finished or cancelled) and each time an account is loaded or unloaded, the
two actions' descriptions are set again (`async_set_service_schema`) with a drop-down of the
campaigns: running and scheduled ones to cancel, every remembered one to read. The value is the
campaign id, so automations keep passing ids (typed or templated: the drop-down takes any value).
Field names and descriptions stay those of `services.yaml` and its translations.
"""

from __future__ import annotations

from copy import deepcopy
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any, cast

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.service import async_set_service_schema
from homeassistant.util import dt as dt_util
from homeassistant.util.yaml import load_yaml_dict

from ..const import DOMAIN
from ..coordinator import HomeSmartlinkConfigEntry, account_zone
from .book import CampaignEvent
from .model import Campaign, CampaignState, Phase

ATTR_CAMPAIGN_ID = "campaign_id"
# Action -> whether it offers only the campaigns still to end.
OFFERED = {"cancel_campaign": True, "get_campaign": False}
_DESCRIPTIONS: Any = f"{DOMAIN}_campaign_action_descriptions"
_OVER = (CampaignState.FINISHED, CampaignState.CANCELLED)
# What the book tells that changes the lists: a campaign made, over, or cancelled.
LIST_CHANGES = frozenset({"scheduled", "finished", "cancelled"})


def campaign_label(campaign: Campaign, zone: tzinfo, account: str | None) -> str:
    """`2026-11-28 17:00 → 19:00 · -2 °C · …K3QZ` on the homes' clock (the account if several)."""
    start = campaign.start.astimezone(zone)
    end = campaign.phases[-1].end.astimezone(zone)
    until = end.strftime("%H:%M" if end.date() == start.date() else "%Y-%m-%d %H:%M")
    if start.utcoffset() != end.utcoffset():  # across a change of the clock: both offsets
        until = f"{until} ({end:%z})"
        label_start = f"{start:%Y-%m-%d %H:%M} ({start:%z})"
    else:
        label_start = f"{start:%Y-%m-%d %H:%M}"
    shed = next((p.delta for p in campaign.phases if p.phase is Phase.SHED), 0)
    label = f"{label_start} → {until} · {shed:+d} °C · …{campaign.id[-4:]}"
    return f"{account} · {label}" if account else label


def campaign_options(
    entries: list[HomeSmartlinkConfigEntry], now: datetime, still_to_end: bool
) -> list[dict[str, str]]:
    """The drop-down's options, soonest first: running, then scheduled, then the past."""
    several = len(entries) > 1
    found: list[tuple[Campaign, str]] = []
    for entry in entries:
        zone = account_zone(entry)
        for campaign in entry.runtime_data.campaigns.campaigns.values():
            if still_to_end and campaign.state(now) in _OVER:
                continue
            found.append(
                (campaign, campaign_label(campaign, zone, entry.title if several else None))
            )
    found.sort(key=lambda pair: (pair[0].state(now) in _OVER, abs(pair[0].start - now)))
    return [{"value": campaign.id, "label": label} for campaign, label in found]


async def async_load_descriptions(hass: HomeAssistant) -> None:
    """Read the two actions' descriptions from `services.yaml` once (the executor reads it)."""
    if _DESCRIPTIONS in hass.data:
        return
    path = str(Path(__file__).parent.parent / "services.yaml")
    described = await hass.async_add_executor_job(load_yaml_dict, path)
    hass.data[_DESCRIPTIONS] = {action: described[action] for action in OFFERED}


@callback
def async_offer_campaigns(hass: HomeAssistant) -> None:
    """Set both actions' descriptions again with the campaigns of the loaded accounts."""
    described: dict[str, Any] | None = hass.data.get(_DESCRIPTIONS)
    if described is None:
        return
    # The account being set up counts (its campaigns are read); one being unloaded does not.
    entries = [
        cast(HomeSmartlinkConfigEntry, entry)
        for entry in hass.config_entries.async_entries(DOMAIN)
        if entry.state in (ConfigEntryState.LOADED, ConfigEntryState.SETUP_IN_PROGRESS)
        and hasattr(entry, "runtime_data")
    ]
    now = dt_util.utcnow()
    for action, still_to_end in OFFERED.items():
        description = deepcopy(described[action])
        description["fields"][ATTR_CAMPAIGN_ID]["selector"] = {
            "select": {
                "options": campaign_options(entries, now, still_to_end),
                "custom_value": True,
                "mode": "dropdown",
            }
        }
        async_set_service_schema(hass, DOMAIN, action, description)


async def async_offer_while_loaded(hass: HomeAssistant, entry: HomeSmartlinkConfigEntry) -> None:
    """Offer the account's campaigns now, at each change of its book, and no more once unloaded."""
    await async_load_descriptions(hass)

    @callback
    def changed(*_: Any) -> None:
        async_offer_campaigns(hass)

    @callback
    def told(event: CampaignEvent) -> None:
        if event.kind in LIST_CHANGES:  # not at every poll's verified or opted-out news
            changed()

    entry.async_on_unload(async_dispatcher_connect(hass, entry.runtime_data.campaigns.signal, told))
    entry.async_on_unload(changed)
    changed()
