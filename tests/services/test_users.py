"""Accounts: lockout kept in the database, cookie revocation, admin-only management, own password."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import AuditEntry, Community, Unit, User
from domain import lockout
from domain.actor import Actor
from domain.enums import AuditAction, Role
from domain.errors import PermissionDenied, ValidationError
from services import users

PASSWORDS = {
    "admin": "cobuild-admin",
    "community1": "cobuild-community",
    "liaison1": "cobuild-liaison",
    "leader": "cobuild-leader",
}
NON_ADMINS = ["community_worker", "liaison", "leader"]
T0 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def _user(session: Session, username: str) -> User:
    user = users.get_user(session, username)
    assert user is not None
    return user


def _wrong(session: Session, username: str, now: datetime) -> users.LoginResult:
    return users.authenticate(session, username=username, password="not-the-password1", now=now)


# --- lockout -----------------------------------------------------------------------------------------------


def test_five_wrong_passwords_within_15_minutes_lock_the_account_in_the_database(session: Session) -> None:
    for i in range(4):
        assert _wrong(session, "liaison1", T0 + timedelta(minutes=i)).reason == "auth.wrong_credentials"
    result = _wrong(session, "liaison1", T0 + timedelta(minutes=10))
    assert result.reason == "auth.locked"
    session.flush()
    session.expire_all()
    stored = _user(session, "liaison1")
    assert stored.locked_until == T0 + timedelta(minutes=10) + lockout.LOCK_FOR
    # the right password does not help while locked …
    during = T0 + timedelta(minutes=20)
    assert (
        users.authenticate(session, username="liaison1", password=PASSWORDS["liaison1"], now=during).reason
        == "auth.locked"
    )
    # … and works again once the lock has run out
    after = T0 + timedelta(minutes=26)
    assert users.authenticate(session, username="liaison1", password=PASSWORDS["liaison1"], now=after).ok


def test_a_wrong_password_after_the_window_starts_counting_again(session: Session) -> None:
    for i in range(4):
        _wrong(session, "leader", T0 + timedelta(minutes=i))
    later = T0 + lockout.WINDOW + timedelta(minutes=1)
    assert _wrong(session, "leader", later).reason == "auth.wrong_credentials"
    assert _user(session, "leader").failed_logins == 1
    for i in range(3):
        assert _wrong(session, "leader", later + timedelta(minutes=i + 1)).reason == "auth.wrong_credentials"
    assert _wrong(session, "leader", later + timedelta(minutes=5)).reason == "auth.locked"


def test_a_right_password_resets_the_count(session: Session) -> None:
    for i in range(4):
        _wrong(session, "leader", T0 + timedelta(minutes=i))
    assert users.authenticate(
        session, username="leader", password=PASSWORDS["leader"], now=T0 + timedelta(minutes=5)
    ).ok
    assert _user(session, "leader").failed_logins == 0


def test_wrong_passwords_are_audited(session: Session) -> None:
    before = session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == AuditAction.LOGIN_FAILED))
    _wrong(session, "leader", T0)
    after = session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == AuditAction.LOGIN_FAILED))
    assert after == before + 1


def test_disabled_user_is_refused(session: Session, admin: Actor) -> None:
    leader = _user(session, "leader")
    users.set_user_active(session, admin, user_id=leader.id, active=False)
    result = users.authenticate(session, username="leader", password=PASSWORDS["leader"])
    assert not result.ok and result.reason == "auth.disabled"
    assert not users.cookie_is_valid(session, username="leader", issued_at=datetime.now(UTC).timestamp() + 5)


def test_admin_unlocks_a_locked_account(session: Session, admin: Actor) -> None:
    now = datetime.now(UTC)
    for i in range(5):
        _wrong(session, "liaison1", now + timedelta(seconds=i))
    target = _user(session, "liaison1")
    df, _ = users.search_users(session, admin, text="liaison1")
    assert bool(df.iloc[0]["locked"])
    users.unlock_user(session, admin, user_id=target.id)
    assert users.login_status(target).ok
    df, _ = users.search_users(session, admin, text="liaison1")
    assert not bool(df.iloc[0]["locked"])


# --- cookies ------------------------------------------------------------------------------------------------


def test_cookie_is_refused_after_revoke_sessions_and_honoured_when_issued_after(session: Session) -> None:
    issued = datetime.now(UTC).timestamp() - 60
    assert users.cookie_is_valid(session, username="community1", issued_at=issued)
    users.revoke_sessions(session, username="community1")
    assert not users.cookie_is_valid(session, username="community1", issued_at=issued)
    assert users.cookie_is_valid(session, username="community1", issued_at=datetime.now(UTC).timestamp() + 1)


def test_cookie_is_refused_after_a_password_change(session: Session, community_worker: Actor) -> None:
    issued = datetime.now(UTC).timestamp() - 60
    users.change_own_password(
        session, community_worker, current=PASSWORDS["community1"], new="new-secret-2026", repeat="new-secret-2026"
    )
    assert not users.cookie_is_valid(session, username="community1", issued_at=issued)
    assert users.cookie_is_valid(session, username="community1", issued_at=datetime.now(UTC).timestamp() + 1)


def test_cookie_of_unknown_user_is_refused(session: Session) -> None:
    assert not users.cookie_is_valid(session, username="nobody", issued_at=datetime.now(UTC).timestamp())


# --- own password --------------------------------------------------------------------------------------------


def test_change_own_password_then_log_in_with_the_new_one(session: Session, liaison: Actor) -> None:
    users.change_own_password(session, liaison, current=PASSWORDS["liaison1"], new="Abcdefg123", repeat="Abcdefg123")
    assert users.authenticate(session, username="liaison1", password="Abcdefg123").ok
    assert not users.authenticate(session, username="liaison1", password=PASSWORDS["liaison1"]).ok
    row = session.scalars(
        select(AuditEntry).where(
            AuditEntry.entity == "user",
            AuditEntry.entity_id == liaison.user_id,
            AuditEntry.action == AuditAction.UPDATE,
        )
    ).all()[-1]
    assert "password" in (row.after or "") and "Abcdefg123" not in (row.after or "")


@pytest.mark.parametrize(
    ("current", "new", "repeat", "field", "code"),
    [
        ("wrong-one-1", "Abcdefg123", "Abcdefg123", "fields.current_password", "error.wrong_password"),
        ("cobuild-leader", "Abcdefg123", "Abcdefg124", "fields.repeat_password", "error.password_mismatch"),
        ("cobuild-leader", "abc123", "abc123", "fields.new_password", "error.password_rule"),
        ("cobuild-leader", "abcdefghij", "abcdefghij", "fields.new_password", "error.password_rule"),
        ("cobuild-leader", "1234567890", "1234567890", "fields.new_password", "error.password_rule"),
        ("cobuild-leader", "a1" * 33, "a1" * 33, "fields.new_password", "error.password_rule"),
    ],
)
def test_bad_password_change_names_the_field_and_changes_nothing(
    session: Session,
    leader: Actor,
    current: str,
    new: str,
    repeat: str,
    field: str,
    code: str,
) -> None:
    old_hash = _user(session, "leader").password_hash
    with pytest.raises(ValidationError) as err:
        users.change_own_password(session, leader, current=current, new=new, repeat=repeat)
    assert (err.value.field, err.value.code) == (field, code)
    assert _user(session, "leader").password_hash == old_hash


@pytest.mark.parametrize("password", ["abcdefg1", "A" * 63 + "1", "共建看板abcd1234"])
def test_password_rule_accepts_letters_and_digits_8_to_64(password: str) -> None:
    users.check_password_rule(password)


# --- administration ------------------------------------------------------------------------------------------


def _first(session: Session, model: type[Community] | type[Unit]) -> int:
    return session.scalars(select(model.id).order_by(model.id)).first()  # type: ignore[return-value]


USER_WRITES = {
    "create_user": lambda s, a, uid: users.create_user(
        s, a, username="newbie", display_name="新人", password="abcdefg123", role=Role.LEADER
    ),
    "update_user": lambda s, a, uid: users.update_user(
        s, a, user_id=uid, display_name="改名", email="", role=Role.LEADER, community_id=None, unit_id=None, active=True
    ),
    "set_user_active": lambda s, a, uid: users.set_user_active(s, a, user_id=uid, active=False),
    "reset_password": lambda s, a, uid: users.reset_password(s, a, user_id=uid, new_password="abcdefg123"),
    "unlock_user": lambda s, a, uid: users.unlock_user(s, a, user_id=uid),
}


@pytest.mark.parametrize("role", NON_ADMINS)
@pytest.mark.parametrize("path", sorted(USER_WRITES))
def test_only_admin_may_manage_users(
    session: Session,
    role: str,
    path: str,
    request: pytest.FixtureRequest,
) -> None:
    actor: Actor = request.getfixturevalue(role)
    target = _user(session, "leader").id
    before = session.scalar(select(func.count(AuditEntry.id)))
    with pytest.raises(PermissionDenied):
        USER_WRITES[path](session, actor, target)
    assert session.scalar(select(func.count(AuditEntry.id))) == before


@pytest.mark.parametrize("role", NON_ADMINS)
def test_only_admin_may_list_users(session: Session, role: str, request: pytest.FixtureRequest) -> None:
    actor: Actor = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        users.search_users(session, actor)
    with pytest.raises(PermissionDenied):
        users.list_users(session, actor)


@pytest.mark.parametrize("path", sorted(USER_WRITES))
def test_every_user_write_leaves_an_audit_row(session: Session, admin: Actor, path: str) -> None:
    target = _user(session, "leader").id
    before = session.scalar(select(func.count(AuditEntry.id)))
    USER_WRITES[path](session, admin, target)
    session.flush()
    assert session.scalar(select(func.count(AuditEntry.id))) > before  # type: ignore[operator]


def test_create_liaison_bound_to_a_unit_with_chinese_display_name(session: Session, admin: Actor) -> None:
    unit_id = _first(session, Unit)
    user = users.create_user(
        session,
        admin,
        username="zhang_san",
        display_name="张三",
        password="abcdefg123",
        role="liaison",
        unit_id=unit_id,
        community_id=_first(session, Community),
    )
    assert (user.role, user.unit_id, user.community_id, user.display_name) == (Role.LIAISON, unit_id, None, "张三")
    assert users.authenticate(session, username="zhang_san", password="abcdefg123").ok
    row = session.scalars(
        select(AuditEntry).where(
            AuditEntry.entity == "user", AuditEntry.entity_id == user.id, AuditEntry.action == AuditAction.CREATE
        )
    ).one()
    assert "张三" in (row.after or "") and "password_hash" not in (row.after or "")


@pytest.mark.parametrize("username", ["张三", "ab", "has space", "a" * 41, "semi;colon"])
def test_username_must_be_ascii_lower_case(session: Session, admin: Actor, username: str) -> None:
    with pytest.raises(ValidationError) as err:
        users.create_user(session, admin, username=username, display_name="x", password="abcdefg123", role=Role.LEADER)
    assert err.value.field == "fields.username"


def test_username_is_stored_lower_case(session: Session, admin: Actor) -> None:
    user = users.create_user(
        session, admin, username="WangWu", display_name="王五", password="abcdefg123", role=Role.LEADER
    )
    assert user.username == "wangwu"


def test_duplicate_username_is_refused(session: Session, admin: Actor) -> None:
    with pytest.raises(ValidationError) as err:
        users.create_user(session, admin, username="Admin", display_name="x", password="abcdefg123", role=Role.ADMIN)
    assert (err.value.field, err.value.code) == ("fields.username", "error.duplicate")


@pytest.mark.parametrize(("role", "field"), [(Role.COMMUNITY, "fields.community"), (Role.LIAISON, "fields.unit")])
def test_bound_roles_need_their_binding(session: Session, admin: Actor, role: Role, field: str) -> None:
    with pytest.raises(ValidationError) as err:
        users.create_user(session, admin, username="someone", display_name="某人", password="abcdefg123", role=role)
    assert err.value.field == field


def test_admin_cannot_disable_themselves(session: Session, admin: Actor) -> None:
    with pytest.raises(ValidationError) as err:
        users.set_user_active(session, admin, user_id=admin.user_id, active=False)  # type: ignore[arg-type]
    assert err.value.code == "admin.error.not_yourself"
    with pytest.raises(ValidationError):
        users.update_user(
            session,
            admin,
            user_id=admin.user_id,
            display_name="秘书处",
            email="",  # type: ignore[arg-type]
            role=Role.ADMIN,
            community_id=None,
            unit_id=None,
            active=False,
        )
    assert _user(session, "admin").active


def test_admin_cannot_demote_themselves(session: Session, admin: Actor) -> None:
    with pytest.raises(ValidationError) as err:
        users.update_user(
            session,
            admin,
            user_id=admin.user_id,
            display_name="秘书处",
            email="",  # type: ignore[arg-type]
            role=Role.LEADER,
            community_id=None,
            unit_id=None,
            active=True,
        )
    assert err.value.code == "admin.error.not_yourself"
    assert _user(session, "admin").role == Role.ADMIN


def test_disabling_a_user_revokes_their_cookies(session: Session, admin: Actor) -> None:
    issued = datetime.now(UTC).timestamp() - 60
    target = _user(session, "community1")
    users.set_user_active(session, admin, user_id=target.id, active=False)
    users.set_user_active(session, admin, user_id=target.id, active=True)
    assert not users.cookie_is_valid(session, username="community1", issued_at=issued)
    assert users.cookie_is_valid(session, username="community1", issued_at=datetime.now(UTC).timestamp() + 1)


def test_admin_resets_a_password_and_old_cookies_stop_working(session: Session, admin: Actor) -> None:
    issued = datetime.now(UTC).timestamp() - 60
    target = _user(session, "leader")
    users.reset_password(session, admin, user_id=target.id, new_password="reset-2026")
    assert users.authenticate(session, username="leader", password="reset-2026").ok
    assert not users.cookie_is_valid(session, username="leader", issued_at=issued)


def test_reset_password_follows_the_rule(session: Session, admin: Actor) -> None:
    with pytest.raises(ValidationError) as err:
        users.reset_password(session, admin, user_id=_user(session, "leader").id, new_password="short1")
    assert err.value.field == "fields.new_password"


def test_change_role_rebinds(session: Session, admin: Actor) -> None:
    target = _user(session, "leader")
    community_id = _first(session, Community)
    users.update_user(
        session,
        admin,
        user_id=target.id,
        display_name="街道领导",
        email="a@b.cn",
        role=Role.COMMUNITY,
        community_id=community_id,
        unit_id=_first(session, Unit),
        active=True,
    )
    detail = users.get_user_detail(session, admin, user_id=target.id)
    assert (detail.role, detail.community_id, detail.unit_id) == (Role.COMMUNITY, community_id, None)
    assert detail.community_name


def test_search_users_filters_by_role_and_text(session: Session, admin: Actor) -> None:
    df, total = users.search_users(session, admin, role=Role.LIAISON)
    assert total == len(df) and set(df["role"]) == {Role.LIAISON} and all(df["binding"] != "")
    df, total = users.search_users(session, admin, text="lead")
    assert list(df["username"]) == ["leader"] and total == 1


# --- own profile ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "community_worker", "liaison", "leader"])
def test_everyone_sees_and_edits_their_own_profile(session: Session, role: str, request: pytest.FixtureRequest) -> None:
    actor: Actor = request.getfixturevalue(role)
    profile = users.get_profile(session, actor)
    assert profile.username == actor.username
    users.set_own_language(session, actor, language="en")
    users.update_own_profile(session, actor, display_name="新名字", email="me@example.cn")
    profile = users.get_profile(session, actor)
    assert (profile.language, profile.display_name, profile.email) == ("en", "新名字", "me@example.cn")


def test_unknown_language_is_refused(session: Session, leader: Actor) -> None:
    with pytest.raises(ValidationError) as err:
        users.set_own_language(session, leader, language="fr")
    assert err.value.field == "account.fields.language"
