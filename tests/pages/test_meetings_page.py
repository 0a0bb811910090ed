"""The /meetings page renders for every demo user; minutes are shown safely; a worker records a
meeting whose agenda takes up the open items; a liaison sees only their own unit's items."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.engine import make_engine
from db.models import Meeting, MeetingAttendance, User
from domain.meetings import Disposition
from services import meetings
from services.users import actor_for
from tests.pages.conftest import OpenPage, assert_clean, open_tab

PAGE = "app_pages/meetings.py"


@pytest.mark.parametrize("username", ["admin", "community1", "liaison1", "leader"])
def test_meetings_page_renders_for_every_demo_user(open_page: OpenPage, username: str) -> None:
    at = open_page(username, PAGE)
    assert_clean(at)
    assert at.title[0].value == "联席会议"
    writer = username in ("admin", "community1")
    labels = [tab.label for tab in at.tabs]
    assert ("新建会议" in labels) is writer
    assert any("第2季度" in w.value for w in at.warning)  # the demo skipped a quarter: flagged
    assert any(m.value.startswith("## ") or "季度党建联盟联席会议" in m.value for m in at.subheader)


def _script_meeting(db_file: Path) -> int:
    engine = make_engine(f"sqlite:///{db_file}")
    try:
        with Session(engine) as s:
            admin = actor_for(s.scalar(select(User).where(User.username == "admin")))
            new_id = meetings.create_meeting(
                s,
                admin,
                data=meetings.MeetingInput(
                    kind="regular",
                    title="安全测试会议",
                    held_on=date(2030, 1, 8),
                    minutes="**要点**\n\n<script>alert('x')</script> 与 <b>粗体</b>",
                ),
            )
            s.commit()
            return new_id
    finally:
        engine.dispose()


def test_script_in_minutes_shows_as_text(open_page: OpenPage, app_env: Path) -> None:
    new_id = _script_meeting(app_env)
    at = open_page("leader", PAGE)  # the newest meeting is opened first
    assert_clean(at)
    assert at.selectbox(key="meetings_pick").value == new_id
    shown = [m.value for m in at.markdown if "alert" in m.value]
    assert shown, "the minutes are on the page"
    assert all("<script>" not in v and "\\<script\\>" in v for v in shown)  # escaped: shows as typed
    assert all("<b>" not in v for v in shown)


def test_liaison_sees_only_own_units_items(open_page: OpenPage) -> None:
    at = open_tab(open_page("liaison1", PAGE), "meetings_tab", "待办事项")
    at.selectbox(key="meetings_a_status").set_value(None).run()
    assert_clean(at)
    tab = next(tab for tab in at.tabs if tab.label == "待办事项")
    owners = set().union(*(set(d.value["责任单位"]) for d in tab.dataframe))
    assert owners == {"安居物业服务有限公司"}


def test_admin_opens_the_edit_form_and_renames_a_meeting(open_page: OpenPage, app_env: Path) -> None:
    """The edit form (two pickers of every unit) runs only while its expander is open."""
    at = open_page("admin", PAGE)
    picked = at.session_state["meetings_pick"]
    key = f"meetings_edit_open_{picked}"
    assert f"meetings_edit_{picked}_title" not in [w.key for w in at.text_input], "closed: the form does not run"
    at.session_state[key] = True
    at.run()
    assert_clean(at)
    at.text_input(key=f"meetings_edit_{picked}_title").set_value("改名后的联席会议")
    at.button(key=f"FormSubmitter:meetings_edit_{picked}-保存").click().run()
    assert_clean(at)
    engine = make_engine(f"sqlite:///{app_env}")
    with Session(engine) as s:
        assert s.scalar(select(Meeting.title).where(Meeting.id == picked)) == "改名后的联席会议"
    engine.dispose()


def test_a_scope_of_many_units_is_invited_at_once(
    open_page: OpenPage, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past MANY_UNITS (a county's alliance-wide meeting), the new meeting invites every unit of its
    scope with one box instead of preselecting them all in two pickers."""
    from ui.meetings import view as meetings_view

    monkeypatch.setattr(meetings_view, "MANY_UNITS", 2)  # the demo alliance is small
    at = open_tab(open_page("admin", PAGE), "meetings_tab", "新建会议")
    assert_clean(at)
    assert at.checkbox(key="meetings_new_invite_all").value is True
    assert not [m for m in at.multiselect if m.label == "应到单位"], "no picker of every unit"
    title = next(w for w in at.text_input if w.key and w.key.endswith("_title"))
    title.set_value("全体成员单位联席会议")
    next(b for b in at.button if b.key and b.key.startswith("FormSubmitter:meetings_new_form")).click().run()
    assert_clean(at)
    engine = make_engine(f"sqlite:///{app_env}")
    with Session(engine) as s:
        meeting_id = s.scalar(select(Meeting.id).where(Meeting.title == "全体成员单位联席会议"))
        assert meeting_id is not None
        scope = meetings.scope_units(s, community_id=None)
        invited = s.scalars(select(MeetingAttendance.unit_id).where(MeetingAttendance.meeting_id == meeting_id)).all()
        assert sorted(invited) == sorted(scope) and len(scope) > 2
    engine.dispose()


def _meetings_with_open_items(db_file: Path) -> tuple[int, int]:
    """A newest meeting with two open items, and an earlier one of the same scope to move them to."""
    engine = make_engine(f"sqlite:///{db_file}")
    try:
        with Session(engine) as s:
            admin = actor_for(s.scalar(select(User).where(User.username == "admin")))
            target = meetings.create_meeting(
                s, admin, data=meetings.MeetingInput(kind="quarterly", title="移入目标会议", held_on=date(2029, 12, 1))
            )
            doomed = meetings.create_meeting(
                s, admin, data=meetings.MeetingInput(kind="quarterly", title="将删除的会议", held_on=date(2030, 1, 8))
            )
            unit = s.scalar(select(MeetingAttendance.unit_id).limit(1))
            for text in ("整改停车棚", "补齐台账"):
                meetings.add_action_item(s, admin, meeting_id=doomed, content=text, owner_unit_id=unit, due_on=None)
            s.commit()
            return doomed, target
    finally:
        engine.dispose()


def _state(db_file: Path, doomed: int) -> tuple[bool, set[int]]:
    """Whether the meeting is deleted, and the meetings its two items now belong to."""
    from db.models import ActionItem

    engine = make_engine(f"sqlite:///{db_file}")
    try:
        with Session(engine) as s:
            deleted = s.scalar(select(Meeting.deleted_at).where(Meeting.id == doomed)) is not None
            owners = set(
                s.scalars(select(ActionItem.meeting_id).where(ActionItem.content.in_(["整改停车棚", "补齐台账"]))).all()
            )
            return deleted, owners
    finally:
        engine.dispose()


def test_deleting_a_meeting_asks_about_its_open_items_and_undo_says_where_they_stayed(
    open_page: OpenPage, app_env: Path
) -> None:
    doomed, target = _meetings_with_open_items(app_env)
    at = open_page("admin", PAGE)
    assert at.selectbox(key="meetings_pick").value == doomed
    assert f"meetings_delete_go_{doomed}" not in [b.key for b in at.button], "closed: the panel does not run"
    at.session_state[f"meetings_delete_open_{doomed}"] = True
    at.run()
    assert_clean(at)
    assert any("还有 2 项未办结" in w.value for w in at.warning), [w.value for w in at.warning]
    at.button(key=f"meetings_delete_go_{doomed}").click().run()  # no answer yet: refused, naming the field
    assert [e.value for e in at.error] == [
        "这次会议还有 2 项未办结的待办事项：请选择“未办结待办的处理方式”（移至其他会议或撤销）后再删除。"
    ]
    assert _state(app_env, doomed) == (False, {doomed})
    at.radio(key=f"meetings_delete_how_{doomed}").set_value(Disposition.MOVE).run()
    assert at.selectbox(key=f"meetings_delete_to_{doomed}").value == target  # the nearest meeting first
    at.button(key=f"meetings_delete_go_{doomed}").click().run()
    assert not at.exception
    assert any("已删除会议“将删除的会议”，2 项未办结待办已移至“移入目标会议”" in s.value for s in at.success)
    assert _state(app_env, doomed) == (True, {target})
    at.button(key="meetings_undo_go").click().run()
    assert_clean(at)
    said = " ".join(s.value for s in at.success)
    assert "已恢复会议“将删除的会议”" in said and "“移入目标会议”（2029年12月1日）2 项" in said, said
    assert _state(app_env, doomed) == (False, {target})  # restored; the moved items stay where moved
    assert "meetings_undo_go" not in [b.key for b in at.button]


def test_the_meeting_stays_on_its_action_tab_after_an_item_is_added(open_page: OpenPage, app_env: Path) -> None:
    """Issue 20, item 6: adding an action item changes the tab's label (本次待办（n）); the open tab is
    kept by name, so the meeting does not jump back to 议题."""
    at = open_page("admin", PAGE)
    picked = at.session_state["meetings_pick"]
    label = next(tab.label for tab in at.tabs if tab.label.startswith("本次待办"))
    n = int(label.removeprefix("本次待办（").removesuffix("）"))
    at.session_state["meetings_detail_tab"] = label  # the user opens 本次待办
    at.run()
    assert_clean(at)
    at.text_input(key=f"meetings_action_content_{picked}").set_value("补充楼道照明（测试）")
    at.selectbox(key=f"meetings_action_owner_{picked}").select_index(0)
    at.button(key=f"FormSubmitter:meetings_add_action_{picked}-添加").click().run()
    assert_clean(at)
    assert any("已添加待办事项" in s.value for s in at.success), [s.value for s in at.success]
    assert at.session_state["meetings_detail_tab"] == f"本次待办（{n + 1}）"  # still the open tab
