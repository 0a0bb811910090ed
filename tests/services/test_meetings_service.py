"""联席会议 services: who may write what, the carried-over agenda, closing items, overdue and
missing-quarter flags, search, attendance; the minutes as Word and the calendar."""

from __future__ import annotations

import io
from datetime import date

import pytest
from docx import Document
from docx.oxml.ns import qn
from icalendar import Calendar
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import ActionItem, AuditEntry, Meeting, MeetingAttendance
from domain.actor import Actor
from domain.enums import ActionStatus, MeetingKind
from domain.errors import PermissionDenied, ValidationError
from domain.meetings import QuarterState
from exports.calendar_ics import meetings_ics
from exports.minutes_docx import minutes_docx
from services import meetings as ms
from services import metrics
from tests.conftest import TODAY


def _input(**kw: object) -> ms.MeetingInput:
    base: dict[str, object] = dict(
        kind=MeetingKind.QUARTERLY,
        title="2026年第4季度党建联盟联席会议",
        held_on=date(2026, 11, 26),
        place="安澜社区党群服务中心",
    )
    base.update(kw)
    return ms.MeetingInput(**base)  # type: ignore[arg-type]


def _open_item(session: Session, *, owner: int | None = None, community_id: int | None = None) -> ActionItem:
    stmt = (
        select(ActionItem)
        .join(Meeting, Meeting.id == ActionItem.meeting_id)
        .where(ActionItem.status == ActionStatus.OPEN, Meeting.held_on < TODAY)
    )
    if owner is not None:
        stmt = stmt.where(ActionItem.owner_unit_id == owner)
    item = session.scalars(stmt.order_by(ActionItem.id)).first()
    assert item is not None
    return item


# --- the carried-over agenda -------------------------------------------------------------------


def test_new_meeting_takes_up_every_open_item_of_earlier_meetings(session: Session, admin: Actor) -> None:
    open_before = set(
        session.scalars(
            select(ActionItem.id)
            .join(Meeting, Meeting.id == ActionItem.meeting_id)
            .where(ActionItem.status == ActionStatus.OPEN, Meeting.held_on < date(2026, 11, 26))
        )
    )
    preview = ms.open_items_for_new_meeting(session, admin, community_id=None, held_on=date(2026, 11, 26), today=TODAY)
    assert {r.id for r in preview} == open_before
    new_id = ms.create_meeting(session, admin, data=_input())
    detail = ms.get_meeting(session, admin, meeting_id=new_id, today=TODAY)
    assert {r.id for r in detail.review} == open_before
    assert all(session.get(ActionItem, i).carried_to_meeting_id == new_id for i in open_before)  # type: ignore[union-attr]
    assert any(r.overdue for r in detail.review)  # overdue ones stand out
    audited = session.scalar(
        select(func.count(AuditEntry.id)).where(
            AuditEntry.entity == "action_item", AuditEntry.entity_id.in_(open_before)
        )
    )
    assert audited == len(open_before)


def test_community_meeting_takes_up_only_its_communitys_items(session: Session, community_worker: Actor) -> None:
    cid = community_worker.community_id
    rows = ms.open_items_for_new_meeting(session, community_worker, community_id=cid, held_on=TODAY, today=TODAY)
    meeting_scopes = {session.get(Meeting, r.meeting_id).community_id for r in rows}  # type: ignore[union-attr]
    assert meeting_scopes <= {cid}


def test_review_outcomes_close_drop_or_carry_over(session: Session, admin: Actor) -> None:
    new_id = ms.create_meeting(session, admin, data=_input())
    review = ms.get_meeting(session, admin, meeting_id=new_id, today=TODAY).review
    assert len(review) >= 3
    a, b, c = review[:3]
    ms.close_action_item(
        session, admin, item_id=a.id, status="done", note="已完成", closed_on=TODAY, in_meeting_id=new_id
    )
    ms.close_action_item(
        session, admin, item_id=b.id, status="dropped", note="并入明年计划", closed_on=TODAY, in_meeting_id=new_id
    )
    ms.carry_over_action_item(
        session, admin, item_id=c.id, in_meeting_id=new_id, due_on=date(2027, 1, 31), note="资金未到位，顺延"
    )
    statuses = {
        r.id: (r.status, r.due_on) for r in ms.get_meeting(session, admin, meeting_id=new_id, today=TODAY).review
    }
    assert statuses[a.id][0] == ActionStatus.DONE and statuses[b.id][0] == ActionStatus.DROPPED
    assert statuses[c.id] == (ActionStatus.OPEN, date(2027, 1, 31))
    # the carried item comes up again at the next meeting
    later = ms.open_items_for_new_meeting(session, admin, community_id=None, held_on=date(2027, 2, 20), today=TODAY)
    assert c.id in {r.id for r in later} and a.id not in {r.id for r in later}


def test_dropping_needs_a_note(session: Session, admin: Actor) -> None:
    item = _open_item(session)
    with pytest.raises(ValidationError) as err:
        ms.close_action_item(session, admin, item_id=item.id, status="dropped", note="", closed_on=TODAY)
    assert err.value.field == "meetings.fields.closing_note"


def test_convenor_defaults_to_the_months_chair(session: Session, admin: Actor) -> None:
    from services.chairs import chair_of

    new_id = ms.create_meeting(session, admin, data=_input())
    assert session.get(Meeting, new_id).convenor_unit_id == chair_of(session, 2026, 11).unit_id  # type: ignore[union-attr]


def test_meeting_without_title_or_date_is_refused(session: Session, admin: Actor) -> None:
    n = session.scalar(select(func.count(Meeting.id)))
    with pytest.raises(ValidationError) as err:
        ms.create_meeting(session, admin, data=_input(title=" "))
    assert err.value.field == "meetings.fields.title"
    with pytest.raises(ValidationError) as err:
        ms.create_meeting(session, admin, data=_input(held_on="2026-13-40"))
    assert err.value.field == "meetings.fields.held_on"
    assert session.scalar(select(func.count(Meeting.id))) == n


# --- permissions ----------------------------------------------------------------------------------


def test_community_worker_writes_own_and_alliance_meetings_only(
    session: Session, community_worker: Actor, other_community_id: int
) -> None:
    own = ms.create_meeting(
        session, community_worker, data=_input(kind="regular", title="例会", community_id=community_worker.community_id)
    )
    alliance = ms.create_meeting(session, community_worker, data=_input())
    assert own and alliance
    with pytest.raises(PermissionDenied):
        ms.create_meeting(session, community_worker, data=_input(community_id=other_community_id))
    other = session.scalar(select(Meeting.id).where(Meeting.community_id == other_community_id))
    assert other is not None
    with pytest.raises(PermissionDenied):
        ms.update_meeting(session, community_worker, meeting_id=other, data=_input(community_id=other_community_id))
    with pytest.raises(PermissionDenied):
        ms.add_action_item(session, community_worker, meeting_id=other, content="x", owner_unit_id=1, due_on=None)


@pytest.mark.parametrize("who", ["liaison", "leader"])
def test_liaison_and_leader_cannot_write_meetings(session: Session, who: str, request: pytest.FixtureRequest) -> None:
    actor: Actor = request.getfixturevalue(who)
    meeting_id = session.scalar(select(Meeting.id).order_by(Meeting.id))
    assert meeting_id is not None
    with pytest.raises(PermissionDenied):
        ms.create_meeting(session, actor, data=_input())
    with pytest.raises(PermissionDenied):
        ms.update_meeting(session, actor, meeting_id=meeting_id, data=_input())
    with pytest.raises(PermissionDenied):
        ms.add_action_item(session, actor, meeting_id=meeting_id, content="x", owner_unit_id=1, due_on=None)
    with pytest.raises(PermissionDenied):
        ms.delete_meeting(session, actor, meeting_id=meeting_id, today=TODAY, disposition="drop", note="取消")
    with pytest.raises(PermissionDenied):
        ms.restore_meeting(session, actor, meeting_id=meeting_id)


def test_liaison_closes_own_units_item(session: Session, liaison: Actor) -> None:
    item = _open_item(session, owner=liaison.unit_id)
    ms.close_action_item(session, liaison, item_id=item.id, status="done", note="已整改", closed_on=TODAY)
    assert (item.status, item.closed_on, item.closing_note) == (ActionStatus.DONE, TODAY, "已整改")
    assert (
        session.scalar(
            select(func.count(AuditEntry.id)).where(
                AuditEntry.entity == "action_item", AuditEntry.entity_id == item.id, AuditEntry.username == "liaison1"
            )
        )
        == 1
    )


def test_liaison_cannot_close_another_units_item(session: Session, liaison: Actor) -> None:
    item = session.scalars(
        select(ActionItem).where(ActionItem.status == ActionStatus.OPEN, ActionItem.owner_unit_id != liaison.unit_id)
    ).first()
    assert item is not None
    with pytest.raises(PermissionDenied):
        ms.close_action_item(session, liaison, item_id=item.id, status="done", note="", closed_on=TODAY)
    assert item.status == ActionStatus.OPEN


def test_liaison_cannot_drop_even_own_item(session: Session, liaison: Actor) -> None:
    item = _open_item(session, owner=liaison.unit_id)
    with pytest.raises(PermissionDenied):
        ms.close_action_item(session, liaison, item_id=item.id, status="dropped", note="不做了", closed_on=TODAY)


def test_leader_cannot_close_items(session: Session, leader: Actor) -> None:
    with pytest.raises(PermissionDenied):
        ms.close_action_item(session, leader, item_id=_open_item(session).id, status="done", note="", closed_on=TODAY)


def test_liaison_lists_only_own_units_items(session: Session, liaison: Actor, other_unit_id: int) -> None:
    rows = ms.list_action_items(session, liaison, today=TODAY, status=None, unit_id=other_unit_id, limit=500)
    assert rows and {r.owner_unit_id for r in rows} == {liaison.unit_id}
    assert all(r.can_close for r in rows if r.status == ActionStatus.OPEN)


# --- flags, search, attendance --------------------------------------------------------------------


def test_overdue_items_match_the_overview_kpi(session: Session, admin: Actor) -> None:
    kpi = metrics.overdue_actions(session, today=TODAY)
    assert kpi >= 2
    assert ms.overdue_count(session, today=TODAY) == kpi
    assert ms.count_action_items(session, admin, today=TODAY, overdue_only=True) == kpi
    rows = ms.list_action_items(session, admin, today=TODAY, overdue_only=True, limit=100)
    assert len(rows) == kpi and all(r.overdue for r in rows)


def test_quarter_without_joint_meeting_is_flagged_in_the_demo(session: Session) -> None:
    coverage = ms.quarter_coverage(session, year=2026, today=TODAY)
    assert [c.state for c in coverage] == [
        QuarterState.HELD,
        QuarterState.MISSING,
        QuarterState.HELD,
        QuarterState.PLANNED,
    ]
    assert all(c.state == QuarterState.HELD for c in ms.quarter_coverage(session, year=2025, today=TODAY))


def test_search_across_minutes_is_paged(session: Session) -> None:
    total = ms.count_meetings(session, query="上次决议落实情况")
    assert total >= 5
    first = ms.list_meetings(session, query="上次决议落实情况", limit=3)
    second = ms.list_meetings(session, query="上次决议落实情况", offset=3, limit=3)
    assert len(first) == 3 and not set(first["id"]) & set(second["id"])
    assert ms.count_meetings(session, query="100%_不存在") == 0  # LIKE wildcards are escaped
    assert ms.count_meetings(session, query="消防") >= 1


def test_attendance_rates_per_unit(session: Session) -> None:
    rates = ms.attendance_rates(session, start=date(2026, 1, 1), end=TODAY)
    assert not rates.empty and rates["rate"].between(0, 1).all()
    invited = session.scalar(
        select(func.count(MeetingAttendance.id))
        .join(Meeting)
        .where(Meeting.held_on >= date(2026, 1, 1), Meeting.held_on <= TODAY)
    )
    assert rates["invited"].sum() == invited


def test_attendance_is_rewritten_on_update(session: Session, admin: Actor) -> None:
    new_id = ms.create_meeting(session, admin, data=_input(invited_unit_ids=[1, 3, 4], attended_unit_ids=[1, 3]))
    detail = ms.get_meeting(session, admin, meeting_id=new_id, today=TODAY)
    assert len(detail.attendance) == 3 and len(detail.attended_names) == 2
    ms.update_meeting(session, admin, meeting_id=new_id, data=_input(invited_unit_ids=[1, 3], attended_unit_ids=[1, 3]))
    detail = ms.get_meeting(session, admin, meeting_id=new_id, today=TODAY)
    assert len(detail.attendance) == 2 and not detail.absent_names


# --- exports --------------------------------------------------------------------------------------


def test_minutes_docx_has_the_usual_layout(session: Session, admin: Actor) -> None:
    new_id = ms.create_meeting(
        session,
        admin,
        data=_input(
            invited_unit_ids=[1, 3],
            attended_unit_ids=[1],
            agenda="1. 上次决议落实情况\n2. 年度考评",
            minutes="会议听取了汇报。\n\n- 要点一\n- **要点二**",
            decisions="- 开展年度考评",
        ),
    )
    ms.add_action_item(
        session, admin, meeting_id=new_id, content="报送年度共建小结", owner_unit_id=3, due_on=date(2026, 12, 20)
    )
    detail = ms.get_meeting(session, admin, meeting_id=new_id, today=TODAY)
    doc = Document(io.BytesIO(minutes_docx(detail)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "2026年第4季度党建联盟联席会议" in [p.text for p in doc.paragraphs[:4]]
    for expected in (
        "时间：2026年11月26日",
        "地点：安澜社区党群服务中心",
        "主持：",
        "参会单位：",
        "缺席单位：",
        "一、会议议题",
        "上次决议落实情况",
        "会议决定",
        "待办事项",
        "· 要点二",
    ):
        assert expected in text, expected
    actions = doc.tables[-1]
    assert [c.text for c in actions.rows[0].cells] == ["序号", "事项", "责任单位", "完成期限", "状态"]
    assert [c.text for c in actions.rows[1].cells][1:4] == [
        "报送年度共建小结",
        detail.actions[0].owner_name,
        "2026年12月20日",
    ]
    fonts = doc.styles["Normal"].element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == "仿宋_GB2312"


def test_meetings_calendar_lists_each_meeting(session: Session) -> None:
    entries = ms.calendar_entries(session, start=date(2026, 1, 1), end=date(2026, 12, 31))
    cal = Calendar.from_ical(meetings_ics(entries))
    events = list(cal.walk("VEVENT"))
    assert len(events) == len(entries) >= 5
    assert {str(e["summary"]) for e in events} == {str(x["title"]) for x in entries}


def test_minutes_command_writes_the_docx(db_file, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from manage import main

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db_file}")
    out = tmp_path / "minutes.docx"
    assert main(["minutes", "--meeting", "1", "--out", str(out)]) == 0
    assert any("季度党建联盟联席会议" in p.text for p in Document(str(out)).paragraphs[:4])
    assert main(["minutes", "--meeting", "99999", "--out", str(out)]) == 1
    assert main(["minutes", "--meeting", "1", "--out", str(tmp_path / "m.txt")]) == 2
