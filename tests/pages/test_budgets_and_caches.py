"""quality.md's bars that small data can still guard: every chart gets an aggregate, not rows (its
size does not follow the data), every table a page; and a write reads afresh the cached figures of the
data areas it wrote (db/areas.py), and only those — a login clears nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from bench.pages import chart_and_table_rows
from db.engine import make_engine
from db.models import Activity
from domain.actor import SYSTEM
from exports import charts
from services import metrics
from tests.conftest import TODAY
from tests.pages.conftest import OpenPage, assert_clean, each_tab, tab_labels
from ui.kit.navigation import PAGES

TABLE_PAGE = 1000  # bench.__main__.TABLE_ROWS: more than this means a table went out whole
ADDED = 2000

COLUMNS = (
    "unit_id, community_id, held_on, kind, title, description, participants, volunteer_hours, beneficiaries, "
    "project_id, member_id, logged_by_user_id, created_at, updated_at, deleted_at"
)


def _walk(at: AppTest, username: str) -> dict[str, list[int]]:
    """Rows per chart on every page and tab the user reaches: ``{"page tab": [rows, …]}``; tables checked."""
    seen: dict[str, list[int]] = {}
    for spec in PAGES:
        if username not in ("admin",) and spec.url_path == "admin":
            continue
        at.switch_page(spec.script).run()
        key = f"{Path(spec.script).stem}_tab"
        for label in each_tab(at, key) if tab_labels(at, key) else [""]:
            assert_clean(at)
            chart_rows, table_rows = chart_and_table_rows(at)
            where = f"{spec.url_path} {label}".strip()
            assert all(n <= charts.MAX_ROWS for n in chart_rows), (where, chart_rows)
            assert all(n <= TABLE_PAGE for n in table_rows), (where, table_rows)
            seen[where] = chart_rows
    return seen


def _add_activities(db_file: Path, n: int) -> int:
    """``n`` more activities this year (copies of the demo's, spread over the months so far)."""
    engine = make_engine(f"sqlite:///{db_file}")
    try:
        with engine.begin() as conn:
            made = 0
            while made < n:
                made += conn.execute(
                    text(
                        f"INSERT INTO activity ({COLUMNS}) SELECT {COLUMNS.replace('held_on', ':day')} FROM activity "
                        "WHERE deleted_at IS NULL LIMIT :n"
                    ),
                    {"day": date(TODAY.year, 1 + made % TODAY.month, 1 + made % 28), "n": n - made},
                ).rowcount
            return made
    finally:
        engine.dispose()


def test_no_chart_grows_with_the_data_and_every_table_is_paged(db_file: Path, open_page: OpenPage) -> None:
    """Walk every page and tab as the admin, add 2,000 activities, walk again: each chart is handed
    an aggregate whose size follows months, kinds and units shown — not the activities."""
    at = open_page("admin")
    before = _walk(at, "admin")
    assert sum(len(v) for v in before.values()) >= 20, "the walk saw hardly any charts"
    assert _add_activities(db_file, ADDED) >= ADDED
    st.cache_data.clear()
    after = _walk(at, "admin")
    assert after.keys() == before.keys()
    for where, rows in after.items():
        grown = [a - b for a, b in zip(rows, before[where], strict=False)]
        assert all(g < ADDED / 20 for g in grown), (where, before[where], rows)


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_a_write_through_the_app_clears_the_figures_it_stales(db_file: Path, open_page: OpenPage) -> None:
    """The overview's figures are cached: a change made behind the app's back does not show until
    the cache ends, but a write through the app (here: logging an activity) clears it at once."""
    admin = open_page("admin", "app_pages/overview.py")
    shown = _metric(admin, "本年活动")
    assert _add_activities(db_file, 1) == 1  # behind the app's back: no cache is cleared
    admin.run()
    assert _metric(admin, "本年活动") == shown, "the figure is served from the cache"

    liaison = open_page("liaison1", "app_pages/activities.py")
    liaison.text_input(key="activities_log_title").input("缓存测试的志愿服务")
    liaison.button(key="activities_log_submit").click().run()
    assert_clean(liaison)
    admin.run()
    engine = make_engine(f"sqlite:///{db_file}")
    with Session(engine) as s:
        now = metrics.activities(s, start=date(TODAY.year, 1, 1), end=TODAY)
        assert s.scalar(select(func.count(Activity.id)).where(Activity.title == "缓存测试的志愿服务")) == 1
    engine.dispose()
    assert _metric(admin, "本年活动") == f"{now:,}"
    assert _metric(admin, "本年活动") != shown


def test_cached_reads_are_per_arguments_and_cleared_only_by_a_write_to_their_areas(app_env: Path) -> None:
    """ui.kit.state.cached_read keys by function, arguments and the data versions of the areas the
    function's module reads: another year is another entry; a write scope that wrote nothing, or wrote
    another area, leaves the entry served; a write to the activities area reads it afresh."""
    from ui.kit.state import cached_read, session_scope

    def count(year: int) -> int:
        return cached_read(metrics.activities, start=date(year, 1, 1), end=date(year, 12, 31))

    this_year, last_year = count(TODAY.year), count(TODAY.year - 1)
    _add_activities(app_env, 3)  # behind the app's back: no version moves
    assert count(TODAY.year) == this_year  # cached
    with session_scope(write=True):
        pass
    assert count(TODAY.year) == this_year, "a write scope that wrote nothing clears nothing"
    with session_scope(write=True) as s:  # the whistle's limits are the area settings, not read here
        from services import whistle

        whistle.set_limits(s, SYSTEM, limits=whistle.get_limits(s))
    assert count(TODAY.year) == this_year, "a write to another area leaves the figure cached"
    with session_scope(write=True) as s:  # a bulk update of the activity table, through the app's sessions
        first = s.scalar(select(func.min(Activity.id)))
        s.execute(update(Activity).where(Activity.id == first).values(title=Activity.title + "！"))
    assert count(TODAY.year) == this_year + 3
    assert count(TODAY.year - 1) == last_year


def _overview_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the overview service's computations (a cached run makes none)."""
    from services import overview

    calls: list[int] = []
    real = overview.get_overview

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(overview, "get_overview", counting)
    return calls


def test_a_login_and_its_audit_row_clear_no_cached_figure(open_page: OpenPage, monkeypatch: pytest.MonkeyPatch) -> None:
    """Logging in (a wrong password first, then the right one: the lockout count, the audit rows)
    writes only what belongs to no data area: the overview's figures stay cached for everyone."""
    calls = _overview_calls(monkeypatch)
    admin = open_page("admin", "app_pages/overview.py")
    shown = _metric(admin, "本年活动")
    assert len(calls) == 1

    leader = open_page(None)
    for password in ("not-the-password1", "cobuild-leader"):
        leader.text_input(key="login_username").input("leader")
        leader.text_input(key="login_password").input(password)
        next(b for b in leader.button if b.label == "登录").click()
        leader.run()
    assert_clean(leader)
    assert "退出登录" in [b.label for b in leader.button]
    admin.run()
    assert _metric(admin, "本年活动") == shown
    assert len(calls) == 1, "the login cleared the overview's cached figures"

    liaison = open_page("liaison1", "app_pages/activities.py")  # a write to the area activities
    liaison.text_input(key="activities_log_title").input("登录后的志愿服务")
    liaison.button(key="activities_log_submit").click().run()
    assert_clean(liaison)
    before = len(calls)  # (the liaison's own unit has an overview entry of its own)
    admin.run()
    assert len(calls) == before + 1, "the write read the figures afresh"


def test_each_script_run_reads_the_data_versions_once(open_page: OpenPage, monkeypatch: pytest.MonkeyPatch) -> None:
    """The overview makes several cached reads per run (figures, chairs, …): one read of the versions."""
    from ui.kit import state

    reads: list[int] = []
    real = state.read_versions

    def counting(session: Session) -> dict[str, str]:
        reads.append(1)
        return real(session)

    monkeypatch.setattr(state, "read_versions", counting)
    at = open_page("admin", "app_pages/overview.py")
    for _ in range(3):
        reads.clear()
        at.run()
        assert_clean(at)
        assert len(reads) == 1, len(reads)
