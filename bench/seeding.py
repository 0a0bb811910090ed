"""The county database the benchmark runs on: ``bench/county.db`` (SQLite), and with
``TEST_DATABASE_URL`` a schema ``cobuild_bench`` of that PostgreSQL database (never ``public``,
which the tests use). Reused when present and complete; otherwise (re)built and timed."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url

from db.engine import make_engine
from db.migrate import upgrade
from db.models import Activity, ContractTask
from seed.county import expected_counts, seed_county

ROOT = Path(__file__).resolve().parent.parent
SQLITE_PATH = ROOT / "bench" / "county.db"
PG_SCHEMA = "cobuild_bench"


@dataclass
class Target:
    backend: str  # sqlite / postgresql
    url: str
    seconds: float | None = None  # seeding time, when seeded by this run
    earlier_seconds: float | None = None  # seeding time recorded by the run that built it
    counts: dict[str, int] | None = None
    path: Path = SQLITE_PATH


def sqlite_target(path: Path = SQLITE_PATH) -> Target:
    return Target("sqlite", f"sqlite:///{path}", path=path)


def pg_target(test_url: str) -> Target:
    url = make_url(test_url).update_query_dict({"options": f"-csearch_path={PG_SCHEMA}"})
    return Target("postgresql", url.render_as_string(hide_password=False))


def _complete(engine: Engine, *, years: int) -> bool:
    want = expected_counts(years=years)
    try:
        with engine.connect() as conn:
            activities = conn.scalar(select(func.count()).select_from(Activity)) or 0
            tasks = conn.scalar(select(func.count()).select_from(ContractTask)) or 0
    except Exception:  # no schema yet
        return False
    return activities >= want["activity"] and tasks > 0  # contract tasks are seeded last


def _table_counts(engine: Engine) -> dict[str, int]:
    names = [
        "community",
        "unit",
        "need",
        "resource",
        "project",
        "activity",
        "meeting",
        "action_item",
        "rotation_slot",
        "whistle",
        "evaluation_score",
        "agreement",
        "pairing",
    ]
    with engine.connect() as conn:
        return {n: conn.scalar(text(f"SELECT count(*) FROM {n}")) or 0 for n in names}


def ensure(target: Target, *, years: int = 5, reseed: bool = False, progress: bool = True) -> Target:
    """Make the target's county database ready; records how long seeding took."""
    if target.backend == "sqlite":
        if reseed:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{target.path}{suffix}").unlink(missing_ok=True)
        engine = make_engine(target.url)
    else:
        engine = make_engine(target.url)
        with engine.begin() as conn:
            if reseed:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {PG_SCHEMA}"))
    try:
        if not _complete(engine, years=years):
            engine.dispose()
            if target.backend == "sqlite":
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{target.path}{suffix}").unlink(missing_ok=True)
                engine = make_engine(target.url)
            else:
                with engine.begin() as conn:
                    conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
                    conn.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
            upgrade(engine)
            t0 = time.perf_counter()
            seed_county(engine, years=years, progress=progress)
            target.seconds = time.perf_counter() - t0
            if target.backend == "sqlite":  # remember it for runs that reuse the file (committed: the
                with engine.begin() as conn:  # engine wraps statements in a BEGIN of its own)
                    conn.exec_driver_sql(f"PRAGMA user_version={round(target.seconds * 10)}")
            else:  # … or the schema
                with engine.begin() as conn:
                    conn.exec_driver_sql(f"COMMENT ON SCHEMA {PG_SCHEMA} IS 'seed_seconds={target.seconds:.1f}'")
        else:
            upgrade(engine)  # a newer revision (an added index) applies to the reused county
            if target.backend == "sqlite":
                with engine.connect() as conn:
                    tenths = conn.exec_driver_sql("PRAGMA user_version").scalar() or 0
                target.earlier_seconds = tenths / 10 if tenths else None
            else:
                with engine.connect() as conn:
                    note = conn.scalar(
                        text("SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = :s"),
                        {"s": PG_SCHEMA},
                    )
                if note and note.startswith("seed_seconds="):
                    target.earlier_seconds = float(note.split("=", 1)[1])
        target.counts = _table_counts(engine)
    finally:
        engine.dispose()
    return target
