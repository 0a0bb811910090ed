"""Finding 4 and 5 of issue 13: parallel password guesses and unknown usernames.

Real threads fire password logins at once through ``users.password_login`` — the path the login
form takes, each attempt counted and committed before its password is checked — on a SQLite file
and, when TEST_DATABASE_URL is set, on PostgreSQL (in a private schema ``cobuild_login``; the
``public`` schema is never touched). ``bcrypt.checkpw`` is wrapped to count the passwords that
really reach a hash."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path

import bcrypt
import pytest
from sqlalchemy import Engine, delete, func, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from db.engine import make_engine, make_session_factory, session_scope
from db.migrate import upgrade
from db.models import AuditEntry, LoginThrottle, User
from domain import lockout
from domain.enums import AuditAction, Role
from services import users
from tests.conftest import PG_URL

SCHEMA = "cobuild_login"
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
PASSWORD = "alice-secret-2026"
KNOWN, UNKNOWN = "alice", "no-such-user"
THREADS = 12


@pytest.fixture(scope="module", params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A migrated database of this module's own with one account, ``alice``."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path_factory.mktemp('login') / 'login.db'}")
        admin_engine = None
    else:
        assert PG_URL
        admin_engine = make_engine(PG_URL)
        with admin_engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
        eng = make_engine(PG_URL, connect_args={"options": f"-csearch_path={SCHEMA}"})
    upgrade(eng)
    with session_scope(make_session_factory(eng), write=True) as s:
        users.create_user(s, None, username=KNOWN, display_name="Alice", password=PASSWORD, role=Role.LEADER)
    yield eng
    eng.dispose()
    if admin_engine is not None:
        with admin_engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        admin_engine.dispose()


@pytest.fixture
def factory(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Sessions on the module's database; every count and lock is cleared after each test."""
    f = make_session_factory(engine)
    yield f
    with session_scope(f, write=True) as s:
        s.execute(update(User).values(failed_logins=0, first_failed_at=None, locked_until=None))
        s.execute(delete(LoginThrottle))
        s.execute(delete(AuditEntry))


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every bcrypt check made from now on (thread-safe), by the hash it was made against."""
    made: list[str] = []
    lock = threading.Lock()
    real = bcrypt.checkpw

    def counting(password: bytes, hashed: bytes) -> bool:
        with lock:
            made.append(hashed.decode())
        return real(password, hashed)

    monkeypatch.setattr(users.bcrypt, "checkpw", counting)
    return made


def _unit_of_work(factory: sessionmaker[Session]) -> Callable[[], AbstractContextManager[Session]]:
    return lambda: session_scope(factory, write=True)


def _at_once(factory: sessionmaker[Session], attempts: list[tuple[str, str]]) -> list[users.LoginResult]:
    """Each (username, password) from its own thread, released together."""
    start = threading.Barrier(len(attempts))

    def one(attempt: tuple[str, str]) -> users.LoginResult:
        start.wait()
        return users.password_login(_unit_of_work(factory), username=attempt[0], password=attempt[1])

    with ThreadPoolExecutor(max_workers=len(attempts)) as pool:
        return list(pool.map(one, attempts))


def _answer(result: users.LoginResult) -> tuple[str, object]:
    """What the form shows for a result (a disabled account reads as wrong credentials)."""
    if result.ok:
        return ("ok", None)
    if result.reason == "auth.locked":
        return ("auth.locked", result.locked_until)
    return ("auth.wrong_credentials", None)


def _failed_rows(factory: sessionmaker[Session], username: str) -> int:
    with session_scope(factory) as s:
        return (
            s.scalar(
                select(func.count(AuditEntry.id)).where(
                    AuditEntry.action == AuditAction.LOGIN_FAILED, AuditEntry.username == username
                )
            )
            or 0
        )


@pytest.mark.parametrize("username", [KNOWN, UNKNOWN])
def test_parallel_wrong_passwords_reach_the_hash_at_most_five_times(
    factory: sessionmaker[Session], checks: list[str], username: str
) -> None:
    """Twelve wrong passwords at once: five are checked, four answer "wrong", the other eight
    "locked" with one and the same time — for a real name and a name no account has alike."""
    results = _at_once(factory, [(username, f"guess-{i}-wrong") for i in range(THREADS)])
    assert len(checks) == lockout.MAX_FAILURES
    answers = Counter(_answer(r)[0] for r in results)
    assert answers == {"auth.wrong_credentials": lockout.MAX_FAILURES - 1, "auth.locked": THREADS - 4}
    assert len({r.locked_until for r in results if r.reason == "auth.locked"}) == 1
    assert _failed_rows(factory, username) == THREADS  # every attempt is in the audit log


@pytest.mark.parametrize("username", [KNOWN, UNKNOWN])
def test_once_locked_the_right_password_answers_like_a_wrong_one_and_is_not_checked(
    factory: sessionmaker[Session], checks: list[str], username: str
) -> None:
    _at_once(factory, [(username, f"guess-{i}-wrong") for i in range(8)])
    before = len(checks)
    results = _at_once(factory, [(username, PASSWORD), (username, "yet-another-guess1"), (username, PASSWORD)])
    assert len(checks) == before, "a locked name's passwords are not checked"
    assert len({_answer(r) for r in results}) == 1
    assert _answer(results[0])[0] == "auth.locked"


def test_the_right_password_among_parallel_guesses_gets_in_only_if_counted_within_the_five(
    factory: sessionmaker[Session], checks: list[str]
) -> None:
    """The issue's case: the right password sent ninth of twelve. Whatever the order the threads
    are counted in, it either gets in (counted among the first five) or answers exactly like the
    wrong ones that came after the lock — never "no error" while the lock already holds."""
    attempts = [(KNOWN, f"guess-{i}-wrong") for i in range(THREADS)]
    attempts[8] = (KNOWN, PASSWORD)
    results = _at_once(factory, attempts)
    right = results[8]
    wrong_answers = {_answer(r) for i, r in enumerate(results) if i != 8 and r.reason == "auth.locked"}
    if right.ok:
        assert right.actor is not None and right.actor.username == KNOWN
    else:
        assert {_answer(right)} <= wrong_answers or _answer(right)[0] == "auth.wrong_credentials"
        assert len(checks) <= lockout.MAX_FAILURES


def test_unknown_and_known_names_get_the_same_answers_one_after_another(factory: sessionmaker[Session]) -> None:
    def answers(username: str) -> list[tuple[str, object]]:
        t0 = users.utcnow()
        out = []
        for i in range(7):
            result = users.password_login(
                _unit_of_work(factory), username=username, password="wrong-pass1", now=t0 + timedelta(minutes=i)
            )
            kind, until = _answer(result)
            out.append((kind, until - t0 if isinstance(until, type(t0)) else None))
        return out

    known, unknown = answers(KNOWN), answers(UNKNOWN)
    assert known == unknown
    assert [k for k, _ in known] == ["auth.wrong_credentials"] * 4 + ["auth.locked"] * 3
    assert known[4][1] == timedelta(minutes=4) + lockout.LOCK_FOR


def test_a_wrong_name_in_another_case_or_with_spaces_is_the_same_name(factory: sessionmaker[Session]) -> None:
    for name in ("Alice", " alice", "ALICE ", "alice", "aLiCe"):
        users.password_login(_unit_of_work(factory), username=name, password="wrong-pass1")
    result = users.password_login(_unit_of_work(factory), username="alice", password=PASSWORD)
    assert result.reason == "auth.locked"


def test_the_dummy_hash_has_the_real_cost(monkeypatch: pytest.MonkeyPatch) -> None:
    for rounds in ("4", "12"):
        monkeypatch.setenv("COBUILD_BCRYPT_ROUNDS", rounds)
        assert users.dummy_hash().split("$")[2] == users.hash_password("x").split("$")[2] == f"{int(rounds):02d}"


def test_unknown_names_take_as_long_as_known_ones(
    factory: sessionmaker[Session], checks: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With hashes of a real cost (10 rounds, ~60 ms here), a wrong password for an unknown name
    takes as long as for a real account: each is one bcrypt check of that cost."""
    monkeypatch.setenv("COBUILD_BCRYPT_ROUNDS", "10")
    with session_scope(factory, write=True) as s:
        s.execute(update(User).where(User.username == KNOWN).values(password_hash=users.hash_password(PASSWORD)))
    uow = _unit_of_work(factory)
    users.password_login(uow, username="warm-up-name", password="x")  # the dummy hash is made once

    def timed(username: str) -> float:
        t = time.perf_counter()
        users.password_login(uow, username=username, password="wrong-pass1")
        return time.perf_counter() - t

    known, unknown = [], []
    before = len(checks)
    for i in range(4):  # four wrong passwords: no lock yet
        known.append(timed(KNOWN))
        unknown.append(timed(f"nobody-{i}"))
    assert len(checks) - before == 8, "one bcrypt check per attempt, known name or not"
    assert all(h.split("$")[2] == "10" for h in checks[1:]), "every check is against a cost-10 hash"
    # the fastest of each (a busy machine only ever adds time): the same work, so the same order of time
    ratio = min(unknown) / min(known)
    assert 0.5 < ratio < 2.0, (known, unknown)


def test_stale_counts_of_unknown_names_are_forgotten(factory: sessionmaker[Session]) -> None:
    t0 = users.utcnow() - lockout.WINDOW - lockout.LOCK_FOR - timedelta(minutes=1)
    for i in range(5):
        users.password_login(_unit_of_work(factory), username="old-guess", password="x1", now=t0 + timedelta(seconds=i))
    users.password_login(_unit_of_work(factory), username="new-guess", password="x1")
    with session_scope(factory) as s:
        assert set(s.scalars(select(LoginThrottle.name))) == {"new-guess"}


def test_a_long_name_is_counted_by_its_first_characters(factory: sessionmaker[Session]) -> None:
    name = "x" * 5000
    for _ in range(5):
        users.password_login(_unit_of_work(factory), username=name, password="x1")
    assert users.password_login(_unit_of_work(factory), username=name, password="x1").reason == "auth.locked"


def test_the_stored_rows_are_where_the_lockout_says(factory: sessionmaker[Session], tmp_path: Path) -> None:
    for _ in range(2):
        users.password_login(_unit_of_work(factory), username=KNOWN, password="wrong-pass1")
    with session_scope(factory) as s:
        user = users.get_user(s, KNOWN)
        assert user is not None and user.failed_logins == 2 and user.locked_until is None
    assert users.password_login(_unit_of_work(factory), username=KNOWN, password=PASSWORD).ok
    with session_scope(factory) as s:
        user = users.get_user(s, KNOWN)
        assert user is not None and user.failed_logins == 0 and user.first_failed_at is None
