"""The guard of every test: a deprecation Home Assistant reports about us fails the test."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import frame
from pytest_homeassistant_custom_component.common import MockConfigEntry

from .conftest import DEPRECATION_REPORTS
from .deprecations import is_deprecation_report


async def test_a_report_through_home_assistants_helper_is_caught(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    seen = len(DEPRECATION_REPORTS.lines)
    frame.report_usage(
        "uses something on its way out",
        breaks_in_ha_version="2099.1.0",
        integration_domain="homesmartlink",
    )
    caught = DEPRECATION_REPORTS.lines[seen:]
    assert len(caught) == 1
    assert "homesmartlink" in caught[0]
    assert "2099.1" in caught[0]
    # Made on purpose here: taken back so that the guard does not fail this test.
    del DEPRECATION_REPORTS.lines[seen:]


def test_what_counts_as_a_report() -> None:
    assert is_deprecation_report(
        "Detected that custom integration 'homesmartlink' has an update listener and should use "
        "it for scheduling a reload. This will stop working in Home Assistant 2026.12.0"
    )
    assert is_deprecation_report(
        "custom_components.homesmartlink.climate::HomeSmartlinkClimate provides the deprecated "
        "_attr_temperature_unit, this will stop working in Home Assistant 2027.11"
    )
    # Blocking I/O in the event loop, ours or the VEN library's (the line Home Assistant wrote
    # when openleadr read its templates in the loop).
    assert is_deprecation_report(
        "Detected blocking call to open with args ('/venv/site-packages/openleadr/templates/"
        "oadrCreatedEvent.xml', 'rb') in /venv/site-packages/jinja2/loaders.py, line 382"
    )
    assert not is_deprecation_report("Detected blocking call to open by integration 'other'")
    # Another integration's report, and our own ordinary lines, are not ours to fail on.
    assert not is_deprecation_report("Detected that custom integration 'other' will stop working")
    assert not is_deprecation_report("custom_components.homesmartlink: poll took 0.2 s")
