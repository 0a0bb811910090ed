"""Writes on the county database: logging one activity through the service layer (median of 50,
removed again afterwards), and importing a 20,000-row lists workbook (rolled back)."""

from __future__ import annotations

import statistics
import time
from datetime import date
from typing import Any

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from db.engine import make_session_factory, session_scope
from db.models import Activity, AuditEntry, Category, Community, Pairing, User

LOG_RUNS = 50
IMPORT_ROWS = 20_000


def _actor(session: Session, username: str) -> Any:
    from services.users import actor_for

    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise LookupError(username)
    return actor_for(user)


def log_activity(engine: Engine, *, today: date) -> dict[str, Any]:
    """Median milliseconds of one ``services.activities.log_activity`` call with its commit
    (``BEGIN IMMEDIATE`` on SQLite), as liaison1."""
    try:
        from services.activities import log_activity as log
    except ImportError as exc:
        return {"ms": None, "note": f"services.activities.log_activity missing ({exc})"}
    factory = make_session_factory(engine)
    with session_scope(factory) as s:
        actor = _actor(s, "liaison1")
        community_id = s.scalar(select(Pairing.community_id).where(Pairing.unit_id == actor.unit_id).limit(1))
    times: list[float] = []
    ids: list[int] = []
    try:
        for i in range(LOG_RUNS):
            t0 = time.perf_counter()
            with session_scope(factory, write=True) as s:
                ids.append(
                    log(
                        s,
                        actor,
                        unit_id=None,
                        community_id=community_id,
                        held_on=today,
                        kind="volunteer",
                        title=f"基准测试活动{i}",
                        participants=12,
                        volunteer_hours=24,
                        beneficiaries=40,
                        today=today,
                    )
                )
            times.append((time.perf_counter() - t0) * 1000)
    finally:
        with engine.begin() as conn:  # leave the county as it was
            if ids:
                conn.execute(delete(AuditEntry).where(AuditEntry.entity == "activity", AuditEntry.entity_id.in_(ids)))
                conn.execute(delete(Activity).where(Activity.id.in_(ids)))
    return {"ms": statistics.median(times), "note": f"median of {len(times)}, as liaison1"}


def import_lists(engine: Engine, *, today: date) -> dict[str, Any]:
    """Seconds to import a workbook of 20,000 new needs as the admin (checked, applied, flushed,
    then rolled back so that the county stays as seeded)."""
    try:
        from services.lists_io import import_lists as run_import
        from workbook import excel_lists as X
    except ImportError as exc:
        return {"s": None, "note": f"not measured: the import is missing ({exc})"}
    with Session(engine) as s:
        communities = list(s.scalars(select(Community.name).limit(200)))
        categories = list(s.scalars(select(Category.name)))
    rows = [
        (
            communities[i % len(communities)],
            f"基准导入需求{i:05d}",
            categories[i % len(categories)],
            "批量导入的测试需求",
            "medium",
            today.isoformat(),
            "visit",
            "open",
        )
        for i in range(IMPORT_ROWS)
    ]
    data = X.build_workbook({X.NEEDS: rows})
    session = Session(engine)
    try:
        actor = _actor(session, "admin")
        t0 = time.perf_counter()
        report = run_import(session, actor, data=data)
        session.flush()
        seconds = time.perf_counter() - t0
        created = sum(report.created.values())
    except Exception as exc:  # a refused or failing import is the finding
        return {"s": None, "note": f"import failed: {type(exc).__name__}: {str(exc)[:200]}"}
    finally:
        session.rollback()
        session.close()
    return {"s": seconds, "note": f"{created:,} needs created (rolled back), {len(data) // 1024} KB workbook"}
