"""What an OpenADR event asks of the homes (openadr/signals.py): windows, shifts, targets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from custom_components.homesmartlink.campaigns.model import plan_phases
from custom_components.homesmartlink.openadr.signals import (
    EventRefusedError,
    Note,
    Refusal,
    event_id,
    fitting_preheat,
    plan_event,
)

NOW = datetime(2026, 11, 23, 9, 2, 10, tzinfo=UTC)
HOMES = {"home-demo-1": True, "home-demo-2": True, "home-demo-3": False}


def _event(
    *,
    start: datetime = datetime(2026, 11, 23, 17, 0, tzinfo=UTC),
    minutes: int = 120,
    signal: tuple[str, str] = ("LOAD_CONTROL", "x-loadControlLevelOffset"),
    payloads: tuple[float, ...] = (-2,),
    targets: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """An event as `openleadr` parses it (the shape its client hands to `on_event`)."""
    step = timedelta(minutes=minutes) / len(payloads)
    return {
        "event_descriptor": {"event_id": "ev-1", "modification_number": 0, "event_status": "far"},
        "active_period": {"dtstart": start, "duration": timedelta(minutes=minutes)},
        "event_signals": [
            {
                "signal_name": signal[0],
                "signal_type": signal[1],
                "intervals": [
                    {"dtstart": start + i * step, "duration": step, "signal_payload": p}
                    for i, p in enumerate(payloads)
                ],
            }
        ],
        "targets": targets if targets is not None else [{"ven_id": "ven-1"}],
    }


def test_a_load_control_offset_for_two_homes() -> None:
    plan = plan_event(
        _event(targets=[{"resource_id": "home-demo-1"}, {"resource_id": "home-demo-2"}]),
        HOMES,
        NOW,
    )
    assert (plan.start, plan.end) == (
        datetime(2026, 11, 23, 17, 0, tzinfo=UTC),
        datetime(2026, 11, 23, 19, 0, tzinfo=UTC),
    )
    assert (plan.delta, plan.home_ids, plan.notes) == (-2, ("home-demo-1", "home-demo-2"), ())


def test_the_whole_ven_is_every_home_taking_part() -> None:
    assert plan_event(_event(), HOMES, NOW).home_ids == ("home-demo-1", "home-demo-2")


@pytest.mark.parametrize(
    ("payloads", "delta", "notes"),
    [
        ((-2.4,), -2, (Note.SHIFT_ROUNDED,)),
        ((-7,), -5, (Note.SHIFT_CLAMPED,)),
        ((6.6,), 5, (Note.SHIFT_ROUNDED, Note.SHIFT_CLAMPED)),
        ((-1, -3, -2), -3, (Note.STRONGEST_INTERVAL,)),
    ],
)
def test_offsets_are_whole_degrees_within_five_and_said(
    payloads: tuple[float, ...], delta: int, notes: tuple[Note, ...]
) -> None:
    plan = plan_event(_event(payloads=payloads), HOMES, NOW)
    assert (plan.delta, plan.notes) == (delta, notes)


def test_simple_levels_go_through_the_table() -> None:
    simple = ("SIMPLE", "level")
    assert plan_event(_event(signal=simple, payloads=(2,)), HOMES, NOW).delta == -2
    assert plan_event(_event(signal=simple, payloads=(3,)), HOMES, NOW, {3: -4}).delta == -4
    with pytest.raises(EventRefusedError) as refused:
        plan_event(_event(signal=("simple", "level"), payloads=(0,)), HOMES, NOW)
    assert refused.value.reason is Refusal.NOTHING_TO_SHIFT


def test_off_grid_and_late_events_are_moved_and_said() -> None:
    plan = plan_event(_event(start=datetime(2026, 11, 23, 17, 3, 40, tzinfo=UTC)), HOMES, NOW)
    assert plan.start == datetime(2026, 11, 23, 17, 5, tzinfo=UTC)
    assert plan.notes == (Note.ROUNDED_TO_GRID,)
    # Begun 30 minutes ago: from the current 5-minute step.
    plan = plan_event(_event(start=NOW - timedelta(minutes=30), minutes=60), HOMES, NOW)
    assert plan.start == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert Note.STARTED_LATE in plan.notes


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (_event(start=NOW - timedelta(hours=3)), Refusal.IN_THE_PAST),
        (_event(signal=("ELECTRICITY_PRICE", "price")), Refusal.UNSUPPORTED_SIGNAL),
        (_event(targets=[{"resource_id": "elsewhere"}]), Refusal.UNKNOWN_RESOURCES),
        (_event(targets=[{"resource_id": "home-demo-3"}]), Refusal.NO_PARTICIPATING_HOME),
        ({"event_descriptor": {"event_id": "x"}}, Refusal.MALFORMED),
    ],
)
def test_what_cannot_be_carried_is_refused_with_its_reason(
    event: dict[str, Any], reason: Refusal
) -> None:
    with pytest.raises(EventRefusedError) as refused:
        plan_event(event, HOMES, NOW)
    assert refused.value.reason is reason


def test_unknown_resources_beside_known_ones_are_left_and_said() -> None:
    plan = plan_event(
        _event(targets=[{"resource_id": "home-demo-2"}, {"resource_id": "elsewhere"}]),
        HOMES,
        NOW,
    )
    assert (plan.home_ids, plan.notes) == (("home-demo-2",), (Note.UNKNOWN_RESOURCES_LEFT,))


def test_the_descriptor_names_the_event() -> None:
    ident = event_id(_event())
    assert (ident.event_id, ident.modification, ident.status) == ("ev-1", 0, "far")
    with pytest.raises(EventRefusedError):
        event_id({"active_period": {}})


def test_pre_conditioning_fits_before_the_event() -> None:
    start = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert fitting_preheat(None, start, NOW) is None
    assert fitting_preheat((1, 30), start, NOW) == (1, 30)
    # An hour asked, 60 minutes left from the current step (09:00): all of it.
    assert fitting_preheat((1, 90), start, NOW) == (1, 60)
    assert fitting_preheat((1, 30), datetime(2026, 11, 23, 9, 0, tzinfo=UTC), NOW) is None


def test_an_event_over_the_autumn_night_keeps_its_real_hours() -> None:
    """2026-10-25 in Paris: 02:30 (+02:00) for two real hours ends at 03:30 (+01:00)."""
    start = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    now = datetime(2026, 10, 24, 20, 0, tzinfo=UTC)
    plan = plan_event(_event(start=start, minutes=120), HOMES, now)
    assert (plan.start, plan.end) == (start, start + timedelta(hours=2))
    # Pre-conditioning of an hour before it, counted in real time too.
    preheat = fitting_preheat((1, 60), plan.start, now)
    phases = plan_phases(plan.start, plan.end, plan.delta, now, preheat=preheat)
    assert [p.hours() for p in phases] == [1.0, 2.0]
    paris = ZoneInfo("Europe/Paris")
    assert [p.start.astimezone(paris).isoformat() for p in phases] == [
        "2026-10-25T01:30:00+02:00",
        "2026-10-25T02:30:00+02:00",
    ]
    assert phases[-1].end.astimezone(paris).isoformat() == "2026-10-25T03:30:00+01:00"
