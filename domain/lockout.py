"""Login lockout: 5 wrong passwords within 15 minutes lock the account for 15 minutes.

Every password login is counted *before* its password is checked (``count_attempt``), in one locked
read-and-write of the account's row, so that parallel guesses cannot all reach the hash: whatever
the concurrency, at most ``MAX_FAILURES`` passwords are checked in a window. The attempt that
reaches the limit locks the account at once (a right password in it lifts the lock again,
``after_success``); attempts that find it locked are refused unchecked. The same rule counts the
attempts for usernames that do not exist, so both answer alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
LOCK_FOR = timedelta(minutes=15)


@dataclass(frozen=True)
class FailureState:
    """Attempts not (yet) known to be right, since ``window_started``; the lock, if any."""

    failures: int
    window_started: datetime | None
    locked_until: datetime | None


@dataclass(frozen=True)
class Attempt:
    """What counting one attempt decided: the state to store and whether the password may be checked."""

    state: FailureState
    check: bool

    @property
    def locked_until(self) -> datetime | None:
        return self.state.locked_until


CLEAR = FailureState(0, None, None)


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and now < locked_until


def count_attempt(state: FailureState, now: datetime) -> Attempt:
    """One more password attempt at ``now``, counted before its password is checked.

    Locked: refused, nothing counted. Otherwise the attempt counts in the window (a new window when
    the old one is over); the one that reaches ``MAX_FAILURES`` locks the account for ``LOCK_FOR``
    and is the last whose password is checked."""
    if is_locked(state.locked_until, now):
        return Attempt(state, check=False)
    if state.window_started is None or now - state.window_started > WINDOW:
        failures, started = 1, now
    else:
        failures, started = state.failures + 1, state.window_started
    if failures >= MAX_FAILURES:
        return Attempt(FailureState(0, None, now + LOCK_FOR), check=True)
    return Attempt(FailureState(failures, started, None), check=True)


def after_success() -> FailureState:
    """A right password: the count starts again and a lock its own attempt set is lifted."""
    return CLEAR


def expires_at(state: FailureState) -> datetime | None:
    """When a state stops mattering (its window and its lock are both over): it may then be forgotten."""
    ends = [t for t in (state.locked_until, state.window_started and state.window_started + WINDOW) if t]
    return max(ends) if ends else None


def cookie_issued_at(exp_timestamp: float, expiry_days: float) -> float:
    """streamlit-authenticator's cookie holds only its expiry; it was issued ``expiry_days`` before."""
    return exp_timestamp - expiry_days * 86400.0
