"""/admin in AppTest: renders for the admin; other roles never reach it."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.pages.conftest import ROOT, OpenPage, assert_clean, open_tab

PAGE = "app_pages/admin.py"


def test_admin_page_renders_every_tab_for_admin(open_page: OpenPage) -> None:
    at = open_page("admin", PAGE)
    assert_clean(at)
    assert at.title[0].value == "管理"
    assert [tab.label for tab in at.tabs][:5] == ["用户", "共建单位", "社区", "类别", "操作记录"]
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
