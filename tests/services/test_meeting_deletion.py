"""Deleting a meeting: its open items are moved or dropped, never left to count overdue unseen; one
live-rows rule (services.live) for the figures, the lists and the carry-over; undo restores it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import ActionItem, Meeting, utcnow
from domain.actor import Actor
from domain.enums import ActionStatus, MeetingKind
from domain.errors import ValidationError
from services import meetings as ms
from services import metrics, overview, quarterly
from tests.conftest import TODAY


def _meeting(session: Session, admin: Actor, days: int, community_id: int | None = None, title: str = "") -> int:
    return ms.create_meeting(
        session,
        admin,
        data=ms.MeetingInput(
            kind=MeetingKind.REGULAR if community_id else MeetingKind.QUARTERLY,
            title=title or f"删除测试会议{days}",
            held_on=TODAY + timedelta(days=days),
            community_id=community_id,
        ),
    )


def _overdue_meeting(session: Session, admin: Actor, n: int = 2) -> tuple[int, list[int]]:
    """A meeting of a month ago whose ``n`` items are open and overdue."""
    mid = _meeting(session, admin, -30, title="已取消的例会")
    items = [
        ms.add_action_item(
            session,
            admin,
            meeting_id=mid,
            content=f"整改事项{i}",
            owner_unit_id=_unit(session),
            due_on=TODAY - timedelta(days=20),
        )
        for i in range(n)
    ]
    return mid, items


def _unit(session: Session) -> int:
    from db.models import Unit

    uid = session.scalar(select(Unit.id).where(Unit.active.is_(True)).order_by(Unit.id))
    assert uid is not None
    return uid


def _figures(session: Session, admin: Actor) -> tuple[int, int, int, int]:
    """Overdue items as the metric, the meetings page's list, the overview's list and the report count them."""
    q = quarterly.get_quarter_summary(session, year=TODAY.year, quarter=4, today=TODAY, list_limit=10_000)
    return (
        metrics.overdue_actions(session, today=TODAY),
        ms.count_action_items(session, admin, today=TODAY, overdue_only=True),
        len(overview.overdue_action_items(session, admin, today=TODAY, limit=10_000)),
        len(q.overdue_items),
    )


def test_a_soft_deleted_meeting_s_items_are_neither_overdue_nor_carried(session: Session, admin: Actor) -> None:
    """The live-rows rule: a meeting deleted the old way (its items left open) counts nowhere."""
    before = _figures(session, admin)
    mid, items = _overdue_meeting(session, admin)
    assert _figures(session, admin) == tuple(n + 2 for n in before)
    session.get(Meeting, mid).deleted_at = utcnow()  # as the old delete left it
    session.flush()
    assert _figures(session, admin) == before
    assert not set(items) & {r.id for r in ms.list_action_items(session, admin, today=TODAY, limit=10_000)}
    taken_up = ms.open_items_for_new_meeting(session, admin, community_id=None, held_on=TODAY, today=TODAY)
    assert not set(items) & {r.id for r in taken_up}
    later = _meeting(session, admin, 10)
    assert all(session.get(ActionItem, i).carried_to_meeting_id != later for i in items)


def test_deleting_a_meeting_with_open_items_asks_what_becomes_of_them(session: Session, admin: Actor) -> None:
    mid, _ = _overdue_meeting(session, admin)
    with pytest.raises(ValidationError) as err:
        ms.delete_meeting(session, admin, meeting_id=mid, today=TODAY)
    assert err.value.field == "meetings.fields.disposition" and err.value.params == {"n": 2}
    assert session.get(Meeting, mid).deleted_at is None


def test_a_meeting_without_open_items_is_deleted_without_a_question(session: Session, admin: Actor) -> None:
    mid = _meeting(session, admin, 3)
    assert ms.delete_meeting(session, admin, meeting_id=mid, today=TODAY) == 0
    assert session.get(Meeting, mid).deleted_at is not None


def test_moved_items_become_the_other_meetings_open_items(session: Session, admin: Actor) -> None:
    before = _figures(session, admin)
    mid, items = _overdue_meeting(session, admin)
    target = _meeting(session, admin, 14, title="下次联席会议")
    n = ms.delete_meeting(
        session, admin, meeting_id=mid, today=TODAY, disposition="move", move_to_meeting_id=target, note="并入下次会议"
    )
    assert n == 2
    for i in items:
        item = session.get(ActionItem, i)
        assert (item.meeting_id, item.status, item.carried_to_meeting_id) == (target, ActionStatus.OPEN, None)
        assert item.closing_note == "并入下次会议" and item.disposed_from_meeting_id == mid
    assert {r.id for r in ms.get_meeting(session, admin, meeting_id=target, today=TODAY).actions} >= set(items)
    assert _figures(session, admin) == tuple(x + 2 for x in before)  # still open, still overdue: still counted


def test_dropped_items_are_closed_with_the_note_and_leave_the_overdue_count(session: Session, admin: Actor) -> None:
    before = _figures(session, admin)
    mid, items = _overdue_meeting(session, admin)
    ms.delete_meeting(session, admin, meeting_id=mid, today=TODAY, disposition="drop", note="会议取消，不再推进")
    for i in items:
        item = session.get(ActionItem, i)
        assert (item.status, item.closed_on, item.closing_note) == (ActionStatus.DROPPED, TODAY, "会议取消，不再推进")
    assert _figures(session, admin) == before


def test_moving_into_a_deleted_meeting_or_itself_is_refused(session: Session, admin: Actor) -> None:
    mid, _ = _overdue_meeting(session, admin)
    gone = _meeting(session, admin, 20)
    ms.delete_meeting(session, admin, meeting_id=gone, today=TODAY)
    for to in (gone, mid):
        with pytest.raises(ValidationError) as err:
            ms.delete_meeting(session, admin, meeting_id=mid, today=TODAY, disposition="move", move_to_meeting_id=to)
        assert err.value.field == "meetings.fields.move_to"
    assert session.get(Meeting, mid).deleted_at is None


def test_undo_restores_the_meeting_and_says_moved_items_stay_where_moved(session: Session, admin: Actor) -> None:
    mid, items = _overdue_meeting(session, admin)
    target = _meeting(session, admin, 14, title="下次联席会议")
    ms.delete_meeting(session, admin, meeting_id=mid, today=TODAY, disposition="move", move_to_meeting_id=target)
    ms.close_action_item(session, admin, item_id=items[0], status="done", note="已办", closed_on=TODAY)
    restored = ms.restore_meeting(session, admin, meeting_id=mid)
    assert session.get(Meeting, mid).deleted_at is None
    assert restored.title == "已取消的例会"
    assert restored.moved == (("下次联席会议", TODAY + timedelta(days=14), 2),) and restored.dropped == 0
    assert [session.get(ActionItem, i).meeting_id for i in items] == [target, target]  # they stay
    assert ms.get_meeting(session, admin, meeting_id=mid, today=TODAY).actions == []


def test_undo_after_a_drop_says_the_items_stay_dropped(session: Session, admin: Actor) -> None:
    mid, items = _overdue_meeting(session, admin, n=3)
    ms.delete_meeting(session, admin, meeting_id=mid, today=TODAY, disposition="drop", note="取消")
    restored = ms.restore_meeting(session, admin, meeting_id=mid)
    assert (restored.moved, restored.dropped) == ((), 3)
    assert {session.get(ActionItem, i).status for i in items} == {ActionStatus.DROPPED}
    with pytest.raises(ValidationError):
        ms.restore_meeting(session, admin, meeting_id=mid)  # not deleted any more


def test_an_item_carried_to_a_deleted_meeting_is_taken_up_by_the_next(session: Session, admin: Actor) -> None:
    _, items = _overdue_meeting(session, admin, n=1)
    review = _meeting(session, admin, 5, title="被删除的复盘会")
    assert session.get(ActionItem, items[0]).carried_to_meeting_id == review
    ms.delete_meeting(session, admin, meeting_id=review, today=TODAY)  # its own items: none open
    later = _meeting(session, admin, 40)
    assert session.get(ActionItem, items[0]).carried_to_meeting_id == later


def test_move_destinations_are_standing_meetings_of_the_same_scope_next_first(
    session: Session, admin: Actor, community_worker: Actor
) -> None:
    cid = community_worker.community_id
    mid = _meeting(session, admin, 0, community_id=cid)
    nxt, after, before = (_meeting(session, admin, d, community_id=cid) for d in (7, 30, -7))
    gone = _meeting(session, admin, 8, community_id=cid)
    ms.delete_meeting(session, admin, meeting_id=gone, today=TODAY)
    alliance = _meeting(session, admin, 9)
    ids = [m.id for m in ms.destinations_for_items(session, community_worker, meeting_id=mid)]
    assert ids[:2] == [nxt, after] and before in ids
    assert gone not in ids and alliance not in ids and mid not in ids


def test_a_deleted_meeting_s_items_leave_the_lists_workbook_too(session: Session, admin: Actor) -> None:
    """The same live-rows rule in the lists workbook's 待办事项 sheet: a deleted meeting's items are
    gone with it there as in the figures and the carry-over (they listed under no meeting before)."""
    import io

    from openpyxl import load_workbook

    from services import lists_export

    def exported() -> list[str]:
        ws = load_workbook(io.BytesIO(lists_export.export_lists(session)), read_only=True)["待办事项（只读）"]
        return [str(row[1]) for row in ws.iter_rows(min_row=2, values_only=True)]

    mid = _meeting(session, admin, -3, title="将删除的例会")
    ms.add_action_item(
        session, admin, meeting_id=mid, content="删除会议的待办", owner_unit_id=_unit(session), due_on=TODAY
    )
    assert "删除会议的待办" in exported()
    session.get(Meeting, mid).deleted_at = utcnow()  # as the old delete left it: the item still open
    session.flush()
    assert "删除会议的待办" not in exported()
