"""Every service write × every role: the scope rule (domain/scope.py) holds for each one.

The table below gives each public write function of services/ (found by the same walk as
test_audit_coverage.py) a call on the demo data about a record of the first community (安澜社区,
``community1``'s) and of the first unit (``liaison1``'s), and the roles that may make it. Each case
runs as all six roles — the admin, the worker of the record's community, the worker of ANOTHER
community (``community2``), the liaison of the record's unit, the liaison of another unit
(``liaison2``) and the leader — and must succeed for the allowed roles and be refused with
``PermissionDenied`` for the others. A write function with no case here fails the suite.

A second table holds the writes that take a second record's id (a target meeting, a new community
or unit): the actor keeps the source but not the target, and is refused."""

from __future__ import annotations

import ast
import io
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import (
    ActionItem,
    Attachment,
    Category,
    ContractTask,
    EvaluationCriterion,
    Project,
    RotationSlot,
    Unit,
    WhistleResponse,
)
from domain.actor import Actor
from domain.enums import (
    ActionStatus,
    ActivityKind,
    AttachmentOwner,
    MeetingKind,
    ProjectStage,
    Role,
    RotationStatus,
    WhistleKind,
    WhistleStage,
)
from domain.errors import PermissionDenied
from domain.project_path import allowed_moves
from services import (
    activities,
    admin,
    agreements,
    attachments,
    audit_log,
    evaluation,
    lists_export,
    lists_io,
    lists_trash,
    matrix,
    meetings,
    members,
    needs,
    notices,
    projects,
    report_numbers,
    residents,
    resources,
    rotation,
    users,
    vocabulary,
    wall,
    whistle,
)
from tests.conftest import TODAY, _actor
from tests.services.test_audit_coverage import (
    EXCLUDED as AUDIT_EXCLUDED,
)
from tests.services.test_audit_coverage import (
    WRITE_VERBS,
    _first,
    _live,
    _open_round,
    _png,
    _public_functions,
    _writes_itself,
)

ROLES = ("admin", "community_own", "community_other", "liaison_own", "liaison_other", "leader")
USERNAMES = {
    "admin": "admin",
    "community_own": "community1",
    "community_other": "community2",
    "liaison_own": "liaison1",
    "liaison_other": "liaison2",
    "leader": "leader",
}
PASSWORDS = {
    Role.ADMIN: "cobuild-admin",
    Role.COMMUNITY: "cobuild-community",
    Role.LIAISON: "cobuild-liaison",
    Role.LEADER: "cobuild-leader",
}
ADMIN = frozenset({"admin"})
COMMUNITY = frozenset({"admin", "community_own"})
UNIT = frozenset({"admin", "liaison_own"})
EVERYONE = frozenset(ROLES)

# Public writes that take no actor (login bookkeeping before anyone is an actor), plus the audit
# test's reasoned exclusions. Each must really take no ``actor``: checked below.
NO_ACTOR = {
    "users.begin_password_login": "counts a password attempt before its check; no actor yet",
    "users.finish_password_login": "records a password login's outcome; no actor yet",
    "users.password_login": "a password login: begin, check, finish in the caller's units of work; no actor yet",
    "users.authenticate": "begin, check and finish in one session (tests, scripts); no actor yet",
    "users.register_sso_login": "records an SSO login; no actor yet",
    "users.revoke_sessions": "logout / password change bookkeeping for the named user",
    "wall.submit_request": "a resident's public write (no login): rate-limited and audited as 居民 (test_wall.py)",
    "wall.lodge_objection": "a resident's public objection (no login): as submit_request (test_wall.py)",
    "residents.erase_personal": "the scheduler's erasure after 180 days (no actor): tests/services/test_wall.py",
}
EXCLUDED = {**AUDIT_EXCLUDED, **NO_ACTOR}


@dataclass
class Ctx:
    """The demo data a case is about: community1's community, liaison1's unit, and the others'."""

    session: Session
    actors: dict[str, Actor]
    community_id: int  # the record's community (community1's)
    other_community_id: int  # community2's
    unit_id: int  # the record's unit (liaison1's), paired with the record's community
    other_unit_id: int  # liaison2's

    @property
    def admin(self) -> Actor:
        return self.actors["admin"]


Act = Callable[[Actor], object]
Case = Callable[[Ctx], Act]  # prepares (as the admin), returns the write to make as each role
CASES: dict[str, tuple[Case, frozenset[str]]] = {}


def case(name: str, allow: frozenset[str]) -> Callable[[Case], Case]:
    def register(fn: Case) -> Case:
        assert name not in CASES, name
        CASES[name] = (fn, allow)
        return fn

    return register


def _ctx(session: Session) -> Ctx:
    actors = {role: _actor(session, username) for role, username in USERNAMES.items()}
    return Ctx(
        session,
        actors,
        community_id=actors["community_own"].community_id or 0,
        other_community_id=actors["community_other"].community_id or 0,
        unit_id=actors["liaison_own"].unit_id or 0,
        other_unit_id=actors["liaison_other"].unit_id or 0,
    )


def _unit_for_claim(a: Actor, c: Ctx) -> int | None:
    """The admin names the unit a claim is for; a liaison claims for their own."""
    return c.unit_id if a.is_admin else None


# --- activities -----------------------------------------------------------------------------------


def _activity_args(c: Ctx, **changes: object) -> dict[str, Any]:
    args: dict[str, Any] = dict(
        unit_id=c.unit_id,
        community_id=c.community_id,
        held_on=TODAY - timedelta(days=1),
        kind=next(iter(ActivityKind)),
        title="周末义诊",
        description="社区卫生服务站",
        participants=12,
        volunteer_hours=24,
        beneficiaries=80,
        today=TODAY,
    )
    return {**args, **changes}


def _own_activity(c: Ctx) -> int:
    return activities.log_activity(c.session, c.admin, **_activity_args(c))


@case("activities.log_activity", UNIT)
def _log_activity(c: Ctx) -> Act:
    return lambda a: activities.log_activity(c.session, a, **_activity_args(c))


@case("activities.update_activity", UNIT)
def _update_activity(c: Ctx) -> Act:
    aid = _own_activity(c)
    return lambda a: activities.update_activity(c.session, a, aid, **_activity_args(c, title="周末义诊（改期）"))


@case("activities.delete_activity", UNIT)
def _delete_activity(c: Ctx) -> Act:
    aid = _own_activity(c)
    return lambda a: activities.delete_activity(c.session, a, aid)


# --- admin: units, communities, categories (the secretariat's) --------------------------------------


@case("admin.create_unit", ADMIN)
def _create_unit(c: Ctx) -> Act:
    return lambda a: admin.create_unit(c.session, a, name="范围测试新单位", kind="机关", party_members=5)


@case("admin.update_unit", ADMIN)
def _update_unit(c: Ctx) -> Act:
    u = admin.get_unit(c.session, c.admin, unit_id=c.unit_id)
    return lambda a: admin.update_unit(
        c.session,
        a,
        unit_id=u.id,
        name=u.name,
        kind=u.kind,
        contact="新联系人",
        phone=u.phone,
        party_members=u.party_members,
        joined_on=u.joined_on,
        active=u.active,
    )


@case("admin.set_unit_active", ADMIN)
def _set_unit_active(c: Ctx) -> Act:
    return lambda a: admin.set_unit_active(c.session, a, unit_id=c.unit_id, active=False)


@case("admin.pair_unit", ADMIN)
def _pair_unit(c: Ctx) -> Act:
    return lambda a: admin.pair_unit(
        c.session, a, unit_id=c.unit_id, community_id=c.other_community_id, paired_since=TODAY
    )


@case("admin.unpair_unit", ADMIN)
def _unpair_unit(c: Ctx) -> Act:
    return lambda a: admin.unpair_unit(c.session, a, unit_id=c.unit_id, community_id=c.community_id)


@case("admin.create_community", ADMIN)
def _create_community(c: Ctx) -> Act:
    return lambda a: admin.create_community(c.session, a, name="范围测试社区", street="城关街道")


@case("admin.update_community", ADMIN)
def _update_community(c: Ctx) -> Act:
    d = admin.get_community(c.session, c.admin, community_id=c.community_id)
    return lambda a: admin.update_community(
        c.session, a, community_id=d.id, name=d.name, street=d.street, contact="新书记", phone=d.phone
    )


@case("admin.create_category", ADMIN)
def _create_category(c: Ctx) -> Act:
    return lambda a: admin.create_category(c.session, a, name="范围测试类别", description="说明")


@case("admin.update_category", ADMIN)
def _update_category(c: Ctx) -> Act:
    cat = _first(c.session, _live(Category))
    return lambda a: admin.update_category(c.session, a, category_id=cat.id, name=cat.name, description="新的说明")


@case("admin.move_category", ADMIN)
def _move_category(c: Ctx) -> Act:
    cat = _first(c.session, _live(Category).order_by(None).order_by(Category.sort_order, Category.id))
    return lambda a: admin.move_category(c.session, a, category_id=cat.id, step=1)


@case("admin.delete_category", ADMIN)
def _delete_category(c: Ctx) -> Act:
    cid = admin.create_category(c.session, c.admin, name="待删除类别")
    return lambda a: admin.delete_category(c.session, a, category_id=cid)


# --- agreements and attachments -------------------------------------------------------------------


def _agreement_input(c: Ctx, **changes: object) -> agreements.AgreementInput:
    data = agreements.AgreementInput(
        community_id=c.community_id,
        unit_id=c.unit_id,
        signed_on=TODAY,
        valid_from=TODAY,
        valid_to=TODAY + timedelta(days=365),
        summary="共建协议：每月一次志愿服务",
    )
    return replace(data, **changes)  # type: ignore[arg-type]


def _own_agreement(c: Ctx) -> int:
    return agreements.create_agreement(c.session, c.admin, data=_agreement_input(c))


@case("agreements.create_agreement", COMMUNITY)
def _create_agreement(c: Ctx) -> Act:
    return lambda a: agreements.create_agreement(c.session, a, data=_agreement_input(c))


@case("agreements.update_agreement", COMMUNITY)
def _update_agreement(c: Ctx) -> Act:
    aid = _own_agreement(c)
    data = _agreement_input(c, summary="共建协议：每季度一次联席会议")
    return lambda a: agreements.update_agreement(c.session, a, agreement_id=aid, data=data)


@case("agreements.delete_agreement", COMMUNITY)
def _delete_agreement(c: Ctx) -> Act:
    aid = _own_agreement(c)
    return lambda a: agreements.delete_agreement(c.session, a, agreement_id=aid)


@case("agreements.attach_scan", COMMUNITY)
def _attach_scan(c: Ctx) -> Act:
    aid = _own_agreement(c)
    return lambda a: agreements.attach_scan(c.session, a, agreement_id=aid, filename="协议.png", data=_png())


@case("attachments.store_attachment", UNIT)
def _store_attachment(c: Ctx) -> Act:
    aid = _own_activity(c)
    return lambda a: attachments.store_attachment(c.session, a, AttachmentOwner.ACTIVITY, aid, "现场.png", _png())


@case("attachments.quarantine_attachment", ADMIN)
def _quarantine_attachment(c: Ctx) -> Act:
    """The re-check of stored files (manage.py check-attachments) is the secretariat's alone."""
    aid = _own_activity(c)
    att = attachments.store_attachment(c.session, c.admin, AttachmentOwner.ACTIVITY, aid, "现场.png", _png())
    planted = c.session.get(Attachment, att)
    assert planted is not None
    planted.data = _png() + b"<html><script>alert(1)</script></html>"  # stored before the checks existed
    c.session.flush()
    return lambda a: attachments.quarantine_attachment(c.session, a, attachment_id=att)


@case("attachments.delete_attachment", UNIT)
def _delete_attachment(c: Ctx) -> Act:
    aid = _own_activity(c)
    att = attachments.store_attachment(c.session, c.admin, AttachmentOwner.ACTIVITY, aid, "现场.png", _png())
    return lambda a: attachments.delete_attachment(c.session, a, att)


@case("audit_log.export_audit", ADMIN)
def _export_audit(c: Ctx) -> Act:
    return lambda a: audit_log.export_audit(c.session, a, query=audit_log.AuditQuery())


# --- evaluation (the secretariat's) ---------------------------------------------------------------


@case("evaluation.set_task_statuses", ADMIN)
def _set_task_statuses(c: Ctx) -> Act:
    task = _first(
        c.session, select(ContractTask).where(ContractTask.deleted_at.is_(None), ContractTask.status == "open")
    )
    return lambda a: evaluation.set_task_statuses(c.session, a, changes={task.id: "kept"}, today=TODAY)


@case("evaluation.create_task", ADMIN)
def _create_task(c: Ctx) -> Act:
    return lambda a: evaluation.create_task(
        c.session,
        a,
        unit_id=c.unit_id,
        title="认领：助老服务",
        credit_weight=1.5,
        due_on=TODAY + timedelta(days=30),
        claimed_on=TODAY,
    )


@case("evaluation.create_round", ADMIN)
def _create_round(c: Ctx) -> Act:
    return lambda a: evaluation.create_round(
        c.session, a, title="专项考评", period="2027年上半年", year=2027, criteria=[("服务成效", 60), ("群众满意", 40)]
    )


@case("evaluation.close_round", ADMIN)
def _close_round(c: Ctx) -> Act:
    rid = _open_round(c.session).id  # type: ignore[arg-type]
    return lambda a: evaluation.close_round(c.session, a, round_id=rid)


@case("evaluation.save_scores", ADMIN)
def _save_scores(c: Ctx) -> Act:
    rnd = _open_round(c.session)
    crit = _first(c.session, select(EvaluationCriterion.id).where(EvaluationCriterion.round_id == rnd.id))
    return lambda a: evaluation.save_scores(
        c.session, a, round_id=rnd.id, evaluator="新的评议人", scores={(c.unit_id, crit): 88}
    )


@case("evaluation.set_formula", ADMIN)
def _set_formula(c: Ctx) -> Act:
    weights = {k: v + 1 for k, v in evaluation.get_formula(c.session).to_json().items()}
    return lambda a: evaluation.set_formula(c.session, a, weights=weights)


# --- meetings of the first community --------------------------------------------------------------


def _meeting_data(c: Ctx, community_id: int | None, **changes: object) -> meetings.MeetingInput:
    data = meetings.MeetingInput(
        kind=MeetingKind.QUARTERLY,
        title="范围测试联席会议",
        held_on=TODAY,
        place="党群服务中心",
        community_id=community_id,
        invited_unit_ids=[c.unit_id],
        attended_unit_ids=[c.unit_id],
        agenda="一、通报",
        minutes="记录",
    )
    return replace(data, **changes)  # type: ignore[arg-type]


def _community_meeting(c: Ctx, community_id: int) -> int:
    return meetings.create_meeting(c.session, c.admin, data=_meeting_data(c, community_id))


def _open_item_of(c: Ctx, community_id: int) -> ActionItem:
    """An open item of a meeting of ``community_id``, owned by the record's unit."""
    mid = _community_meeting(c, community_id)
    iid = meetings.add_action_item(
        c.session, c.admin, meeting_id=mid, content="落实停车位改造", owner_unit_id=c.unit_id, due_on=TODAY
    )
    item = c.session.get(ActionItem, iid)
    assert item is not None
    return item


def _alliance_meeting(c: Ctx) -> int:
    return meetings.create_meeting(c.session, c.admin, data=_meeting_data(c, None, held_on=TODAY + timedelta(days=14)))


@case("meetings.create_meeting", COMMUNITY)
def _create_meeting(c: Ctx) -> Act:
    return lambda a: meetings.create_meeting(c.session, a, data=_meeting_data(c, c.community_id))


@case("meetings.update_meeting", COMMUNITY)
def _update_meeting(c: Ctx) -> Act:
    mid = _community_meeting(c, c.community_id)
    data = _meeting_data(c, c.community_id, minutes="记录\n补充记录。")
    return lambda a: meetings.update_meeting(c.session, a, meeting_id=mid, data=data)


@case("meetings.add_action_item", COMMUNITY)
def _add_action_item(c: Ctx) -> Act:
    mid = _community_meeting(c, c.community_id)
    return lambda a: meetings.add_action_item(
        c.session, a, meeting_id=mid, content="落实停车位改造", owner_unit_id=c.unit_id, due_on=TODAY
    )


@case("meetings.close_action_item", COMMUNITY | {"liaison_own"})
def _close_action_item(c: Ctx) -> Act:
    item = _open_item_of(c, c.community_id)
    return lambda a: meetings.close_action_item(
        c.session, a, item_id=item.id, status=ActionStatus.DONE, note="已完成", closed_on=TODAY
    )


@case("meetings.carry_over_action_item", COMMUNITY)
def _carry_over(c: Ctx) -> Act:
    """An item of a community-1 meeting carried over at an alliance-wide meeting (which any
    community worker writes): only who keeps the item's own meeting may."""
    item = _open_item_of(c, c.community_id)
    later = _alliance_meeting(c)
    return lambda a: meetings.carry_over_action_item(
        c.session, a, item_id=item.id, in_meeting_id=later, due_on=TODAY + timedelta(days=30), note="延期"
    )


@case("meetings.delete_meeting", COMMUNITY)
def _delete_meeting(c: Ctx) -> Act:
    """A meeting with an open item, moved to a later meeting of the same community."""
    mid = _open_item_of(c, c.community_id).meeting_id
    later = meetings.create_meeting(
        c.session, c.admin, data=_meeting_data(c, c.community_id, held_on=TODAY + timedelta(days=30))
    )
    return lambda a: meetings.delete_meeting(
        c.session, a, meeting_id=mid, today=TODAY, disposition="move", move_to_meeting_id=later, note="并入下次会议"
    )


@case("meetings.restore_meeting", COMMUNITY)
def _restore_meeting(c: Ctx) -> Act:
    mid = _community_meeting(c, c.community_id)
    meetings.delete_meeting(c.session, c.admin, meeting_id=mid, today=TODAY)
    return lambda a: meetings.restore_meeting(c.session, a, meeting_id=mid)


# --- members of the first unit ----------------------------------------------------------------------


def _own_member(c: Ctx) -> int:
    return members.create_member(c.session, c.admin, name="李范围", unit_id=c.unit_id, community_id=c.community_id)


@case("members.create_member", UNIT)
def _create_member(c: Ctx) -> Act:
    return lambda a: members.create_member(
        c.session, a, name="李范围", unit_id=c.unit_id, community_id=c.community_id, reported_on=TODAY
    )


@case("members.update_member", UNIT)
def _update_member(c: Ctx) -> Act:
    mid = _own_member(c)
    return lambda a: members.update_member(
        c.session, a, mid, name="李范围", unit_id=c.unit_id, community_id=c.community_id, phone="13800000000"
    )


@case("members.delete_member", UNIT)
def _delete_member(c: Ctx) -> Act:
    mid = _own_member(c)
    return lambda a: members.delete_member(c.session, a, mid)


@case("members.import_members", UNIT)
def _import_members(c: Ctx) -> Act:
    unit = c.session.get(Unit, c.unit_id)
    assert unit is not None
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["姓名", "所在单位", "报到社区", "报到日期"])
    ws.append(["王导入", unit.name, "", ""])
    out = io.BytesIO()
    wb.save(out)

    def act(a: Actor) -> object:
        result = members.import_members(c.session, a, out.getvalue())
        # a liaison of another unit is refused row by row (the sheet names the rows), not at once
        if any(p.code == "activities.error.cell_not_your_unit" for p in result.problems):
            raise PermissionDenied()
        assert result.ok, result.problems
        return result

    return act


# --- the three lists ------------------------------------------------------------------------------


def _need_input(c: Ctx, **changes: object) -> needs.NeedInput:
    data = needs.NeedInput(
        community_id=c.community_id,
        category_id=_first(c.session, _live(Category)).id,
        title="加装扶手",
        description="老旧小区楼道",
        raised_on=TODAY,
    )
    return replace(data, **changes)  # type: ignore[arg-type]


def _own_need(c: Ctx, **changes: object) -> int:
    return needs.create_need(c.session, c.admin, data=_need_input(c, **changes))


@case("needs.create_need", COMMUNITY)
def _create_need(c: Ctx) -> Act:
    return lambda a: needs.create_need(c.session, a, data=_need_input(c))


@case("needs.update_need", COMMUNITY)
def _update_need(c: Ctx) -> Act:
    nid = _own_need(c)
    return lambda a: needs.update_need(c.session, a, need_id=nid, data=_need_input(c, title="加装楼道扶手"))


@case("needs.delete_need", COMMUNITY)
def _delete_need(c: Ctx) -> Act:
    nid = _own_need(c)
    return lambda a: needs.delete_need(c.session, a, need_id=nid)


@case("lists_trash.restore", COMMUNITY)  # as for needs.delete_need: the admin, the need's community's worker
def _restore_need(c: Ctx) -> Act:
    nid = _own_need(c)
    needs.delete_need(c.session, c.actors["admin"], need_id=nid)
    return lambda a: lists_trash.restore(c.session, a, kind="need", row_id=nid)


@case("needs.claim_need", frozenset({"admin", "liaison_own", "liaison_other"}))
def _claim_need(c: Ctx) -> Act:
    nid = _own_need(c, is_micro_wish=True)
    return lambda a: needs.claim_need(c.session, a, need_id=nid, unit_id=_unit_for_claim(a, c))


def _resource_input(c: Ctx, **changes: object) -> resources.ResourceInput:
    data = resources.ResourceInput(
        unit_id=c.unit_id,
        category_id=_first(c.session, _live(Category)).id,
        title="会议室",
        capacity=30,
        available_when="工作日晚上",
    )
    return replace(data, **changes)  # type: ignore[arg-type]


def _own_resource(c: Ctx) -> int:
    return resources.create_resource(c.session, c.admin, data=_resource_input(c))


@case("resources.create_resource", UNIT)
def _create_resource(c: Ctx) -> Act:
    return lambda a: resources.create_resource(c.session, a, data=_resource_input(c))


@case("resources.update_resource", UNIT)
def _update_resource(c: Ctx) -> Act:
    rid = _own_resource(c)
    return lambda a: resources.update_resource(c.session, a, resource_id=rid, data=_resource_input(c, capacity=40))


@case("resources.delete_resource", UNIT)
def _delete_resource(c: Ctx) -> Act:
    rid = _own_resource(c)
    return lambda a: resources.delete_resource(c.session, a, resource_id=rid)


PROJECT_KEEPERS = COMMUNITY | {"liaison_own"}  # the admin, the community's worker, the lead unit's liaison


def _project_data(c: Ctx, **changes: object) -> projects.ProjectInput:
    data = projects.ProjectInput(
        title="口袋公园",
        community_id=c.community_id,
        lead_unit_id=c.unit_id,
        description="闲置地块改造",
        beneficiaries=300,
        budget_yuan=5000,
    )
    return replace(data, **changes)  # type: ignore[arg-type]


def _own_project(c: Ctx) -> int:
    return projects.create_project(c.session, c.admin, data=_project_data(c))


@case("projects.create_project", COMMUNITY)
def _create_project(c: Ctx) -> Act:
    return lambda a: projects.create_project(c.session, a, data=_project_data(c))


@case("projects.update_project", PROJECT_KEEPERS)
def _update_project(c: Ctx) -> Act:
    pid = _own_project(c)
    return lambda a: projects.update_project(c.session, a, project_id=pid, data=_project_data(c, description="更新"))


@case("projects.move_project", PROJECT_KEEPERS)
def _move_project(c: Ctx) -> Act:
    pid = _own_project(c)
    target = allowed_moves(ProjectStage.TOPIC)[0]
    return lambda a: projects.move_project(c.session, a, project_id=pid, to_stage=target, note="推进")


@case("projects.save_progress", PROJECT_KEEPERS)
def _save_progress(c: Ctx) -> Act:
    """A project under way (实施中): the stage whose bound leaves progress to edit."""
    pid = projects.create_project(c.session, c.admin, data=_project_data(c), stage=ProjectStage.IN_PROGRESS)
    return lambda a: projects.save_progress(c.session, a, changes={pid: 7})


@case("projects.add_milestone", PROJECT_KEEPERS)
def _add_milestone(c: Ctx) -> Act:
    pid = _own_project(c)
    return lambda a: projects.add_milestone(c.session, a, project_id=pid, due_on=TODAY, title="完成设计")


@case("projects.set_milestone_done", PROJECT_KEEPERS)
def _set_milestone_done(c: Ctx) -> Act:
    pid = _own_project(c)
    mid = projects.add_milestone(c.session, c.admin, project_id=pid, due_on=TODAY, title="完成设计")
    return lambda a: projects.set_milestone_done(c.session, a, milestone_id=mid, done=True)


@case("projects.claim_project", frozenset({"admin", "liaison_own", "liaison_other"}))
def _claim_project(c: Ctx) -> Act:
    data = projects.ProjectInput(
        title="无人领办的项目", community_id=c.community_id, claim_deadline=TODAY - timedelta(days=3)
    )
    pid = projects.create_project(c.session, c.admin, data=data)
    return lambda a: projects.claim_project(c.session, a, project_id=pid, today=TODAY, unit_id=_unit_for_claim(a, c))


@case("projects.delete_project", ADMIN)
def _delete_project(c: Ctx) -> Act:
    pid = _own_project(c)
    return lambda a: projects.delete_project(c.session, a, project_id=pid)


@case("matrix.accept_match", ADMIN)
def _accept_match(c: Ctx) -> Act:
    nid = _own_need(c)
    rid = _own_resource(c)
    return lambda a: matrix.accept_match(c.session, a, need_id=nid, resource_id=rid, note="匹配")


@case("lists_io.import_lists", ADMIN)
def _import_lists(c: Ctx) -> Act:
    data = lists_export.export_lists(c.session)
    return lambda a: lists_io.import_lists(c.session, a, data=data)


# --- rotation (the secretariat's) -------------------------------------------------------------------


def _slot(c: Ctx) -> RotationSlot:
    return _first(
        c.session,
        select(RotationSlot)
        .where(RotationSlot.year == TODAY.year, RotationSlot.community_id.is_(None))
        .order_by(RotationSlot.month),
    )


@case("rotation.generate_year", ADMIN)
def _generate_year(c: Ctx) -> Act:
    return lambda a: rotation.generate_year(c.session, a, year=TODAY.year + 2, community_id=None)


@case("rotation.swap_months", ADMIN)
def _swap_months(c: Ctx) -> Act:
    slots = c.session.scalars(
        select(RotationSlot).where(RotationSlot.year == TODAY.year, RotationSlot.community_id.is_(None))
    ).all()
    by_chair: dict[int, int] = {}
    for s in slots:
        by_chair.setdefault(s.chair_unit_id, s.month)
    m1, m2 = sorted(by_chair.values())[:2]
    return lambda a: rotation.swap_months(
        c.session, a, year=TODAY.year, community_id=None, month_a=m1, month_b=m2, reason="单位工作冲突"
    )


@case("rotation.change_chair", ADMIN)
def _change_chair(c: Ctx) -> Act:
    slot = _slot(c)
    other = _first(c.session, select(Unit.id).where(Unit.id != slot.chair_unit_id, Unit.deleted_at.is_(None)))
    return lambda a: rotation.change_chair(c.session, a, slot_id=slot.id, unit_id=other, reason="主席单位调整")


@case("rotation.update_month", ADMIN)
def _update_month(c: Ctx) -> Act:
    slot = _slot(c)
    return lambda a: rotation.update_month(
        c.session, a, slot_id=slot.id, theme="文明创建", plan="计划", status=RotationStatus(slot.status)
    )


# --- users ----------------------------------------------------------------------------------------


def _leader_user(c: Ctx):  # type: ignore[no-untyped-def]
    user = users.get_user(c.session, "leader")
    assert user is not None
    return user


@case("users.create_user", ADMIN)
def _create_user(c: Ctx) -> Act:
    return lambda a: users.create_user(
        c.session,
        a,
        username="scope-new",
        display_name="新用户",
        password="new-pass-123",
        role=Role.COMMUNITY,
        community_id=c.community_id,
    )


@case("users.update_user", ADMIN)
def _update_user(c: Ctx) -> Act:
    u = _leader_user(c)
    return lambda a: users.update_user(
        c.session,
        a,
        user_id=u.id,
        display_name="新的领导名",
        email=u.email,
        role=u.role,
        community_id=u.community_id,
        unit_id=u.unit_id,
        active=u.active,
    )


@case("users.set_user_active", ADMIN)
def _set_user_active(c: Ctx) -> Act:
    uid = _leader_user(c).id
    return lambda a: users.set_user_active(c.session, a, user_id=uid, active=False)


@case("users.unlock_user", ADMIN)
def _unlock_user(c: Ctx) -> Act:
    uid = _leader_user(c).id
    return lambda a: users.unlock_user(c.session, a, user_id=uid)


@case("users.reset_password", ADMIN)
def _reset_password(c: Ctx) -> Act:
    uid = _leader_user(c).id
    return lambda a: users.reset_password(c.session, a, user_id=uid, new_password="reset-pass-123")


@case("users.change_own_password", EVERYONE)
def _change_own_password(c: Ctx) -> Act:
    return lambda a: users.change_own_password(
        c.session, a, current=PASSWORDS[a.role], new="own-pass-123", repeat="own-pass-123"
    )


@case("users.update_own_profile", EVERYONE)
def _update_own_profile(c: Ctx) -> Act:
    return lambda a: users.update_own_profile(c.session, a, display_name="新名字", email="new@example.org")


@case("users.set_own_language", EVERYONE)
def _set_own_language(c: Ctx) -> Act:
    return lambda a: users.set_own_language(c.session, a, language="en")


# --- the matching vocabulary (the secretariat's business) -----------------------------------------


@case("vocabulary.set_additions", ADMIN)
def _set_vocabulary(c: Ctx) -> Act:
    return lambda a: vocabulary.set_additions(c.session, a, groups=[("助浴、洗澡", "topic")], weak="讲座")


# --- the 情况通报's 文号 ---------------------------------------------------------------------------


@case("report_numbers.assign_report_number", ADMIN)
def _assign_report_number(c: Ctx) -> Act:
    return lambda a: report_numbers.assign_report_number(c.session, a, today=TODAY)


# --- whistle of the first community, summoning the first unit --------------------------------------


def _response(c: Ctx) -> int:
    wid = whistle.raise_whistle(
        c.session,
        c.admin,
        community_id=c.community_id,
        kind=next(iter(WhistleKind)),
        title="楼道堆物清理",
        unit_ids=[c.unit_id],
    )
    return int(c.session.scalar(select(WhistleResponse.id).where(WhistleResponse.whistle_id == wid)) or 0)


def _notice_of_liaison1(c: Ctx, *, channel: str = "inbox", status: str = "sent") -> int:
    from datetime import datetime

    from db.models import Notice

    liaison = c.actors["liaison_own"]
    n = Notice(
        key=f"scope_case:{channel}:{status}:u{liaison.user_id}",
        topic="scope_case",
        event="test",
        channel=channel,
        recipient_user_id=liaison.user_id,
        unit_id=c.unit_id,
        community_id=c.community_id,
        due_at=datetime(2026, 11, 24, 1, 0),
        status=status,
    )
    c.session.add(n)
    c.session.flush()
    return n.id


@case("notices.mark_read", frozenset({"liaison_own"}))  # one's own notice only
def _mark_read(c: Ctx) -> Act:
    nid = _notice_of_liaison1(c)
    return lambda a: notices.mark_read(c.session, a, notice_id=nid)


@case("notices.mark_all_read", EVERYONE)  # one's own read marks: even a leader keeps them
def _mark_all_read(c: Ctx) -> Act:
    return lambda a: notices.mark_all_read(c.session, a)


@case("notices.resend_notice", ADMIN)
def _resend_notice(c: Ctx) -> Act:
    nid = _notice_of_liaison1(c, channel="email", status="failed")
    return lambda a: notices.resend_notice(c.session, a, notice_id=nid)


@case("notices.send_test_email", ADMIN)
def _send_test_email(c: Ctx) -> Act:
    from channels.mail import parse_smtp_url

    cfg = parse_smtp_url("smtp://127.0.0.1:9")
    return lambda a: notices.send_test_email(c.session, a, to_addr="admin@cobuild.invalid", config=cfg)


@case("notices.set_chair_days_before", ADMIN)
def _set_chair_days(c: Ctx) -> Act:
    return lambda a: notices.set_chair_days_before(c.session, a, days=5)


@case("whistle.set_limits", ADMIN)
def _set_limits(c: Ctx) -> Act:
    limits = whistle.get_limits(c.session)
    return lambda a: whistle.set_limits(c.session, a, limits=limits)


@case("whistle.raise_whistle", COMMUNITY)
def _raise_whistle(c: Ctx) -> Act:
    return lambda a: whistle.raise_whistle(
        c.session,
        a,
        community_id=c.community_id,
        kind=next(iter(WhistleKind)),
        title="雨污管网堵塞",
        unit_ids=[c.unit_id],
    )


@case("whistle.advance_response", frozenset({"liaison_own"}))
def _advance_response(c: Ctx) -> Act:
    rid = _response(c)
    return lambda a: whistle.advance_response(c.session, a, response_id=rid)


@case("whistle.rate_response", COMMUNITY)
def _rate_response(c: Ctx) -> Act:
    rid = _response(c)
    liaison = c.actors["liaison_own"]
    stage = WhistleStage.RAISED
    while stage != WhistleStage.CLOSED:
        stage = whistle.advance_response(c.session, liaison, response_id=rid, action_taken="已清理")
    return lambda a: whistle.rate_response(c.session, a, response_id=rid, rating=5, comment="及时")


# --- the role table -------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "role"), [(n, r) for n in sorted(CASES) for r in ROLES])
def test_write_keeps_to_the_actors_scope(name: str, role: str, session: Session) -> None:
    prepare, allowed = CASES[name]
    c = _ctx(session)
    act = prepare(c)
    actor = c.actors[role]
    if role in allowed:
        act(actor)
        session.flush()
    else:
        with pytest.raises(PermissionDenied):
            act(actor)


# --- writes that take a second record: the target is checked as well as the source ----------------


def _other_meeting(c: Ctx) -> int:
    return _community_meeting(c, c.other_community_id)


TargetCase = Callable[[Ctx], Callable[[], object]]
TARGET_CASES: dict[str, TargetCase] = {}


def target(name: str) -> Callable[[TargetCase], TargetCase]:
    def register(fn: TargetCase) -> TargetCase:
        assert name not in TARGET_CASES, name
        TARGET_CASES[name] = fn
        return fn

    return register


@target("carry_over_into_own_meeting_an_item_of_another_community")
def _carry_into_own(c: Ctx) -> Callable[[], object]:
    """The reported hole: community2 moved an item of a community-1 meeting into its own meeting."""
    item, mid = _open_item_of(c, c.community_id), _other_meeting(c)
    return lambda: meetings.carry_over_action_item(
        c.session, c.actors["community_other"], item_id=item.id, in_meeting_id=mid, due_on=TODAY, note="挪走"
    )


@target("carry_over_own_item_into_another_communitys_meeting")
def _carry_into_other(c: Ctx) -> Callable[[], object]:
    item, mid = _open_item_of(c, c.community_id), _other_meeting(c)
    return lambda: meetings.carry_over_action_item(
        c.session, c.actors["community_own"], item_id=item.id, in_meeting_id=mid, due_on=TODAY
    )


@target("close_own_item_in_another_communitys_meeting")
def _close_in_other(c: Ctx) -> Callable[[], object]:
    item, mid = _open_item_of(c, c.community_id), _other_meeting(c)
    return lambda: meetings.close_action_item(
        c.session,
        c.actors["community_own"],
        item_id=item.id,
        status=ActionStatus.DONE,
        closed_on=TODAY,
        in_meeting_id=mid,
    )


@target("move_own_meetings_items_into_another_communitys_meeting_on_delete")
def _delete_into_other(c: Ctx) -> Callable[[], object]:
    """Deleting one's own meeting cannot push its open items into a meeting one does not keep."""
    mid, other = _open_item_of(c, c.community_id).meeting_id, _other_meeting(c)
    return lambda: meetings.delete_meeting(
        c.session,
        c.actors["community_own"],
        meeting_id=mid,
        today=TODAY,
        disposition="move",
        move_to_meeting_id=other,
    )


@target("move_own_meeting_to_another_community")
def _move_meeting(c: Ctx) -> Callable[[], object]:
    mid = _community_meeting(c, c.community_id)
    data = _meeting_data(c, c.other_community_id)
    return lambda: meetings.update_meeting(c.session, c.actors["community_own"], meeting_id=mid, data=data)


@target("move_own_need_to_another_community")
def _move_need(c: Ctx) -> Callable[[], object]:
    nid, data = _own_need(c), _need_input(c, community_id=c.other_community_id)
    return lambda: needs.update_need(c.session, c.actors["community_own"], need_id=nid, data=data)


@target("move_own_agreement_to_another_community")
def _move_agreement(c: Ctx) -> Callable[[], object]:
    aid, data = _own_agreement(c), _agreement_input(c, community_id=c.other_community_id)
    return lambda: agreements.update_agreement(c.session, c.actors["community_own"], agreement_id=aid, data=data)


@target("move_own_project_to_another_community")
def _move_project_away(c: Ctx) -> Callable[[], object]:
    pid, data = _own_project(c), _project_data(c, community_id=c.other_community_id)
    return lambda: projects.update_project(c.session, c.actors["community_own"], project_id=pid, data=data)


@target("move_own_resource_to_another_unit")
def _move_resource(c: Ctx) -> Callable[[], object]:
    rid, data = _own_resource(c), _resource_input(c, unit_id=c.other_unit_id)
    return lambda: resources.update_resource(c.session, c.actors["liaison_own"], resource_id=rid, data=data)


@target("move_own_activity_to_another_unit")
def _move_activity(c: Ctx) -> Callable[[], object]:
    aid, args = _own_activity(c), _activity_args(c, unit_id=c.other_unit_id)
    return lambda: activities.update_activity(c.session, c.actors["liaison_own"], aid, **args)


@target("move_own_member_to_another_unit")
def _move_member(c: Ctx) -> Callable[[], object]:
    mid = _own_member(c)
    return lambda: members.update_member(
        c.session, c.actors["liaison_own"], mid, name="李范围", unit_id=c.other_unit_id
    )


@target("claim_a_need_for_another_unit")
def _claim_for_other(c: Ctx) -> Callable[[], object]:
    nid = _own_need(c, is_micro_wish=True)
    return lambda: needs.claim_need(c.session, c.actors["liaison_own"], need_id=nid, unit_id=c.other_unit_id)


@target("store_a_file_on_another_units_activity")
def _file_on_activity(c: Ctx) -> Callable[[], object]:
    aid = _own_activity(c)
    return lambda: attachments.store_attachment(
        c.session, c.actors["liaison_other"], AttachmentOwner.ACTIVITY, aid, "现场.png", _png()
    )


@target("store_a_file_on_another_communitys_agreement")
def _file_on_agreement(c: Ctx) -> Callable[[], object]:
    aid = _own_agreement(c)
    return lambda: attachments.store_attachment(
        c.session, c.actors["community_other"], AttachmentOwner.AGREEMENT, aid, "协议.png", _png()
    )


@target("store_a_file_on_another_communitys_meeting")
def _file_on_meeting(c: Ctx) -> Callable[[], object]:
    mid = _community_meeting(c, c.community_id)
    return lambda: attachments.store_attachment(
        c.session, c.actors["community_other"], AttachmentOwner.MEETING, mid, "纪要.png", _png()
    )


@target("rate_a_response_to_another_communitys_whistle")
def _rate_other(c: Ctx) -> Callable[[], object]:
    rid = _response(c)
    return lambda: whistle.rate_response(c.session, c.actors["community_other"], response_id=rid, rating=1)


@pytest.mark.parametrize("name", sorted(TARGET_CASES))
def test_write_refuses_a_target_outside_the_scope(name: str, session: Session) -> None:
    act = TARGET_CASES[name](_ctx(session))
    with pytest.raises(PermissionDenied):
        act()


# --- residents (居民提 · 公示) ----------------------------------------------------------------------


def _resident_submission(c: Ctx, *, community_id: int | None = None, wish: bool = False) -> int:
    return wall.submit_request(
        c.session,
        community_id=community_id or c.community_id,
        client=wall.Client(session_key=f"scope-{len(CASES)}", address="198.51.100.7"),
        text="小区门口的路灯不亮",
        category_id=None,
        micro_wish=wish,
    ).number


def _community_project(c: Ctx) -> int:
    return int(
        c.session.scalars(
            select(Project.id).where(Project.community_id == c.community_id, Project.deleted_at.is_(None)).limit(1)
        ).one()
    )


@case("residents.accept_submission", COMMUNITY)
def _accept_submission(c: Ctx) -> Act:
    sid = _resident_submission(c, wish=True)
    cat = c.session.scalars(select(Category.id).where(Category.deleted_at.is_(None)).limit(1)).one()
    return lambda a: residents.accept_submission(c.session, a, submission_id=sid, title="路灯", category_id=cat)


@case("residents.merge_submission", COMMUNITY)
def _merge_submission(c: Ctx) -> Act:
    sid = _resident_submission(c)
    nid = _own_need(c)
    return lambda a: residents.merge_submission(c.session, a, submission_id=sid, need_id=nid)


@case("residents.decline_submission", COMMUNITY)
def _decline_submission(c: Ctx) -> Act:
    sid = _resident_submission(c)
    return lambda a: residents.decline_submission(c.session, a, submission_id=sid, reason="重复")


@case("residents.set_need_public", COMMUNITY)
def _set_need_public(c: Ctx) -> Act:
    nid = _own_need(c)
    return lambda a: residents.set_need_public(c.session, a, need_id=nid, public=True)


@case("residents.post_publicity", COMMUNITY)
def _post_publicity(c: Ctx) -> Act:
    pid = _community_project(c)
    return lambda a: residents.post_publicity(
        c.session,
        a,
        community_id=c.community_id,
        kind="result",
        title="结果公示",
        project_ids=[pid],
        starts_on=TODAY,
        ends_on=TODAY + timedelta(days=5),
    )


# --- the table covers every write -----------------------------------------------------------------


def _takes_actor(node: ast.FunctionDef) -> bool:
    return any(a.arg == "actor" for a in [*node.args.args, *node.args.kwonlyargs])


def test_every_service_write_has_a_scope_case() -> None:
    functions = _public_functions()
    writes = {name for name, node in functions.items() if node.name.startswith(WRITE_VERBS) or _writes_itself(node)}
    missing = sorted(writes - set(CASES) - set(EXCLUDED))
    assert not missing, f"service writes without a scope case in {__name__}: {missing}"
    stale = sorted((set(CASES) | set(EXCLUDED)) - set(functions))
    assert not stale, f"scope cases or exclusions for functions that no longer exist: {stale}"
    wrongly_excluded = sorted(n for n in NO_ACTOR if _takes_actor(functions[n]))
    assert not wrongly_excluded, f"excluded as taking no actor, yet they take one: {wrongly_excluded}"
    assert all(_takes_actor(functions[n]) for n in CASES)


def test_the_table_has_refusals_and_grants_for_each_role() -> None:
    """No role is allowed or refused everywhere (the table is not trivially one-sided)."""
    for role in ROLES:
        granted = [n for n, (_, allowed) in CASES.items() if role in allowed]
        refused = [n for n, (_, allowed) in CASES.items() if role not in allowed]
        assert granted and refused, role


def test_scope_of_each_binding() -> None:
    """The rule for bindings that have no demo account yet: a street admin holds only its
    street's records, and a role whose binding is missing holds nothing."""
    from domain.scope import COUNTY, Level, Place

    street_admin = Actor(user_id=None, username="street1", role=Role.ADMIN, street_id=7)
    in_street = Place(community_id=3, street_ids=frozenset({7}))
    elsewhere = Place(community_id=4, street_ids=frozenset({8}))
    assert street_admin.scope.level == Level.STREET
    assert street_admin.may_administer(in_street) and street_admin.may_keep(in_street)
    assert not street_admin.may_keep(elsewhere) and not street_admin.may_read(elsewhere)
    assert not street_admin.may_administer(COUNTY) and street_admin.may_read(COUNTY)
    county_leader = Actor(user_id=None, username="leader", role=Role.LEADER)
    assert county_leader.may_read(elsewhere) and not county_leader.may_keep(elsewhere)
    unbound = Actor(user_id=None, username="x", role=Role.COMMUNITY)
    assert unbound.scope.level == Level.NONE and not unbound.may_keep(Place(community_id=None))
    assert not unbound.may_read(COUNTY)
