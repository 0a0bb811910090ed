"""站内消息 in the sidebar, per role: the unread count, the list, mark read; who sees whose notices."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.engine import make_engine
from db.models import Notice, User
from domain.enums import WhistleKind
from services import whistle
from services.users import actor_for
from tests.pages.conftest import OpenPage, assert_clean


def _raise_for_liaison1(db: Path) -> int:
    engine = make_engine(f"sqlite:///{db}")
    with Session(engine) as s:
        worker = actor_for(s.scalars(select(User).where(User.username == "community1")).one())
        unit = s.scalars(select(User.unit_id).where(User.username == "liaison1")).one()
        wid = whistle.raise_whistle(
            s,
            worker,
            community_id=worker.community_id or 0,
            kind=WhistleKind.PROGRESS,
            title="电梯困人演练",
            unit_ids=[unit],
        )
        s.commit()
    engine.dispose()
    return wid


def _inbox(at):  # type: ignore[no-untyped-def]
    found = [e for e in at.expander if str(e.label).startswith("站内消息")]
    assert len(found) == 1, [e.label for e in at.expander]
    return found[0]


def _opened(at):  # type: ignore[no-untyped-def]
    """Open the inbox: its list runs only while it is open (a closed one costs one count a refresh)."""
    at.session_state["inbox_open"] = True
    return at.run()


def _texts(at) -> str:  # type: ignore[no-untyped-def]
    return " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)


def _unread_of(db: Path, username: str) -> list[Notice]:
    engine = make_engine(f"sqlite:///{db}")
    with Session(engine) as s:
        user = s.scalars(select(User).where(User.username == username)).one()
        unread = list(s.scalars(select(Notice).where(Notice.recipient_user_id == user.id, Notice.read_at.is_(None))))
    engine.dispose()
    return unread


def _badge(n: int) -> str:
    return f"站内消息 · {n} 条未读" if n else "站内消息"


def test_liaison_sees_the_unread_summons_and_marks_it_read(open_page: OpenPage, app_env: Path) -> None:
    before = len(_unread_of(app_env, "liaison1"))  # the demo's own (a 待办 reminder)
    _raise_for_liaison1(app_env)
    at = open_page("liaison1")
    assert_clean(at)
    assert _inbox(at).label == _badge(before + 1)
    assert "电梯困人演练" not in _texts(at)  # closed: the list is not read
    _opened(at)
    assert "电梯困人演练" in _texts(at)
    [summons] = [n for n in _unread_of(app_env, "liaison1") if "电梯困人演练" in n.params]
    assert len([b for b in at.button if b.label == "标为已读"]) == before + 1
    at.button(key=f"inbox_read_{summons.id}").click().run()
    assert_clean(at)
    assert _inbox(at).label == _badge(before)


def test_community_worker_sees_its_communitys_notices_to_others(open_page: OpenPage, app_env: Path) -> None:
    _raise_for_liaison1(app_env)
    at = _opened(open_page("community1"))
    assert_clean(at)
    assert "电梯困人演练" in _texts(at)  # sent to liaison1, about community1's matter
    assert any("发给" in c.value for c in at.caption)


def test_leader_sees_only_own_notices(open_page: OpenPage, app_env: Path) -> None:
    _raise_for_liaison1(app_env)
    at = _opened(open_page("leader"))
    assert_clean(at)
    assert _inbox(at).label == "站内消息"
    assert "电梯困人演练" not in _texts(at) and "暂无消息。" in _texts(at)


def test_admin_sees_notices_of_the_whole_county(open_page: OpenPage, app_env: Path) -> None:
    _raise_for_liaison1(app_env)
    at = _opened(open_page("admin"))
    assert_clean(at)
    assert "电梯困人演练" in _texts(at)


@pytest.mark.parametrize("username", ["admin", "community1", "liaison1", "leader"])
def test_mark_all_read_clears_the_badge(open_page: OpenPage, app_env: Path, username: str) -> None:
    engine = make_engine(f"sqlite:///{app_env}")
    with Session(engine) as s:
        user = s.scalars(select(User).where(User.username == username)).one()
        unread = [n for n in s.scalars(select(Notice).where(Notice.recipient_user_id == user.id)) if n.read_at is None]
    engine.dispose()
    at = open_page(username)
    assert_clean(at)
    if not unread:
        assert _inbox(at).label == "站内消息"
        return
    assert _inbox(at).label == f"站内消息 · {len(unread)} 条未读"
    _opened(at)
    next(b for b in at.button if b.key == "inbox_read_all").click().run()
    assert_clean(at)
    assert _inbox(at).label == "站内消息"
