"""Security bars of quality.md as tests: lockout kept in the database, cookies forged, expired or
revoked, writes refused to a liaison outside their unit and to a leader everywhere, no secret in
the repository, error details hidden, and no start without a cookie key outside demo mode.
(The browser-level login checks are in tests/e2e/test_login.py.)"""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from db.engine import make_engine, make_session_factory, session_scope
from db.models import (
    ActionItem,
    Activity,
    Agreement,
    AuditEntry,
    Category,
    ContractTask,
    EvaluationRound,
    Meeting,
    Member,
    Milestone,
    Need,
    Project,
    Resource,
    RotationSlot,
    Setting,
    User,
    WhistleResponse,
)
from domain import lockout
from domain.actor import Actor
from domain.enums import ActionStatus, AuditAction, ProjectStage
from domain.errors import PermissionDenied
from services import (
    activities,
    agreements,
    evaluation,
    matrix,
    meetings,
    members,
    needs,
    projects,
    resources,
    rotation,
    settings_store,
    users,
    whistle,
)
from services import (
    admin as admin_svc,
)
from tests.conftest import TODAY

ROOT = Path(__file__).resolve().parents[1]
KEY = "a-test-cookie-key-of-decent-length-0123456789"
EXPIRY_DAYS = 7.0
T0 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


# --- lockout ----------------------------------------------------------------------------------------


def test_five_wrong_passwords_within_15_minutes_lock_the_account(session: Session) -> None:
    for i in range(4):
        result = users.authenticate(session, username="liaison1", password="wrong-pass1", now=T0 + timedelta(minutes=i))
        assert result.reason == "auth.wrong_credentials"
    result = users.authenticate(session, username="liaison1", password="wrong-pass1", now=T0 + timedelta(minutes=4))
    assert result.reason == "auth.locked"
    assert result.locked_until == T0 + timedelta(minutes=4) + lockout.LOCK_FOR
    # The right password does not open a locked account …
    right = users.authenticate(session, username="liaison1", password="cobuild-liaison", now=T0 + timedelta(minutes=18))
    assert not right.ok and right.reason == "auth.locked"
    # … until the 15 minutes are over.
    later = users.authenticate(session, username="liaison1", password="cobuild-liaison", now=T0 + timedelta(minutes=20))
    assert later.ok


def test_wrong_passwords_spread_over_more_than_15_minutes_do_not_lock(session: Session) -> None:
    for minutes in (0, 4, 8, 12, 28):  # the fifth falls outside the first one's window
        result = users.authenticate(
            session, username="leader", password="wrong-pass1", now=T0 + timedelta(minutes=minutes)
        )
        assert result.reason == "auth.wrong_credentials", minutes
    assert users.authenticate(session, username="leader", password="cobuild-leader", now=T0 + timedelta(minutes=29)).ok


def test_the_lockout_survives_a_new_process(db_file: Path) -> None:
    """Kept in the database: a fresh engine (as after a restart, or on the other app process) sees it."""
    first = make_engine(f"sqlite:///{db_file}")
    with session_scope(make_session_factory(first), write=True) as s:
        for _ in range(5):
            users.authenticate(s, username="community1", password="wrong-pass1", now=datetime.now(UTC))
    first.dispose()
    second = make_engine(f"sqlite:///{db_file}")
    try:
        with session_scope(make_session_factory(second), write=True) as s:
            status = users.login_status(users.get_user(s, "community1"))
            assert status.reason == "auth.locked"
            right = users.authenticate(s, username="community1", password="cobuild-community")
            assert right.reason == "auth.locked"  # the right password does not open it either
            failed = s.scalar(
                select(func.count(AuditEntry.id)).where(
                    AuditEntry.action == AuditAction.LOGIN_FAILED, AuditEntry.username == "community1"
                )
            )
            assert failed == 6
    finally:
        second.dispose()


# --- cookies ----------------------------------------------------------------------------------------


def _token(username: str, key: str, exp: datetime) -> str:
    """A cookie as streamlit-authenticator writes it (models/cookie_model.py)."""
    return jwt.encode({"username": username, "exp_date": exp.timestamp()}, key, algorithm="HS256")


def test_a_cookie_signed_with_the_right_key_is_read() -> None:
    from ui.kit.auth import _cookie_username

    exp = datetime.now(UTC) + timedelta(days=EXPIRY_DAYS)
    parsed = _cookie_username(_token("admin", KEY, exp), KEY, EXPIRY_DAYS)
    assert parsed is not None and parsed[0] == "admin"
    assert abs(parsed[1] - (exp.timestamp() - EXPIRY_DAYS * 86400)) < 1


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(
            _token("admin", "another-key-someone-made-up-000000", datetime.now(UTC) + timedelta(days=7)),
            id="forged-with-another-key",
        ),
        pytest.param(_token("admin", KEY, datetime.now(UTC) - timedelta(minutes=1)), id="expired"),
        pytest.param(jwt.encode({"username": "admin"}, KEY, algorithm="HS256"), id="no-expiry"),
        # {"alg": "none"} with {"username": "admin", "exp_date": 4000000000} and no signature
        pytest.param("eyJhbGciOiJub25lIn0.eyJ1c2VybmFtZSI6ImFkbWluIiwiZXhwX2RhdGUiOjQwMDAwMDAwMDB9.", id="alg-none"),
        pytest.param("not-a-token", id="garbage"),
    ],
)
def test_a_bad_cookie_is_refused(token: str) -> None:
    from ui.kit.auth import _cookie_username

    assert _cookie_username(token, KEY, EXPIRY_DAYS) is None


def test_logout_revokes_every_cookie_issued_before(session: Session) -> None:
    issued = (datetime.now(UTC) - timedelta(hours=1)).timestamp()
    assert users.cookie_is_valid(session, username="community1", issued_at=issued)
    users.revoke_sessions(session, username="community1")
    assert not users.cookie_is_valid(session, username="community1", issued_at=issued)
    # A cookie from a login after the logout works.
    assert users.cookie_is_valid(session, username="community1", issued_at=datetime.now(UTC).timestamp() + 1)


def test_a_password_change_revokes_every_cookie_issued_before(session: Session, liaison: Actor) -> None:
    issued = (datetime.now(UTC) - timedelta(minutes=5)).timestamp()
    assert users.cookie_is_valid(session, username="liaison1", issued_at=issued)
    users.change_own_password(
        session, liaison, current="cobuild-liaison", new="new-secret-2026", repeat="new-secret-2026"
    )
    assert not users.cookie_is_valid(session, username="liaison1", issued_at=issued)


def test_an_admin_password_reset_or_disable_revokes_cookies(session: Session, admin: Actor) -> None:
    issued = (datetime.now(UTC) - timedelta(minutes=5)).timestamp()
    leader_id = users.get_user(session, "leader").id  # type: ignore[union-attr]
    users.reset_password(session, admin, user_id=leader_id, new_password="reset-secret-2026")
    assert not users.cookie_is_valid(session, username="leader", issued_at=issued)
    community_id = users.get_user(session, "community1").id  # type: ignore[union-attr]
    users.set_user_active(session, admin, user_id=community_id, active=False)
    assert not users.cookie_is_valid(session, username="community1", issued_at=datetime.now(UTC).timestamp() + 1)


def test_a_lockout_stops_password_logins_but_not_a_still_valid_cookie(session: Session) -> None:
    """The trade-off against lock-out-anyone (README, "Logins"): five wrong passwords typed by
    anyone for ``leader`` lock password logins, but the browsers where leader is signed in stay in."""
    issued = datetime.now(UTC).timestamp() - 60
    for _ in range(5):
        users.authenticate(session, username="leader", password="wrong-pass1")
    assert users.authenticate(session, username="leader", password="cobuild-leader").reason == "auth.locked"
    assert users.cookie_is_valid(session, username="leader", issued_at=issued)
    # a disabled account's cookie is refused at once
    admin = users.actor_for(users.get_user(session, "admin"))  # type: ignore[arg-type]
    users.set_user_active(session, admin, user_id=users.get_user(session, "leader").id, active=False)  # type: ignore[union-attr]
    assert not users.cookie_is_valid(session, username="leader", issued_at=issued)


# --- writes refused ---------------------------------------------------------------------------------


def _first(session: Session, stmt: Any) -> int | None:
    return session.scalar(stmt.limit(1))


@pytest.fixture
def ids(session: Session, liaison: Actor, other_unit_id: int) -> dict[str, Any]:
    """Records to aim at: for the liaison tests, ones that belong to another unit."""
    other, mine = other_unit_id, liaison.unit_id
    led_by_other = _first(
        session,
        select(Project.id).where(
            Project.lead_unit_id.is_not(None), Project.lead_unit_id != mine, Project.deleted_at.is_(None)
        ),
    )
    return {
        "unit": mine,
        "other_unit": other,
        "community": _first(session, select(Activity.community_id)),
        "category": _first(session, select(Category.id)),
        "activity": _first(session, select(Activity.id).where(Activity.unit_id != mine, Activity.deleted_at.is_(None))),
        "need": _first(session, select(Need.id).where(Need.deleted_at.is_(None), Need.status == "open")),
        "resource": _first(session, select(Resource.id).where(Resource.unit_id != mine, Resource.deleted_at.is_(None))),
        "project": led_by_other,
        "milestone": _first(session, select(Milestone.id).where(Milestone.project_id == led_by_other)),
        "agreement": _first(session, select(Agreement.id).where(Agreement.unit_id != mine)),
        "member": _first(session, select(Member.id).where(Member.unit_id != mine, Member.deleted_at.is_(None))),
        "meeting": _first(session, select(Meeting.id).where(Meeting.deleted_at.is_(None))),
        "item": _first(
            session,
            select(ActionItem.id).where(ActionItem.owner_unit_id != mine, ActionItem.status == ActionStatus.OPEN),
        ),
        "response": _first(
            session,
            select(WhistleResponse.id).where(WhistleResponse.unit_id != mine, WhistleResponse.closed_at.is_(None)),
        ),
        "round": _first(session, select(EvaluationRound.id)),
        "task": _first(session, select(ContractTask.id)),
        "slot": _first(session, select(RotationSlot.id)),
        "user": _first(session, select(User.id).where(User.username == "liaison1")),
    }


Write = Callable[[Session, Actor, dict[str, Any]], object]

# Every write service, called with plausible arguments: a leader must be refused by each.
LEADER_WRITES: dict[str, Write] = {
    "log_activity": lambda s, a, i: activities.log_activity(
        s, a, unit_id=i["unit"], community_id=i["community"], held_on=TODAY, kind="forum", title="座谈", today=TODAY
    ),
    "update_activity": lambda s, a, i: activities.update_activity(
        s, a, i["activity"], community_id=i["community"], held_on=TODAY, kind="forum", title="改", today=TODAY
    ),
    "delete_activity": lambda s, a, i: activities.delete_activity(s, a, i["activity"]),
    "create_need": lambda s, a, i: needs.create_need(
        s, a, data=needs.NeedInput(i["community"], i["category"], "加装电梯")
    ),
    "update_need": lambda s, a, i: needs.update_need(
        s, a, need_id=i["need"], data=needs.NeedInput(i["community"], i["category"], "改")
    ),
    "delete_need": lambda s, a, i: needs.delete_need(s, a, need_id=i["need"]),
    "claim_need": lambda s, a, i: needs.claim_need(s, a, need_id=i["need"], unit_id=i["unit"]),
    "create_resource": lambda s, a, i: resources.create_resource(
        s, a, data=resources.ResourceInput(i["unit"], i["category"], "会议室")
    ),
    "update_resource": lambda s, a, i: resources.update_resource(
        s, a, resource_id=i["resource"], data=resources.ResourceInput(i["other_unit"], i["category"], "改")
    ),
    "delete_resource": lambda s, a, i: resources.delete_resource(s, a, resource_id=i["resource"]),
    "create_project": lambda s, a, i: projects.create_project(
        s, a, data=projects.ProjectInput("楼道改造", i["community"])
    ),
    "update_project": lambda s, a, i: projects.update_project(
        s, a, project_id=i["project"], data=projects.ProjectInput("改", i["community"])
    ),
    "move_project": lambda s, a, i: projects.move_project(s, a, project_id=i["project"], to_stage=ProjectStage.CONSULT),
    "save_progress": lambda s, a, i: projects.save_progress(s, a, changes={i["project"]: 55}),
    "add_milestone": lambda s, a, i: projects.add_milestone(s, a, project_id=i["project"], due_on=TODAY, title="验收"),
    "set_milestone_done": lambda s, a, i: projects.set_milestone_done(s, a, milestone_id=i["milestone"], done=True),
    "claim_project": lambda s, a, i: projects.claim_project(s, a, project_id=i["project"], today=TODAY),
    "delete_project": lambda s, a, i: projects.delete_project(s, a, project_id=i["project"]),
    "create_agreement": lambda s, a, i: agreements.create_agreement(
        s, a, data=agreements.AgreementInput(i["community"], i["unit"])
    ),
    "update_agreement": lambda s, a, i: agreements.update_agreement(
        s, a, agreement_id=i["agreement"], data=agreements.AgreementInput(i["community"], i["unit"])
    ),
    "delete_agreement": lambda s, a, i: agreements.delete_agreement(s, a, agreement_id=i["agreement"]),
    "create_member": lambda s, a, i: members.create_member(s, a, name="张三", unit_id=i["unit"]),
    "update_member": lambda s, a, i: members.update_member(s, a, i["member"], name="李四", unit_id=i["other_unit"]),
    "delete_member": lambda s, a, i: members.delete_member(s, a, i["member"]),
    "create_meeting": lambda s, a, i: meetings.create_meeting(
        s, a, data=meetings.MeetingInput("joint", "联席会议", TODAY)
    ),
    "update_meeting": lambda s, a, i: meetings.update_meeting(
        s, a, meeting_id=i["meeting"], data=meetings.MeetingInput("joint", "改", TODAY)
    ),
    "add_action_item": lambda s, a, i: meetings.add_action_item(
        s, a, meeting_id=i["meeting"], content="落实", owner_unit_id=i["unit"], due_on=None
    ),
    "close_action_item": lambda s, a, i: meetings.close_action_item(
        s, a, item_id=i["item"], status=ActionStatus.DONE, note="办结", closed_on=TODAY
    ),
    "delete_meeting": lambda s, a, i: meetings.delete_meeting(
        s, a, meeting_id=i["meeting"], today=TODAY, disposition="drop", note="会议取消"
    ),
    "restore_meeting": lambda s, a, i: meetings.restore_meeting(s, a, meeting_id=i["meeting"]),
    "raise_whistle": lambda s, a, i: whistle.raise_whistle(
        s, a, community_id=i["community"], kind="other", title="吹哨", unit_ids=[i["unit"]]
    ),
    "advance_response": lambda s, a, i: whistle.advance_response(s, a, response_id=i["response"], action_taken="处置"),
    "rate_response": lambda s, a, i: whistle.rate_response(s, a, response_id=i["response"], rating=5),
    "create_task": lambda s, a, i: evaluation.create_task(
        s, a, unit_id=i["unit"], title="契约", credit_weight=1, due_on=None, claimed_on=TODAY
    ),
    "set_task_statuses": lambda s, a, i: evaluation.set_task_statuses(s, a, changes={i["task"]: "kept"}, today=TODAY),
    "create_round": lambda s, a, i: evaluation.create_round(
        s, a, title="考评", period="2026", year=2026, criteria=[("服务", 1)]
    ),
    "close_round": lambda s, a, i: evaluation.close_round(s, a, round_id=i["round"]),
    "save_scores": lambda s, a, i: evaluation.save_scores(
        s, a, round_id=i["round"], evaluator="甲", scores={(i["unit"], 1): 90}
    ),
    "set_formula": lambda s, a, i: evaluation.set_formula(s, a, weights={}),
    "generate_year": lambda s, a, i: rotation.generate_year(s, a, year=2027, community_id=None),
    "swap_months": lambda s, a, i: rotation.swap_months(
        s, a, year=2026, community_id=None, month_a=1, month_b=2, reason="调换"
    ),
    "change_chair": lambda s, a, i: rotation.change_chair(s, a, slot_id=i["slot"], unit_id=i["unit"], reason="调整"),
    "update_month": lambda s, a, i: rotation.update_month(
        s, a, slot_id=i["slot"], theme="主题", plan="", status="planned"
    ),
    "create_unit": lambda s, a, i: admin_svc.create_unit(s, a, name="新单位"),
    "set_unit_active": lambda s, a, i: admin_svc.set_unit_active(s, a, unit_id=i["other_unit"], active=False),
    "pair_unit": lambda s, a, i: admin_svc.pair_unit(s, a, unit_id=i["other_unit"], community_id=i["community"]),
    "create_community": lambda s, a, i: admin_svc.create_community(s, a, name="新社区"),
    "create_category": lambda s, a, i: admin_svc.create_category(s, a, name="新类别"),
    "accept_match": lambda s, a, i: matrix.accept_match(s, a, need_id=i["need"], resource_id=i["resource"]),
    "create_user": lambda s, a, i: users.create_user(
        s, a, username="intruder", display_name="x", password="intruder-2026", role="admin"
    ),
    "reset_password": lambda s, a, i: users.reset_password(s, a, user_id=i["user"], new_password="taken-over-1"),
    "unlock_user": lambda s, a, i: users.unlock_user(s, a, user_id=i["user"]),
    "set_user_active": lambda s, a, i: users.set_user_active(s, a, user_id=i["user"], active=False),
}

# What a liaison might hand-craft: the id of another unit's record, or another unit's id.
LIAISON_OTHER_UNIT: dict[str, Write] = {
    "log_activity_for_other_unit": lambda s, a, i: activities.log_activity(
        s,
        a,
        unit_id=i["other_unit"],
        community_id=i["community"],
        held_on=TODAY,
        kind="forum",
        title="冒名",
        today=TODAY,
    ),
    "update_other_units_activity": LEADER_WRITES["update_activity"],
    "move_own_activity_to_other_unit": lambda s, a, i: activities.update_activity(
        s,
        a,
        s.scalar(select(Activity.id).where(Activity.unit_id == a.unit_id).limit(1)),
        unit_id=i["other_unit"],
        community_id=i["community"],
        held_on=TODAY,
        kind="forum",
        title="改",
        today=TODAY,
    ),
    "delete_other_units_activity": LEADER_WRITES["delete_activity"],
    "create_resource_for_other_unit": lambda s, a, i: resources.create_resource(
        s, a, data=resources.ResourceInput(i["other_unit"], i["category"], "会议室")
    ),
    "update_other_units_resource": lambda s, a, i: resources.update_resource(
        s, a, resource_id=i["resource"], data=resources.ResourceInput(a.unit_id, i["category"], "改")
    ),
    "delete_other_units_resource": LEADER_WRITES["delete_resource"],
    "update_project_led_by_other_unit": LEADER_WRITES["update_project"],
    "save_progress_of_other_units_project": LEADER_WRITES["save_progress"],
    "add_milestone_to_other_units_project": LEADER_WRITES["add_milestone"],
    "claim_need_for_other_unit": lambda s, a, i: needs.claim_need(s, a, need_id=i["need"], unit_id=i["other_unit"]),
    "create_member_in_other_unit": lambda s, a, i: members.create_member(s, a, name="张三", unit_id=i["other_unit"]),
    "update_other_units_member": LEADER_WRITES["update_member"],
    "delete_other_units_member": LEADER_WRITES["delete_member"],
    "close_other_units_action_item": LEADER_WRITES["close_action_item"],
    "advance_other_units_whistle_response": LEADER_WRITES["advance_response"],
    "create_agreement": LEADER_WRITES["create_agreement"],
}


def _audit_count(session: Session) -> int:
    return session.scalar(select(func.count(AuditEntry.id))) or 0


def _refused(session: Session, actor: Actor, ids: dict[str, Any], write: Write) -> None:
    before = _audit_count(session)
    savepoint = session.begin_nested()
    try:
        with pytest.raises(PermissionDenied):
            write(session, actor, ids)
        session.flush()
        assert _audit_count(session) == before, "a refused write left an audit row"
    finally:
        savepoint.rollback()


@pytest.mark.parametrize("name", sorted(LEADER_WRITES))
def test_leader_can_write_nothing(session: Session, leader: Actor, ids: dict[str, Any], name: str) -> None:
    _refused(session, leader, ids, LEADER_WRITES[name])


@pytest.mark.parametrize("name", sorted(LIAISON_OTHER_UNIT))
def test_liaison_cannot_change_another_units_records(
    session: Session, liaison: Actor, ids: dict[str, Any], name: str
) -> None:
    needed = {
        "update_other_units_activity": "activity",
        "delete_other_units_activity": "activity",
        "update_other_units_resource": "resource",
        "delete_other_units_resource": "resource",
        "update_project_led_by_other_unit": "project",
        "save_progress_of_other_units_project": "project",
        "add_milestone_to_other_units_project": "project",
        "update_other_units_member": "member",
        "delete_other_units_member": "member",
        "close_other_units_action_item": "item",
        "advance_other_units_whistle_response": "response",
    }.get(name)
    if needed and ids[needed] is None:
        pytest.skip(f"the demo has no {needed} of another unit")
    _refused(session, liaison, ids, LIAISON_OTHER_UNIT[name])


def test_save_progress_refuses_the_whole_batch_when_one_row_is_another_units(
    session: Session, liaison: Actor, ids: dict[str, Any]
) -> None:
    own = session.scalar(
        select(Project).where(Project.lead_unit_id == liaison.unit_id, Project.deleted_at.is_(None)).limit(1)
    )
    if own is None or ids["project"] is None:
        pytest.skip("needs one project of each")
    progress = own.progress
    with pytest.raises(PermissionDenied):
        projects.save_progress(session, liaison, changes={own.id: (progress + 7) % 100, ids["project"]: 1})
    session.rollback()  # what the session scope does with the error
    assert session.get(Project, own.id).progress == progress  # type: ignore[union-attr]


# --- configuration and repository -------------------------------------------------------------------


def test_error_details_are_hidden_from_users() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"


def test_secrets_file_is_ignored_by_git() -> None:
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ".streamlit/secrets.toml" in ignored
    assert "/data/" in ignored  # the generated demo cookie key and the database live there
    for path in (".streamlit/secrets.toml", "data/cookie_key", "data/backup_key", "data/cobuild.db"):
        check = subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT)
        assert check.returncode == 0, path
    shipped = subprocess.run(["git", "check-ignore", "-q", "domain/data/matching_vocabulary.toml"], cwd=ROOT)
    assert shipped.returncode == 1  # data the code ships is not ignored


def _repository_files() -> list[Path]:
    """Files git tracks, plus new ones it would pick up (what a commit could publish)."""
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [ROOT / name for name in out.split("\0") if name and (ROOT / name).is_file()]


PRIVATE_KEY = re.compile("-----BEGIN (?:RSA |EC |OPENSSH |DSA |ENCRYPTED )?" + "PRIVATE KEY-----")
KEY_ASSIGNED = re.compile(r"(?P<name>COBUILD_(?:COOKIE|BACKUP)_KEY)\s*[=:]\s*[\"']?([A-Za-z0-9_\-+/=.]{12,})")
PLACEHOLDER = re.compile(r"change|replace|example|your|xxx|generate|secret_here", re.I)


def test_no_secret_in_the_repository() -> None:
    files = _repository_files()
    assert files, "git ls-files found nothing"
    generated = [p.read_text().strip() for p in (ROOT / "data").glob("*_key") if p.is_file()]
    offenders = []
    for path in files:
        if (
            path.suffix in {".db", ".png", ".jpg", ".xlsx", ".docx", ".pptx", ".pdf", ".gz"}
            or path.stat().st_size > 2_000_000
        ):
            continue
        try:
            body = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        rel = str(path.relative_to(ROOT))
        if PRIVATE_KEY.search(body):
            offenders.append(f"{rel}: private key")
        for m in KEY_ASSIGNED.finditer(body):
            if not PLACEHOLDER.search(m.group(2)) and rel != "tests/test_security.py":
                offenders.append(f"{rel}: {m.group('name')}={m.group(2)[:4]}…")
        offenders.extend(f"{rel}: the generated demo cookie key" for key in generated if key and key in body)
        if path.name in {"secrets.toml", "cookie_key", "backup_key"} or path.suffix in {".pem", ".key"}:
            offenders.append(f"{rel}: a secrets file")
    assert offenders == []


# --- no start without a cookie key on a real database -----------------------------------------------


@pytest.fixture
def clean_streamlit_caches() -> Iterator[None]:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def _app_on(db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cookie_key: str | None):  # type: ignore[no-untyped-def]
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("COBUILD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COBUILD_LOGIN_SLEEP", "0")
    if cookie_key is None:
        monkeypatch.delenv("COBUILD_COOKIE_KEY", raising=False)
    else:
        monkeypatch.setenv("COBUILD_COOKIE_KEY", cookie_key)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    return at


def _production_copy(db_file: Path, tmp_path: Path) -> Path:
    prod = tmp_path / "production.db"
    shutil.copy(db_file, prod)
    engine = make_engine(f"sqlite:///{prod}")
    with session_scope(make_session_factory(engine), write=True) as s:
        s.execute(delete(Setting).where(Setting.key == settings_store.DEMO_KEY))
    engine.dispose()
    return prod


def test_app_refuses_to_start_on_a_real_database_without_a_cookie_key(
    db_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_streamlit_caches: None
) -> None:
    from locales import translate

    at = _app_on(_production_copy(db_file, tmp_path), tmp_path, monkeypatch, cookie_key=None)
    assert not at.exception
    assert [e.value for e in at.error] == [translate("zh_CN", "app.cookie_key_missing")]
    assert len(at.text_input) == 0, "no login form"
    assert not (tmp_path / "data" / "cookie_key").exists(), "no key was generated for a real database"


def test_app_starts_on_a_real_database_with_a_cookie_key(
    db_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_streamlit_caches: None
) -> None:
    at = _app_on(_production_copy(db_file, tmp_path), tmp_path, monkeypatch, cookie_key=KEY)
    assert not at.exception and not at.error
    assert len(at.text_input) == 2  # 用户名, 密码


def test_the_nginx_site_hides_streamlits_metrics_but_not_what_the_page_needs() -> None:
    """Issue 13, finding 9: /_stcore/metrics is denied at the proxy; host-config (needed to start the
    page) and the websocket are passed on."""
    site = (ROOT / "deploy" / "nginx-cobuild.conf").read_text(encoding="utf-8")
    assert re.search(r"location = /_stcore/metrics \{\s*return 404;", site)
    assert "host-config" not in re.sub(r"#.*", "", site), "host-config is not blocked"
    assert "location /_stcore/stream" in site
