"""One user action run in its own write transaction, retried a few times when another writer
got there first: SQLite still busy after its timeout, a stale version column (StaleDataError),
a PostgreSQL serialization failure or deadlock. Anything else goes straight to the caller."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from db.engine import session_scope
from domain.errors import Conflict

log = logging.getLogger(__name__)

T = TypeVar("T")

# PostgreSQL: serialization_failure, deadlock_detected, lock_not_available.
_RETRY_SQLSTATES = frozenset({"40001", "40P01", "55P03"})
_SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")


def is_retryable(err: BaseException) -> bool:
    """Whether ``err`` means "someone else was writing at the same moment; try again"."""
    if isinstance(err, StaleDataError):
        return True
    if isinstance(err, DBAPIError):
        orig = err.orig
        sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
        if sqlstate in _RETRY_SQLSTATES:
            return True
        text = str(orig).lower()
        return any(marker in text for marker in _SQLITE_BUSY)
    return False


def run_with_retry(
    factory: sessionmaker[Session],
    fn: Callable[[Session], T],
    *,
    attempts: int = 5,
    base_delay: float = 0.05,
    on_commit: Callable[[], None] | None = None,
) -> T:
    """Run ``fn(session)`` in a write transaction (``BEGIN IMMEDIATE`` on SQLite) and commit;
    on a retryable clash roll back and run it again from the start, up to ``attempts`` times.

    ``fn`` must do all its reading inside the session it is given, so that a retry sees the
    other writer's result (a lost update turns into a fresh read, never a silent overwrite).
    When every attempt clashes, ``Conflict("error.busy")`` tells the user nothing was saved."""
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    last: BaseException | None = None
    for attempt in range(1, attempts + 1):
        try:
            with session_scope(factory, write=True) as session:
                result = fn(session)
        except Exception as err:
            if not is_retryable(err):
                raise
            last = err
            log.info("write clashed (attempt %d of %d): %s", attempt, attempts, type(err).__name__)
            if attempt < attempts:
                # Exponential back-off with jitter, so that clashing writers spread out.
                time.sleep(base_delay * (2 ** (attempt - 1)) * (0.5 + random.random()))
            continue
        if on_commit is not None:
            on_commit()
        return result
    log.warning("write gave up after %d attempts: %s", attempts, last)
    raise Conflict("error.busy") from last
