"""Joint meeting rules: a quarter without a 季度联席会议 is flagged; who may write and close."""

from __future__ import annotations

from datetime import date

import pytest

from domain.actor import Actor
from domain.calendar import quarter_bounds
from domain.enums import ActionStatus, Role
from domain.errors import ValidationError
from domain.meetings import (
    Disposition,
    QuarterState,
    check_disposition,
    missing_quarters,
    quarterly_coverage,
)

TODAY = date(2026, 11, 24)


@pytest.mark.parametrize(
    ("days", "missing"),
    [
        ([date(2026, 3, 12), date(2026, 5, 20), date(2026, 8, 21)], []),
        ([date(2026, 3, 12), date(2026, 8, 21)], [2]),
        ([], [1, 2, 3]),  # Q4 is still running: not flagged yet
        ([date(2025, 5, 1), date(2026, 12, 10)], [1, 2, 3]),  # other years and future dates do not count
        ([date(2026, 3, 31), date(2026, 4, 1), date(2026, 9, 30)], []),  # quarter edges
    ],
)
def test_quarter_without_joint_meeting_is_flagged(days: list[date], missing: list[int]) -> None:
    assert missing_quarters(days, year=2026, today=TODAY) == missing


@pytest.mark.parametrize(
    ("days", "q4"),
    [
        ([date(2026, 12, 10)], QuarterState.PLANNED),
        ([date(2026, 11, 13)], QuarterState.HELD),
        ([], QuarterState.DUE),
    ],
)
def test_current_quarter_is_due_planned_or_held(days: list[date], q4: QuarterState) -> None:
    assert quarterly_coverage(days, year=2026, today=TODAY)[3].state == q4


def test_past_year_quarters_end_missing_and_future_years_are_upcoming() -> None:
    assert [c.state for c in quarterly_coverage([], year=2027, today=TODAY)] == [QuarterState.UPCOMING] * 4
    assert all(c.flagged for c in quarterly_coverage([], year=2025, today=TODAY))


def test_quarter_bounds() -> None:
    assert quarter_bounds(2026, 1) == (date(2026, 1, 1), date(2026, 3, 31))
    assert quarter_bounds(2026, 4) == (date(2026, 10, 1), date(2026, 12, 31))


ADMIN = Actor(1, "admin", Role.ADMIN)
WORKER = Actor(2, "c1", Role.COMMUNITY, community_id=10)
LIAISON = Actor(3, "l1", Role.LIAISON, unit_id=100)
LEADER = Actor(4, "lead", Role.LEADER)


@pytest.mark.parametrize(
    ("actor", "community_id", "allowed"),
    [
        (ADMIN, None, True),
        (ADMIN, 11, True),
        (WORKER, 10, True),
        (WORKER, None, True),
        (WORKER, 11, False),
        (LIAISON, None, False),
        (LIAISON, 10, False),
        (LEADER, None, False),
    ],
)
def test_who_may_write_a_meeting(actor: Actor, community_id: int | None, allowed: bool) -> None:
    assert actor.may_manage_meeting(community_id) is allowed


@pytest.mark.parametrize(
    ("actor", "owner", "community_id", "status", "allowed"),
    [
        (LIAISON, 100, None, ActionStatus.DONE, True),
        (LIAISON, 101, None, ActionStatus.DONE, False),  # another unit's item
        (LIAISON, 100, None, ActionStatus.DROPPED, False),  # dropping is the meeting's call
        (WORKER, 101, 10, ActionStatus.DROPPED, True),
        (WORKER, 101, 11, ActionStatus.DONE, False),
        (LEADER, 100, None, ActionStatus.DONE, False),
        (ADMIN, 101, 11, ActionStatus.DROPPED, True),
    ],
)
def test_who_may_close_an_action_item(
    actor: Actor, owner: int, community_id: int | None, status: ActionStatus, allowed: bool
) -> None:
    assert actor.may_close_action(owner_unit_id=owner, meeting_community_id=community_id, status=status) is allowed


# --- what becomes of a deleted meeting's open items ----------------------------------------------


@pytest.mark.parametrize(
    ("open_items", "disposition", "move_to", "note", "field"),
    [
        (0, None, None, "", None),  # nothing open: nothing to decide
        (3, None, None, "", "meetings.fields.disposition"),  # open items: the delete asks
        (3, Disposition.MOVE, None, "", "meetings.fields.move_to"),
        (3, Disposition.MOVE, 7, "", "meetings.fields.move_to"),  # not into the meeting being deleted
        (3, Disposition.MOVE, 8, "", None),  # moving keeps them open: no note needed
        (3, Disposition.DROP, None, "  ", "meetings.fields.disposition_note"),  # dropping says why
        (3, Disposition.DROP, None, "会议取消，事项不再推进", None),
    ],
)
def test_a_deleted_meetings_open_items_are_moved_or_dropped_with_a_note(
    open_items: int, disposition: Disposition | None, move_to: int | None, note: str, field: str | None
) -> None:
    def check() -> None:
        check_disposition(
            open_items=open_items, disposition=disposition, meeting_id=7, move_to_meeting_id=move_to, note=note
        )

    if field is None:
        check()
    else:
        with pytest.raises(ValidationError) as err:
            check()
        assert err.value.field == field
