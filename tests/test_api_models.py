"""Parsing of the cloud's answers: tolerant of every documented oddity."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from custom_components.homesmartlink.api import (
    ComfortRange,
    Derogation,
    DerogationResult,
    Device,
    DeviceCategory,
    DeviceMode,
    DiagnosisRequest,
    DiagnosisResult,
    Gateway,
    HomeConfig,
    HomeSmartlinkResponseError,
    Report,
    User,
    WeekSchedule,
)

PARIS = ZoneInfo("Europe/Paris")
ONLINE = {
    "header": "A1",
    "roomId": 1,
    "roomName": "Salon",
    "softwareVersion": 412,
    "category": "Heater",
    "online": True,
    "mode": "Prog",
    "sp": 20,
    "pv": "19.5",
    "lastUpdate": "2026-11-23T08:59:00.000Z",
    "weekSchedule": [[{"start": 360, "end": 510}]] * 7,
}


def test_online_device() -> None:
    device = Device.from_wire(ONLINE)
    assert device is not None
    assert device.id == "A1"
    assert device.room_id == 1
    assert device.room_name == "Salon"
    assert device.software_version == 412
    assert device.category is DeviceCategory.HEATER
    assert device.category.is_heater
    assert device.online
    assert device.mode is DeviceMode.PROG
    assert device.setpoint == 20.0
    assert device.current_temperature == 19.5
    assert device.last_update == datetime(2026, 11, 23, 8, 59, tzinfo=UTC)
    assert device.week_schedule is not None
    assert device.week_schedule.ranges_on(0) == (ComfortRange(360, 510),)


def test_offline_device_has_only_required_fields() -> None:
    device = Device.from_wire(
        {
            "header": "F1",
            "roomId": 6,
            "roomName": "Cave",
            "softwareVersion": 1,
            "category": "Furnace",
            "online": False,
        }
    )
    assert device == Device("F1", 6, "Cave", 1, DeviceCategory.FURNACE, False)
    assert device.mode is None
    assert device.setpoint is None
    assert device.current_temperature is None
    assert device.week_schedule is None


@pytest.mark.parametrize(
    ("pv", "expected"),
    [
        ("19.5", 19.5),
        (" 21 ", 21.0),
        ("18,7", 18.7),
        (20.25, 20.25),
        (19, 19.0),
        ("", None),
        ("n/a", None),
        ("nan", None),
        ("inf", None),
        (None, None),
        (True, None),
        ([], None),
    ],
)
def test_pv_is_a_string_or_garbage(pv: object, expected: float | None) -> None:
    device = Device.from_wire({**ONLINE, "pv": pv})
    assert device is not None
    assert device.current_temperature == expected


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("Heater", DeviceCategory.HEATER),
        ("TowelDryier", DeviceCategory.TOWEL_DRYER),
        ("Fireplace", DeviceCategory.FIREPLACE),
        ("Furnace", DeviceCategory.FURNACE),
        ("Gateway", DeviceCategory.GATEWAY),
        ("Module", DeviceCategory.MODULE),
        ("None", DeviceCategory.NONE),
        ("HeatPump", DeviceCategory.UNKNOWN),
        ("unknown", DeviceCategory.UNKNOWN),
        (7, DeviceCategory.UNKNOWN),
        (None, DeviceCategory.UNKNOWN),
    ],
)
def test_categories(category: object, expected: DeviceCategory) -> None:
    device = Device.from_wire({**ONLINE, "category": category})
    assert device is not None
    assert device.category is expected


def test_only_heating_categories_are_heaters() -> None:
    heaters = {c for c in DeviceCategory if c.is_heater}
    assert heaters == {
        DeviceCategory.HEATER,
        DeviceCategory.TOWEL_DRYER,
        DeviceCategory.FIREPLACE,
        DeviceCategory.FURNACE,
    }


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("Stop", DeviceMode.STOP),
        ("Antifreeze", DeviceMode.ANTIFREEZE),
        ("Manual", DeviceMode.MANUAL),
        ("Prog", DeviceMode.PROG),
        ("Boost", DeviceMode.UNKNOWN),
        ("unknown", DeviceMode.UNKNOWN),
        (3, DeviceMode.UNKNOWN),
        (None, None),
    ],
)
def test_modes(mode: object, expected: DeviceMode | None) -> None:
    device = Device.from_wire({**ONLINE, "mode": mode})
    assert device is not None
    assert device.mode is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-23T08:59:00Z", datetime(2026, 11, 23, 8, 59, tzinfo=UTC)),
        ("2026-11-23T09:59:00+01:00", datetime(2026, 11, 23, 8, 59, tzinfo=UTC)),
        ("2026-11-23T08:59:00", datetime(2026, 11, 23, 8, 59, tzinfo=UTC)),
        (1795424340000, datetime(2026, 11, 23, 8, 59, tzinfo=UTC)),
        ("yesterday", None),
        (10**20, None),
        (False, None),
        ({}, None),
    ],
)
def test_last_update_formats(value: object, expected: datetime | None) -> None:
    device = Device.from_wire({**ONLINE, "lastUpdate": value})
    assert device is not None
    assert device.last_update == expected


@pytest.mark.parametrize(
    "raw",
    [None, "A1", 5, [], {"roomId": 1}, {"header": ""}, {"header": "  "}, {"header": None}],
)
def test_device_without_id_is_rejected(raw: object) -> None:
    assert Device.from_wire(raw) is None


def test_numeric_header_and_wrong_types() -> None:
    device = Device.from_wire(
        {
            "header": 123,
            "roomId": "4",
            "roomName": 9,
            "softwareVersion": 2.0,
            "category": "Heater",
            "online": "yes",
            "sp": "21.5",
        }
    )
    assert device == Device("123", 4, None, 2, DeviceCategory.HEATER, False, setpoint=21.5)
    device = Device.from_wire({"header": "X", "roomId": 1.5, "softwareVersion": True})
    assert device is not None
    assert device.room_id is None
    assert device.software_version is None


def test_week_schedule_is_normalised() -> None:
    schedule = WeekSchedule.from_wire(
        [
            [{"start": 600, "end": 700}, {"start": 360, "end": 620}, {"start": 800, "end": 800}],
            [{"start": -10, "end": 60}, {"start": 1400, "end": 2000}, "garbage", {"start": "x"}],
            "not a list",
            [{"start": 500, "end": 400}],
            [{"start": 100, "end": 200}, {"start": 200, "end": 300}],
            [{"start": 100, "end": 300}, {"start": 150, "end": 200}],
            [],
        ]
    )
    assert schedule is not None
    assert schedule.days == (
        (ComfortRange(360, 700),),
        (ComfortRange(0, 60), ComfortRange(1400, 1440)),
        (),
        (),
        (ComfortRange(100, 300),),
        (ComfortRange(100, 300),),
        (),
    )


@pytest.mark.parametrize("raw", [None, [], [[]] * 6, [[]] * 8, "x", {}])
def test_week_schedule_needs_seven_days(raw: object) -> None:
    assert WeekSchedule.from_wire(raw) is None


def test_next_change_and_comfort() -> None:
    workday = [{"start": 360, "end": 510}, {"start": 1020, "end": 1380}]
    schedule = WeekSchedule.from_wire([workday] * 5 + [[{"start": 480, "end": 1380}]] * 2)
    assert schedule is not None
    monday_10 = datetime(2026, 11, 23, 10, 0, tzinfo=PARIS)
    assert not schedule.in_comfort(monday_10)
    assert schedule.next_change(monday_10) == datetime(2026, 11, 23, 17, 0, tzinfo=PARIS)
    monday_17 = datetime(2026, 11, 23, 17, 0, tzinfo=PARIS)
    assert schedule.in_comfort(monday_17)
    assert schedule.next_change(monday_17) == datetime(2026, 11, 23, 23, 0, tzinfo=PARIS)
    friday_late = datetime(2026, 11, 27, 23, 30, tzinfo=PARIS)
    assert schedule.next_change(friday_late) == datetime(2026, 11, 28, 8, 0, tzinfo=PARIS)


def test_next_change_ignores_midnight_joins_and_empty_weeks() -> None:
    always = WeekSchedule.from_wire([[{"start": 0, "end": 1440}]] * 7)
    assert always is not None
    moment = datetime(2026, 11, 23, 10, 0, tzinfo=PARIS)
    assert always.in_comfort(moment)
    assert always.next_change(moment) is None
    never = WeekSchedule.from_wire([[]] * 7)
    assert never is not None
    assert never.next_change(moment) is None
    night = WeekSchedule.from_wire([[{"start": 1320, "end": 1440}, {"start": 0, "end": 360}]] * 7)
    assert night is not None
    late = datetime(2026, 11, 23, 23, 0, tzinfo=PARIS)
    assert night.next_change(late) == datetime(2026, 11, 24, 6, 0, tzinfo=PARIS)


def test_home_config_spellings_and_bad_devices() -> None:
    for key in ("reponse", "response"):
        home = HomeConfig.from_wire(
            {
                "authorisation": {"type": "BASIC", "client": "x"},
                key: [
                    ONLINE,
                    {"header": "G", "category": "Gateway", "online": True},
                    None,
                    {"nothing": 1},
                    ONLINE,
                ],
                "gateway": {"token": "t", "version": 321, "lastPing": "2026-11-20T06:41:12Z"},
            }
        )
        assert [d.id for d in home.devices] == ["A1", "G"]
        assert [d.id for d in home.heaters] == ["A1"]
        assert home.skipped_devices == 3
        assert home.device("G") is not None
        assert home.device("nope") is None
        assert home.gateway == Gateway(
            token="t", version="321", last_ping=datetime(2026, 11, 20, 6, 41, 12, tzinfo=UTC)
        )
    gateway = Gateway.from_wire({"token": "tok-SECRET-9"})
    assert gateway is not None
    assert gateway.token == "tok-SECRET-9"
    assert "tok-SECRET-9" not in repr(gateway)


def test_home_config_without_gateway_or_payload() -> None:
    home = HomeConfig.from_wire({"reponse": [], "gateway": "garbage"})
    assert home == HomeConfig(devices=(), gateway=None)
    with pytest.raises(HomeSmartlinkResponseError):
        HomeConfig.from_wire({"authorisation": {}})
    with pytest.raises(HomeSmartlinkResponseError):
        HomeConfig.from_wire({"reponse": {"a": 1}})


def test_users_keep_personal_data_out_of_repr() -> None:
    users = User.list_from_wire(
        {
            "response": [
                {
                    "homeId": "h1",
                    "firstName": "Camille",
                    "lastName": "Martin",
                    "address": "12 rue des Lilas",
                    "zipCode": "69003",
                    "city": "Lyon",
                    "prmId": "0987",
                    "consentDate": "2023-09-14T08:10:00Z",
                    "email": "camille@example.com",
                },
                {"firstName": "no home"},
                "garbage",
            ]
        }
    )
    assert [u.home_id for u in users] == ["h1"]
    assert users[0].email == "camille@example.com"
    text = repr(users[0])
    for secret in ("Camille", "Martin", "Lilas", "69003", "Lyon", "0987", "camille@"):
        assert secret not in text


def test_derogation_wire_and_result() -> None:
    derogation = Derogation("h1", 2, 600, 720, -2, date(2026, 11, 23))
    assert derogation.to_wire() == {
        "homeId": "h1",
        "roomId": 2,
        "startTime": 600,
        "endTime": 720,
        "delta": -2,
        "date": "2026-11-23",
    }
    result = DerogationResult.from_wire(
        {"response": ["ok", 3], "startTrigger": "s", "endTrigger": "e"}
    )
    assert result == DerogationResult(("ok", "3"), "s", "e")
    assert DerogationResult.from_wire({"reponse": "x"}) == DerogationResult((), None, None)
    assert DerogationResult.from_wire({}) == DerogationResult((), None, None)


def test_report() -> None:
    report = Report.from_wire(
        {
            "response": {
                "summary": {
                    "requested": 3,
                    "sent": "2",
                    "received": 1,
                    "first": "2026-11-23T09:00:00Z",
                    "last": None,
                },
                "details": [
                    {"acknowledge": True, "homeId": "h1", "sendAt": "2026-11-23T09:00:00Z"},
                    {"acknowledge": "no"},
                    "garbage",
                ],
            }
        }
    )
    assert report.summary.requested == 3
    assert report.summary.sent == 2
    assert report.summary.first == datetime(2026, 11, 23, 9, tzinfo=UTC)
    assert report.summary.last is None
    assert len(report.details) == 2
    assert report.details[0].acknowledge is True
    assert report.details[1].acknowledge is None
    empty = Report.from_wire({"response": {}})
    assert empty.details == ()
    assert empty.summary.requested is None
    with pytest.raises(HomeSmartlinkResponseError):
        Report.from_wire({"response": []})


def test_diagnosis() -> None:
    request = DiagnosisRequest.from_wire({"response": {"status": "OK", "messageId": "m1"}})
    assert request.accepted
    assert (
        DiagnosisRequest.from_wire({"response": {"status": "OK", "messageId": 5}}).message_id == "5"
    )
    assert not DiagnosisRequest.from_wire(
        {"response": {"status": "NOK", "messageId": None}}
    ).accepted
    assert not DiagnosisRequest.from_wire({"response": {"status": "OK"}}).accepted
    result = DiagnosisResult.from_wire(
        {"response": {"_created_at": "2026-11-23T09:00:00Z", "acknowledge": True, "extra": 1}}
    )
    assert result.acknowledge is True
    assert result.created_at == datetime(2026, 11, 23, 9, tzinfo=UTC)
    assert result.details["extra"] == 1
    assert DiagnosisResult.from_wire({"response": {"acknowledge": 1}}).acknowledge is None
