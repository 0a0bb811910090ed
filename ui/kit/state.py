"""Process-wide engine and settings, and the one commit point per user action."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from config import Settings, load_settings
from db.engine import make_engine, make_session_factory
from db.engine import session_scope as _session_scope
from domain.errors import Conflict

_R = TypeVar("_R")

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


@st.cache_data(ttl=CACHE_TTL, show_spinner=False, max_entries=CACHE_MAX_ENTRIES)
def _read(module: str, name: str, args: tuple[Any, ...], kwargs: tuple[tuple[str, Any], ...]) -> Any:
    fn = getattr(importlib.import_module(module), name)
    with session_scope() as session:
        return fn(session, *args, **dict(kwargs))


def cached_read(fn: Callable[..., _R], *args: Any, **kwargs: Any) -> _R:
    """``fn(session, *args, **kwargs)`` for a service read, cached by its arguments (the actor is one,
    so one user's rows are never served to another) until a write clears the caches or CACHE_TTL ends.

    ``fn`` must be a module-level function of ``services`` returning a picklable value; pass times
    rounded (``minute()``) so that reruns within a minute share one entry."""
    return _read(fn.__module__, fn.__name__, args, tuple(sorted(kwargs.items())))  # type: ignore[no-any-return]


def minute(now: datetime) -> datetime:
    """``now`` to the minute: a clock-based figure stays cached for the minute it is shown."""
    return now.replace(second=0, microsecond=0)


_warm_lock = threading.Lock()
_warm_started = False


def warm_matching_in_background() -> None:
    """Start loading the matching rule's dictionary in a daemon thread, once per process, so the first
    look at the suggestions does not wait ~1 s for it (app.py calls this; imports, manage.py and the
    tests do not pay for it)."""
    global _warm_started
    with _warm_lock:
        if _warm_started:
            return
        _warm_started = True
    from domain import matching

    threading.Thread(target=matching.warm, name="cobuild-warm-matching", daemon=True).start()
