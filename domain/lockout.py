"""Login lockout: 5 wrong passwords within 15 minutes lock the account for 15 minutes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
LOCK_FOR = timedelta(minutes=15)


@dataclass(frozen=True)
class FailureState:
    failures: int
    window_started: datetime | None
    locked_until: datetime | None


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and now < locked_until


def after_failure(state: FailureState, now: datetime) -> FailureState:
    """The state after one more wrong password at ``now``."""
    if state.window_started is None or now - state.window_started > WINDOW:
        failures, started = 1, now
    else:
        failures, started = state.failures + 1, state.window_started
    if failures >= MAX_FAILURES:
        return FailureState(0, None, now + LOCK_FOR)
    return FailureState(failures, started, state.locked_until)


def cookie_issued_at(exp_timestamp: float, expiry_days: float) -> float:
    """streamlit-authenticator's cookie holds only its expiry; it was issued ``expiry_days`` before."""
    return exp_timestamp - expiry_days * 86400.0
