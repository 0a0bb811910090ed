"""Users: login with lockout, cookie validity, creating and editing accounts, passwords."""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import bcrypt
import pandas as pd
from sqlalchemy import delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from config import load_settings
from db.models import Community, LoginThrottle, Unit, User, utcnow
from domain import lockout
from domain.actor import Actor
from domain.enums import AuditAction, Role
from domain.errors import NotFound, PermissionDenied, ValidationError
from domain.scope import COUNTY, Place
from services import audit, scope, validate

USERNAME_RE = re.compile(r"^[a-z0-9_-]{3,40}$")


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(bcrypt_rounds())).decode()


def check_password(password: str, hashed: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode(), hashed.encode())
    except ValueError:
        return False


def check_password_rule(password: str, field: str = "fields.password") -> None:
    if not (8 <= len(password) <= 64) or not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        raise ValidationError(field, "error.password_rule")


def actor_for(user: User) -> Actor:
    return Actor(
        user_id=user.id,
        username=user.username,
        role=user.role,
        display_name=user.display_name,
        community_id=user.community_id,
        unit_id=user.unit_id,
    )


@dataclass(frozen=True)
class LoginResult:
    ok: bool
    reason: str = ""  # "", "auth.wrong_credentials", "auth.locked", "auth.disabled"
    locked_until: datetime | None = None
    actor: Actor | None = None


def get_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username.strip().lower()))


def login_status(user: User | None, now: datetime | None = None) -> LoginResult:
    """Whether ``user`` may be logged in now (exists, active, not locked)."""
    now = now or utcnow()
    if user is None:
        return LoginResult(False, "auth.wrong_credentials")
    if not user.active:
        return LoginResult(False, "auth.disabled")
    if lockout.is_locked(user.locked_until, now):
        return LoginResult(False, "auth.locked", user.locked_until)
    return LoginResult(True, actor=actor_for(user))


# --- password login: each attempt counted before its password is checked ------------------------

_DUMMY_HASHES: dict[int, str] = {}
_dummy_lock = threading.Lock()
THROTTLE_NAME_LEN = 80


def bcrypt_rounds() -> int:
    """The cost of the hashes the app makes (``COBUILD_BCRYPT_ROUNDS``, default 12)."""
    return load_settings().bcrypt_rounds


def dummy_hash() -> str:
    """A hash no password matches, of the same cost as real ones: checked for unknown names and
    disabled accounts, so that their answer takes as long as a real account's."""
    rounds = bcrypt_rounds()
    with _dummy_lock:
        if rounds not in _DUMMY_HASHES:
            _DUMMY_HASHES[rounds] = bcrypt.hashpw(secrets.token_bytes(16), bcrypt.gensalt(rounds)).decode()
        return _DUMMY_HASHES[rounds]


@dataclass(frozen=True)
class LoginAttempt:
    """One password login, already counted (and committed) before its password is checked."""

    username: str  # as typed, normalised
    user_id: int | None  # None: no account has this name (counted in ``login_throttle``)
    check: bool  # False: the account (or name) is locked: the password is not checked
    locked_until: datetime | None  # the lock in force after counting this attempt
    password_hash: str = field(repr=False, default="")  # the account's, or the dummy hash
    active: bool = True


def normalise_username(username: str) -> str:
    return username.strip().lower()


def _state(row: User | LoginThrottle) -> lockout.FailureState:
    return lockout.FailureState(row.failed_logins, row.first_failed_at, row.locked_until)


def _store(row: User | LoginThrottle, state: lockout.FailureState) -> None:
    row.failed_logins, row.first_failed_at, row.locked_until = state.failures, state.window_started, state.locked_until
    if isinstance(row, LoginThrottle):
        row.expires_at = lockout.expires_at(state)


def _locked_throttle(session: Session, name: str) -> LoginThrottle:
    """The counting row of a name no account has, created if need be, locked for this transaction."""
    dialect = session.get_bind().dialect.name
    insert_stmt = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert_stmt(LoginThrottle)
        .values(name=name, failed_logins=0)
        .on_conflict_do_nothing(index_elements=[LoginThrottle.name])
    )
    row = session.scalar(
        select(LoginThrottle)
        .where(LoginThrottle.name == name)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert row is not None
    return row


def begin_password_login(session: Session, *, username: str, now: datetime | None = None) -> LoginAttempt:
    """Count one password attempt against the name, before anything checks the password.

    The account's row (or, for a name no account has, its ``login_throttle`` row) is read and
    written under a lock: ``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the write transaction
    (``session_scope(write=True)``) starts with ``BEGIN IMMEDIATE``, which admits one writer at a
    time. So parallel attempts are counted one after another, and at most ``lockout.MAX_FAILURES``
    of them in a window get ``check=True``. The caller commits this before checking the password."""
    now = now or utcnow()
    name = normalise_username(username)
    user = session.scalar(
        select(User).where(User.username == name).with_for_update().execution_options(populate_existing=True)
    )
    row: User | LoginThrottle = user if user is not None else _locked_throttle(session, name[:THROTTLE_NAME_LEN])
    counted = lockout.count_attempt(_state(row), now)
    _store(row, counted.state)
    session.flush()
    usable = user is not None and user.active
    return LoginAttempt(
        username=name,
        user_id=user.id if user is not None else None,
        check=counted.check,
        locked_until=counted.locked_until,
        password_hash=user.password_hash if usable and user is not None else dummy_hash(),
        active=user.active if user is not None else True,
    )


def password_matches(attempt: LoginAttempt, password: str) -> bool:
    """The one bcrypt check of an attempt (none for a refused one). Unknown names and disabled
    accounts are checked against the dummy hash of the same cost, so they take as long and fail."""
    if not attempt.check:
        return False
    return check_password(password, attempt.password_hash) and attempt.user_id is not None and attempt.active


def finish_password_login(
    session: Session, attempt: LoginAttempt, *, password_ok: bool, now: datetime | None = None
) -> LoginResult:
    """Record the outcome of a counted attempt and give the answer the login form shows.

    A right password on an active account: the count starts again (a lock this attempt set is
    lifted) and the login is audited. Anything else is audited as a failed login and answers
    ``auth.locked`` when the name is locked after counting this attempt — for known and unknown
    names alike — otherwise ``auth.wrong_credentials`` (``auth.disabled`` for a disabled account's
    right password: the form shows it as a wrong one)."""
    now = now or utcnow()
    user = (
        session.scalar(
            select(User).where(User.id == attempt.user_id).with_for_update().execution_options(populate_existing=True)
        )
        if attempt.user_id is not None
        else None
    )
    if password_ok and user is not None and user.active:
        _store(user, lockout.after_success())
        audit.record(session, actor_for(user), AuditAction.LOGIN, "user", user.id)
        return LoginResult(True, actor=actor_for(user))
    audit.record(session, None, AuditAction.LOGIN_FAILED, "user", attempt.user_id, username=attempt.username[:40])
    if user is None:
        _forget_stale_throttles(session, now)
    if attempt.locked_until is not None and lockout.is_locked(attempt.locked_until, now):
        return LoginResult(False, "auth.locked", attempt.locked_until)
    if user is not None and not user.active:
        return LoginResult(False, "auth.disabled")
    return LoginResult(False, "auth.wrong_credentials")


def _forget_stale_throttles(session: Session, now: datetime) -> None:
    """Drop the counts of unknown names whose window and lock are over (rows another attempt holds
    are skipped, so two cleanups never wait on each other)."""
    stale = (
        select(LoginThrottle.name)
        .where(or_(LoginThrottle.expires_at.is_(None), LoginThrottle.expires_at < now))
        .limit(500)
        .with_for_update(skip_locked=True)
    )
    names = list(session.scalars(stale))
    if names:
        session.execute(delete(LoginThrottle).where(LoginThrottle.name.in_(names)))


def password_login(
    unit_of_work: Callable[[], AbstractContextManager[Session]],
    *,
    username: str,
    password: str,
    now: datetime | None = None,
) -> LoginResult:
    """A password login as the form makes it, in two units of work: the attempt is counted and
    committed first, then the password is checked outside any transaction (bcrypt takes a quarter
    of a second; no lock is held meanwhile), then the outcome is recorded.

    ``unit_of_work()`` opens a write transaction that commits when it closes (the app's
    ``ui.kit.state.session_scope(write=True)``, ``db.engine.session_scope(factory, write=True)``)."""
    with unit_of_work() as session:
        attempt = begin_password_login(session, username=username, now=now)
    ok = password_matches(attempt, password)
    with unit_of_work() as session:
        return finish_password_login(session, attempt, password_ok=ok, now=now)


def actor_by_email(session: Session, email: str, now: datetime | None = None) -> Actor | None:
    """The actor an identity provider's e-mail address stands for (sign-in with ``st.login``).

    Matched case-insensitively against the accounts' e-mail; only an active, unlocked account is
    admitted. No match, a disabled or locked account, or an address that two active accounts share
    (ambiguous: which role and unit?) gives None. A disabled old account does not block its successor."""
    address = email.strip().lower()
    if not address or "@" not in address:
        return None
    matches = list(
        session.scalars(select(User).where(func.lower(User.email) == address, User.active.is_(True)).limit(2))
    )
    if len(matches) != 1:
        return None
    return login_status(matches[0], now).actor


def signed_in_actor(user: User | None) -> Actor | None:
    """Who a session already signed in (by its password or a still-valid cookie) stays: any active
    account, locked or not — the lockout stops password logins, not the browsers already in."""
    if user is None or not user.active:
        return None
    return actor_for(user)


def register_sso_login(session: Session, *, username: str) -> None:
    """Record a sign-in through the identity provider (one audit row, like a password login)."""
    user = get_user(session, username)
    if user is None:
        return
    user.failed_logins, user.first_failed_at = 0, None
    audit.record(session, actor_for(user), AuditAction.LOGIN, "user", user.id, after={"via": "sso"})


def authenticate(session: Session, *, username: str, password: str, now: datetime | None = None) -> LoginResult:
    """A password login in one transaction (tests, scripts): counted, checked, recorded.

    The app uses ``password_login``, which commits the count before the check."""
    attempt = begin_password_login(session, username=username, now=now)
    return finish_password_login(session, attempt, password_ok=password_matches(attempt, password), now=now)


def cookie_is_valid(session: Session, *, username: str, issued_at: float) -> bool:
    """A cookie is honoured only for an active user and if issued after the last logout or password
    change (streamlit-authenticator's own cookie cannot be revoked). A lockout does not end it: the
    lock stops password logins, so that whoever types wrong passwords for someone's name cannot
    throw that person out of the browsers where they are signed in (README, "Logins")."""
    user = get_user(session, username)
    if user is None or not user.active:
        return False
    if user.sessions_valid_after is not None and issued_at < user.sessions_valid_after.timestamp():
        return False
    return True


def revoke_sessions(session: Session, *, username: str, reason: AuditAction = AuditAction.LOGOUT) -> None:
    """Every cookie issued before now stops working (logout, password change)."""
    user = get_user(session, username)
    if user is None:
        return
    user.sessions_valid_after = datetime.now(UTC)
    if reason == AuditAction.LOGOUT:
        audit.record(session, actor_for(user), AuditAction.LOGOUT, "user", user.id)


# --- administration -------------------------------------------------------------------------


def _account_place(session: Session, community_id: int | None, unit_id: int | None) -> Place:
    """Where an account sits: its community's or unit's place; an admin's or leader's is the county."""
    if community_id is not None:
        return scope.community_place(session, community_id)
    if unit_id is not None:
        return scope.unit_place(session, unit_id)
    return COUNTY


def _user_in_scope(session: Session, actor: Actor, user_id: int) -> User:
    """An account the actor administers."""
    scope.require_administer(actor)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound()
    scope.require_administer(actor, _account_place(session, user.community_id, user.unit_id))
    return user


def _check_binding(
    session: Session, role: Role, community_id: int | None, unit_id: int | None
) -> tuple[int | None, int | None]:
    if role == Role.COMMUNITY:
        if community_id is None or session.get(Community, community_id) is None:
            raise ValidationError("fields.community", "error.required")
        return community_id, None
    if role == Role.LIAISON:
        if unit_id is None or session.get(Unit, unit_id) is None:
            raise ValidationError("fields.unit", "error.required")
        return None, unit_id
    return None, None


def create_user(
    session: Session,
    actor: Actor | None,
    *,
    username: str,
    display_name: str,
    password: str,
    role: Role | str,
    email: str = "",
    community_id: int | None = None,
    unit_id: int | None = None,
) -> User:
    """A new account; ``actor`` None only from the command line."""
    if actor is not None:
        scope.require_administer(actor)
    name = validate.text("fields.username", username, required=True, max_len=40).lower()
    if not USERNAME_RE.match(name):
        raise ValidationError("fields.username", "error.username_rule")
    if get_user(session, name) is not None:
        raise ValidationError("fields.username", "error.duplicate", value=name)
    display = validate.text("fields.display_name", display_name, required=True, max_len=50)
    role = validate.choice("fields.role", role, Role)
    check_password_rule(password)
    community_id, unit_id = _check_binding(session, role, community_id, unit_id)
    if actor is not None:
        scope.require_administer(actor, _account_place(session, community_id, unit_id))
    user = User(
        username=name,
        display_name=display,
        email=validate.text("fields.email", email, max_len=120),
        password_hash=hash_password(password),
        role=role,
        community_id=community_id,
        unit_id=unit_id,
    )
    session.add(user)
    audit.record_change(session, actor or _cli_actor(), user, None, entity="user")
    return user


def _cli_actor() -> Actor:
    return Actor(user_id=None, username="manage.py", role=Role.ADMIN)


def update_user(
    session: Session,
    actor: Actor,
    *,
    user_id: int,
    display_name: str,
    email: str,
    role: Role | str,
    community_id: int | None,
    unit_id: int | None,
    active: bool,
) -> User:
    """Change an account's name, role, binding or whether it may log in."""
    user = _user_in_scope(session, actor, user_id)
    new_role = validate.choice("fields.role", role, Role)
    _check_not_locking_out_admins(session, actor, user, role=new_role, active=active)
    before = audit.snapshot(user)
    user.display_name = validate.text("fields.display_name", display_name, required=True, max_len=50)
    user.email = validate.text("fields.email", email, max_len=120)
    user.role = new_role
    user.community_id, user.unit_id = _check_binding(session, user.role, community_id, unit_id)
    scope.require_administer(actor, _account_place(session, user.community_id, user.unit_id))  # the new binding too
    if user.active and not active:
        user.sessions_valid_after = datetime.now(UTC)
    if not user.active and active:
        user.failed_logins, user.first_failed_at, user.locked_until = 0, None, None
    user.active = active
    audit.record_change(session, actor, user, before, entity="user")
    return user


def _check_not_locking_out_admins(session: Session, actor: Actor, user: User, *, role: Role, active: bool) -> None:
    """An admin cannot disable or demote themselves, and the last active admin stays."""
    if user.role != Role.ADMIN or (role == Role.ADMIN and active):
        return
    if user.id == actor.user_id:
        raise ValidationError("fields.active" if not active else "fields.role", "admin.error.not_yourself")
    others = session.scalar(
        select(func.count(User.id)).where(User.role == Role.ADMIN, User.active.is_(True), User.id != user.id)
    )
    if not others:
        raise ValidationError("fields.role", "admin.error.last_admin")


def set_user_active(session: Session, actor: Actor, *, user_id: int, active: bool) -> None:
    """Disable an account (its cookies stop working at once) or enable it again."""
    user = _user_in_scope(session, actor, user_id)
    if user.active == active:
        return
    _check_not_locking_out_admins(session, actor, user, role=user.role, active=active)
    before = audit.snapshot(user)
    if not active:
        user.sessions_valid_after = datetime.now(UTC)
    else:
        user.failed_logins, user.first_failed_at, user.locked_until = 0, None, None
    user.active = active
    audit.record_change(session, actor, user, before, entity="user")


def unlock_user(session: Session, actor: Actor, *, user_id: int) -> None:
    """Lift a lockout after wrong passwords before it runs out."""
    user = _user_in_scope(session, actor, user_id)
    before = audit.snapshot(user)
    user.failed_logins, user.first_failed_at, user.locked_until = 0, None, None
    audit.record_change(session, actor, user, before, entity="user")


def reset_password(session: Session, actor: Actor, *, user_id: int, new_password: str) -> None:
    """The admin sets a new password; every cookie issued before stops working."""
    user = _user_in_scope(session, actor, user_id)
    check_password_rule(new_password, "fields.new_password")
    _set_password(session, actor, user, new_password)


def change_own_password(session: Session, actor: Actor, *, current: str, new: str, repeat: str) -> None:
    if actor.user_id is None:
        raise PermissionDenied()
    user = session.get(User, actor.user_id)
    if user is None:
        raise NotFound()
    if not check_password(current, user.password_hash):
        raise ValidationError("fields.current_password", "error.wrong_password")
    if new != repeat:
        raise ValidationError("fields.repeat_password", "error.password_mismatch")
    check_password_rule(new, "fields.new_password")
    _set_password(session, actor, user, new)


def _set_password(session: Session, actor: Actor, user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.sessions_valid_after = datetime.now(UTC)
    user.failed_logins, user.first_failed_at, user.locked_until = 0, None, None
    audit.record(session, actor, AuditAction.UPDATE, "user", user.id, after={"password": "changed"})


def list_users(session: Session, actor: Actor) -> list[User]:
    scope.require_administer(actor)
    return list(session.scalars(select(User).order_by(User.role, User.username)))


def count_users(session: Session) -> int:
    return session.scalar(select(func.count(User.id))) or 0


# --- browsing accounts and one's own profile ---------------------------------------------------


def search_users(
    session: Session,
    actor: Actor,
    *,
    text: str = "",
    role: Role | str | None = None,
    offset: int = 0,
    limit: int = 20,
    now: datetime | None = None,
) -> tuple[pd.DataFrame, int]:
    """One page of accounts (role, binding, active, locked) and how many match."""
    scope.require_administer(actor)
    now = now or utcnow()
    conditions = []
    if text.strip():
        pattern = "%" + text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(or_(User.username.ilike(pattern, escape="\\"), User.display_name.ilike(pattern, escape="\\")))
    if role:
        conditions.append(User.role == validate.choice("fields.role", role, Role))
    total = session.scalar(select(func.count(User.id)).where(*conditions)) or 0
    rows = session.execute(
        select(
            User.id,
            User.username,
            User.display_name,
            User.email,
            User.role,
            User.active,
            User.locked_until,
            Community.name.label("community"),
            Unit.name.label("unit"),
        )
        .outerjoin(Community, Community.id == User.community_id)
        .outerjoin(Unit, Unit.id == User.unit_id)
        .where(*conditions)
        .order_by(User.role, User.username)
        .offset(offset)
        .limit(limit)
    ).all()
    columns = ["id", "username", "display_name", "role", "binding", "active", "locked", "locked_until", "email"]
    data = [
        {
            "id": r.id,
            "username": r.username,
            "display_name": r.display_name,
            "role": r.role,
            "binding": r.community or r.unit or "",
            "active": r.active,
            "locked": lockout.is_locked(r.locked_until, now),
            "locked_until": r.locked_until if lockout.is_locked(r.locked_until, now) else None,
            "email": r.email,
        }
        for r in rows
    ]
    return pd.DataFrame(data, columns=columns), total


@dataclass(frozen=True)
class UserDetail:
    id: int
    username: str
    display_name: str
    email: str
    role: Role
    community_id: int | None
    unit_id: int | None
    community_name: str
    unit_name: str
    active: bool
    locked_until: datetime | None
    language: str
    created_at: datetime | None


def _detail(session: Session, user: User, now: datetime | None = None) -> UserDetail:
    now = now or utcnow()
    community = session.get(Community, user.community_id) if user.community_id else None
    unit = session.get(Unit, user.unit_id) if user.unit_id else None
    return UserDetail(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        email=user.email,
        role=user.role,
        community_id=user.community_id,
        unit_id=user.unit_id,
        community_name=community.name if community else "",
        unit_name=unit.name if unit else "",
        active=user.active,
        locked_until=user.locked_until if lockout.is_locked(user.locked_until, now) else None,
        language=user.language,
        created_at=user.created_at,
    )


def get_user_detail(session: Session, actor: Actor, *, user_id: int) -> UserDetail:
    user = _user_in_scope(session, actor, user_id)
    return _detail(session, user)


def user_choices(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """(id, "username · display name") of every account, for a picker."""
    scope.require_administer(actor)
    rows = session.execute(select(User.id, User.username, User.display_name).order_by(User.username))
    return [(r.id, f"{r.username} · {r.display_name}") for r in rows]


def get_profile(session: Session, actor: Actor) -> UserDetail:
    """The logged-in user's own account."""
    if actor.user_id is None:
        raise PermissionDenied()
    user = session.get(User, actor.user_id)
    if user is None:
        raise NotFound()
    return _detail(session, user)


def update_own_profile(session: Session, actor: Actor, *, display_name: str, email: str) -> None:
    """Anyone may correct their own name and e-mail (not their role or binding)."""
    if actor.user_id is None:
        raise PermissionDenied()
    user = session.get(User, actor.user_id)
    if user is None:
        raise NotFound()
    before = audit.snapshot(user)
    user.display_name = validate.text("fields.display_name", display_name, required=True, max_len=50)
    user.email = validate.text("fields.email", email, max_len=120)
    if before.get("display_name") != user.display_name or before.get("email") != user.email:
        audit.record_change(session, actor, user, before, entity="user")


LANGUAGE_CODES: tuple[str, ...] = ("zh_CN", "en")


def set_own_language(session: Session, actor: Actor, *, language: str) -> None:
    """The interface language the user prefers."""
    if actor.user_id is None:
        raise PermissionDenied()
    if language not in LANGUAGE_CODES:
        raise ValidationError("account.fields.language", "error.unknown_choice", value=language)
    user = session.get(User, actor.user_id)
    if user is None:
        raise NotFound()
    if user.language == language:
        return
    before = audit.snapshot(user)
    user.language = language
    audit.record_change(session, actor, user, before, entity="user")
