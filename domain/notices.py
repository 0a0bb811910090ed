"""Who must be told what, and when (issue 14): the rules of the notice events, pure.

Each rule takes the state of the records it is about and a window ``(since, until]`` of the
scheduler's clock, and gives the notices that fell due inside it, each with its ``topic`` — the
event's part of the outbox key (``<topic>:u<user>:<channel>``), so a notice is never created twice:

* **轮值主席** — the chair unit's liaisons and the admins whose scope holds the rotation, at the digest
  hour (08:00 China time) ``days_before`` days before the month (default 3, settable) and at 08:00 on
  its first day. From 1 December, at 08:00 each day, the admins while the rotation of the next year
  is missing (only the latest such day of a window: a scheduler that was stopped for three days
  reminds once, not three times).
* **吹哨** — when raised, every summoned unit at once; for each clocked stage a unit has not reached,
  at 80 % of the stage's limit (from raising to its deadline, ``domain.whistle_clock``) and when the
  deadline passes: the unit and the raising community; when the stage is overdue by a whole limit
  (the deadline plus the limit again): the admins. Never held to the digest hour.
* **待办** — the owner unit at 08:00 three days before the due date and on the first overdue day.

Delivery retries follow ``retry_delay``: 1, 5, 15, 60 minutes, then every 6 hours for two days,
then the notice is given up (failed).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from domain import whistle_clock as clock
from domain.actor import Actor
from domain.enums import NoticeChannel, NoticeEvent, WhistleKind, WhistleStage
from domain.scope import Place

LOCAL_TZ = clock.LOCAL_TZ
DIGEST_TIME = time(8, 0)
DEFAULT_CHAIR_DAYS_BEFORE = 3
MAX_CHAIR_DAYS_BEFORE = 28
ACTION_DAYS_BEFORE = 3
WARNING_SHARE = 0.8
RETRY_MINUTES: tuple[int, ...] = (1, 5, 15, 60) + (6 * 60,) * 8  # then given up (two days of 6-hourly tries)


class AudienceKind(StrEnum):
    UNIT = "unit"  # the unit's liaisons
    COMMUNITY = "community"  # the community's workers
    ADMINS = "admins"  # the admins whose scope holds the place (community_id None: county-wide)


@dataclass(frozen=True)
class Audience:
    kind: AudienceKind
    unit_id: int | None = None
    community_id: int | None = None


@dataclass(frozen=True)
class Window:
    """The part of the scheduler's clock a pass covers: after ``since``, up to and with ``until``."""

    since: datetime
    until: datetime

    def holds(self, moment: datetime) -> bool:
        return _utc(self.since) < _utc(moment) <= _utc(self.until)


@dataclass(frozen=True)
class Due:
    """One notice that fell due: to every user of ``audiences``, about the record at
    (``unit_id``, ``community_id``) — who else may see it in the inbox."""

    event: NoticeEvent
    topic: str
    due_at: datetime
    audiences: tuple[Audience, ...]
    params: Mapping[str, Any] = field(default_factory=dict)
    link: str = ""
    unit_id: int | None = None
    community_id: int | None = None


def notice_key(topic: str, user_id: int, channel: NoticeChannel) -> str:
    """The outbox key: one notice per event × recipient × channel (× day, in a daily topic)."""
    return f"{topic}:u{user_id}:{channel.value}"


def may_see(actor: Actor, *, recipient_user_id: int, unit_id: int | None, community_id: int | None) -> bool:
    """Who sees a notice in the inbox: its recipient; a liaison their unit's; a community worker their
    community's; an admin those of their scope; a leader none but their own."""
    if actor.user_id is not None and recipient_user_id == actor.user_id:
        return True
    if actor.is_liaison:
        return actor.home_unit_id is not None and unit_id == actor.home_unit_id
    if actor.is_community_worker:
        return actor.home_community_id is not None and community_id == actor.home_community_id
    if actor.is_admin:
        return actor.scope.holds(Place(community_id=community_id, unit_id=unit_id))
    return False


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def digest_moment(day: date) -> datetime:
    """08:00 China time of ``day``, in UTC."""
    return datetime.combine(day, DIGEST_TIME, tzinfo=LOCAL_TZ).astimezone(UTC)


def local_day(moment: datetime) -> date:
    return _utc(moment).astimezone(LOCAL_TZ).date()


def start_of_local_day(moment: datetime) -> datetime:
    """00:00 China time of the day of ``moment`` (the first pass's window starts here), in UTC."""
    return datetime.combine(local_day(moment), time(0), tzinfo=LOCAL_TZ).astimezone(UTC)


def retry_delay(failures: int) -> timedelta | None:
    """How long after the ``failures``-th failed attempt the next one is made; None: give up."""
    if failures < 1 or failures > len(RETRY_MINUTES):
        return None
    return timedelta(minutes=RETRY_MINUTES[failures - 1])


# --- 轮值主席 ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlotFacts:
    id: int
    year: int
    month: int
    community_id: int | None
    chair_unit_id: int
    chair: str
    theme: str = ""
    plan: str = ""
    community: str = ""


def _chair_audiences(slot: SlotFacts) -> tuple[Audience, ...]:
    return (
        Audience(AudienceKind.UNIT, unit_id=slot.chair_unit_id),
        Audience(AudienceKind.ADMINS, community_id=slot.community_id),
    )


def chair_notices(
    slots: Iterable[SlotFacts], window: Window, *, days_before: int = DEFAULT_CHAIR_DAYS_BEFORE
) -> list[Due]:
    """The chair's reminders: ``days_before`` days before the month and on its first day, at 08:00."""
    out: list[Due] = []
    for slot in slots:
        first = date(slot.year, slot.month, 1)
        params = {
            "chair": slot.chair,
            "year": slot.year,
            "month": slot.month,
            "theme": slot.theme,
            "plan": slot.plan[:500],
            "community": slot.community,
            "days": days_before,
        }
        moments = [(NoticeEvent.CHAIR_START, first)]
        if days_before > 0:  # 0: only the first day's reminder
            moments.append((NoticeEvent.CHAIR_UPCOMING, first - timedelta(days=days_before)))
        for event, day in moments:
            moment = digest_moment(day)
            if window.holds(moment):
                out.append(
                    Due(
                        event,
                        f"{event.value}:slot{slot.id}",
                        moment,
                        _chair_audiences(slot),
                        params,
                        "/rotation",
                        unit_id=slot.chair_unit_id,
                        community_id=slot.community_id,
                    )
                )
    return out


def chair_missing_notices(
    years_by_scope: Mapping[int | None, Iterable[int]], window: Window, *, names: Mapping[int, str] | None = None
) -> list[Due]:
    """From 1 December, daily at 08:00, to the admins of each rotation (a community's or, ``None``,
    the alliance's) that has slots this year and none next year — the latest such day of the window."""
    names = names or {}
    years = {scope: set(ys) for scope, ys in years_by_scope.items()}
    day = local_day(window.until)
    first = local_day(window.since)
    while day >= first:
        moment = digest_moment(day)
        if day.month == 12 and window.holds(moment):
            out = []
            for scope, have in sorted(years.items(), key=lambda kv: (kv[0] is not None, kv[0] or 0)):
                if day.year in have and day.year + 1 not in have:
                    out.append(
                        Due(
                            NoticeEvent.CHAIR_MISSING,
                            f"chair_missing:{day.year + 1}:c{scope if scope is not None else 'all'}:{day.isoformat()}",
                            moment,
                            (Audience(AudienceKind.ADMINS, community_id=scope),),
                            {"year": day.year + 1, "community": names.get(scope, "") if scope is not None else ""},
                            "/rotation",
                            community_id=scope,
                        )
                    )
            return out
        day -= timedelta(days=1)
    return []


# --- 吹哨 --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResponseFacts:
    unit_id: int
    unit: str
    reached: Mapping[WhistleStage, datetime | None] = field(default_factory=dict)
    done: bool = False


@dataclass(frozen=True)
class WhistleFacts:
    id: int
    community_id: int
    community: str
    title: str
    kind: WhistleKind
    raised_at: datetime
    responses: tuple[ResponseFacts, ...] = ()
    closed: bool = False


def _whistle_params(w: WhistleFacts, r: ResponseFacts, **more: Any) -> dict[str, Any]:
    return {"title": w.title, "community": w.community, "unit": r.unit, "kind": w.kind.value, **more}


def whistle_raised_notices(whistle: WhistleFacts) -> list[Due]:
    """吹哨: every summoned unit, at the moment of raising."""
    return [
        Due(
            NoticeEvent.WHISTLE_RAISED,
            f"whistle_raised:w{whistle.id}:u{r.unit_id}",
            _utc(whistle.raised_at),
            (Audience(AudienceKind.UNIT, unit_id=r.unit_id),),
            _whistle_params(whistle, r),
            "/whistle",
            unit_id=r.unit_id,
            community_id=whistle.community_id,
        )
        for r in whistle.responses
    ]


def whistle_clock_notices(
    whistles: Iterable[WhistleFacts],
    window: Window,
    *,
    limits: clock.Limits | None = None,
    calendar: clock.Calendar = clock.DEFAULT_CALENDAR,
) -> list[Due]:
    """For each stage a summoned unit has not reached: at 80 % of its limit and when it passes (the
    unit and the raising community), and overdue by a whole limit (the admins)."""
    out: list[Due] = []
    for w in whistles:
        if w.closed:
            continue
        raised = _utc(w.raised_at)
        dls = clock.deadlines(raised, w.kind, limits, calendar)
        for r in w.responses:
            if r.done:
                continue
            for stage in clock.CLOCKED_STAGES:
                if r.reached.get(stage) is not None:
                    continue
                due = dls[stage].due_at
                span = due - raised
                moments = (
                    (NoticeEvent.WHISTLE_WARNING, raised + span * WARNING_SHARE),
                    (NoticeEvent.WHISTLE_PASSED, due),
                    (NoticeEvent.WHISTLE_OVERDUE, due + span),
                )
                for event, moment in moments:
                    if not window.holds(moment):
                        continue
                    audiences = (
                        (Audience(AudienceKind.ADMINS, community_id=w.community_id),)
                        if event == NoticeEvent.WHISTLE_OVERDUE
                        else (
                            Audience(AudienceKind.UNIT, unit_id=r.unit_id),
                            Audience(AudienceKind.COMMUNITY, community_id=w.community_id),
                        )
                    )
                    out.append(
                        Due(
                            event,
                            f"{event.value}:w{w.id}:u{r.unit_id}:{stage.value}",
                            moment,
                            audiences,
                            _whistle_params(w, r, stage=stage.value, due_at=due.isoformat()),
                            "/whistle",
                            unit_id=r.unit_id,
                            community_id=w.community_id,
                        )
                    )
    return out


# --- 待办 --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionFacts:
    id: int
    owner_unit_id: int
    owner: str
    content: str
    due_on: date | None
    community_id: int | None = None
    meeting: str = ""
    open: bool = True


def action_notices(items: Iterable[ActionFacts], window: Window) -> list[Due]:
    """An open item's owner unit: at 08:00 three days before the due date and on the first overdue day."""
    out: list[Due] = []
    for item in items:
        if not item.open or item.due_on is None:
            continue
        params = {
            "content": item.content[:200],
            "owner": item.owner,
            "due_on": item.due_on.isoformat(),
            "meeting": item.meeting,
        }
        for event, day in (
            (NoticeEvent.ACTION_UPCOMING, item.due_on - timedelta(days=ACTION_DAYS_BEFORE)),
            (NoticeEvent.ACTION_OVERDUE, item.due_on + timedelta(days=1)),
        ):
            moment = digest_moment(day)
            if window.holds(moment):
                out.append(
                    Due(
                        event,
                        f"{event.value}:a{item.id}:{item.due_on.isoformat()}",
                        moment,
                        (Audience(AudienceKind.UNIT, unit_id=item.owner_unit_id),),
                        params,
                        "/meetings",
                        unit_id=item.owner_unit_id,
                        community_id=item.community_id,
                    )
                )
    return out
