"""Run this write, show the outcome: the one way a screen writes.

``run_write(action, success)`` opens one unit of work (``session_scope(write=True)``), runs
``action(session)`` — a call of a service — and then:

- on an ``AppError`` (a refusal, a missing field, a conflict) shows ``error_message(err)``, which
  names the field, and returns ``FAILED``: nothing was written (the scope rolled back) and the form
  keeps what was typed;
- on success keeps ``success`` (a text, or a function of the result giving the text) in one session
  key, ``FLASH_KEY`` (with any warning the caller adds by ``flash(..., warning=True)``), and reruns;
  app.py shows that message above the next run's page with ``show_flash()`` — so the message
  survives the rerun, and every screen says "done" the same way (``st.success``; no toasts).
  ``rerun=False`` returns the result instead, for a caller that must first clear its form (it then
  calls ``st.rerun()`` itself) or that shows the result in place.

Anything else raised (a bug, the database down) is not caught here: app.py's page-run block logs it
and shows the generic message.

``write_scope()`` is the write unit of work for the few writes that are bookkeeping, not a user's
form (a sign-in recorded, the number a document takes as it is downloaded, the audit row of an
export): no message of their own, their errors go to the page's error block. No other module of
``ui`` or ``app_pages`` opens a write scope (tests/test_architecture.py checks it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from typing import Literal, TypeVar

import streamlit as st
from sqlalchemy.orm import Session

from domain.errors import AppError
from ui.kit.i18n import error_message
from ui.kit.state import session_scope

T = TypeVar("T")
FLASH_KEY = "cobuild_flash"


class Failed(Enum):
    """What ``run_write`` returns when the write was refused (the error is already shown)."""

    FAILED = "failed"


FAILED = Failed.FAILED


def run_write(
    action: Callable[[Session], T],
    success: str | Callable[[T], str] | None = None,
    *,
    rerun: bool = True,
    error: Callable[[AppError], str] = error_message,
) -> T | Literal[Failed.FAILED]:
    """Run ``action`` in one write transaction; show the error, or keep ``success`` for the next run.

    Returns the action's result (when ``rerun`` is False, or when called from a widget callback,
    where Streamlit reruns by itself), or ``FAILED`` after showing the error."""
    try:
        with session_scope(write=True) as session:
            result = action(session)
    except AppError as err:
        st.error(error(err))
        return FAILED
    message = success(result) if callable(success) else success
    if message:
        flash(message)
    if rerun:
        st.rerun()
    return result


def flash(message: str, *, warning: bool = False) -> None:
    """Keep a message for the next run's ``show_flash``: a write's success (``run_write`` calls this),
    or a warning about what the write left to do (e.g. months a rotation could not fill)."""
    st.session_state.setdefault(FLASH_KEY, []).append(("warning" if warning else "success", message))


def show_flash() -> None:
    """The messages of the last successful write, shown once (app.py calls it before the page)."""
    for kind, message in st.session_state.pop(FLASH_KEY, None) or []:
        (st.warning if kind == "warning" else st.success)(message)


@contextmanager
def write_scope() -> Iterator[Session]:
    """A write unit of work for bookkeeping writes (see the module's docstring); errors propagate."""
    with session_scope(write=True) as session:
        yield session
