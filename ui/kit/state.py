"""Process-wide engine and settings, the one commit point per user action, and the one cache of page
reads (``cached_read``: keyed by function, arguments and the data versions of the areas read, db/areas.py)."""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any, TypeVar

import streamlit as st
from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError
from streamlit.runtime.scriptrunner import get_script_run_ctx

from config import Settings, load_settings
from db.areas import read_versions, tables_in_sql, tables_of
from db.engine import make_engine, make_session_factory
from db.engine import session_scope as _session_scope
from domain.errors import Conflict

_R = TypeVar("_R")

# Cached reads are keyed by the data versions of the areas they read (db/areas.py), compared once per
# script run: a write in any process is seen by the next run of every process. The time to live and the
# entry count only bound the memory held by entries whose versions have moved on.
CACHE_TTL = 3600
CACHE_MAX_ENTRIES = 512
# tests set this: a cached read whose SQL names a table outside the areas it declares raises (the
# app logs it), so a missing area cannot hide behind a warm cache
CHECK_AREAS = False

log = logging.getLogger(__name__)


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

    A write's commit gives new data versions to the areas it wrote (db/areas.py), in its transaction:
    the cached reads of those areas, in this process and any other, are read afresh; the others stay."""
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
        _forget_versions()  # this run's later reads see its own write


_RUN_VERSIONS = "_cobuild_data_versions"  # on the script run context: (the run's cursors, the versions)


def _forget_versions() -> None:
    ctx = get_script_run_ctx()
    if ctx is not None:
        setattr(ctx, _RUN_VERSIONS, None)


def data_versions() -> dict[str, str]:
    """Every area's data version, read once per script run (a fragment's rerun is a run; outside a
    script run, e.g. in a command, at every call)."""
    ctx = get_script_run_ctx()
    run = getattr(ctx, "cursors", None)  # a new dict at every run's start: identifies the run
    memo = getattr(ctx, _RUN_VERSIONS, None)
    if memo is not None and memo[0] is run:
        return memo[1]  # type: ignore[no-any-return]
    with session_scope() as session:
        versions = read_versions(session)
    if ctx is not None:
        setattr(ctx, _RUN_VERSIONS, (run, versions))
    return versions


def areas_read_by(fn: Callable[..., Any]) -> frozenset[str]:
    """The data areas ``fn``'s module declares it reads (``READS``); a module without is refused."""
    declared = getattr(importlib.import_module(fn.__module__), "READS", None)
    if not isinstance(declared, frozenset):
        raise TypeError(f"{fn.__module__} declares no READS (db.areas.areas(...)): its reads cannot be cached")
    return declared


_collecting: ContextVar[set[str] | None] = ContextVar("cobuild_tables_read", default=None)


def _note_tables(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    tables = _collecting.get()
    if tables is not None:
        tables.update(tables_in_sql(statement))


def _check_tables(module: str, name: str, read: set[str], declared: frozenset[str]) -> None:
    outside = sorted(read - tables_of(declared))
    if outside:
        message = f"{module}.{name} read {outside}, outside its areas {sorted(declared)} (READS)"
        if CHECK_AREAS:
            raise AssertionError(message)
        log.warning(message)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False, max_entries=CACHE_MAX_ENTRIES)
def _read(
    module: str,
    name: str,
    args: tuple[Any, ...],
    kwargs: tuple[tuple[str, Any], ...],
    database: str,
    versions: tuple[tuple[str, str | None], ...],
) -> Any:
    """The read itself; ``database`` and ``versions`` only key the cache."""
    fn = getattr(importlib.import_module(module), name)
    engine, _ = _engine_and_factory(get_settings().database_url)
    if not event.contains(engine, "before_cursor_execute", _note_tables):
        event.listen(engine, "before_cursor_execute", _note_tables)
    read: set[str] = set()
    token = _collecting.set(read)
    try:
        with session_scope() as session:
            value = fn(session, *args, **dict(kwargs))
    finally:
        _collecting.reset(token)
    _check_tables(module, name, read, frozenset(area for area, _ in versions))
    return value


def cached_read(fn: Callable[..., _R], *args: Any, **kwargs: Any) -> _R:
    """``fn(session, *args, **kwargs)``, cached by function, arguments and the data versions of the
    areas ``fn``'s module reads (its ``READS``): served from the cache until a write to one of those
    areas, in any process, and read afresh at the next script run after it. The actor is an argument
    like any other, so one user's rows are never served to another.

    ``fn`` must be a module-level function (of ``services``, or of a screen's module for a read that
    puts several together) returning a picklable value; pass times rounded (``minute()``) so that
    reruns within a minute share one entry."""
    declared = areas_read_by(fn)
    versions = data_versions()
    key = tuple((area, versions.get(area)) for area in sorted(declared))
    database = get_settings().database_url
    return _read(fn.__module__, fn.__name__, args, tuple(sorted(kwargs.items())), database, key)  # type: ignore[no-any-return]


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
