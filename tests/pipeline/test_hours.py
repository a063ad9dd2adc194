"""Business hours: open or closed in the website's time zone, next opening, validation,
and the open state told to visitors."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from django_livechat.models import Website
from django_livechat.pipeline import hours

BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS = {"mon": [["09:00", "12:00"], ["13:00", "17:30"]], "tue": [["09:00", "17:30"]]}


def site(**fields):
    fields.setdefault("time_zone", "Europe/Berlin")
    fields.setdefault("business_hours", WEEKDAYS)
    return Website(name="Shop", **fields)


def at(year, month, day, hour, minute=0, zone=BERLIN):
    return dt.datetime(year, month, day, hour, minute, tzinfo=zone)


def test_no_hours_is_always_open():
    website = Website(name="Shop", reply_time="a few minutes")
    now = at(2026, 3, 1, 3)  # a Sunday night
    assert hours.availability(website, now) == hours.Availability(
        True, "a few minutes", None, scheduled=False
    )
    assert hours.availability(website, now).as_json() == {
        "open": True,
        "reply_time": "a few minutes",
        "next_open": None,
    }


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (at(2026, 3, 2, 8, 59), False),  # Monday before opening
        (at(2026, 3, 2, 9, 0), True),
        (at(2026, 3, 2, 11, 59), True),
        (at(2026, 3, 2, 12, 30), False),  # lunch break between two ranges
        (at(2026, 3, 2, 13, 0), True),
        (at(2026, 3, 2, 17, 30), False),  # a range's end is closed
        (at(2026, 3, 4, 10), False),  # Wednesday: not in the schedule
    ],
)
def test_weekly_schedule_with_several_ranges(moment, is_open):
    assert hours.availability(site(), moment).open is is_open


def test_time_zone_of_the_website_not_of_the_server():
    # 08:30 UTC is 09:30 in Berlin (winter): open.
    moment = dt.datetime(2026, 3, 2, 8, 30, tzinfo=dt.timezone.utc)
    assert hours.availability(site(), moment).open
    assert not hours.availability(site(time_zone="America/New_York"), moment).open


def test_blank_time_zone_is_the_hosts(settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    moment = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.timezone.utc)  # 10:00 in Tokyo
    assert hours.availability(site(time_zone=""), moment).open


def test_next_open_skips_breaks_days_and_closed_dates():
    lunch = hours.availability(site(), at(2026, 3, 2, 12, 15))
    assert lunch.next_open == at(2026, 3, 2, 13, 0)
    assert lunch.next_open.isoformat() == "2026-03-02T13:00:00+01:00"
    evening = hours.availability(site(), at(2026, 3, 2, 18))
    assert evening.next_open == at(2026, 3, 3, 9)
    # Tuesday closed: the next Monday.
    holiday = site(closed_dates=["2026-03-03"])
    assert hours.availability(holiday, at(2026, 3, 2, 18)).next_open == at(2026, 3, 9, 9)


def test_closed_date_closes_even_an_always_open_website():
    website = Website(name="Shop", time_zone="UTC", closed_dates=["2026-12-25"])
    closed = hours.availability(website, dt.datetime(2026, 12, 25, 12, tzinfo=dt.timezone.utc))
    assert not closed.open and closed.scheduled
    assert closed.next_open == dt.datetime(2026, 12, 26, tzinfo=dt.timezone.utc)


def test_daylight_saving_keeps_wall_clock_hours():
    # Summer time in Berlin (UTC+2): 09:00 local is 07:00 UTC.
    summer = dt.datetime(2026, 7, 6, 7, 0, tzinfo=dt.timezone.utc)  # a Monday
    assert hours.availability(site(), summer).open
    # The night clocks go forward (Sunday 29 March 2026): Monday opens at 09:00 CEST.
    sunday = hours.availability(site(), at(2026, 3, 29, 12))
    assert sunday.next_open.isoformat() == "2026-03-30T09:00:00+02:00"


def test_a_range_starting_in_the_skipped_hour_opens_after_it():
    website = site(business_hours={"sun": [["02:30", "04:00"]]})
    opening = hours.availability(website, at(2026, 3, 29, 1)).next_open
    assert opening.astimezone(dt.timezone.utc) == dt.datetime(
        2026, 3, 29, 1, 30, tzinfo=dt.timezone.utc
    )


def test_never_opening_has_no_next_open():
    website = site(business_hours={"mon": []})
    assert hours.availability(website, at(2026, 3, 2, 10)) == hours.Availability(
        False, None, None, scheduled=True
    )


def test_reply_mode():
    closed_now = site(business_hours={"wed": [["09:00", "10:00"]]})
    always = Website(name="Shop")
    assert hours.reply_mode(always, 2) == hours.OPEN
    assert hours.reply_mode(always, None) == hours.OPEN  # not known: the usual text
    assert hours.reply_mode(always, 0) == hours.AWAY
    weekdays = {day: [] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    assert hours.reply_mode(site(business_hours=weekdays), 3) == hours.CLOSED
    assert hours.reply_mode(closed_now, 0) in (hours.CLOSED, hours.AWAY)


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("business_hours", {"monday": [["09:00", "17:00"]]}),
        ("business_hours", {"mon": [["9:00", "17:00"]]}),
        ("business_hours", {"mon": [["17:00", "09:00"]]}),
        ("business_hours", {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}),
        ("business_hours", {"mon": "09:00-17:00"}),
        ("business_hours", {"mon": [["09:00", "24:01"]]}),
        ("business_hours", ["mon"]),
        ("closed_dates", ["2026-02-30"]),
        ("closed_dates", ["25.12.2026"]),
        ("closed_dates", "2026-12-25"),
        ("time_zone", "Mars/Olympus"),
        ("time_zone", "../etc/passwd"),
    ],
)
def test_clean_refuses_bad_formats_with_readable_errors(field, value):
    with pytest.raises(ValidationError) as info:
        site(**{field: value}).clean()
    assert list(info.value.message_dict) == [field]
    assert info.value.message_dict[field][0]


def test_clean_accepts_good_formats():
    site(
        business_hours={"mon": [["00:00", "24:00"]], "sun": [], **WEEKDAYS},
        closed_dates=["2026-12-24", "2026-12-25"],
        time_zone="",
    ).clean()


@pytest.mark.django_db(transaction=True)
async def test_open_flips_are_noticed_once_per_process():
    website_id = (await Website.objects.acreate(name="Shop")).pk
    assert (await hours.website_availability(website_id)).open
    assert not hours.open_changed(website_id, True)  # first look: nothing to compare
    assert not hours.open_changed(website_id, True)
    assert hours.open_changed(website_id, False)
    assert not hours.open_changed(website_id, False)
