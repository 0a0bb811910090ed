"""Engines and sessions: SQLite with WAL, foreign keys, a busy timeout and ``BEGIN IMMEDIATE``
for writes; PostgreSQL through psycopg 3."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite files get their folder, WAL and the pragmas."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(url, **kwargs)
    database = parsed.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    connect_args = kwargs.pop("connect_args", {})
    connect_args.setdefault("check_same_thread", False)
    connect_args.setdefault("timeout", BUSY_TIMEOUT_MS / 1000)
    engine = create_engine(url, connect_args=connect_args, **kwargs)
    _configure_sqlite(engine, in_memory=not database or database == ":memory:")
    return engine


def _configure_sqlite(engine: Engine, *, in_memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite so that we emit BEGIN ourselves.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if not in_memory:
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = "IMMEDIATE" if conn.get_execution_options().get("cobuild_write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """The app's sessions: each commit also gives a new data version to the areas it wrote
    (``db.areas``), which is how every process's cached reads learn of the write."""
    from db.areas import TRACKED, track_writes

    return track_writes(sessionmaker(bind=engine, expire_on_commit=False, autoflush=True, info={TRACKED: True}))


@contextmanager
def session_scope(factory: sessionmaker[Session], *, write: bool = False) -> Iterator[Session]:
    """One unit of work: commit at the end, roll back on any error.

    ``write=True`` starts the transaction with ``BEGIN IMMEDIATE`` on SQLite, so that a
    read-then-write cannot lose an update to another writer; on PostgreSQL services take
    row locks (``with_for_update``) or rely on version columns.
    """
    session = factory()
    try:
        if write:
            session.connection(execution_options={"cobuild_write": True})
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
