"""Data areas and their versions: the one rule by which cached reads go stale.

Every table belongs to exactly one area (``AREAS``) or to none (``NO_AREA``: the audit log, login
bookkeeping, the notices outbox, the public pages' rate counts). The session factory of
``db.engine`` records which areas a transaction writes (ORM flushes, and bulk ``insert``/``update``/
``delete`` statements) and, in the same transaction just before it commits, gives each of them a new
version in ``data_version`` — so a rolled-back write changes nothing, and a write in one process is
seen by the next read of any other process that compares the versions (``read_versions``: one read
of a table of a few rows by its primary key).

A cached read declares the areas it depends on (``READS`` in its module, checked against the tables
its SQL names by ``tables_in_sql``): its key holds those areas' versions, so a write to another area
leaves it served from the cache.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, event, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction, sessionmaker

from db.models import DataVersion, User

# area → the tables whose rows it holds (every table of the models in exactly one area or in NO_AREA;
# tests/db/test_areas.py checks it)
AREAS: dict[str, frozenset[str]] = {
    "org": frozenset({"community", "unit", "pairing", "member", "app_user", "category"}),
    "lists": frozenset(
        {
            "need",
            "resource",
            "project",
            "project_need",
            "project_resource",
            "project_unit",
            "project_stage_change",
            "milestone",
            "agreement",
        }
    ),
    "meetings": frozenset({"meeting", "meeting_attendance", "action_item", "rotation_slot"}),
    "activities": frozenset({"activity", "attachment"}),
    "whistle": frozenset({"whistle", "whistle_response"}),
    "evaluation": frozenset({"contract_task", "evaluation_round", "evaluation_criterion", "evaluation_score"}),
    "residents": frozenset({"resident_submission", "publicity", "publicity_project"}),
    "settings": frozenset({"setting"}),
}
# tables whose writes make nothing stale: no cached read may read them
NO_AREA: frozenset[str] = frozenset(
    {"audit_entry", "login_throttle", "notice", "notice_attempt", "scheduler_state", "public_write", "data_version"}
)
# columns of app_user written by logging in and out (the lockout count, "sessions valid after"):
# an update of only these (and updated_at) leaves the area org as it was
LOGIN_BOOKKEEPING: frozenset[str] = frozenset(
    {"failed_logins", "first_failed_at", "locked_until", "sessions_valid_after", "updated_at"}
)

AREA_OF: dict[str, str] = {table: area for area, tables in AREAS.items() for table in tables}
ALL_AREAS: frozenset[str] = frozenset(AREAS)

_TOUCHED = "cobuild_areas_touched"  # session.info: the areas this transaction wrote
_MEMO = "cobuild_read_memo"  # session.info: figures shared by the reads of one session (dropped on a write)
TRACKED = "cobuild_tracked"  # session.info: made by a factory that records its writes


def areas(*names: str) -> frozenset[str]:
    """``names`` as a set of areas, refusing a name that is not one (a module's ``READS``)."""
    unknown = set(names) - ALL_AREAS
    if unknown:
        raise ValueError(f"no such data area: {sorted(unknown)}")
    return frozenset(names)


def tables_of(names: Iterable[str]) -> frozenset[str]:
    return frozenset(t for name in names for t in AREAS[name])


_ALL_TABLES = sorted({*AREA_OF, *NO_AREA}, key=len, reverse=True)
_TABLE_RE = re.compile(
    r'(?:\bFROM|\bJOIN|\bUPDATE|\bINTO|,)\s+"?('
    + "|".join(_ALL_TABLES)
    + r')"?\b|\b"?('
    + "|".join(_ALL_TABLES)
    + r')"?\.',
    re.IGNORECASE,
)


def tables_in_sql(sql: str) -> set[str]:
    """The tables of the models that a statement SQLAlchemy rendered reads or writes (after FROM,
    JOIN, UPDATE, INTO or a comma, or before a column's dot; a label such as ``AS unit`` is none)."""
    return {(a or b).lower() for a, b in _TABLE_RE.findall(sql)}


def read_versions(session: Session) -> dict[str, str]:
    """Every area's version (an area never written has none): one read of a few rows."""
    return {area: version for area, version in session.execute(select(DataVersion.area, DataVersion.version))}


def bump(session: Session, names: Iterable[str]) -> None:
    """Give each area of ``names`` a new version, in the session's transaction (in name order, so
    two writers on PostgreSQL lock the rows in one order)."""
    now = datetime.now(UTC)
    dialect = session.get_bind().dialect.name
    for name in sorted(set(names)):
        values = {"area": name, "version": secrets.token_hex(16), "changed_at": now}
        if dialect == "postgresql":
            pg = postgresql.insert(DataVersion).values(**values)
            stmt: Any = pg.on_conflict_do_update(
                index_elements=["area"], set_={"version": pg.excluded.version, "changed_at": pg.excluded.changed_at}
            )
        else:
            lite = sqlite.insert(DataVersion).values(**values)
            stmt = lite.on_conflict_do_update(
                index_elements=["area"],
                set_={"version": lite.excluded.version, "changed_at": lite.excluded.changed_at},
            )
        session.execute(stmt, execution_options={"cobuild_version_bump": True})


def read_memo(session: Session) -> dict[tuple[object, ...], Any] | None:
    """A place for figures several reads of one session share (``services.metrics``), dropped
    whenever the session writes; None for a session whose writes are not recorded (then no memo)."""
    if not session.info.get(TRACKED):
        return None
    memo: dict[tuple[object, ...], Any] = session.info.setdefault(_MEMO, {})
    return memo


def _touched(session: Session) -> set[str]:
    touched: set[str] = session.info.setdefault(_TOUCHED, set())
    return touched


def _areas_of_tables(tables: Iterable[str]) -> set[str]:
    return {AREA_OF[t] for t in tables if t in AREA_OF}


def _changed_tables(obj: Any) -> set[str]:
    table = getattr(type(obj), "__table__", None)
    if not isinstance(table, Table):
        return set()
    if isinstance(obj, User):
        state = inspect(obj)
        if state.persistent and not state.deleted:
            changed = {a.key for a in state.attrs if a.history.has_changes()}
            if changed and changed <= LOGIN_BOOKKEEPING:
                return set()
    return {table.name}


def _before_flush(session: Session, _flush_context: UOWTransaction, _instances: object) -> None:
    tables: set[str] = set()
    for obj in (*session.new, *session.deleted):
        table = getattr(type(obj), "__table__", None)
        if isinstance(table, Table):
            tables.add(table.name)
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=True):
            tables |= _changed_tables(obj)
    touched = _areas_of_tables(tables)
    # many-to-many rows (project_unit …) are written for a changed collection of a dirty object; the
    # object's own area covers them only if it is theirs, so count the association tables too
    for obj in session.dirty:
        mapper = getattr(obj, "__mapper__", None)
        if mapper is None:
            continue
        for rel in mapper.relationships:
            if rel.secondary is not None and rel.key in obj.__dict__:
                if inspect(obj).attrs[rel.key].history.has_changes():
                    touched |= _areas_of_tables({rel.secondary.name})
    if touched:
        _touched(session).update(touched)
        session.info.pop(_MEMO, None)


def _on_execute(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    if state.execution_options.get("cobuild_version_bump"):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name is None:
        return
    if state.is_update and name == "app_user":
        values = getattr(state.statement, "_values", None) or {}
        keys = {getattr(k, "key", k) for k in values}
        if keys and keys <= LOGIN_BOOKKEEPING:
            return
    touched = _areas_of_tables({name})
    if touched:
        _touched(state.session).update(touched)
        state.session.info.pop(_MEMO, None)


def _before_commit(session: Session) -> None:
    session.flush()  # the last changes' areas, before the versions are written
    touched = session.info.pop(_TOUCHED, None)
    if touched:
        bump(session, touched)


def _forget(session: Session, *_args: object) -> None:
    session.info.pop(_TOUCHED, None)
    session.info.pop(_MEMO, None)


def track_writes(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    """Make ``factory``'s sessions bump the versions of the areas they write, when they commit."""
    event.listen(factory, "before_flush", _before_flush)
    event.listen(factory, "do_orm_execute", _on_execute)
    event.listen(factory, "before_commit", _before_commit)
    event.listen(factory, "after_rollback", _forget)
    event.listen(factory, "after_commit", _forget)
    return factory
