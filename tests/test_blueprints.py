"""The shipped blueprints, loaded by Home Assistant's own automation component as a user's
automations would be, and run against the simulated cloud (Monday 2026-11-23 10:00, Paris)."""

from __future__ import annotations

from pathlib import Path
import shutil
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_mock_service

from custom_components.homesmartlink.const import DOMAIN

from .simulator import Simulator

BLUEPRINTS = Path(__file__).parent.parent / "blueprints"
SIGNAL = "sensor.rte_tempo_couleur_demain"
EVENT = "event.demo_partner_campaigns_campaign"


async def _automation(
    hass: HomeAssistant, tmp_path: Path, path: str, inputs: dict[str, Any]
) -> None:
    """An automation made from one of our blueprints, as the UI saves it."""
    shutil.copytree(BLUEPRINTS, tmp_path / "blueprints")
    hass.config.config_dir = str(tmp_path)
    config = {"automation": [{"use_blueprint": {"path": path, "input": inputs}}]}
    assert await async_setup_component(hass, "automation", config)
    await hass.async_block_till_done()
    (automation,) = hass.states.async_entity_ids("automation")
    assert hass.states.get(automation).state == "on"


async def test_shed_when_a_signal_turns_on(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    tmp_path: Path,
) -> None:
    hass_tz.states.async_set(SIGNAL, "Bleu")
    await _automation(
        hass_tz,
        tmp_path,
        "homesmartlink/shed_on_signal.yaml",
        {
            "signal": SIGNAL,
            "signal_state": "Rouge",
            "account": init_integration.entry_id,
            "days_ahead": 0,
            "start_time": "11:00:00",
            "end_time": "12:00:00",
            "delta": -2,
            "preheat_delta": 1,
            "preheat_minutes": 30,
        },
    )
    hass_tz.states.async_set(SIGNAL, "Blanc")
    await hass_tz.async_block_till_done(wait_background_tasks=True)
    assert simulator.requests_to("derogations") == []
    hass_tz.states.async_set(SIGNAL, "Rouge")
    await hass_tz.async_block_till_done(wait_background_tasks=True)
    sent = [r.body["derogations"] for r in simulator.requests_to("derogations")]
    assert [(items[0]["startTime"], items[0]["endTime"], items[0]["delta"]) for items in sent] == [
        (630, 660, 1),
        (660, 720, -2),
    ]
    (campaign,) = init_integration.runtime_data.campaigns.campaigns.values()
    assert [phase.phase.value for phase in campaign.phases] == ["preheat", "shed"]


async def test_report_a_finished_or_cancelled_campaign(
    hass_tz: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    tmp_path: Path,
) -> None:
    notes = async_mock_service(hass_tz, "persistent_notification", "create")
    await _automation(
        hass_tz,
        tmp_path,
        "homesmartlink/report_finished_campaign.yaml",
        {"campaign_event": EVENT},
    )
    answer = await hass_tz.services.async_call(
        DOMAIN,
        "start_campaign",
        {
            "config_entry_id": init_integration.entry_id,
            "start": "2026-11-23 11:00:00",
            "end": "2026-11-23 12:00:00",
            "delta": -2,
        },
        blocking=True,
        return_response=True,
    )
    await hass_tz.async_block_till_done(wait_background_tasks=True)
    assert notes == []  # scheduled: nothing to report
    await hass_tz.services.async_call(
        DOMAIN, "cancel_campaign", {"campaign_id": answer["campaign_id"]}, blocking=True
    )
    await hass_tz.async_block_till_done(wait_background_tasks=True)
    (note,) = notes
    message = note.data["message"]
    assert f"Campaign {answer['campaign_id']} cancelled" in message
    assert "4 of 6 rooms verified" not in message  # nothing ran: none verified
    assert "0 of 6 rooms verified" in message
    assert "2 not eligible" in message
    assert "0.0 degree-hours shifted" in message
