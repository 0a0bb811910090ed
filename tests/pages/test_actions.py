"""ui.kit.actions.run_write, the one way a screen writes: a refusal is shown naming the field and
writes nothing; a success is written, said once after the rerun (one session key), and returned;
anything unexpected is not swallowed (app.py's page-run block shows the generic message)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from db.engine import make_engine
from db.models import Category
from locales import translate


def _script() -> None:
    import streamlit as st

    from db.models import Category
    from domain.errors import ValidationError
    from ui.kit import actions

    actions.show_flash()  # as app.py does before the page

    def add(name: str, *, fail: Exception | None = None):  # type: ignore[no-untyped-def]
        def action(s):  # type: ignore[no-untyped-def]
            s.add(Category(name=name))
            s.flush()  # written into the transaction: only the rollback can undo it
            if fail is not None:
                raise fail
            return name

        return action

    if st.button("ok"):
        actions.run_write(add("动作测试类别"), lambda name: f"已保存：{name}")
    if st.button("kept"):
        st.session_state["result"] = actions.run_write(add("返回值类别"), rerun=False)
    if st.button("refused"):
        result = actions.run_write(add("被拒绝的类别", fail=ValidationError("lists.fields.category", "error.required")))
        st.session_state["refused"] = result is actions.FAILED
    if st.button("boom"):
        try:
            actions.run_write(add("出错的类别", fail=RuntimeError("a bug")), "不应出现")
        except RuntimeError as err:  # reaches the caller (in the app: app.py's page-run block)
            st.session_state["raised"] = str(err)


def _names(db: Path) -> set[str]:
    engine = make_engine(f"sqlite:///{db}")
    try:
        with Session(engine) as s:
            return set(s.scalars(select(Category.name)))
    finally:
        engine.dispose()


def _app() -> AppTest:
    at = AppTest.from_function(_script, default_timeout=30)
    at.session_state["lang"] = "zh_CN"
    return at.run()


def _click(at: AppTest, label: str) -> AppTest:
    return next(b for b in at.button if b.label == label).click().run()


def test_a_success_is_written_and_said_once_after_the_rerun(app_env: Path) -> None:
    at = _click(_app(), "ok")
    assert not at.exception and not at.error
    assert [s.value for s in at.success] == ["已保存：动作测试类别"]  # shown by the run after st.rerun
    assert "动作测试类别" in _names(app_env)
    assert "cobuild_flash" not in at.session_state  # popped by the run that showed it
    at.run()
    assert not at.success  # said once


def test_rerun_false_returns_the_result_and_keeps_no_message(app_env: Path) -> None:
    at = _click(_app(), "kept")
    assert at.session_state["result"] == "返回值类别"
    assert not at.success and "返回值类别" in _names(app_env)


def test_a_refusal_names_the_field_and_writes_nothing(app_env: Path) -> None:
    at = _click(_app(), "refused")
    field = translate("zh_CN", "lists.fields.category")
    assert [e.value for e in at.error] == [translate("zh_CN", "error.required", field=field)]
    assert at.session_state["refused"] is True
    assert not at.success and "cobuild_flash" not in at.session_state
    assert "被拒绝的类别" not in _names(app_env)


def test_an_unexpected_error_is_not_swallowed_and_writes_nothing(app_env: Path) -> None:
    at = _click(_app(), "boom")
    assert at.session_state["raised"] == "a bug"
    assert not at.error and not at.success and "cobuild_flash" not in at.session_state
    assert "出错的类别" not in _names(app_env)
