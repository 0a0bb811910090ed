"""What every subcommand shares: settings, a session, messages in the CLI language.

``manage.py --help`` imports every ``cli/*_cmds.py`` to build its parser, so a module's top level (and this
one's) imports only what ``register`` needs — argparse, settings, messages, the pure domain — and each command
imports the services, the database and the exports it runs on inside its function
(tests/test_cli.py::test_help_imports_no_heavy_module)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any

from config import load_settings
from domain import calendar
from domain.errors import AppError, ValidationError
from locales import translate

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


def cli_language() -> str:
    return load_settings().cli_language


def local_today() -> date:
    """Today in China, or the pinned ``COBUILD_TODAY`` (domain.calendar) — never the server's own date."""
    return calendar.today(load_settings().today)


def msg(key: str, **params: Any) -> str:
    return translate(cli_language(), key, **params)


def engine() -> Engine:
    from db.engine import make_engine

    return make_engine(load_settings().database_url)


@contextmanager
def session(*, write: bool = False) -> Iterator[Session]:
    from db.engine import make_session_factory, session_scope

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
