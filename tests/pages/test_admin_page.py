"""/admin in AppTest: renders for the admin; other roles never reach it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db.engine import make_engine, make_session_factory, session_scope
from db.models import Category, Community, Unit, User
from domain.enums import Priority
from services import needs, resources
from services.users import actor_for
from tests.pages.conftest import ROOT, OpenPage, assert_clean, open_tab

LISTS = "app_pages/lists.py"

PAGE = "app_pages/admin.py"


def test_admin_page_renders_every_tab_for_admin(open_page: OpenPage) -> None:
    at = open_page("admin", PAGE)
    assert_clean(at)
    assert at.title[0].value == "管理"
    assert [tab.label for tab in at.tabs][:6] == ["用户", "共建单位", "社区", "类别", "匹配词库", "操作记录"]
    headers = at.dataframe[0].value.columns.tolist()
    assert headers[:4] == ["用户名", "姓名", "角色", "所属社区/单位"]
    assert "admin" in set(at.dataframe[0].value["用户名"])


def test_admin_creates_a_unit_and_sees_it_in_the_log(open_page: OpenPage) -> None:
    at = open_tab(open_page("admin", PAGE), "admin_tab", "共建单位")
    at.text_input(key="admin_new_unit_name").input("青溪县图书馆")
    at.number_input(key="admin_new_unit_members").set_value(12)
    submit = next(b for b in at.button if b.label == "新增" and "admin_unit_create" in b.form_id)
    submit.click().run()
    assert_clean(at)
    assert any("青溪县图书馆" in s.value for s in at.success)
    open_tab(at, "admin_tab", "操作记录")
    log = next(df.value for df in at.dataframe if "操作" in df.value.columns)
    assert "新建" in set(log["操作"]) and "共建单位" in set(log["对象"])
    at.button(key="admin_audit_prepare").click().run()  # builds the CSV and .xlsx once, noted in the log
    assert_clean(at)
    assert at.session_state["admin_audit_export"]["rows"] >= 1


def test_admin_cannot_disable_themselves_from_the_page(open_page: OpenPage) -> None:
    at = open_page("admin", PAGE)
    assert at.selectbox(key="admin_edit_user").value is not None
    toggle = at.button(key=f"admin_toggle_{at.selectbox(key='admin_edit_user').value}")
    assert toggle.disabled  # the first account in the picker is admin itself


@pytest.mark.parametrize("username", ["community1", "liaison1", "leader"])
def test_admin_page_is_not_in_other_roles_navigation(open_page: OpenPage, username: str) -> None:
    at = open_page(username)
    assert_clean(at)
    with pytest.raises(ValueError):
        at.switch_page(PAGE).run()


def test_admin_page_script_refuses_a_non_admin_who_reaches_it(open_page: OpenPage) -> None:
    at = open_page("leader")
    # run the page script directly, as a legacy router would: the guard still stops it
    direct = AppTest.from_file(str(ROOT / PAGE), default_timeout=60)
    for key in ("authentication_status", "username", "name", "cobuild_actor"):
        if key in at.session_state:
            direct.session_state[key] = at.session_state[key]
    direct.run()
    assert not direct.exception
    assert [e.value for e in direct.error] == ["您的角色无权访问此页面。"]
    assert not direct.tabs


def _bath_need_and_resource(db_file: Path) -> None:
    """An urgent need about bathing and a resource about 助浴 that no shipped group links."""
    engine = make_engine(f"sqlite:///{db_file}")
    with session_scope(make_session_factory(engine), write=True) as s:
        admin = actor_for(s.scalar(select(User).where(User.username == "admin")))
        community = s.scalar(select(Community.id).where(Community.name == "安澜社区"))
        elder = s.scalar(select(Category.id).where(Category.name == "为老助残"))
        unit = s.scalar(select(Unit.id).where(Unit.name == "县图书馆"))
        needs.create_need(
            s,
            admin,
            data=needs.NeedInput(
                community, elder, "卧床老人沐浴难", priority=Priority.HIGH, raised_on=date(2020, 1, 1)
            ),
        )
        resources.create_resource(s, admin, data=resources.ResourceInput(unit, elder, "上门助浴车", "助浴员和助浴床"))
    engine.dispose()


def _suggestions_of(at: AppTest, need: str) -> str:
    expander = next(e for e in at.expander if e.label.startswith(need))
    return " ".join(m.value for m in expander.markdown) + " ".join(c.value for c in expander.caption)


def test_admin_adds_a_synonym_group_and_the_suggestions_use_it(open_page: OpenPage, app_env: Path) -> None:
    _bath_need_and_resource(app_env)
    lists = open_tab(open_page("admin", LISTS), "lists_tab", "对接矩阵")
    assert_clean(lists)
    assert "上门助浴车" not in _suggestions_of(lists, "卧床老人沐浴难")  # now cached

    at = open_tab(open_page("admin", PAGE), "admin_tab", "匹配词库")
    assert_clean(at)
    assert any(e.label.startswith("系统自带的同义词组") for e in at.expander)
    at.text_area(key="admin_vocabulary_topic").input("助浴、沐浴、洗澡")
    next(b for b in at.button if b.label == "保存词库").click().run()
    assert_clean(at)
    assert any("1 组同义词" in s.value for s in at.success)
    assert at.text_area(key="admin_vocabulary_topic").value == "助浴、沐浴、洗澡"  # read back from the row
    open_tab(at, "admin_tab", "操作记录")
    log = next(df.value for df in at.dataframe if "操作" in df.value.columns)
    assert "修改" in set(log["操作"])

    lists.run()  # the same session again: the save cleared the cached suggestions
    assert "上门助浴车" in _suggestions_of(lists, "卧床老人沐浴难")


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("zh_CN", "“同义词组（话题）”第 1 行只有“助浴”一个词；同义词组至少要有两个词。"),
        ("en", '"Synonym groups (topics)" row 1 holds only "助浴"; a synonym group needs at least two words.'),
    ],
)
def test_a_group_of_one_word_is_refused_naming_the_field(open_page: OpenPage, lang: str, message: str) -> None:
    at = open_page("admin", lang=lang)  # the tab chosen before the page first runs
    at.session_state["admin_tab"] = {"zh_CN": "匹配词库", "en": "Matching words"}[lang]
    at.switch_page(PAGE).run()
    at.text_area(key="admin_vocabulary_topic").input("助浴")
    next(b for b in at.button if "admin_vocabulary" in b.form_id).click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [message]
    assert not at.success
