"""The notice rules of domain/notices.py: what falls due in a window, to whom, under which key."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain import notices as n
from domain.enums import NoticeChannel, NoticeEvent, WhistleKind, WhistleStage

CN = n.LOCAL_TZ


def cn(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=CN)


def window(a: datetime, b: datetime) -> n.Window:
    return n.Window(a, b)


SLOT = n.SlotFacts(id=7, year=2027, month=3, community_id=None, chair_unit_id=11, chair="县供电公司", theme="安全用电")


# --- 轮值主席 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("since", "until", "days", "events"),
    [
        # 3 days before 1 March 2027 is 26 February, 08:00 China time
        (cn(2027, 2, 26, 0), cn(2027, 2, 26, 7, 59), 3, []),
        (cn(2027, 2, 26, 0), cn(2027, 2, 26, 8, 0), 3, [NoticeEvent.CHAIR_UPCOMING]),
        (cn(2027, 2, 26, 8, 0), cn(2027, 2, 26, 9), 3, []),  # the window's start is excluded
        (cn(2027, 2, 21, 0), cn(2027, 2, 22, 9), 7, [NoticeEvent.CHAIR_UPCOMING]),  # settable: 7 days
        (cn(2027, 2, 26, 0), cn(2027, 2, 26, 9), 7, []),
        (cn(2027, 3, 1, 7), cn(2027, 3, 1, 8), 3, [NoticeEvent.CHAIR_START]),
        (cn(2027, 2, 20), cn(2027, 3, 2), 3, [NoticeEvent.CHAIR_START, NoticeEvent.CHAIR_UPCOMING]),
        (cn(2027, 2, 20), cn(2027, 3, 2), 0, [NoticeEvent.CHAIR_START]),  # 0 days: the first day only
        (cn(2027, 3, 1, 8, 1), cn(2027, 3, 31), 3, []),
    ],
)
def test_chair_reminders_fall_at_eight_china_time(since, until, days, events) -> None:  # type: ignore[no-untyped-def]
    due = n.chair_notices([SLOT], window(since, until), days_before=days)
    assert [d.event for d in due] == events
    for d in due:
        assert d.due_at.astimezone(CN).hour == 8
        assert d.topic == f"{d.event.value}:slot7"
        assert {a.kind for a in d.audiences} == {n.AudienceKind.UNIT, n.AudienceKind.ADMINS}
        assert d.unit_id == 11 and d.params["chair"] == "县供电公司"


def test_chair_reminder_is_0000_utc_on_the_day() -> None:
    assert n.digest_moment(date(2027, 3, 1)) == datetime(2027, 3, 1, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("since", "until", "years", "expected_days"),
    [
        (cn(2026, 11, 30), cn(2026, 11, 30, 23), {None: [2026]}, []),  # not before 1 December
        (cn(2026, 12, 1), cn(2026, 12, 1, 8), {None: [2026]}, ["2026-12-01"]),
        (cn(2026, 12, 1), cn(2026, 12, 1, 8), {None: [2026, 2027]}, []),  # next year's exists
        (cn(2026, 12, 1), cn(2026, 12, 4, 9), {None: [2026]}, ["2026-12-04"]),  # a gap reminds once
        (cn(2026, 12, 4, 8, 30), cn(2026, 12, 5, 7), {None: [2026]}, []),
        (cn(2026, 12, 31, 9), cn(2027, 1, 1, 9), {None: [2026]}, []),  # January: over
        (cn(2026, 12, 2), cn(2026, 12, 2, 8), {None: [2025]}, []),  # a rotation not in use this year
    ],
)
def test_missing_rotation_reminds_the_admins_daily_in_december(since, until, years, expected_days) -> None:  # type: ignore[no-untyped-def]
    due = n.chair_missing_notices(years, window(since, until))
    assert [d.topic.rsplit(":", 1)[1] for d in due] == expected_days
    for d in due:
        assert d.event == NoticeEvent.CHAIR_MISSING
        assert d.audiences == (n.Audience(n.AudienceKind.ADMINS, community_id=None),)
        assert d.params["year"] == 2027


def test_missing_rotation_per_community_names_it() -> None:
    due = n.chair_missing_notices(
        {None: [2026, 2027], 3: [2026]}, window(cn(2026, 12, 9), cn(2026, 12, 9, 8)), names={3: "安澜社区"}
    )
    assert [(d.community_id, d.params["community"]) for d in due] == [(3, "安澜社区")]
    assert due[0].topic == "chair_missing:2027:c3:2026-12-09"


# --- 吹哨 ---------------------------------------------------------------------------------------

RAISED = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 China time


def whistle(**reached: datetime) -> n.WhistleFacts:
    stages = {WhistleStage(k): v for k, v in reached.items()}
    return n.WhistleFacts(
        id=5,
        community_id=2,
        community="安澜社区",
        title="楼道堆物",
        kind=WhistleKind.PROGRESS,
        raised_at=RAISED,
        responses=(n.ResponseFacts(unit_id=9, unit="县消防救援大队", reached=stages),),
    )


def test_raising_tells_every_summoned_unit_at_once() -> None:
    w = n.WhistleFacts(
        id=5,
        community_id=2,
        community="安澜社区",
        title="楼道堆物",
        kind=WhistleKind.TOUGH,
        raised_at=RAISED,
        responses=(n.ResponseFacts(9, "甲"), n.ResponseFacts(10, "乙")),
    )
    due = n.whistle_raised_notices(w)
    assert [(d.topic, d.due_at) for d in due] == [("whistle_raised:w5:u9", RAISED), ("whistle_raised:w5:u10", RAISED)]
    assert all(d.audiences == (n.Audience(n.AudienceKind.UNIT, unit_id=d.unit_id),) for d in due)


@pytest.mark.parametrize(
    ("since", "until", "reached", "expected"),
    [
        # signing: 1 hour → 80 % at 48 minutes, passed at 60, admins at 120
        (RAISED, RAISED + timedelta(minutes=47), {}, []),
        (RAISED, RAISED + timedelta(minutes=48), {}, [("whistle_warning", "signed")]),
        (RAISED + timedelta(minutes=48), RAISED + timedelta(minutes=60), {}, [("whistle_passed", "signed")]),
        (RAISED + timedelta(minutes=60), RAISED + timedelta(minutes=120), {}, [("whistle_overdue", "signed")]),
        (RAISED, RAISED + timedelta(minutes=50), {"signed": RAISED + timedelta(minutes=30)}, []),  # signed in time
        # contacting: 24 hours → 80 % at 19 h 12 min
        (
            RAISED + timedelta(hours=19),
            RAISED + timedelta(hours=19, minutes=12),
            {"signed": RAISED + timedelta(minutes=10)},
            [("whistle_warning", "contacted")],
        ),
        (
            RAISED + timedelta(hours=23),
            RAISED + timedelta(hours=24),
            {"signed": RAISED, "contacted": RAISED + timedelta(hours=2)},
            [],
        ),
    ],
)
def test_whistle_clock_warns_at_80_percent_and_when_passed(since, until, reached, expected) -> None:  # type: ignore[no-untyped-def]
    due = n.whistle_clock_notices([whistle(**reached)], window(since, until))
    assert [(d.event.value, d.params["stage"]) for d in due] == expected
    for d in due:
        kinds = {a.kind for a in d.audiences}
        if d.event == NoticeEvent.WHISTLE_OVERDUE:
            assert kinds == {n.AudienceKind.ADMINS}
        else:
            assert kinds == {n.AudienceKind.UNIT, n.AudienceKind.COMMUNITY}
        assert d.topic == f"{d.event.value}:w5:u9:{d.params['stage']}"


def test_working_day_stage_warns_at_80_percent_of_its_span() -> None:
    # 推进哨 report: 3 working days after Monday 23 Nov → end of Thursday 26 Nov (China), 24:00
    deadline = cn(2026, 11, 27).astimezone(UTC)
    span = deadline - RAISED
    warn = RAISED + span * 0.8
    reached = {"signed": RAISED, "contacted": RAISED}
    due = n.whistle_clock_notices([whistle(**reached)], window(warn - timedelta(seconds=1), warn))
    assert [(d.event, d.params["stage"]) for d in due] == [(NoticeEvent.WHISTLE_WARNING, "reported")]
    assert due[0].params["due_at"] == deadline.isoformat()


def test_closed_whistle_and_done_responses_tell_nobody() -> None:
    w = whistle()
    closed = n.WhistleFacts(**{**w.__dict__, "closed": True})
    done = n.WhistleFacts(**{**w.__dict__, "responses": (n.ResponseFacts(9, "甲", done=True),)})
    span = window(RAISED, RAISED + timedelta(days=60))
    assert n.whistle_clock_notices([closed, done], span) == []
    assert len(n.whistle_clock_notices([w], span)) == 15  # five stages × warning, passed, overdue


# --- 待办 ---------------------------------------------------------------------------------------

ITEM = n.ActionFacts(id=3, owner_unit_id=9, owner="县医院", content="更新活动室设备", due_on=date(2026, 12, 10))


@pytest.mark.parametrize(
    ("since", "until", "item", "expected"),
    [
        (cn(2026, 12, 7), cn(2026, 12, 7, 8), ITEM, [NoticeEvent.ACTION_UPCOMING]),
        (cn(2026, 12, 7, 8), cn(2026, 12, 10, 23), ITEM, []),  # due day itself: not yet overdue
        (cn(2026, 12, 10, 23), cn(2026, 12, 11, 8), ITEM, [NoticeEvent.ACTION_OVERDUE]),
        (cn(2026, 12, 11, 9), cn(2026, 12, 20), ITEM, []),  # only the first overdue day
        (cn(2026, 12, 1), cn(2026, 12, 20), n.ActionFacts(**{**ITEM.__dict__, "open": False}), []),
        (cn(2026, 12, 1), cn(2026, 12, 20), n.ActionFacts(**{**ITEM.__dict__, "due_on": None}), []),
    ],
)
def test_action_item_reminders(since, until, item, expected) -> None:  # type: ignore[no-untyped-def]
    due = n.action_notices([item], window(since, until))
    assert [d.event for d in due] == expected
    for d in due:
        assert d.audiences == (n.Audience(n.AudienceKind.UNIT, unit_id=9),)
        assert d.topic == f"{d.event.value}:a3:2026-12-10"


# --- keys, windows, retries ---------------------------------------------------------------------


def test_key_is_topic_recipient_channel() -> None:
    assert n.notice_key("chair_start:slot7", 4, NoticeChannel.EMAIL) == "chair_start:slot7:u4:email"


def test_first_pass_window_starts_at_midnight_china_time() -> None:
    moment = datetime(2026, 11, 24, 1, 30, tzinfo=UTC)  # 09:30 in China
    assert n.start_of_local_day(moment) == datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
    late = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)  # 01:00 on the 25th in China
    assert n.start_of_local_day(late) == datetime(2026, 11, 24, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("failures", "minutes"),
    [(0, None), (1, 1), (2, 5), (3, 15), (4, 60), (5, 360), (12, 360), (13, None)],
)
def test_retry_backoff_then_every_six_hours_for_two_days(failures: int, minutes: int | None) -> None:
    delay = n.retry_delay(failures)
    assert (None if delay is None else delay.total_seconds() / 60) == minutes


def test_six_hourly_retries_span_two_days() -> None:
    assert sum(m for m in n.RETRY_MINUTES if m == 360) == 48 * 60
