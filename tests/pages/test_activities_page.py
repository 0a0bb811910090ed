"""/activities for every role, and a liaison logging an activity through the form."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.engine import make_engine
from db.models import Activity
from tests.pages.conftest import OpenPage, assert_clean

PAGE = "app_pages/activities.py"
ALL_TABS = ["登记活动", "活动记录", "六个一", "统计", "在职党员", "台账"]


@pytest.mark.parametrize(
    ("username", "tabs"),
    [("admin", ALL_TABS), ("liaison1", ALL_TABS), ("community1", ALL_TABS[1:]), ("leader", ALL_TABS[1:])],
)
def test_activities_page_renders_every_tab_for_every_role(open_page: OpenPage, username: str, tabs: list[str]) -> None:
    at = open_page(username, PAGE)
    assert_clean(at)
    assert at.title[0].value == "活动登记"
    assert [tab.label for tab in at.tabs] == tabs
    for label in tabs[1:]:  # only the open tab runs: open each in turn
        at.session_state["activities_tab"] = label
        at.run()
        assert_clean(at)
        if label == "六个一":
            assert {"总体完成率", "进度落后"} <= {m.label for m in at.metric}
            assert at.dataframe, "the 六个一 grid is shown"
        if label == "统计":
            assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")


def test_liaison_logs_an_activity_through_the_form(open_page: OpenPage, app_env) -> None:  # type: ignore[no-untyped-def]
    at = open_page("liaison1", PAGE)
    at.text_input(key="activities_log_title").input("AppTest 登记的志愿服务")
    at.number_input(key="activities_log_participants").set_value(9)
    at.number_input(key="activities_log_hours").set_value(13.5)
    at.button(key="activities_log_submit").click()
    at.run()
    assert_clean(at)
    # the success panel stands in the form's place: what was logged, and 再登记一条
    assert any("已登记：AppTest 登记的志愿服务" in s.value for s in at.success)
    assert any("参与 9 人，志愿服务 13.5 小时" in m.value for m in at.markdown)
    assert not any(w.key == "activities_log_title" for w in at.text_input)
    at.button(key="activities_log_another").click()
    at.run()
    assert_clean(at)
    assert not at.success
    assert at.text_input(key="activities_log_title").value == ""  # the form is blank for the next one
    engine = make_engine(f"sqlite:///{app_env}")
    with Session(engine) as s:
        row = s.scalar(select(Activity).where(Activity.title == "AppTest 登记的志愿服务"))
        assert row is not None and row.participants == 9 and row.volunteer_hours == 13.5
    engine.dispose()


def test_empty_title_is_refused_with_the_field_named(open_page: OpenPage) -> None:
    at = open_page("liaison1", PAGE)
    at.number_input(key="activities_log_participants").set_value(5)
    at.button(key="activities_log_submit").click()
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == ["请填写“活动名称”。"]
    assert at.number_input(key="activities_log_participants").value == 5  # what was typed is kept


def test_page_in_english(open_page: OpenPage) -> None:
    at = open_page("admin", PAGE, lang="en")
    assert_clean(at)
    assert at.title[0].value == "Activities"
    assert "Six items" in [tab.label for tab in at.tabs]


def test_admin_opens_an_activity_and_the_member_grid(open_page: OpenPage, app_env) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{app_env}")
    with Session(engine) as s:
        newest = s.scalar(select(Activity.id).order_by(Activity.held_on.desc(), Activity.id.desc()).limit(1))
    engine.dispose()
    at = open_page("admin", PAGE)
    at.session_state["activities_tab"] = "活动记录"
    at.run()
    at.selectbox(key="activities_browse_pick").set_value(newest)
    at.run()
    assert_clean(at)
    assert any(e.label == "修改这条活动" for e in at.expander)
    at.session_state["activities_tab"] = "六个一"
    at.run()
    at.radio(key="activities_six_by").set_value("member")
    at.run()
    assert_clean(at)
    assert "所在单位" in at.dataframe[0].value.columns


def test_liaison_downloads_the_ledger_in_one_click(open_page: OpenPage) -> None:
    """No 生成 → 下载 two-step: the Word and Excel buttons are there at once, each file built when
    its button is pressed (AppTest cannot press a download; the files themselves: test_ledger)."""
    at = open_page("liaison1", PAGE)
    at.session_state["activities_tab"] = "台账"
    at.run()
    assert_clean(at)
    keys = {b.key for b in at.get("download_button")}
    assert {"activities_ledger_docx", "activities_ledger_xlsx"} <= keys
    assert any("按下按钮即生成并下载" in c.value for c in at.caption)


def test_liaison_is_told_why_a_community_is_refused(open_page: OpenPage, app_env) -> None:  # type: ignore[no-untyped-def]
    """The form offers only the unit's communities; when the pairing ends while the form is open,
    the save is refused with a message naming the community, and nothing is written."""
    from sqlalchemy import delete, func

    from db.models import Community, Member, Pairing, User

    at = open_page("liaison1", PAGE)
    box = at.selectbox(key="activities_log_community")
    engine = make_engine(f"sqlite:///{app_env}")
    with Session(engine) as s:
        unit_id = s.scalar(select(User.unit_id).where(User.username == "liaison1"))
        paired = set(s.scalars(select(Pairing.community_id).where(Pairing.unit_id == unit_id)))
        offered = {o for o in box.options}
        names = dict(s.execute(select(Community.id, Community.name)).tuples().all())
        assert offered == {names[c] + "（结对）" for c in paired}  # only where the unit may log
        chosen = box.value
        s.execute(delete(Pairing).where(Pairing.unit_id == unit_id, Pairing.community_id == chosen))
        s.execute(delete(Member).where(Member.unit_id == unit_id, Member.community_id == chosen))
        s.commit()
        before = s.scalar(select(func.count(Activity.id)))
    at.text_input(key="activities_log_title").input("结对取消后的登记")
    at.button(key="activities_log_submit").click()
    at.run()
    assert not at.exception
    assert len(at.error) == 1
    message = at.error[0].value
    assert names[chosen] in message and "未与" in message and "结对" in message and "双报到" in message
    with Session(engine) as s:
        assert s.scalar(select(func.count(Activity.id))) == before
    engine.dispose()


def test_admin_gives_a_reason_for_an_unpaired_community(open_page: OpenPage, app_env) -> None:  # type: ignore[no-untyped-def]
    at = open_page("admin", PAGE)
    unit_box = at.selectbox(key="activities_log_unit")
    community_box = at.selectbox(key="activities_log_community")
    engine = make_engine(f"sqlite:///{app_env}")
    with Session(engine) as s:
        from services.activities import allowed_community_ids
        from services.reference import list_communities

        allowed = allowed_community_ids(s, unit_box.value)
        elsewhere = next(c for c in list_communities(s) if c.id not in allowed)
    assert community_box.format_func(elsewhere.id) == f"{elsewhere.name}（未结对）"
    community_box.set_value(elsewhere.id)
    at.run()
    assert at.text_area(key="activities_log_reason")  # shown only now
    at.text_input(key="activities_log_title").input("跨社区应急演练")
    at.button(key="activities_log_submit").click()
    at.run()
    assert [e.value for e in at.error] and "非结对社区登记原因" in at.error[0].value
    at.text_area(key="activities_log_reason").input("街道统一组织，经秘书处同意")
    at.button(key="activities_log_submit").click()
    at.run()
    assert_clean(at)
    with Session(engine) as s:
        row = s.scalar(select(Activity).where(Activity.title == "跨社区应急演练"))
        assert row is not None and row.off_pairing_reason == "街道统一组织，经秘书处同意"
        assert row.community_id == elsewhere.id
    engine.dispose()


def test_liaison_sees_the_own_unit_preselected_in_six_items(open_page: OpenPage, app_env) -> None:  # type: ignore[no-untyped-def]
    """六个一 opens on the liaison's own unit: preselected in 查看单位, its six items in one card."""
    from db.models import Unit, User

    engine = make_engine(f"sqlite:///{app_env}")
    with Session(engine) as s:
        unit_id, name = s.execute(
            select(Unit.id, Unit.name).join(User, User.unit_id == Unit.id).where(User.username == "liaison1")
        ).one()
    engine.dispose()
    at = open_page("liaison1", PAGE)
    at.session_state["activities_tab"] = "六个一"
    at.run()
    assert_clean(at)
    assert at.selectbox(key="activities_six_focus").value == unit_id
    card = [m.value for m in at.markdown if "（本单位）" in m.value]
    assert card and name in card[0] and "已完成" in card[0] and "/6 项" in card[0]
    table = next(m.value for m in at.markdown if m.value.startswith("| 项目 | 完成情况 |"))
    for item in ("组织生活", "座谈", "调研", "认领微心愿", "志愿服务", "结对帮扶"):
        assert f"| {item} | " in table


def test_admin_picks_a_unit_in_six_items(open_page: OpenPage, app_env) -> None:  # type: ignore[no-untyped-def]
    from db.models import Unit

    at = open_page("admin", PAGE)
    at.session_state["activities_tab"] = "六个一"
    at.run()
    assert at.selectbox(key="activities_six_focus").value is None  # the admin has no unit: none preselected
    assert not any(m.value.startswith("| 项目 |") for m in at.markdown)
    engine = make_engine(f"sqlite:///{app_env}")
    with Session(engine) as s:
        unit_id, name = s.execute(select(Unit.id, Unit.name).order_by(Unit.id).limit(1)).one()
    engine.dispose()
    at.session_state["activities_six_focus"] = unit_id
    at.run()
    assert_clean(at)
    card = [m.value for m in at.markdown if m.value.startswith("**")]
    assert any(name in c and "（本单位）" not in c for c in card), card
    assert any(m.value.startswith("| 项目 | 完成情况 |") for m in at.markdown)
