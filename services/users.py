"""Users: login with lockout, cookie validity, creating and editing accounts, passwords."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import bcrypt
import pandas as pd
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from db.models import Community, Unit, User, utcnow
from domain import lockout
from domain.actor import Actor
from domain.enums import AuditAction, Role
from domain.errors import NotFound, PermissionDenied, ValidationError
from domain.scope import COUNTY, Place
from services import audit, scope, validate

USERNAME_RE = re.compile(r"^[a-z0-9_-]{3,40}$")


def hash_password(password: str) -> str:
    rounds = int(os.environ.get("COBUILD_BCRYPT_ROUNDS", "12"))
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds)).decode()


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


def register_failed_login(session: Session, *, username: str, now: datetime | None = None) -> LoginResult:
    """Count a wrong password against the account (the lockout lives in the database)."""
    now = now or utcnow()
    user = get_user(session, username)
    audit.record(session, None, AuditAction.LOGIN_FAILED, "user", user.id if user else None, username=username[:40])
    if user is None:
        return LoginResult(False, "auth.wrong_credentials")
    if lockout.is_locked(user.locked_until, now):
        return LoginResult(False, "auth.locked", user.locked_until)
    state = lockout.after_failure(
        lockout.FailureState(user.failed_logins, user.first_failed_at, user.locked_until), now
    )
    user.failed_logins, user.first_failed_at, user.locked_until = (
        state.failures,
        state.window_started,
        state.locked_until,
    )
    if lockout.is_locked(user.locked_until, now):
        return LoginResult(False, "auth.locked", user.locked_until)
    return LoginResult(False, "auth.wrong_credentials")


def register_login(session: Session, *, username: str, via_cookie: bool = False) -> None:
    user = get_user(session, username)
    if user is None:
        return
    user.failed_logins, user.first_failed_at = 0, None
    if not via_cookie:
        audit.record(session, actor_for(user), AuditAction.LOGIN, "user", user.id)


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


def register_sso_login(session: Session, *, username: str) -> None:
    """Record a sign-in through the identity provider (one audit row, like a password login)."""
    user = get_user(session, username)
    if user is None:
        return
    user.failed_logins, user.first_failed_at = 0, None
    audit.record(session, actor_for(user), AuditAction.LOGIN, "user", user.id, after={"via": "sso"})


def authenticate(session: Session, *, username: str, password: str, now: datetime | None = None) -> LoginResult:
    """Check a password against the database with the lockout rule; records the outcome."""
    user = get_user(session, username)
    status = login_status(user, now)
    if not status.ok:
        if status.reason == "auth.wrong_credentials" or status.reason == "auth.locked":
            register_failed_login(session, username=username, now=now)
        return status
    assert user is not None
    if not check_password(password, user.password_hash):
        return register_failed_login(session, username=username, now=now)
    register_login(session, username=username)
    return status


def cookie_is_valid(session: Session, *, username: str, issued_at: float) -> bool:
    """A cookie is honoured only for an active, unlocked user and if issued after the last
    logout or password change (streamlit-authenticator's own cookie cannot be revoked)."""
    user = get_user(session, username)
    if not login_status(user).ok:
        return False
    assert user is not None
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


def credentials(session: Session) -> dict[str, dict[str, dict[str, object]]]:
    """The dict streamlit-authenticator expects, built fresh from the database each run.

    Locked and disabled accounts get no usable hash, so the form can never let them in."""
    now = utcnow()
    users: dict[str, dict[str, object]] = {}
    for user in session.scalars(select(User)):
        usable = login_status(user, now).ok
        users[user.username] = {
            "name": user.display_name,
            "email": user.email or f"{user.username}@cobuild.invalid",
            "password": user.password_hash if usable else "!",
            "roles": [user.role.value],
            "failed_login_attempts": 0,
            "logged_in": False,
        }
    return {"usernames": users}


# --- administration -------------------------------------------------------------------------


def _require_admin(actor: Actor, place: Place = COUNTY) -> None:
    """The secretariat's business (scope rule: ``Actor.may_administer``)."""
    scope.require_administer(actor, place)


def _account_place(session: Session, community_id: int | None, unit_id: int | None) -> Place:
    """Where an account sits: its community's or unit's place; an admin's or leader's is the county."""
    if community_id is not None:
        return scope.community_place(session, community_id)
    if unit_id is not None:
        return scope.unit_place(session, unit_id)
    return COUNTY


def _user_in_scope(session: Session, actor: Actor, user_id: int) -> User:
    """An account the actor administers."""
    _require_admin(actor)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound()
    _require_admin(actor, _account_place(session, user.community_id, user.unit_id))
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
        _require_admin(actor)
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
        _require_admin(actor, _account_place(session, community_id, unit_id))
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
    _require_admin(actor, _account_place(session, user.community_id, user.unit_id))  # the new binding too
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
    _require_admin(actor)
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
    _require_admin(actor)
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
    _require_admin(actor)
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
