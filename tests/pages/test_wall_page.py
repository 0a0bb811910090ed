"""/wall through the real app.py: no login and no staff sidebar, the labelled form, its refusals;
and /lists › 居民提交 for the admins and the community's workers only."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from db.engine import make_engine
from db.models import Community, Need, ResidentSubmission
from tests.pages.conftest import APP, TIMEOUT, assert_clean, open_tab

WALL = "app_pages/wall.py"
LISTS = "app_pages/lists.py"


def _community(db: Path, name: str = "安澜社区") -> int:
    engine = make_engine(f"sqlite:///{db}")
    with Session(engine) as s:
        return int(s.scalars(select(Community.id).where(Community.name == name)).one())


def _submissions(db: Path) -> int:
    engine = make_engine(f"sqlite:///{db}")
    with Session(engine) as s:
        return int(s.scalar(select(func.count(ResidentSubmission.id))) or 0)


def open_wall(community_id: int | None = None, *, lang: str = "zh_CN") -> AppTest:
    """Logged out, on /wall (the logged-out run registers it; then the page's hash asks for it)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["lang"] = lang
    at.run()
    if community_id is not None:
        at.query_params["c"] = str(community_id)
    at.switch_page(WALL)
    return at.run()


def _labels(at: AppTest) -> list[str]:
    return [w.label for w in (*at.text_area, *at.text_input, *at.selectbox, *at.checkbox)]


def test_the_index_lists_the_communities_with_no_login(app_env: Path) -> None:
    at = open_wall()
    assert_clean(at)
    assert at.title[0].value == "公示栏 · 居民提"
    assert "用户名" not in _labels(at)
    assert not [b for b in at.button if b.key == "auth_logout"]
    assert any(b.label == "安澜社区" or b.label.startswith("安澜社区（") for b in at.button)
    assert not at.sidebar.children or all(not c.children for c in at.sidebar.children.values())


def test_a_resident_submits_through_the_labelled_form(app_env: Path) -> None:
    at = open_wall(_community(app_env))
    assert_clean(at)
    for label in ("我的需求", "类别", "称呼（可不填）", "联系电话（可不填）"):
        assert label in _labels(at), label
    at.text_area(key="wall_text").set_value("小区东门路灯坏了")
    at.text_input(key="wall_phone").set_value("13800138000")
    at.button(key="FormSubmitter:wall_form-提交").click().run()
    assert_clean(at)
    assert any("已收到您的提交" in s.value for s in at.success)
    assert _submissions(app_env) == 1
    assert at.text_area(key="wall_text").value == ""  # the form is empty for the next one


# (text over 500 characters: the box stops typing at 500, and the service refuses more — test_wall.py)
@pytest.mark.parametrize(
    ("text", "phone", "expected"),
    [
        ("<script>alert(1)</script>", "", "只能填写文字"),
        ("路灯坏了\u202e", "", "控制字符"),
        ("路灯坏了", "打我电话", "应为电话号码"),
    ],
)
def test_bad_input_is_named_and_nothing_is_written(app_env: Path, text: str, phone: str, expected: str) -> None:
    at = open_wall(_community(app_env))
    at.text_area(key="wall_text").set_value(text)
    at.text_input(key="wall_phone").set_value(phone)
    at.button(key="FormSubmitter:wall_form-提交").click().run()
    assert not at.exception
    assert any(expected in e.value for e in at.error), [e.value for e in at.error]
    assert _submissions(app_env) == 0
    assert at.text_area(key="wall_text").value == text  # what was typed stays


def test_the_fourth_submission_of_a_session_says_when_to_try_again(app_env: Path) -> None:
    at = open_wall(_community(app_env))
    for n in range(3):
        at.text_area(key="wall_text").set_value(f"第{n + 1}条需求")
        at.button(key="FormSubmitter:wall_form-提交").click().run()
        assert_clean(at)
    at.text_area(key="wall_text").set_value("第4条需求")
    at.button(key="FormSubmitter:wall_form-提交").click().run()
    assert any("提交太频繁" in e.value and "后再试" in e.value for e in at.error)
    assert _submissions(app_env) == 3


def test_an_unknown_community_says_so(app_env: Path) -> None:
    at = open_wall(10_000_000)
    assert not at.exception
    assert any("找不到这个社区" in w.value for w in at.warning)
    at = open_wall(None)
    at.query_params["c"] = "../admin"
    at.run()
    assert not at.exception and any("找不到这个社区" in w.value for w in at.warning)


def test_the_board_in_english(app_env: Path) -> None:
    at = open_wall(_community(app_env), lang="en")
    assert_clean(at)
    assert "My request" in _labels(at)


@pytest.mark.parametrize("username", ["admin", "community1"])
def test_the_residents_tab_is_there_for_admins_and_community_workers(open_page, username: str) -> None:  # type: ignore[no-untyped-def]
    at = open_page(username, LISTS)
    assert "居民提交" in [tab.label for tab in at.tabs]
    at = open_tab(at, "lists_tab", "居民提交")
    assert_clean(at)


@pytest.mark.parametrize("username", ["liaison1", "leader"])
def test_the_residents_tab_is_not_there_for_others(open_page, username: str) -> None:  # type: ignore[no-untyped-def]
    at = open_page(username, LISTS)
    assert "居民提交" not in [tab.label for tab in at.tabs]


def test_community1_accepts_a_submission_into_the_needs_list(open_page, app_env: Path) -> None:  # type: ignore[no-untyped-def]
    resident = open_wall(_community(app_env))
    resident.text_area(key="wall_text").set_value("楼道里堆满杂物，希望组织清理")
    resident.button(key="FormSubmitter:wall_form-提交").click().run()
    assert _submissions(app_env) == 1
    at = open_tab(open_page("community1", LISTS), "lists_tab", "居民提交")
    assert_clean(at)
    sid = at.selectbox(key="lists_res_pick").value
    at.text_input(key=f"lists_res_title_{sid}").set_value("楼道杂物清理")
    at.button(key=f"FormSubmitter:lists_res_accept_{sid}-采纳").click().run()
    assert_clean(at)
    engine = make_engine(f"sqlite:///{app_env}")
    with Session(engine) as s:
        need = s.scalars(select(Need).where(Need.title == "楼道杂物清理")).one()
        assert need.is_public and need.source == "resident"
    at = open_tab(at, "lists_tab", "居民提交")
    assert any("没有待处理的居民提交" in i.value for i in at.info)


def test_a_decline_without_a_reason_is_named(open_page, app_env: Path) -> None:  # type: ignore[no-untyped-def]
    resident = open_wall(_community(app_env))
    resident.text_area(key="wall_text").set_value("希望增加健身器材")
    resident.button(key="FormSubmitter:wall_form-提交").click().run()
    at = open_tab(open_page("community1", LISTS), "lists_tab", "居民提交")
    sid = at.selectbox(key="lists_res_pick").value
    at.button(key=f"FormSubmitter:lists_res_decline_{sid}-不予采纳").click().run()
    assert any("不予采纳的理由" in e.value for e in at.error)
