"""联席会议 rules: at least one 季度联席会议 per quarter, and what becomes of a deleted meeting's open
action items. Who may write a meeting or close its items: ``Actor.may_manage_meeting`` and
``Actor.may_close_action`` (domain/actor.py)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from domain.calendar import quarter_bounds
from domain.errors import ValidationError

DISPOSITION_FIELD = "meetings.fields.disposition"
MOVE_TO_FIELD = "meetings.fields.move_to"
DISPOSITION_NOTE_FIELD = "meetings.fields.disposition_note"


class QuarterState(StrEnum):
    HELD = "held"  # a joint meeting was held in the quarter
    PLANNED = "planned"  # the current quarter has one scheduled
    DUE = "due"  # the current quarter has none yet
    MISSING = "missing"  # the quarter ended without one: flagged
    UPCOMING = "upcoming"  # a later quarter


@dataclass(frozen=True)
class QuarterCoverage:
    quarter: int
    meetings: int
    state: QuarterState

    @property
    def flagged(self) -> bool:
        return self.state == QuarterState.MISSING


def quarterly_coverage(joint_meeting_days: Iterable[date], *, year: int, today: date) -> list[QuarterCoverage]:
    """For each quarter of ``year``: how many 季度联席会议 and its state (a past quarter with none
    is MISSING; meetings scheduled after today count as PLANNED, not held)."""
    days = [d for d in joint_meeting_days if d.year == year]
    out = []
    for q in (1, 2, 3, 4):
        first, last = quarter_bounds(year, q)
        in_q = [d for d in days if first <= d <= last]
        held = [d for d in in_q if d <= today]
        if held:
            state = QuarterState.HELD
        elif last < today:
            state = QuarterState.MISSING
        elif first > today:
            state = QuarterState.UPCOMING
        else:
            state = QuarterState.PLANNED if in_q else QuarterState.DUE
        out.append(QuarterCoverage(q, len(in_q), state))
    return out


def missing_quarters(joint_meeting_days: Iterable[date], *, year: int, today: date) -> list[int]:
    """Quarters of ``year`` that ended without a 季度联席会议."""
    return [c.quarter for c in quarterly_coverage(joint_meeting_days, year=year, today=today) if c.flagged]


class Disposition(StrEnum):
    """What becomes of a deleted meeting's open action items."""

    MOVE = "move"  # they become items of another meeting, open as they were
    DROP = "drop"  # they are closed as dropped, with the note saying why


def check_disposition(
    *,
    open_items: int,
    disposition: Disposition | None,
    meeting_id: int,
    move_to_meeting_id: int | None,
    note: str,
) -> None:
    """Raise ``ValidationError`` unless a meeting with ``open_items`` open action items may be deleted
    this way: with none, nothing needs saying; with some, they are either moved to another meeting or
    dropped with a note (as dropping one item asks for one)."""
    if open_items == 0:
        return
    if disposition is None:
        raise ValidationError(DISPOSITION_FIELD, "meetings.error.disposition_required", n=open_items)
    if disposition == Disposition.MOVE:
        if move_to_meeting_id is None:
            raise ValidationError(MOVE_TO_FIELD, "error.required")
        if move_to_meeting_id == meeting_id:
            raise ValidationError(MOVE_TO_FIELD, "meetings.error.move_to_itself")
    elif not note.strip():
        raise ValidationError(DISPOSITION_NOTE_FIELD, "error.required")
