"""Hypothesis fuzzing of every parser: only our own exceptions may come out."""

from __future__ import annotations

import contextlib
import copy
from datetime import UTC, date, datetime, time, timedelta
import json
from types import SimpleNamespace
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st

from custom_components.homesmartlink.api import (
    DerogationResult,
    Device,
    DiagnosisRequest,
    DiagnosisResult,
    HomeConfig,
    HomeSmartlinkError,
    Report,
    User,
    WeekSchedule,
    parse_retry_after,
)
from custom_components.homesmartlink.bridges import sber, yango
from custom_components.homesmartlink.bridges.heaters import BridgedHeater
from custom_components.homesmartlink.bridges.pipeline import BridgeRequestError, Rejection
from custom_components.homesmartlink.bridges.sber_client import SberError, parse_answer
from custom_components.homesmartlink.bridges.yango_views import named_devices
from custom_components.homesmartlink.writes.outcomes import Refusal
from custom_components.homesmartlink.writes.plan import (
    DerogationPlanError,
    check_delta,
    delta_for_setpoint,
    window_from_span,
    window_from_times,
)

from .simulator import SAMPLE_HOME

EXAMPLES = 1500
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=25,
)
SAMPLE_DEVICE = json.loads(SAMPLE_HOME.read_text())["homes"][0]["devices"][0]
CHAMBRE = json.loads(SAMPLE_HOME.read_text())["homes"][0]["devices"][2]
DEVICE_KEYS = sorted({*SAMPLE_DEVICE, "sp", "lastUpdate", "header", "weekSchedule"})
PARSERS = (
    HomeConfig.from_wire,
    User.list_from_wire,
    Report.from_wire,
    DerogationResult.from_wire,
    DiagnosisRequest.from_wire,
    DiagnosisResult.from_wire,
)


@FUZZ
@given(
    key=st.sampled_from(["reponse", "response", "other"]), value=json_values, gateway=json_values
)
def test_answers(key: str, value: Any, gateway: Any) -> None:
    body = {
        "authorisation": {"type": "BASIC"},
        key: value,
        "gateway": gateway,
        "startTrigger": value,
    }
    for parse in PARSERS:
        with contextlib.suppress(HomeSmartlinkError):
            parse(body)


@FUZZ
@given(field=st.sampled_from(DEVICE_KEYS), value=json_values, extra=json_values)
def test_one_wrong_field_of_a_device(field: str, value: Any, extra: Any) -> None:
    raw = copy.deepcopy(SAMPLE_DEVICE)
    raw[field] = value
    home = HomeConfig.from_wire({"reponse": [raw, extra, SAMPLE_DEVICE | {"header": "other"}]})
    # One bad device never takes the others down.
    assert home.device("other") is not None


@FUZZ
@given(value=json_values)
def test_devices_and_schedules(value: Any) -> None:
    Device.from_wire(value)
    WeekSchedule.from_wire(value)
    WeekSchedule.from_wire([value] * 7)


@FUZZ
@given(text=st.text(max_size=40))
def test_retry_after(text: str) -> None:
    seconds = parse_retry_after(text)
    assert seconds is None or 0 <= seconds <= 86400


@FUZZ
@given(delta=st.floats() | st.integers(-(10**6), 10**6), wanted=st.floats(), base=st.floats())
def test_action_numbers(delta: float, wanted: float, base: float) -> None:
    for check in (lambda: check_delta(delta), lambda: delta_for_setpoint(wanted, base)):
        with contextlib.suppress(DerogationPlanError):
            check()


@FUZZ
@given(
    start=st.times(),
    end=st.times(),
    day=st.dates(max_value=date(9999, 12, 30)),
    span=st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9999, 12, 29)),
    hours=st.floats(-50, 50),
)
def test_action_times(start: time, end: time, day: date, span: datetime, hours: float) -> None:
    begin = span.replace(tzinfo=UTC)
    for check in (
        lambda: window_from_times(day, start, end),
        lambda: window_from_span(begin, begin + timedelta(hours=hours), UTC),
    ):
        with contextlib.suppress(DerogationPlanError):
            check()


# --- Bridge request bodies: what Yango and Sber send us, and what Sber answers. ---


_NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _heater() -> BridgedHeater:
    """A heater bound to a stand-in home with no derogation of ours in force."""
    device = Device.from_wire(CHAMBRE)  # manual 18 °C: a derogation reaches 13..23
    assert device is not None
    derogations = SimpleNamespace(active=lambda _room, _moment: None)
    home = SimpleNamespace(derogations=derogations)
    return BridgedHeater(home, device, "Heater", "Room", "climate.heater")  # type: ignore[arg-type]


@FUZZ
@given(body=json_values, in_payload=st.booleans())
def test_yango_device_lists(body: Any, in_payload: bool) -> None:
    if not isinstance(body, dict):
        body = {"payload": body, "devices": body}
    with contextlib.suppress(BridgeRequestError):
        for device_id, item in named_devices(body, in_payload=in_payload).items():
            assert isinstance(device_id, str)
            assert isinstance(item, dict)


@FUZZ
@given(
    capability=json_values
    | st.fixed_dictionaries(
        {
            "type": st.just("devices.capabilities.range") | st.text(max_size=5),
            "state": st.fixed_dictionaries(
                {"instance": st.just("temperature"), "value": json_values}
            )
            | json_values,
        }
    ),
)
def test_yango_capabilities(capability: Any) -> None:
    wish = yango.read_action(_heater(), [capability], _NOW)
    assert isinstance(wish, float | Rejection | Refusal)
    if isinstance(wish, float):
        assert yango.is_temperature(capability)
        # Absolute values as asked (the write path checks them); relative ones clamped to reach.
        if capability["state"].get("relative"):
            assert 13 <= wish <= 23
        else:
            assert wish == float(capability["state"]["value"])
    else:
        assert yango.action_result(wish)["status"] == "ERROR"


@FUZZ
@given(
    command=json_values
    | st.fixed_dictionaries(
        {
            "states": st.lists(
                st.fixed_dictionaries(
                    {
                        "key": st.just("hvac_temp_set") | st.text(max_size=5),
                        "value": st.fixed_dictionaries(
                            {"type": st.just("INTEGER"), "integer_value": json_values}
                        )
                        | json_values,
                    }
                )
                | json_values,
                max_size=3,
            )
        }
    ),
)
def test_sber_commands(command: Any) -> None:
    wish = sber.read_command(_heater(), command)
    if isinstance(wish, float):
        assert wish.is_integer()
    elif wish is not None:  # None: nothing the heater acts on, done as it is
        assert isinstance(wish, Rejection)
        assert sber.error("heater", wish)["code"] in {400, 401, 403, 500, 503}


@FUZZ
@given(status=st.integers(100, 599), text=st.text(max_size=60) | json_values.map(json.dumps))
def test_sber_answers(status: int, text: str) -> None:
    try:
        answer = parse_answer(status, text)
    except SberError as err:
        reason = err.reason
        assert status >= 300
        assert reason.startswith("HTTP ")
    else:
        assert all(isinstance(item.id, str) for item in answer.rejected)
