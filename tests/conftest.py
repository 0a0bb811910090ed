"""Shared fixtures: migrated and seeded databases (SQLite always, PostgreSQL when
``TEST_DATABASE_URL`` is set), a session per test rolled back afterwards, actors per role."""

from __future__ import annotations

import io
import os
import shutil
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

os.environ.setdefault("COBUILD_BCRYPT_ROUNDS", "4")
os.environ.setdefault("COBUILD_LOGIN_SLEEP", "0")

from db.engine import make_engine
from db.migrate import upgrade
from db.models import Community, Unit, User
from domain.actor import Actor
from domain.text import pinyin_key
from services.users import actor_for
from tests.manage_cli import CliResult, CliRun

TODAY = date(2026, 11, 24)


def _worker_database() -> None:
    """Under pytest-xdist (make test runs two workers) each worker gets a PostgreSQL database of its own —
    ``test_gw0``, ``test_gw1`` … beside TEST_DATABASE_URL's, created when missing — so that one worker's
    schema reset never meets the other's tests. The variable is rewritten before any test module reads it
    (this file is imported first), and the subprocesses the tests start inherit it."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    url = os.environ.get("TEST_DATABASE_URL")
    if not worker or not url:
        return
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    base = make_url(url)
    if base.get_backend_name() != "postgresql":
        return
    name = f"{base.database}_{worker}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
            if exists is None:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        admin.dispose()
    os.environ["TEST_DATABASE_URL"] = base.set(database=name).render_as_string(hide_password=False)


_worker_database()
PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def _reset_pg_schema(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


def _seed(engine: Engine) -> None:
    from seed.demo import seed_demo

    with Session(engine) as s:
        seed_demo(s, today=TODAY)
        s.commit()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, demo-seeded SQLite file, copied by tests that need their own."""
    path = tmp_path_factory.mktemp("template") / "demo.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    _seed(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session", params=BACKENDS)
def demo_engine(request: pytest.FixtureRequest, sqlite_template: Path) -> Iterator[Engine]:
    """A seeded demo database per backend, shared by the session (tests roll back)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{sqlite_template}")
    else:
        assert PG_URL
        engine = make_engine(PG_URL)
        _reset_pg_schema(engine)
        upgrade(engine)
        _seed(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(demo_engine: Engine) -> Iterator[Session]:
    """A session on the demo data whose changes are rolled back after the test."""
    conn = demo_engine.connect()
    trans = conn.begin()
    s = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield s
    finally:
        s.close()
        trans.rollback()
        conn.close()


@pytest.fixture(scope="session")
def empty_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty SQLite file: migrated once per run, copied by each test that needs one."""
    path = tmp_path_factory.mktemp("empty-template") / "empty.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def empty_engine(tmp_path: Path, empty_template: Path) -> Iterator[Engine]:
    """A migrated, empty SQLite database of its own (a copy of the migrated template)."""
    target = tmp_path / "empty.db"
    shutil.copy(empty_template, target)
    engine = make_engine(f"sqlite:///{target}")
    yield engine
    engine.dispose()


@pytest.fixture
def db_file(tmp_path: Path, sqlite_template: Path) -> Path:
    """A private copy of the seeded SQLite demo database (for the app and the CLI)."""
    target = tmp_path / "cobuild.db"
    shutil.copy(sqlite_template, target)
    return target


def _actor(session: Session, username: str) -> Actor:
    user = session.scalar(select(User).where(User.username == username))
    assert user is not None, username
    return actor_for(user)


@pytest.fixture
def admin(session: Session) -> Actor:
    return _actor(session, "admin")


@pytest.fixture
def community_worker(session: Session) -> Actor:
    return _actor(session, "community1")


@pytest.fixture
def liaison(session: Session) -> Actor:
    return _actor(session, "liaison1")


@pytest.fixture
def leader(session: Session) -> Actor:
    return _actor(session, "leader")


@pytest.fixture
def other_unit_id(session: Session, liaison: Actor) -> int:
    """A unit that is not the liaison's."""
    units = sorted(session.execute(select(Unit.id, Unit.name)).all(), key=lambda r: pinyin_key(r.name))
    return next(u.id for u in units if u.id != liaison.unit_id)


@pytest.fixture
def other_community_id(session: Session, community_worker: Actor) -> int:
    ids = session.scalars(select(Community.id)).all()
    return next(i for i in ids if i != community_worker.community_id)


# --- manage.py, in process ------------------------------------------------------------------------


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> CliRun:
    """``cli(argv, db=FILE, stdin=TEXT, env={...})``: ``manage.main(argv)`` in this process, the database
    and the rest of the settings given through the environment as the commands read them (``None`` in
    ``env`` unsets a variable); a usage error's ``SystemExit`` becomes its exit status, as in a shell."""
    import manage

    def run(
        argv: list[str], *, db: Path | None = None, stdin: str = "", env: dict[str, str | None] | None = None
    ) -> CliResult:
        capsys.readouterr()  # what the test printed before is not the command's
        if db is not None:
            monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
        for name, value in (env or {}).items():
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        try:
            code = manage.main([str(a) for a in argv])
        except SystemExit as exit_:
            code = 0 if exit_.code is None else exit_.code if isinstance(exit_.code, int) else 1
        out = capsys.readouterr()
        return CliResult(code, out.out, out.err)

    return run
