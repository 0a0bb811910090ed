"""What every subcommand shares: settings, a session, messages in the CLI language."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from config import load_settings
from db.engine import make_engine, make_session_factory, session_scope
from domain import calendar
from domain.errors import AppError, ValidationError
from locales import translate

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


def cli_language() -> str:
    return load_settings().cli_language


def local_today() -> date:
    """Today in China, or the pinned ``COBUILD_TODAY`` (domain.calendar) — never the server's own date."""
    return calendar.today(load_settings().today)


def msg(key: str, **params: Any) -> str:
    return translate(cli_language(), key, **params)


def engine() -> Engine:
    return make_engine(load_settings().database_url)


@contextmanager
def session(*, write: bool = False) -> Iterator[Session]:
    eng = engine()
    try:
        with session_scope(make_session_factory(eng), write=write) as s:
            yield s
    finally:
        eng.dispose()


def error_text(err: AppError) -> str:
    params = dict(err.params)
    if isinstance(err, ValidationError):
        params.setdefault("field", msg(err.field))
    return msg(err.code, **params)


def fail(text: str, code: int = EXIT_REJECTED) -> int:
    print(text, file=sys.stderr)
    return code
