"""The schema comes only from Alembic, and Alembic's head matches the models."""

from __future__ import annotations

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from db.engine import make_engine
from db.migrate import current_revision, head_revision, upgrade
from db.models import Base

PG_URL = os.environ.get("TEST_DATABASE_URL")


def _diff(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        return list(compare_metadata(ctx, Base.metadata))


def test_upgrade_head_on_empty_sqlite_matches_models(empty_engine: Engine) -> None:
    assert _diff(empty_engine) == []
    assert current_revision(empty_engine) == head_revision()
    assert set(Base.metadata.tables) <= set(inspect(empty_engine).get_table_names())


def test_upgrade_is_idempotent(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    assert current_revision(empty_engine) == head_revision()


def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    engine.dispose()


@pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL not set")
def test_upgrade_head_on_empty_postgresql_matches_models() -> None:
    assert PG_URL
    engine = make_engine(PG_URL, connect_args={"options": "-csearch_path=cobuild_migration_test"})
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS cobuild_migration_test CASCADE"))
        conn.execute(text("CREATE SCHEMA cobuild_migration_test"))
    try:
        upgrade(engine)
        assert _diff(engine) == []
        assert current_revision(engine) == head_revision()
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS cobuild_migration_test CASCADE"))
        engine.dispose()


def _upgrade_with_data(engine: Engine) -> None:
    """Down to the first revision and up again, with the demo alliance in the database on the way
    (seeded at head: the models describe the head, not an older schema)."""
    from datetime import date

    from alembic import command
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from db.migrate import alembic_config
    from db.models import Activity, ContractTask, Need, RotationSlot
    from seed.demo import seed_demo

    upgrade(engine)
    with Session(engine) as s:
        seed_demo(s, today=date(2026, 11, 24))
        s.commit()
        before = (s.scalar(select(func.count(Activity.id))), s.scalar(select(func.count(RotationSlot.id))))
        claims = dict(
            s.execute(select(Need.id, Need.claimed_on).where(Need.claimed_by_unit_id.is_not(None))).tuples().all()
        )
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
    upgrade(engine)
    with Session(engine) as s:  # 0004 dates existing claims: by their contract task, else the day raised
        tasks = dict(
            s.execute(select(ContractTask.source_id, ContractTask.claimed_on).where(ContractTask.source_type == "need"))
            .tuples()
            .all()
        )
        for need_id, claimed_on, raised_on in s.execute(
            select(Need.id, Need.claimed_on, Need.raised_on).where(Need.claimed_by_unit_id.is_not(None))
        ):
            assert claimed_on == tasks.get(need_id, raised_on)
            if need_id in tasks:
                assert claimed_on == claims[need_id]  # the seed dates a wish's claim as its task
    assert current_revision(engine) == head_revision()
    with Session(engine) as s:
        after = (s.scalar(select(func.count(Activity.id))), s.scalar(select(func.count(RotationSlot.id))))
    assert after == before and before[0] > 0
    assert _diff(engine) == []


def test_migrations_from_the_first_revision_keep_the_data_on_sqlite(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'up.db'}")
    try:
        _upgrade_with_data(engine)
    finally:
        engine.dispose()


@pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL not set")
def test_migrations_from_the_first_revision_keep_the_data_on_postgresql() -> None:
    assert PG_URL
    engine = make_engine(PG_URL, connect_args={"options": "-csearch_path=cobuild_upgrade_test"})
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS cobuild_upgrade_test CASCADE"))
        conn.execute(text("CREATE SCHEMA cobuild_upgrade_test"))
    try:
        _upgrade_with_data(engine)
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS cobuild_upgrade_test CASCADE"))
        engine.dispose()


def _progress_brought_within_bounds(engine: Engine) -> None:
    """0005 moves every project's progress to the nearest within its stage's bound."""
    from datetime import date

    from alembic import command
    from sqlalchemy import select, update
    from sqlalchemy.orm import Session

    from db.migrate import alembic_config
    from db.models import Project
    from domain.enums import ProjectStage as G
    from domain.project_path import progress_bound
    from seed.demo import seed_demo

    upgrade(engine)
    with Session(engine) as s:
        seed_demo(s, today=date(2026, 11, 24))
        s.commit()
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0004")
    broken = {G.COLLECT: 55, G.DECIDED: 5, G.IN_PROGRESS: 100, G.DONE: 80}  # as the old code let them be
    with Session(engine) as s:
        ids = {}
        for stage, value in broken.items():
            pid = s.scalars(select(Project.id).where(Project.stage == stage).order_by(Project.id)).first()
            s.execute(update(Project).where(Project.id == pid).values(progress=value))
            ids[stage] = pid
        kept = s.scalars(
            select(Project.id).where(Project.stage == G.IN_PROGRESS, Project.id != ids[G.IN_PROGRESS])
        ).first()
        # a column read, not the ORM object: at 0004 later columns of linked tables do not exist yet
        kept_progress = s.scalar(select(Project.progress).where(Project.id == kept))
        s.commit()
    upgrade(engine)
    with Session(engine) as s:
        got = {stage: s.get(Project, pid).progress for stage, pid in ids.items()}
        assert got == {G.COLLECT: 0, G.DECIDED: 0, G.IN_PROGRESS: 99, G.DONE: 100}
        assert s.get(Project, kept).progress == kept_progress  # within its bound: untouched
        for p in s.scalars(select(Project)):
            assert p.progress in progress_bound(p.stage), (p.title, p.stage, p.progress)


def test_migration_0005_brings_progress_within_stage_bounds_on_sqlite(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'progress.db'}")
    try:
        _progress_brought_within_bounds(engine)
    finally:
        engine.dispose()


@pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL not set")
def test_migration_0005_brings_progress_within_stage_bounds_on_postgresql() -> None:
    assert PG_URL
    engine = make_engine(PG_URL, connect_args={"options": "-csearch_path=cobuild_progress_test"})
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS cobuild_progress_test CASCADE"))
        conn.execute(text("CREATE SCHEMA cobuild_progress_test"))
    try:
        _progress_brought_within_bounds(engine)
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS cobuild_progress_test CASCADE"))
        engine.dispose()
