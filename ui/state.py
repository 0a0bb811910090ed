"""Process-wide engine and settings, and the one commit point per user action."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from config import Settings, load_settings
from db.engine import make_engine, make_session_factory
from db.engine import session_scope as _session_scope
from domain.errors import Conflict

# How long cached figures live. A write clears this process's caches at once; other processes of a
# multi-process deployment see it within this many seconds (replicas agree within a minute).
CACHE_TTL = 60
CACHE_MAX_ENTRIES = 256


@st.cache_resource
def get_settings() -> Settings:
    return load_settings()


@st.cache_resource
def _engine_and_factory(url: str) -> tuple[Engine, sessionmaker[Session]]:
    engine = make_engine(url)
    return engine, make_session_factory(engine)


def get_engine() -> Engine:
    return _engine_and_factory(get_settings().database_url)[0]


@contextmanager
def session_scope(*, write: bool = False) -> Iterator[Session]:
    """A unit of work for one user action: committed at the end, rolled back on error.

    A write also clears the data caches, which it may have made stale."""
    _, factory = _engine_and_factory(get_settings().database_url)
    try:
        with _session_scope(factory, write=write) as session:
            yield session
    except StaleDataError:
        raise Conflict("error.conflict") from None
    except OperationalError as err:
        # SQLite waited out its busy timeout (10 s) for another writer: say so, nothing was saved
        if "locked" in str(err).lower() or "busy" in str(err).lower():
            raise Conflict("error.busy") from None
        raise
    if write:
        st.cache_data.clear()
