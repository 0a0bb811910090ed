"""One cache mechanism (db/areas.py, ui.kit.state.cached_read): every table in one data area or none;
a write's transaction gives its areas new versions (a rollback none; an audit row or a login's
bookkeeping none); a cached read is keyed by the versions of the areas it declares, so a write in
another process is seen at once and a write to another area leaves it served from the cache — on
SQLite (a file) and on PostgreSQL (TEST_DATABASE_URL, in a private schema)."""

from __future__ import annotations

import ast
import importlib
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import Engine, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from db import areas as data_areas
from db.engine import make_engine, make_session_factory, session_scope
from db.migrate import upgrade
from db.models import AuditEntry, Base, Category, LoginThrottle, User
from domain.actor import SYSTEM
from domain.enums import AuditAction, Role
from services import admin, reference
from services import whistle as ws

ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("TEST_DATABASE_URL")
SCHEMA = "cobuild_data_versions"


def _pg_schema_url(base: str) -> str:
    return (
        make_url(base).update_query_dict({"options": f"-csearch_path={SCHEMA}"}).render_as_string(hide_password=False)
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database: a SQLite file, or a private schema of TEST_DATABASE_URL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'versions.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
        return
    if not PG_URL or make_url(PG_URL).get_backend_name() != "postgresql":
        pytest.skip("TEST_DATABASE_URL is not a PostgreSQL URL")
    admin_engine = make_engine(PG_URL)
    with admin_engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{SCHEMA}"'))
    url = _pg_schema_url(PG_URL)
    engine = make_engine(url)
    try:
        upgrade(engine)
        engine.dispose()
        yield url
    finally:
        engine.dispose()
        with admin_engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        admin_engine.dispose()


@pytest.fixture
def factory(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    yield make_session_factory(engine)
    engine.dispose()


def _versions(factory: sessionmaker[Session]) -> dict[str, str]:
    with session_scope(factory) as s:
        return data_areas.read_versions(s)


def _moved(before: dict[str, str], after: dict[str, str]) -> set[str]:
    return {a for a in set(before) | set(after) if before.get(a) != after.get(a)}


# --- the map ---------------------------------------------------------------------------------------


def test_every_table_belongs_to_exactly_one_area_or_to_none() -> None:
    tables = set(Base.metadata.tables)
    placed = [t for ts in data_areas.AREAS.values() for t in ts] + list(data_areas.NO_AREA)
    assert sorted(placed) == sorted(set(placed)), "a table in two areas"
    assert set(placed) == tables, (sorted(tables - set(placed)), sorted(set(placed) - tables))
    assert set(Base.metadata.tables["app_user"].c.keys()) >= data_areas.LOGIN_BOOKKEEPING


def test_an_area_has_no_version_until_its_first_write(factory: sessionmaker[Session]) -> None:
    assert _versions(factory) == {}
    with session_scope(factory, write=True) as s:
        admin.create_category(s, SYSTEM, name="第一次")
    assert set(_versions(factory)) == {"org"}


def test_tables_in_sql_names_the_tables_read_not_the_labels() -> None:
    sql = (
        "SELECT community.name AS unit, count(*) FROM need JOIN community ON community.id = need.community_id, "
        'app_user WHERE EXISTS (SELECT 1 FROM "project_unit" AS x) AND need.project_id = 3'
    )
    assert data_areas.tables_in_sql(sql) == {"need", "community", "app_user", "project_unit"}


# --- writes bump their areas, in their transaction -------------------------------------------------


def test_a_write_bumps_the_areas_it_touched_and_only_those(factory: sessionmaker[Session]) -> None:
    before = _versions(factory)
    with session_scope(factory, write=True) as s:
        admin.create_category(s, SYSTEM, name="两区测试")
    after = _versions(factory)
    assert _moved(before, after) == {"org"}  # the category; its audit row bumps nothing

    with session_scope(factory, write=True) as s:  # a bulk statement is seen too
        s.execute(update(Category).where(Category.name == "两区测试").values(description="批量"))
    assert _moved(after, _versions(factory)) == {"org"}


def test_a_rolled_back_write_bumps_nothing(factory: sessionmaker[Session]) -> None:
    before = _versions(factory)
    with pytest.raises(RuntimeError), session_scope(factory, write=True) as s:
        admin.create_category(s, SYSTEM, name="回滚")
        s.flush()
        raise RuntimeError("undo")
    assert _versions(factory) == before
    with session_scope(factory) as s:
        assert s.scalar(select(Category.id).where(Category.name == "回滚")) is None


def test_audit_rows_and_login_bookkeeping_bump_nothing(factory: sessionmaker[Session]) -> None:
    with session_scope(factory, write=True) as s:
        s.add(User(username="u1", display_name="某人", password_hash="x", role=Role.ADMIN))
    before = _versions(factory)
    now = datetime.now(UTC)
    with session_scope(factory, write=True) as s:
        user = s.scalars(select(User).where(User.username == "u1")).one()
        user.failed_logins = 2
        user.first_failed_at = now
        user.sessions_valid_after = now
        s.add(LoginThrottle(name="nobody", failed_logins=1, first_failed_at=now, expires_at=now))
        s.add(AuditEntry(at=now, username="u1", action=AuditAction.LOGIN, entity="app_user"))
    with session_scope(factory, write=True) as s:
        s.execute(update(User).where(User.username == "u1").values(failed_logins=0, locked_until=None))
    assert _versions(factory) == before
    with session_scope(factory, write=True) as s:  # a user's name is org's data
        s.scalars(select(User).where(User.username == "u1")).one().display_name = "改名"
    assert _moved(before, _versions(factory)) == {"org"}


# --- reads declare their areas ---------------------------------------------------------------------


def _cached_targets() -> list[tuple[str, str]]:
    """(module, function) of every ``cached_read(x.f, …)`` / ``cached_read(f, …)`` in ui/ and app_pages/."""
    found = []
    for path in [*ROOT.glob("ui/**/*.py"), *ROOT.glob("app_pages/*.py")]:
        if path.name == "state.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                for a in node.names:
                    aliases[a.asname or a.name] = f"{node.module}.{a.name}"
        here = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "cached_read" and node.args:
                target = node.args[0]
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                    found.append((aliases.get(target.value.id, target.value.id), target.attr))
                elif isinstance(target, ast.Name):
                    qual = aliases.get(target.id)
                    found.append(tuple(qual.rsplit(".", 1)) if qual else (here, target.id))  # type: ignore[arg-type]
    return found


def test_every_module_read_through_cached_read_declares_its_areas() -> None:
    targets = _cached_targets()
    assert len(targets) >= 60, len(targets)
    for module, name in targets:
        mod = importlib.import_module(module)
        assert callable(getattr(mod, name)), (module, name)
        declared = getattr(mod, "READS", None)
        assert isinstance(declared, frozenset) and declared, f"{module} declares no READS"
        assert declared <= data_areas.ALL_AREAS


@pytest.fixture
def app_db(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """ui.kit.state on ``db_url`` (fresh Streamlit caches)."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("COBUILD_DATA_DIR", str(tmp_path / "data"))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield db_url
    st.cache_data.clear()
    st.cache_resource.clear()


def test_a_read_of_a_table_outside_its_declared_areas_is_refused(app_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from ui.kit import state

    monkeypatch.setattr(state, "CHECK_AREAS", True)
    monkeypatch.setattr(reference, "READS", data_areas.areas("settings"))  # categories are org's
    with pytest.raises(AssertionError, match=r"category.*READS"):
        state.cached_read(reference.list_categories)
    monkeypatch.setattr(reference, "READS", data_areas.areas("org"))
    assert state.cached_read(reference.list_categories) == []


# --- two processes ---------------------------------------------------------------------------------

WRITER = textwrap.dedent(
    """
    import sys
    from dataclasses import replace
    from db.engine import make_engine, make_session_factory, session_scope
    from domain.actor import SYSTEM
    from services import admin
    from services import whistle as ws

    url, what = sys.argv[1], sys.argv[2]
    factory = make_session_factory(make_engine(url))
    with session_scope(factory, write=True) as s:
        if what == "limits":
            limits = ws.get_limits(s)
            kind = sorted(limits)[0]
            stage = sorted(limits[kind])[0]
            limits[kind][stage] = replace(limits[kind][stage], amount=limits[kind][stage].amount + 1)
            ws.set_limits(s, SYSTEM, limits=limits)
        else:
            admin.create_category(s, SYSTEM, name=what)
    """
)


def _other_process_writes(url: str, what: str) -> None:
    subprocess.run([sys.executable, "-c", WRITER, url, what], cwd=ROOT, check=True, timeout=120)


def _behind_the_back(url: str, name: str) -> None:
    """A category inserted without the app's session factory: no version moves."""
    engine: Engine = make_engine(url)
    with Session(engine) as s:
        s.add(Category(name=name))
        s.commit()
    engine.dispose()


def _first_limit(limits: dict) -> int:  # type: ignore[type-arg]
    kind = sorted(limits)[0]
    return int(limits[kind][sorted(limits[kind])[0]].amount)


def test_a_write_in_another_process_is_seen_at_once_and_other_areas_stay_cached(app_db: str) -> None:
    from ui.kit.state import cached_read

    names = lambda: [o.name for o in cached_read(reference.list_categories)]  # noqa: E731
    limit = lambda: _first_limit(cached_read(ws.get_limits))  # noqa: E731
    assert names() == []
    first = limit()

    _behind_the_back(app_db, "背后")  # not through the app: the org entry is served from the cache
    assert names() == []

    _other_process_writes(app_db, "limits")  # the area settings moves: the limits are read afresh …
    assert limit() == first + 1
    assert names() == [], "… and org's cached entries are still served"

    _other_process_writes(app_db, "另一进程")  # org moves: read afresh, with what was behind the back
    assert sorted(names()) == sorted(["背后", "另一进程"])
    assert limit() == first + 1


def test_a_restore_gives_every_area_a_new_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A restored backup carries the versions it was taken with: the restore moves them all."""
    from services import backup

    monkeypatch.setenv("COBUILD_BACKUP_KEY", "a-deployment-key-0123456789")
    monkeypatch.setenv("COBUILD_DATA_DIR", str(tmp_path / "data"))

    engine = make_engine(f"sqlite:///{tmp_path / 'live.db'}")
    upgrade(engine)
    factory = make_session_factory(engine)
    backup.backup_database(engine, tmp_path / "saved.db")
    before = _versions(factory)
    backup.restore_database(engine, tmp_path / "saved.db")
    after = _versions(make_session_factory(engine))
    engine.dispose()
    assert _moved(before, after) == set(data_areas.AREAS)
