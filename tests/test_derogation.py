"""The derogation planner: property tests with hypothesis, and its error cases."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
import itertools
from zoneinfo import ZoneInfo

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.homesmartlink.writes.plan import (
    DerogationPlanError,
    Room,
    Window,
    check_delta,
    clock,
    delta_for_setpoint,
    plan,
    window_from_span,
    window_from_times,
)

PARIS = ZoneInfo("Europe/Paris")


def _bounds(window: Window, tz: tzinfo) -> tuple[datetime, datetime]:
    """A window as aware datetimes (what the cloud applies)."""
    midnight = datetime.combine(window.day, time(0), tzinfo=tz)
    return midnight + timedelta(minutes=window.start), midnight + timedelta(minutes=window.end)


rooms = st.builds(Room, st.sampled_from(["h1", "h2", "h3"]), st.integers(0, 30))
deltas = st.integers(-5, 5)
moments = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(PARIS)
)


@settings(deadline=None)
@given(
    shifts=st.lists(st.tuples(rooms, deltas), min_size=1, max_size=40),
    start=moments,
    minutes=st.integers(1, 3 * 24 * 60),
)
def test_plan_is_one_request_per_window(
    shifts: list[tuple[Room, int]], start: datetime, minutes: int
) -> None:
    windows = window_from_span(start, start + timedelta(minutes=minutes), PARIS)
    requests = plan(shifts, windows)
    expected = dict(shifts)  # the last delta of a room wins
    # One request per distinct (start, end): the full days of a long span share one.
    assert len(requests) == len({(w.start, w.end) for w in windows})
    for request in requests:
        assert {(d.start_time, d.end_time, d.date) for d in request.derogations} == {
            (w.start, w.end, w.day) for w in request.windows
        }
        assert {(Room(d.home_id, d.room_id), d.delta) for d in request.derogations} == set(
            expected.items()
        )
        assert len(request.derogations) == len(expected) * len(request.windows)
        for derogation in request.derogations:
            assert derogation.start_time % 5 == 0
            assert derogation.end_time % 5 == 0
            assert 0 <= derogation.start_time < derogation.end_time <= 1440
            assert -5 <= derogation.delta <= 5


@settings(deadline=None)
@given(start=moments, minutes=st.integers(1, 4 * 24 * 60))
def test_span_windows_cover_the_span(start: datetime, minutes: int) -> None:
    end = start + timedelta(minutes=minutes)
    windows = window_from_span(start, end, PARIS)
    # One window per local date, in order, each inside its day, on 5-minute steps.
    assert [w.day for w in windows] == sorted({w.day for w in windows})
    assert windows[0].day == start.date()
    for window in windows:
        assert 0 <= window.start < window.end <= 1440
        assert window.start % 5 == 0
        assert window.end % 5 == 0
    for before, after in itertools.pairwise(windows):
        assert before.end == 1440
        assert after.start == 0
        assert after.day == before.day + timedelta(days=1)
    # Covered: from the start floored to 5 minutes to the end ceiled to 5 minutes.
    first_start, _ = _bounds(windows[0], PARIS)
    _, last_end = _bounds(windows[-1], PARIS)
    assert first_start <= start < first_start + timedelta(minutes=5)
    assert end <= last_end or windows[-1].end == 1440


@given(wanted=st.floats(0, 40, allow_nan=False), scheduled=st.floats(5, 30, allow_nan=False))
def test_delta_for_setpoint(wanted: float, scheduled: float) -> None:
    if abs(wanted - scheduled) > 5.5:
        with pytest.raises(DerogationPlanError, match="setpoint_out_of_range"):
            delta_for_setpoint(wanted, scheduled)
        return
    if abs(wanted - scheduled) >= 5.5 - 1e-9:
        return  # the rounding edge: either answer is right
    delta = delta_for_setpoint(wanted, scheduled)
    assert -5 <= delta <= 5
    assert abs(scheduled + delta - wanted) <= 0.5 + 1e-9


@given(delta=st.integers(-5, 5))
def test_check_delta_accepts_the_api_range(delta: int) -> None:
    assert check_delta(delta) == delta
    assert check_delta(float(delta)) == delta


@pytest.mark.parametrize(
    ("delta", "key"),
    [
        (6, "delta_out_of_range"),
        (-6, "delta_out_of_range"),
        (1.5, "delta_not_integer"),
        (float("nan"), "delta_not_integer"),
        (float("inf"), "delta_not_integer"),
    ],
)
def test_check_delta_refuses(delta: float, key: str) -> None:
    with pytest.raises(DerogationPlanError) as err:
        check_delta(delta)
    assert err.value.problem == key


def test_setpoint_examples() -> None:
    assert delta_for_setpoint(19.5, 17) == 3  # a half degree rounds away from zero
    assert delta_for_setpoint(14.5, 17) == -3
    assert delta_for_setpoint(17, 17) == 0
    with pytest.raises(DerogationPlanError) as err:
        delta_for_setpoint(23, 17)
    assert err.value.details == {"wanted": "23", "minimum": "12", "maximum": "22"}


def test_times_on_one_day_and_over_midnight() -> None:
    day = date(2026, 11, 23)
    assert window_from_times(day, time(17), time(19, 30)) == [Window(day, 1020, 1170)]
    assert window_from_times(day, time(22), time(6)) == [
        Window(day, 1320, 1440),
        Window(date(2026, 11, 24), 0, 360),
    ]
    assert window_from_times(day, time(22), time(0)) == [Window(day, 1320, 1440)]


@pytest.mark.parametrize(
    ("start", "end", "key"),
    [
        (time(10), time(10), "end_not_after_start"),
        (time(10, 3), time(11), "time_not_aligned"),
        (time(10), time(11, 0, 30), "time_not_aligned"),
    ],
)
def test_times_refused(start: time, end: time, key: str) -> None:
    with pytest.raises(DerogationPlanError) as err:
        window_from_times(date(2026, 11, 23), start, end)
    assert err.value.problem == key


def test_span_examples() -> None:
    start = datetime(2026, 11, 23, 10, 2, 30, tzinfo=PARIS)
    assert window_from_span(start, start + timedelta(minutes=120), PARIS) == [
        Window(date(2026, 11, 23), 600, 725)
    ]
    night = datetime(2026, 11, 23, 23, 0, tzinfo=PARIS)
    assert window_from_span(night, night + timedelta(hours=2), PARIS) == [
        Window(date(2026, 11, 23), 1380, 1440),
        Window(date(2026, 11, 24), 0, 60),
    ]
    # Ending exactly at midnight gives no empty window on the next day.
    assert window_from_span(night, night + timedelta(hours=1), PARIS) == [
        Window(date(2026, 11, 23), 1380, 1440)
    ]
    with pytest.raises(DerogationPlanError):
        window_from_span(night, night, PARIS)


def test_plan_refuses_empty_or_bad_input() -> None:
    window = Window(date(2026, 11, 23), 600, 720)
    with pytest.raises(DerogationPlanError, match="no_target"):
        plan([], [window])
    with pytest.raises(DerogationPlanError, match="no_window"):
        plan([(Room("h", 1), 1)], [])
    with pytest.raises(DerogationPlanError, match="end_not_after_start"):
        plan([(Room("h", 1), 1)], [Window(date(2026, 11, 23), 720, 600)])
    with pytest.raises(DerogationPlanError, match="end_not_after_start"):
        plan([(Room("h", 1), 1)], [Window(date(2026, 11, 23), 601, 720)])


def test_naive_baseline_would_send_more() -> None:
    """R rooms sharing a window are one request, where one per room would be R."""
    window = Window(date(2026, 11, 23), 600, 720)
    shifts = [(Room("h1", room), -2) for room in range(12)]
    assert len(plan(shifts, [window])) == 1


def test_window_label_and_clock() -> None:
    assert Window(date(2026, 11, 23), 600, 1440).label() == "2026-11-23 10:00-24:00"
    assert clock(0) == "00:00"
    start, end = _bounds(Window(date(2026, 11, 23), 600, 720), UTC)
    assert (start.hour, end.hour) == (10, 12)
