"""The hot queries over the activity table (a million rows at county scale) are served by indexes.

SQLite: on a small county (seeded as the benchmark's, with ANALYZE), ``EXPLAIN QUERY PLAN`` of every
statement the hot service calls run must read the activity table through an index — a covering one
for the aggregates — never by scanning the table. PostgreSQL (when ``TEST_DATABASE_URL`` is set): on
the demo data with sequential scans discouraged, ``EXPLAIN`` must find an index for each of them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from db.engine import make_engine
from db.migrate import upgrade
from seed.county import seed_county
from services import activities, activity_reports, metrics, overview, stats
from services.activities import ActivityFilter
from tests.conftest import TODAY

YEAR = date(TODAY.year, 1, 1)
CHARTS = stats.ChartFilter(start=YEAR, end=TODAY, today=TODAY)
LAST_12 = ActivityFilter(start=date(TODAY.year - 1, TODAY.month, TODAY.day), end=TODAY)

# name → (the service call, whether its reads of activity must be covering: an aggregate)
HOT: dict[str, tuple[Callable[[Session], Any], bool]] = {
    "six_items_counts": (lambda s: metrics.six_items_counts(s, year=TODAY.year, as_of=TODAY), True),
    "activities_in_period": (lambda s: metrics.activities(s, start=YEAR, end=TODAY), True),
    "volunteer_hours": (lambda s: metrics.volunteer_hours(s, start=YEAR, end=TODAY), True),
    "activities_by_month": (lambda s: stats.activities_by_month(s, f=CHARTS), True),
    "rank_units_hours": (lambda s: stats.rank_units(s, f=CHARTS, measure="volunteer_hours"), True),
    "top_units": (lambda s: activity_reports.top_units(s, flt=LAST_12), True),
    "monthly_by_kind": (lambda s: activity_reports.monthly_by_kind(s, flt=LAST_12), True),
    "browse_count": (lambda s: activities.count_activities(s, flt=LAST_12), True),
    "browse_page": (lambda s: activities.list_activities(s, flt=LAST_12, offset=40, limit=20), False),
    "recent_activities": (lambda s: overview.recent_activities(s), False),
}


def _statements(engine: Engine, call: Callable[[Session], Any]) -> list[tuple[str, Any]]:
    """The statements ``call`` runs that read the activity table, with their parameters."""
    seen: list[tuple[str, Any]] = []

    def keep(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        if re.search(r"\bFROM activity\b|\bJOIN activity\b", statement):
            seen.append((statement, params))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        with Session(engine) as s:
            call(s)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    return seen


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A small county (about 10,000 activities), analysed as the benchmark's is."""
    engine = make_engine(f"sqlite:///{Path(tmp_path_factory.mktemp('plans')) / 'county.db'}")
    upgrade(engine)
    seed_county(engine, years=2, scale=0.02, progress=False, today=TODAY)
    yield engine
    engine.dispose()


@pytest.mark.parametrize("name", list(HOT))
def test_sqlite_reads_activities_through_an_index(county: Engine, name: str) -> None:
    call, covering = HOT[name]
    statements = _statements(county, call)
    assert statements, f"{name} read no activities"
    for sql, params in statements:
        with county.connect() as conn:
            plan = [row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params).all()]
        on_activity = [step for step in plan if re.search(r"\b(SCAN|SEARCH) activity\b", step)]
        assert on_activity, (name, plan)
        for step in on_activity:
            assert "INDEX" in step or "PRIMARY KEY" in step, f"{name}: {step}\n{sql}"
            if covering:
                assert "COVERING INDEX" in step or "PRIMARY KEY" in step, f"{name}: {step}\n{sql}"


@pytest.mark.postgres
@pytest.mark.parametrize("name", list(HOT))
def test_postgres_finds_an_index_for_every_hot_query(demo_engine: Engine, name: str) -> None:
    if demo_engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only (TEST_DATABASE_URL)")
    engine = demo_engine
    statements = _statements(engine, HOT[name][0])
    assert statements, f"{name} read no activities"
    with engine.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")  # tiny demo tables: ask which index would serve
        for sql, params in statements:
            plan = "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + sql, params).all())
            scans = re.findall(r"(\w[\w ]*Scan)[^\n]* on activity\b", plan)
            assert scans, (name, plan)
            # a bitmap heap scan is fed by a bitmap index scan; a plain "Seq Scan" is what must not appear
            assert all("Index" in scan or "Bitmap Heap" in scan for scan in scans), f"{name}:\n{plan}"
