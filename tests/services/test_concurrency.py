"""Load without loss (quality.md): 50 threads writing through the service layer at once, on a
SQLite file (WAL, BEGIN IMMEDIATE) and, when TEST_DATABASE_URL is set, on PostgreSQL (in a
private schema ``cobuild_stress``; the ``public`` schema is never touched)."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from db.engine import make_engine, make_session_factory, session_scope
from db.migrate import upgrade
from db.models import ActionItem, Activity, AuditEntry, Community, Pairing, Project, Setting, Unit, User
from domain.actor import Actor
from domain.enums import ActionStatus, ActivityKind, AuditAction, Role
from domain.errors import Conflict, ValidationError
from locales import has_key
from services import activities, meetings, projects
from services.retry import is_retryable, run_with_retry
from services.users import actor_for
from tests.conftest import PG_URL, TODAY

THREADS = 50
WRITES_PER_THREAD = 4  # two activities, one progress step, one attempt to close the shared item
CAP_SECONDS = 60  # a guard against a hang, not a timing assertion
STRESS_SCHEMA = "cobuild_stress"
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def _pg_engine(url: str) -> Engine:
    return make_engine(url, connect_args={"options": f"-csearch_path={STRESS_SCHEMA}"})


@pytest.fixture(scope="module", params=BACKENDS)
def stress_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[Engine]:
    """A seeded demo database of this module's own, on a file or in the private PostgreSQL schema."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("stress") / "stress.db"
        shutil.copy(sqlite_template, path)
        engine = make_engine(f"sqlite:///{path}")
        yield engine
        engine.dispose()
        return
    assert PG_URL
    admin_engine = make_engine(PG_URL)
    with admin_engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {STRESS_SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {STRESS_SCHEMA}"))
    engine = _pg_engine(PG_URL)
    upgrade(engine)
    from seed.demo import seed_demo

    with Session(engine) as s:
        seed_demo(s, today=TODAY)
        s.commit()
    yield engine
    engine.dispose()
    with admin_engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {STRESS_SCHEMA} CASCADE"))
    admin_engine.dispose()


@dataclass(frozen=True)
class Scene:
    admin: Actor
    liaison: Actor
    pairs: list[tuple[int, int]]  # (unit, community) the unit is paired with: where it may log
    liaison_communities: list[int]
    project_id: int
    item_id: int


def _scene(factory: sessionmaker[Session]) -> Scene:
    with session_scope(factory, write=True) as s:
        admin = actor_for(s.scalars(select(User).where(User.role == Role.ADMIN)).first())  # type: ignore[arg-type]
        liaison_user = s.scalars(select(User).where(User.role == Role.LIAISON)).first()
        assert liaison_user is not None
        pairs = [
            (u, c)
            for u, c in s.execute(
                select(Pairing.unit_id, Pairing.community_id)
                .join(Unit, Unit.id == Pairing.unit_id)
                .join(Community, Community.id == Pairing.community_id)
                .where(Unit.deleted_at.is_(None), Community.deleted_at.is_(None))
                .order_by(Pairing.unit_id, Pairing.community_id)
            )
        ]
        liaison_communities = [c for u, c in pairs if u == liaison_user.unit_id]
        assert pairs and liaison_communities, "the demo pairs units with communities"
        project = s.scalars(select(Project).where(Project.deleted_at.is_(None)).order_by(Project.id)).first()
        assert project is not None
        project.progress = 0  # room for fifty steps below 100
        item = s.scalars(
            select(ActionItem).where(ActionItem.status == ActionStatus.OPEN).order_by(ActionItem.id)
        ).first()
        assert item is not None, "the demo has open action items"
        return Scene(admin, actor_for(liaison_user), pairs, liaison_communities, project.id, item.id)


def _count(factory: sessionmaker[Session], stmt) -> int:  # type: ignore[no-untyped-def]
    with session_scope(factory) as s:
        return int(s.scalar(stmt) or 0)


def test_fifty_writers_at_once_lose_nothing(stress_db: Engine) -> None:
    factory = make_session_factory(stress_db)
    scene = _scene(factory)
    audit_before = _count(
        factory,
        select(func.count(AuditEntry.id)).where(
            AuditEntry.entity == "project", AuditEntry.entity_id == scene.project_id
        ),
    )

    def log(i: int, n: int) -> str:
        actor = scene.liaison if i % 2 else scene.admin
        if i % 2:
            unit_id, community_id = scene.liaison.unit_id, scene.liaison_communities[i % len(scene.liaison_communities)]
        else:
            unit_id, community_id = scene.pairs[i % len(scene.pairs)]
        run_with_retry(
            factory,
            lambda s: activities.log_activity(
                s,
                actor,
                unit_id=unit_id,
                community_id=community_id,
                held_on=TODAY - timedelta(days=i % 30),
                kind=ActivityKind.VOLUNTEER,
                title=f"压力测试 {i}-{n}",
                participants=i % 7,
                volunteer_hours=1.5,
                beneficiaries=3,
                today=TODAY,
            ),
        )
        return "logged"

    def step_progress(i: int, n: int) -> str:
        def bump(s: Session) -> int:
            # A read that decides a write locks what it read: FOR UPDATE on PostgreSQL (SQLite's
            # BEGIN IMMEDIATE already serialises writers). Reading without the lock still loses
            # nothing — the version column turns the clash into StaleDataError and a retry (see the
            # next test) — but fifty writers on one row then exhaust five attempts.
            current = s.get(Project, scene.project_id, with_for_update=True)
            assert current is not None
            return projects.save_progress(s, scene.admin, changes={scene.project_id: current.progress + 1})

        assert run_with_retry(factory, bump) == 1
        return "stepped"

    def close(i: int, n: int) -> str:
        try:
            run_with_retry(
                factory,
                lambda s: meetings.close_action_item(
                    s,
                    scene.admin,
                    item_id=scene.item_id,
                    status=ActionStatus.DONE,
                    note=f"由线程 {i} 办结",
                    closed_on=TODAY,
                ),
            )
        except ValidationError as err:
            assert err.code == "meetings.error.already_closed"
            return "already_closed"
        return "closed"

    plan = [log, step_progress, log, close]

    def worker(i: int) -> list[str]:
        # Each thread runs the four writes in its own order, so the kinds of write overlap.
        order = plan[i % 4 :] + plan[: i % 4]
        return [op(i, n) for n, op in enumerate(order)]

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = [pool.submit(worker, i) for i in range(THREADS)]
        done, not_done = wait(futures, timeout=CAP_SECONDS)
        for f in not_done:
            f.cancel()
    assert not not_done, f"{len(not_done)} writers still running after {CAP_SECONDS} s"
    errors = [f.exception() for f in done if f.exception() is not None]
    assert errors == [], errors  # no "database is locked", no Conflict reached a user
    outcomes = Counter(o for f in done for o in f.result())
    assert outcomes == {"logged": 2 * THREADS, "stepped": THREADS, "closed": 1, "already_closed": THREADS - 1}

    with session_scope(factory) as s:
        titles = Counter(s.scalars(select(Activity.title).where(Activity.title.like("压力测试 %"))))
        assert len(titles) == 2 * THREADS and set(titles.values()) == {1}, "every activity exactly once"
        created = s.scalar(
            select(func.count(AuditEntry.id)).where(
                AuditEntry.entity == "activity",
                AuditEntry.action == AuditAction.CREATE,
                AuditEntry.after.like("%压力测试%"),
            )
        )
        assert created == 2 * THREADS, "every activity left its audit row"
        project = s.get(Project, scene.project_id)
        assert project is not None and project.progress == THREADS, "no progress step was lost"
        project_audits = s.scalar(
            select(func.count(AuditEntry.id)).where(
                AuditEntry.entity == "project", AuditEntry.entity_id == scene.project_id
            )
        )
        assert project_audits == audit_before + THREADS
        item = s.get(ActionItem, scene.item_id)
        assert item is not None and item.status == ActionStatus.DONE and item.closing_note.startswith("由线程")
        item_audits = s.scalar(
            select(func.count(AuditEntry.id)).where(
                AuditEntry.entity == "action_item",
                AuditEntry.entity_id == scene.item_id,
                AuditEntry.action == AuditAction.UPDATE,
                AuditEntry.after.like("%由线程%"),
            )
        )
        assert item_audits == 1, "the item was closed once"


def test_a_stale_progress_edit_on_postgresql_is_retried_not_lost(stress_db: Engine) -> None:
    if stress_db.dialect.name == "sqlite":
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE): no read can go stale in a write")
    factory = make_session_factory(stress_db)
    scene = _scene(factory)
    attempts: list[int] = []

    def bump(s: Session) -> int:
        current = s.get(Project, scene.project_id)
        assert current is not None
        seen = current.progress
        attempts.append(seen)
        if len(attempts) == 1:  # another user saves between our read and our write
            with session_scope(factory, write=True) as other:
                projects.save_progress(other, scene.admin, changes={scene.project_id: 40})
        return projects.save_progress(s, scene.admin, changes={scene.project_id: seen + 1})

    run_with_retry(factory, bump)
    assert attempts == [0, 40]
    with session_scope(factory) as s:
        assert s.get(Project, scene.project_id).progress == 41  # type: ignore[union-attr]


# --- the retry helper on its own ------------------------------------------------------------------


@pytest.fixture
def file_factory(db_file: Path) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(f"sqlite:///{db_file}")
    yield make_session_factory(engine)
    engine.dispose()


def _locked() -> OperationalError:
    import sqlite3

    return OperationalError("COMMIT", {}, sqlite3.OperationalError("database is locked"))


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (StaleDataError("UPDATE statement on table 'project' expected to update 1 row(s); 0 were matched."), True),
        (_locked(), True),
        (OperationalError("SELECT", {}, Exception("no such table: project")), False),
        (ValidationError("fields.title", "error.required"), False),
        (RuntimeError("boom"), False),
    ],
)
def test_which_errors_are_worth_a_retry(error: Exception, retryable: bool) -> None:
    assert is_retryable(error) is retryable


def _settings_like(factory: sessionmaker[Session], prefix: str) -> list[str]:
    with session_scope(factory) as s:
        return sorted(s.scalars(select(Setting.key).where(Setting.key.like(f"{prefix}%"))))


def test_retry_rolls_back_the_clashing_attempt_and_runs_again(file_factory: sessionmaker[Session]) -> None:
    calls: list[int] = []

    def fn(s: Session) -> str:
        calls.append(1)
        s.add(Setting(key=f"retry_attempt_{len(calls)}", value="1"))
        s.flush()
        if len(calls) < 3:
            raise _locked()
        return "saved"

    assert run_with_retry(file_factory, fn, base_delay=0) == "saved"
    assert _settings_like(file_factory, "retry_attempt_") == ["retry_attempt_3"]


def test_retry_gives_up_with_a_clear_message_and_writes_nothing(file_factory: sessionmaker[Session]) -> None:
    calls: list[int] = []

    def fn(s: Session) -> None:
        calls.append(1)
        s.add(Setting(key=f"busy_{len(calls)}", value="1"))
        s.flush()
        raise StaleDataError("someone else saved first")

    with pytest.raises(Conflict) as caught:
        run_with_retry(file_factory, fn, attempts=3, base_delay=0)
    assert len(calls) == 3
    assert caught.value.code == "error.busy"
    assert has_key("zh_CN", "error.busy") and has_key("en", "error.busy")
    assert _settings_like(file_factory, "busy_") == []


def test_retry_does_not_repeat_a_refused_write(file_factory: sessionmaker[Session]) -> None:
    calls: list[int] = []

    def fn(s: Session) -> None:
        calls.append(1)
        s.add(Setting(key="refused_1", value="1"))
        s.flush()
        raise ValidationError("fields.title", "error.required")

    with pytest.raises(ValidationError):
        run_with_retry(file_factory, fn, base_delay=0)
    assert len(calls) == 1
    assert _settings_like(file_factory, "refused_") == []
