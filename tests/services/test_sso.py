"""Sign-in through the organisation's identity provider: the e-mail it vouches for is matched to exactly
one active, unlocked account, which brings that account's role and unit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import AuditEntry, User
from domain.enums import AuditAction, Role
from services import users

T0 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def _user(session: Session, username: str) -> User:
    user = users.get_user(session, username)
    assert user is not None
    return user


def test_sso_email_brings_the_accounts_role_and_unit(session: Session) -> None:
    liaison = _user(session, "liaison1")
    actor = users.actor_by_email(session, "liaison1@cobuild.invalid", now=T0)
    assert actor is not None
    assert (actor.username, actor.role, actor.unit_id) == ("liaison1", Role.LIAISON, liaison.unit_id)


@pytest.mark.parametrize(
    "written", ["LIAISON1@Cobuild.Invalid", "  liaison1@cobuild.invalid ", "Liaison1@COBUILD.invalid"]
)
def test_sso_email_match_ignores_case_and_spaces(session: Session, written: str) -> None:
    actor = users.actor_by_email(session, written, now=T0)
    assert actor is not None and actor.username == "liaison1"


def test_sso_stored_email_in_capitals_still_matches(session: Session) -> None:
    _user(session, "leader").email = "Zhang.Wei@County.gov.cn"
    session.flush()
    actor = users.actor_by_email(session, "zhang.wei@county.gov.cn", now=T0)
    assert actor is not None and actor.role == Role.LEADER


@pytest.mark.parametrize("email", ["nobody@county.gov.cn", "", "   ", "liaison1", "cobuild.invalid"])
def test_sso_unknown_email_is_refused(session: Session, email: str) -> None:
    assert users.actor_by_email(session, email, now=T0) is None


def test_sso_disabled_user_is_refused(session: Session) -> None:
    _user(session, "community1").active = False
    session.flush()
    assert users.actor_by_email(session, "community1@cobuild.invalid", now=T0) is None


def test_sso_locked_user_is_refused(session: Session) -> None:
    _user(session, "community1").locked_until = T0 + timedelta(minutes=10)
    session.flush()
    assert users.actor_by_email(session, "community1@cobuild.invalid", now=T0) is None
    assert users.actor_by_email(session, "community1@cobuild.invalid", now=T0 + timedelta(minutes=11)) is not None


def test_sso_email_shared_by_two_users_is_refused_as_ambiguous(session: Session) -> None:
    _user(session, "leader").email = "office@county.gov.cn"
    _user(session, "liaison1").email = "OFFICE@county.gov.cn"
    session.flush()
    assert users.actor_by_email(session, "office@county.gov.cn", now=T0) is None


def test_sso_a_disabled_predecessor_does_not_block_the_active_account(session: Session) -> None:
    old, new = _user(session, "leader"), _user(session, "liaison1")
    old.email, new.email, old.active = "office@county.gov.cn", "office@county.gov.cn", False
    session.flush()
    actor = users.actor_by_email(session, "office@county.gov.cn", now=T0)
    assert actor is not None and actor.username == "liaison1"


def test_sso_login_leaves_an_audit_row(session: Session) -> None:
    user = _user(session, "admin")
    user.failed_logins = 2
    users.register_sso_login(session, username="admin")
    session.flush()
    row = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == AuditAction.LOGIN, AuditEntry.entity_id == user.id)
        .order_by(AuditEntry.id.desc())
    ).first()
    assert row is not None and row.username == "admin"
    assert "sso" in str(row.after)
    assert user.failed_logins == 0
