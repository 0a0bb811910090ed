"""Issue 20 on /lists: every delete asks first and can be undone (item 1); a new need's dates default
to today and the stated claim period (item 2); the needs list opens newest first and a community
worker's lists on their own community (item 7)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from db.engine import make_engine
from db.models import Community, Need, Project, User
from services.needs import CLAIM_PERIOD_DAYS
from tests.conftest import TODAY
from tests.pages.conftest import OpenPage, assert_clean, open_tab

PAGE = "app_pages/lists.py"


def _read(db_file: Path, fn):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{db_file}")
    try:
        with Session(engine) as s:
            return fn(s)
    finally:
        engine.dispose()


def _deleted(db_file: Path, model: type, row_id: int) -> bool:
    return _read(db_file, lambda s: s.get(model, row_id).deleted_at is not None)


def _buttons(at: AppTest) -> set[str]:
    return {b.key for b in at.button if b.key}


def test_a_community_worker_opens_on_their_community_newest_need_first(open_page: OpenPage, app_env: Path) -> None:
    at = open_page("community1", PAGE)
    assert_clean(at)
    own = _read(app_env, lambda s: s.scalar(select(User.community_id).where(User.username == "community1")))
    assert at.selectbox(key="lists_need_f_community").value == own
    assert at.toggle(key="lists_need_sort_desc").value is True
    table = at.dataframe[0].value
    assert set(table["社区"]) == {_read(app_env, lambda s: s.get(Community, own).name)}
    days = [tuple(int(n) for n in re.findall(r"\d+", d)) for d in table["提出日期"] if d]
    assert days == sorted(days, reverse=True) and len(days) > 1  # newest first
    at.selectbox(key="lists_need_f_community").set_value(None).run()  # 全部 stays a choice
    assert len(set(at.dataframe[0].value["社区"])) > 1
    prj = open_tab(at, "lists_tab", "项目清单")
    assert prj.selectbox(key="lists_prj_f_community").value == own


def test_the_new_need_form_proposes_today_and_the_claim_period(open_page: OpenPage) -> None:
    at = open_page("community1", PAGE)
    raised = at.date_input(key="lists_need_new_raised_on")
    deadline = at.date_input(key="lists_need_new_deadline")
    assert raised.value == TODAY
    assert deadline.value == TODAY + timedelta(days=CLAIM_PERIOD_DAYS)
    assert f"{CLAIM_PERIOD_DAYS} 天" in deadline.help


def test_deleting_a_need_asks_first_and_the_message_undoes_it(open_page: OpenPage, app_env: Path) -> None:
    at = open_page("community1", PAGE)
    need_id = at.selectbox(key="lists_need_edit_pick").value
    title, wish = _read(app_env, lambda s: (s.get(Need, need_id).title, s.get(Need, need_id).is_micro_wish))
    at.button(key=f"lists_del_need_{need_id}").click().run()
    assert_clean(at)
    assert not _deleted(app_env, Need, need_id), "the first click only asks"
    asked = f"确定删除{'微心愿' if wish else '需求'}“{title}”"  # a 微心愿 is called one
    assert any(asked in w.value for w in at.warning), [w.value for w in at.warning]
    at.button(key=f"lists_del_need_{need_id}_no").click().run()  # 取消
    assert not _deleted(app_env, Need, need_id) and f"lists_del_need_{need_id}_yes" not in _buttons(at)
    at.button(key=f"lists_del_need_{need_id}").click().run()
    at.button(key=f"lists_del_need_{need_id}_yes").click().run()  # 确认删除
    assert_clean(at)
    assert _deleted(app_env, Need, need_id)
    assert any(f"已删除“{title}”" in s.value for s in at.success), [s.value for s in at.success]
    at.button(key="lists_undo_need").click().run()  # 撤销删除, from the message
    assert_clean(at)
    assert not _deleted(app_env, Need, need_id)
    assert any(f"已恢复“{title}”" in s.value for s in at.success)
    assert "lists_undo_need" not in _buttons(at)


def test_a_deleted_project_comes_back_from_recently_deleted(open_page: OpenPage, app_env: Path) -> None:
    at = open_tab(open_page("admin", PAGE), "lists_tab", "项目清单")
    pid = at.selectbox(key="lists_prj_detail_pick").value
    at.session_state[f"lists_prj_edit_open_{pid}"] = True
    at.run()
    at.button(key=f"lists_del_project_{pid}").click().run()
    assert not _deleted(app_env, Project, pid)
    at.button(key=f"lists_del_project_{pid}_yes").click().run()
    assert_clean(at)
    assert _deleted(app_env, Project, pid)
    at.session_state["lists_delete_undo"] = None  # the message is gone (another visit): 最近删除 is left
    at.session_state["lists_recent_project_open"] = True
    at.run()
    assert_clean(at)
    at.button(key=f"lists_restore_project_{pid}").click().run()
    assert_clean(at)
    assert not _deleted(app_env, Project, pid)


def test_accepting_a_suggestion_shows_the_project_for_review_first(open_page: OpenPage, app_env: Path) -> None:
    """Item 7: 采纳立项 opens the pre-filled project; only 确认立项 creates it, with what was settled."""
    at = open_tab(open_page("admin", PAGE), "lists_tab", "对接矩阵")
    assert_clean(at)
    accept = next(b for b in at.button if b.key and b.key.startswith("lists_mx_accept_"))
    need_id = int(accept.key.split("_")[3])
    need_title = _read(app_env, lambda s: s.get(Need, need_id).title)
    count = _read(app_env, lambda s: len(s.scalars(select(Project.id)).all()))
    accept.click().run()
    assert_clean(at)
    title = at.text_input(key="lists_mx_review_title")
    assert title.value == need_title  # pre-filled from the need
    assert any("确定项目" in m.value and "牵头单位" in m.value for m in at.markdown)
    assert _read(app_env, lambda s: len(s.scalars(select(Project.id)).all())) == count  # nothing yet
    title.set_value("核对后的项目名称")
    next(
        b for b in at.button if b.key and b.key.startswith("FormSubmitter:lists_mx_review_") and "确认立项" in b.key
    ).click().run()
    assert_clean(at)
    created = _read(app_env, lambda s: s.scalar(select(Project).where(Project.title == "核对后的项目名称")))
    assert created is not None and [n.id for n in _read(app_env, lambda s: s.get(Project, created.id).needs)] == [
        need_id
    ]


def test_deleting_an_agreement_asks_first_and_can_be_undone(open_page: OpenPage, app_env: Path) -> None:
    from db.models import Agreement

    at = open_tab(open_page("community1", PAGE), "lists_tab", "共建协议")
    aid = at.selectbox(key="lists_agr_edit_pick").value
    at.button(key=f"lists_del_agreement_{aid}").click().run()
    assert not _deleted(app_env, Agreement, aid)
    assert any("确定删除共建协议" in w.value for w in at.warning)
    at.button(key=f"lists_del_agreement_{aid}_yes").click().run()
    assert_clean(at)
    assert _deleted(app_env, Agreement, aid)
    at.button(key="lists_undo_agreement").click().run()
    assert_clean(at)
    assert not _deleted(app_env, Agreement, aid)
