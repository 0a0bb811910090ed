"""Calendars (.ics): the rotating chairs' months and the joint meetings, as all-day events."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from icalendar import Calendar, Event

from domain.calendar import ZONE
from locales import translate

PRODID = "-//Co-Build Board//cobuild//ZH"


class _Slot(Protocol):
    # read-only members, so the frozen services.rotation.SlotView satisfies it
    @property
    def year(self) -> int: ...
    @property
    def month(self) -> int: ...
    @property
    def community_id(self) -> int | None: ...
    @property
    def chair_name(self) -> str: ...
    @property
    def theme(self) -> str: ...
    @property
    def plan(self) -> str: ...
    @property
    def proposed_on(self) -> date: ...


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", ZONE.key)
    return cal


def _all_day(uid: str, day: date, summary: str, description: str = "", location: str = "") -> Event:
    ev = Event()
    ev.add("uid", uid)
    ev.add("dtstamp", datetime.now(UTC))
    ev.add("dtstart", day)
    ev.add("dtend", day + timedelta(days=1))
    ev.add("summary", summary)
    if description:
        ev.add("description", description)
    if location:
        ev.add("location", location)
    return ev


def rotation_ics(slots: Iterable[_Slot], *, scope_name: str, lang: str = "zh_CN") -> bytes:
    """One event per month on its proposed date: who chairs, the theme and the plan."""
    cal = _calendar(translate(lang, "rotation.ics.calendar", scope=scope_name))
    for s in slots:
        summary = translate(lang, "rotation.ics.summary", unit=s.chair_name)
        if s.theme:
            summary += f" · {s.theme}"
        scope = "all" if s.community_id is None else str(s.community_id)
        cal.add_component(_all_day(f"rotation-{scope}-{s.year}-{s.month:02d}@cobuild", s.proposed_on, summary, s.plan))
    return cal.to_ical()


def meetings_ics(entries: Iterable[Mapping[str, object]], *, lang: str = "zh_CN") -> bytes:
    """One event per meeting (``services.meetings.calendar_entries``)."""
    cal = _calendar(translate(lang, "meetings.ics.calendar"))
    for e in entries:
        kind = getattr(e["kind"], "value", e["kind"])
        desc = translate(
            lang,
            "meetings.ics.description",
            kind=translate(lang, f"enum.MeetingKind.{kind}"),
            convenor=e.get("convenor") or "—",
            scope=e.get("community") or translate(lang, "meetings.alliance"),
        )
        held = e["held_on"]
        assert isinstance(held, date)
        cal.add_component(
            _all_day(f"meeting-{e['id']}@cobuild", held, str(e["title"]), desc, str(e.get("place") or ""))
        )
    return cal.to_ical()
