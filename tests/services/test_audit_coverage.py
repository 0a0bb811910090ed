"""Every service write leaves its audit row (quality.md: "every write leaves an audit row").

A hand-made table gives each write function of services/ a valid call on the demo data, made by
the role that may make it; the test counts the audit rows before and after. A second test walks
services/*.py and fails when a public function named with a write verb (or one that adds, deletes
or audits rows itself) has no case here and no reasoned exclusion — so a new write without an
audit row cannot slip in unnoticed."""

from __future__ import annotations

import ast
import io
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import (
    ActionItem,
    Activity,
    Agreement,
    Attachment,
    AuditEntry,
    Category,
    Community,
    ContractTask,
    EvaluationCriterion,
    EvaluationRound,
    Meeting,
    Member,
    Pairing,
    Project,
    Resource,
    RotationSlot,
    Unit,
    User,
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
from domain.project_path import FINISHED, allowed_moves
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
from tests.conftest import TODAY

SERVICES = Path(__file__).resolve().parents[2] / "services"

WRITE_VERBS = (
    "create_",
    "update_",
    "delete_",
    "log_",
    "add_",
    "set_",
    "close_",
    "move_",
    "claim_",
    "accept_",
    "record_",
    "import_",
    "save_",
    "swap_",
    "change_",
    "generate_",
    "raise_",
    "advance_",
    "rate_",
    "reset_",
    "unlock_",
    "mark_",
    "carry_",
    "drop_",
    "pair_",
    "unpair_",
    "attach_",
    "store_",
    "register_",
    "revoke_",
    "put_",
    "restore_",
    "backup_",
    "remove_",
    "approve_",
    "reject_",
    "assign_",
    "upload_",
    "merge_",
    "decline_",
    "post_",
    "submit_",
    "lodge_",
    "erase_",
)

# Public functions that match the walk but are not user actions to audit here, each with why.
EXCLUDED = {
    "audit.record": "the audit writer itself",
    "audit.record_change": "the audit writer itself",
    "settings_store.put_setting": "low-level store; its callers (set_formula, set_limits) audit and have cases",
    "backup.backup_database": "works on an Engine and a file from manage.py, not a user action (tests/services/test_backup.py)",
    "backup.restore_database": "replaces the whole database from manage.py (tests/services/test_backup.py)",
    "validate.record_id": "a validator named like a verb: writes nothing",
    "rotation.change_log": "a read (the rotation's change history) named like a verb",
    "quarterly.change_text": "formats a figure's change for a sentence: writes nothing",
    "members.import_template": "returns the empty import workbook: writes nothing",
    "notices.claim_deliveries": "the sender's own bookkeeping (no actor): tests/services/test_notices.py",
    "notices.record_delivery": "the sender keeps each attempt in notice_attempt (no actor): tests/services/test_notices.py",
    "notices.record_pass": "the scheduler's last-pass moment (no actor): tests/services/test_notices.py",
    "notices.mark_chairs_reminded": "the scheduler records reminded_on; who was told are the notice rows",
    "users.begin_password_login": "counts an attempt before its password is checked; finish_password_login audits it",
}


@dataclass
class Ctx:
    session: Session
    admin: Actor
    liaison: Actor
    community_worker: Actor


Act = Callable[[], object]
Case = Callable[[Ctx], Act]  # does any preparation, returns the one write to count
CASES: dict[str, Case] = {}


def case(name: str) -> Callable[[Case], Case]:
    def register(fn: Case) -> Case:
        assert name not in CASES, name
        CASES[name] = fn
        return fn

    return register


# --- lookups on the demo data ---------------------------------------------------------------------


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def _first(s: Session, stmt):  # type: ignore[no-untyped-def]
    found = s.scalars(stmt.limit(1)).first()
    assert found is not None, str(stmt)
    return found


def _paired_community(s: Session, unit_id: int) -> int:
    return int(_first(s, select(Pairing.community_id).where(Pairing.unit_id == unit_id)))


def _unpaired_community(s: Session, unit_id: int) -> int:
    paired = select(Pairing.community_id).where(Pairing.unit_id == unit_id)
    return int(_first(s, select(Community.id).where(Community.id.not_in(paired), Community.deleted_at.is_(None))))


def _live(model):  # type: ignore[no-untyped-def]
    return select(model).where(model.deleted_at.is_(None)).order_by(model.id)


def _open_round(s: Session) -> EvaluationRound:
    return _first(s, select(EvaluationRound).where(EvaluationRound.closed_at.is_(None)))


def _editable_project(s: Session) -> Project:
    return _first(s, _live(Project).where(Project.stage.not_in(list(FINISHED))))


def _project_input(p: Project, **changes: object) -> projects.ProjectInput:
    data = projects.ProjectInput(
        title=p.title,
        community_id=p.community_id,
        lead_unit_id=p.lead_unit_id,
        participant_ids=[u.id for u in p.participants],
        need_ids=[n.id for n in p.needs],
        resource_ids=[r.id for r in p.resources],
        description=p.description,
        claim_deadline=p.claim_deadline,
        started_on=p.started_on,
        ended_on=p.ended_on,
        beneficiaries=p.beneficiaries,
        budget_yuan=p.budget_fen / 100,
    )
    return replace(data, **changes)  # type: ignore[arg-type]


def _meeting_input(d: meetings.MeetingDetail, **changes: object) -> meetings.MeetingInput:
    data = meetings.MeetingInput(
        kind=d.kind,
        title=d.title,
        held_on=d.held_on,
        place=d.place,
        community_id=d.community_id,
        convenor_unit_id=d.convenor_unit_id,
        invited_unit_ids=[a.unit_id for a in d.attendance],
        attended_unit_ids=[a.unit_id for a in d.attendance if a.attended],
        agenda=d.agenda,
        minutes=d.minutes,
        decisions=d.decisions,
    )
    return replace(data, **changes)  # type: ignore[arg-type]


def _open_item(s: Session) -> ActionItem:
    return _first(
        s,
        select(ActionItem)
        .join(Meeting, Meeting.id == ActionItem.meeting_id)
        .where(ActionItem.status == ActionStatus.OPEN, Meeting.deleted_at.is_(None))
        .order_by(ActionItem.id),
    )


def _slot(s: Session) -> RotationSlot:
    return _first(
        s,
        select(RotationSlot)
        .where(RotationSlot.year == TODAY.year, RotationSlot.community_id.is_(None))
        .order_by(RotationSlot.month),
    )


def _raise(c: Ctx) -> int:
    """A fresh whistle summoning the liaison's unit; returns the liaison's response id."""
    community = _paired_community(c.session, c.liaison.unit_id or 0)
    wid = whistle.raise_whistle(
        c.session,
        c.admin,
        community_id=community,
        kind=next(iter(WhistleKind)),
        title="楼道堆物清理",
        description="",
        unit_ids=[c.liaison.unit_id or 0],
    )
    return int(c.session.scalar(select(WhistleResponse.id).where(WhistleResponse.whistle_id == wid)) or 0)


# --- activities -----------------------------------------------------------------------------------


def _activity_args(c: Ctx, **changes: object) -> dict[str, object]:
    unit = c.liaison.unit_id
    args: dict[str, object] = dict(
        unit_id=unit,
        community_id=_paired_community(c.session, unit or 0),
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


@case("activities.log_activity")
def _log_activity(c: Ctx) -> Act:
    return lambda: activities.log_activity(c.session, c.liaison, **_activity_args(c))  # type: ignore[arg-type]


@case("activities.update_activity")
def _update_activity(c: Ctx) -> Act:
    aid = activities.log_activity(c.session, c.liaison, **_activity_args(c))  # type: ignore[arg-type]
    args = _activity_args(c, title="周末义诊（改期）")
    return lambda: activities.update_activity(c.session, c.liaison, aid, **args)  # type: ignore[arg-type]


@case("activities.delete_activity")
def _delete_activity(c: Ctx) -> Act:
    aid = _first(
        c.session, select(Activity.id).where(Activity.deleted_at.is_(None), Activity.unit_id == c.liaison.unit_id)
    )
    return lambda: activities.delete_activity(c.session, c.liaison, aid)


# --- admin: units, communities, categories --------------------------------------------------------


@case("admin.create_unit")
def _create_unit(c: Ctx) -> Act:
    return lambda: admin.create_unit(c.session, c.admin, name="审计测试新单位", kind="机关", party_members=5)


@case("admin.update_unit")
def _update_unit(c: Ctx) -> Act:
    u = admin.get_unit(c.session, c.admin, unit_id=c.liaison.unit_id or 0)
    return lambda: admin.update_unit(
        c.session,
        c.admin,
        unit_id=u.id,
        name=u.name,
        kind=u.kind,
        contact="新联系人",
        phone=u.phone,
        party_members=u.party_members,
        joined_on=u.joined_on,
        active=u.active,
    )


@case("admin.set_unit_active")
def _set_unit_active(c: Ctx) -> Act:
    uid = _first(c.session, select(Unit.id).where(Unit.active.is_(True), Unit.deleted_at.is_(None)))
    return lambda: admin.set_unit_active(c.session, c.admin, unit_id=uid, active=False)


@case("admin.pair_unit")
def _pair_unit(c: Ctx) -> Act:
    uid = c.liaison.unit_id or 0
    cid = _unpaired_community(c.session, uid)
    return lambda: admin.pair_unit(c.session, c.admin, unit_id=uid, community_id=cid, paired_since=TODAY)


@case("admin.unpair_unit")
def _unpair_unit(c: Ctx) -> Act:
    uid = c.liaison.unit_id or 0
    cid = _paired_community(c.session, uid)
    return lambda: admin.unpair_unit(c.session, c.admin, unit_id=uid, community_id=cid)


@case("admin.create_community")
def _create_community(c: Ctx) -> Act:
    return lambda: admin.create_community(c.session, c.admin, name="审计测试社区", street="城关街道")


@case("admin.update_community")
def _update_community(c: Ctx) -> Act:
    d = admin.get_community(c.session, c.admin, community_id=c.community_worker.community_id or 0)
    return lambda: admin.update_community(
        c.session, c.admin, community_id=d.id, name=d.name, street=d.street, contact="新书记", phone=d.phone
    )


@case("admin.create_category")
def _create_category(c: Ctx) -> Act:
    return lambda: admin.create_category(c.session, c.admin, name="审计测试类别", description="说明")


@case("admin.update_category")
def _update_category(c: Ctx) -> Act:
    cat = _first(c.session, _live(Category))
    return lambda: admin.update_category(c.session, c.admin, category_id=cat.id, name=cat.name, description="新的说明")


@case("admin.move_category")
def _move_category(c: Ctx) -> Act:
    cat = _first(c.session, _live(Category).order_by(None).order_by(Category.sort_order, Category.id))
    return lambda: admin.move_category(c.session, c.admin, category_id=cat.id, step=1)


@case("admin.delete_category")
def _delete_category(c: Ctx) -> Act:
    cid = admin.create_category(c.session, c.admin, name="待删除类别")
    return lambda: admin.delete_category(c.session, c.admin, category_id=cid)


# --- agreements and attachments -------------------------------------------------------------------


def _agreement_input(c: Ctx, **changes: object) -> agreements.AgreementInput:
    uid = c.liaison.unit_id or 0
    data = agreements.AgreementInput(
        community_id=_paired_community(c.session, uid),
        unit_id=uid,
        signed_on=TODAY,
        valid_from=TODAY,
        valid_to=TODAY + timedelta(days=365),
        summary="共建协议：每月一次志愿服务",
    )
    return replace(data, **changes)  # type: ignore[arg-type]


@case("agreements.create_agreement")
def _create_agreement(c: Ctx) -> Act:
    return lambda: agreements.create_agreement(c.session, c.admin, data=_agreement_input(c))


@case("agreements.update_agreement")
def _update_agreement(c: Ctx) -> Act:
    aid = agreements.create_agreement(c.session, c.admin, data=_agreement_input(c))
    data = _agreement_input(c, summary="共建协议：每季度一次联席会议")
    return lambda: agreements.update_agreement(c.session, c.admin, agreement_id=aid, data=data)


@case("agreements.delete_agreement")
def _delete_agreement(c: Ctx) -> Act:
    aid = _first(c.session, select(Agreement.id).where(Agreement.deleted_at.is_(None)))
    return lambda: agreements.delete_agreement(c.session, c.admin, agreement_id=aid)


@case("agreements.attach_scan")
def _attach_scan(c: Ctx) -> Act:
    aid = _first(c.session, select(Agreement.id).where(Agreement.deleted_at.is_(None)))
    return lambda: agreements.attach_scan(c.session, c.admin, agreement_id=aid, filename="协议.png", data=_png())


@case("attachments.store_attachment")
def _store_attachment(c: Ctx) -> Act:
    aid = _first(c.session, select(Activity.id).where(Activity.deleted_at.is_(None)))
    return lambda: attachments.store_attachment(c.session, c.admin, AttachmentOwner.ACTIVITY, aid, "现场.png", _png())


@case("attachments.quarantine_attachment")
def _quarantine_attachment(c: Ctx) -> Act:
    aid = _first(c.session, select(Activity.id).where(Activity.deleted_at.is_(None)))
    att = attachments.store_attachment(c.session, c.admin, AttachmentOwner.ACTIVITY, aid, "现场.png", _png())
    planted = c.session.get(Attachment, att)
    assert planted is not None
    planted.data = b"%PDF-1.7\n<html><script>alert(1)</script></html>"  # a fake PDF stored before the checks
    c.session.flush()
    return lambda: attachments.quarantine_attachment(c.session, c.admin, attachment_id=att)


@case("attachments.delete_attachment")
def _delete_attachment(c: Ctx) -> Act:
    aid = _first(c.session, select(Activity.id).where(Activity.deleted_at.is_(None)))
    att = attachments.store_attachment(c.session, c.admin, AttachmentOwner.ACTIVITY, aid, "现场.png", _png())
    return lambda: attachments.delete_attachment(c.session, c.admin, att)


@case("audit_log.export_audit")
def _export_audit(c: Ctx) -> Act:
    return lambda: audit_log.export_audit(c.session, c.admin, query=audit_log.AuditQuery())


# --- evaluation -----------------------------------------------------------------------------------


@case("evaluation.set_task_statuses")
def _set_task_statuses(c: Ctx) -> Act:
    task = _first(
        c.session, select(ContractTask).where(ContractTask.deleted_at.is_(None), ContractTask.status == "open")
    )
    return lambda: evaluation.set_task_statuses(c.session, c.admin, changes={task.id: "kept"}, today=TODAY)


@case("evaluation.create_task")
def _create_task(c: Ctx) -> Act:
    return lambda: evaluation.create_task(
        c.session,
        c.admin,
        unit_id=c.liaison.unit_id or 0,
        title="认领：助老服务",
        credit_weight=1.5,
        due_on=TODAY + timedelta(days=30),
        claimed_on=TODAY,
    )


@case("evaluation.create_round")
def _create_round(c: Ctx) -> Act:
    return lambda: evaluation.create_round(
        c.session,
        c.admin,
        title="专项考评",
        period="2027年上半年",
        year=2027,
        criteria=[("服务成效", 60), ("群众满意", 40)],
    )


@case("evaluation.close_round")
def _close_round(c: Ctx) -> Act:
    rid = _open_round(c.session).id
    return lambda: evaluation.close_round(c.session, c.admin, round_id=rid)


@case("evaluation.save_scores")
def _save_scores(c: Ctx) -> Act:
    rnd = _open_round(c.session)
    crit = _first(c.session, select(EvaluationCriterion.id).where(EvaluationCriterion.round_id == rnd.id))
    uid = c.liaison.unit_id or 0
    return lambda: evaluation.save_scores(
        c.session, c.admin, round_id=rnd.id, evaluator="新的评议人", scores={(uid, crit): 88}
    )


@case("evaluation.set_formula")
def _set_formula(c: Ctx) -> Act:
    weights = {k: v + 1 for k, v in evaluation.get_formula(c.session).to_json().items()}
    return lambda: evaluation.set_formula(c.session, c.admin, weights=weights)


# --- meetings -------------------------------------------------------------------------------------


@case("meetings.create_meeting")
def _create_meeting(c: Ctx) -> Act:
    data = meetings.MeetingInput(
        kind=MeetingKind.QUARTERLY,
        title="审计测试联席会议",
        held_on=TODAY,
        place="党群服务中心",
        invited_unit_ids=[c.liaison.unit_id or 0],
        attended_unit_ids=[c.liaison.unit_id or 0],
        agenda="一、通报",
        minutes="记录",
    )
    return lambda: meetings.create_meeting(c.session, c.admin, data=data)


@case("meetings.update_meeting")
def _update_meeting(c: Ctx) -> Act:
    mid = _first(c.session, select(Meeting.id).where(Meeting.deleted_at.is_(None)))
    d = meetings.get_meeting(c.session, c.admin, meeting_id=mid, today=TODAY)
    data = _meeting_input(d, minutes=d.minutes + "\n补充记录。")
    return lambda: meetings.update_meeting(c.session, c.admin, meeting_id=mid, data=data)


@case("meetings.add_action_item")
def _add_action_item(c: Ctx) -> Act:
    m = _first(c.session, select(Meeting).where(Meeting.deleted_at.is_(None)))
    return lambda: meetings.add_action_item(
        c.session,
        c.admin,
        meeting_id=m.id,
        content="落实停车位改造",
        owner_unit_id=c.liaison.unit_id,
        due_on=m.held_on + timedelta(days=30),
    )


@case("meetings.close_action_item")
def _close_action_item(c: Ctx) -> Act:
    item = _open_item(c.session)
    return lambda: meetings.close_action_item(
        c.session, c.admin, item_id=item.id, status=ActionStatus.DONE, note="已完成", closed_on=TODAY
    )


@case("meetings.carry_over_action_item")
def _carry_over(c: Ctx) -> Act:
    item = _open_item(c.session)
    later = _first(c.session, select(Meeting.id).where(Meeting.deleted_at.is_(None), Meeting.id != item.meeting_id))
    return lambda: meetings.carry_over_action_item(
        c.session, c.admin, item_id=item.id, in_meeting_id=later, due_on=TODAY + timedelta(days=30), note="延期"
    )


@case("meetings.delete_meeting")
def _delete_meeting(c: Ctx) -> Act:
    mid = _first(c.session, select(Meeting.id).where(Meeting.deleted_at.is_(None)))
    return lambda: meetings.delete_meeting(
        c.session, c.admin, meeting_id=mid, today=TODAY, disposition="drop", note="会议取消"
    )


@case("meetings.restore_meeting")
def _restore_meeting(c: Ctx) -> Act:
    mid = _first(c.session, select(Meeting.id).where(Meeting.deleted_at.is_(None)))
    meetings.delete_meeting(c.session, c.admin, meeting_id=mid, today=TODAY, disposition="drop", note="会议取消")
    return lambda: meetings.restore_meeting(c.session, c.admin, meeting_id=mid)


# --- members --------------------------------------------------------------------------------------


@case("members.create_member")
def _create_member(c: Ctx) -> Act:
    return lambda: members.create_member(
        c.session,
        c.liaison,
        name="李审计",
        unit_id=c.liaison.unit_id,
        community_id=_paired_community(c.session, c.liaison.unit_id or 0),
        reported_on=TODAY,
    )


@case("members.update_member")
def _update_member(c: Ctx) -> Act:
    m = _first(c.session, _live(Member))
    return lambda: members.update_member(
        c.session,
        c.admin,
        m.id,
        name=m.name,
        unit_id=m.unit_id,
        community_id=m.community_id,
        reported_on=m.reported_on,
        phone="13800000000",
    )


@case("members.delete_member")
def _delete_member(c: Ctx) -> Act:
    mid = _first(c.session, _live(Member)).id
    return lambda: members.delete_member(c.session, c.admin, mid)


@case("members.import_members")
def _import_members(c: Ctx) -> Act:
    from openpyxl import Workbook

    unit = c.session.get(Unit, c.liaison.unit_id)
    assert unit is not None
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["姓名", "所在单位", "报到社区", "报到日期"])
    ws.append(["王导入", unit.name, "", ""])
    out = io.BytesIO()
    wb.save(out)
    return lambda: members.import_members(c.session, c.admin, out.getvalue())


# --- the three lists ------------------------------------------------------------------------------


def _need_input(c: Ctx, **changes: object) -> needs.NeedInput:
    cat = _first(c.session, _live(Category)).id
    data = needs.NeedInput(
        community_id=c.community_worker.community_id,
        category_id=cat,
        title="加装扶手",
        description="老旧小区楼道",
        raised_on=TODAY,
    )
    return replace(data, **changes)  # type: ignore[arg-type]


@case("needs.create_need")
def _create_need(c: Ctx) -> Act:
    return lambda: needs.create_need(c.session, c.community_worker, data=_need_input(c))


@case("needs.update_need")
def _update_need(c: Ctx) -> Act:
    nid = needs.create_need(c.session, c.community_worker, data=_need_input(c))
    data = _need_input(c, title="加装楼道扶手")
    return lambda: needs.update_need(c.session, c.community_worker, need_id=nid, data=data)


@case("needs.delete_need")
def _delete_need(c: Ctx) -> Act:
    nid = needs.create_need(c.session, c.community_worker, data=_need_input(c))
    return lambda: needs.delete_need(c.session, c.community_worker, need_id=nid)


@case("lists_trash.restore")
def _restore_need(c: Ctx) -> Act:
    nid = needs.create_need(c.session, c.community_worker, data=_need_input(c))
    needs.delete_need(c.session, c.community_worker, need_id=nid)
    return lambda: lists_trash.restore(c.session, c.community_worker, kind="need", row_id=nid)


@case("needs.claim_need")
def _claim_need(c: Ctx) -> Act:
    nid = needs.create_need(c.session, c.community_worker, data=_need_input(c, is_micro_wish=True))
    return lambda: needs.claim_need(c.session, c.liaison, need_id=nid)


def _resource_input(c: Ctx, **changes: object) -> resources.ResourceInput:
    cat = _first(c.session, _live(Category)).id
    data = resources.ResourceInput(
        unit_id=c.liaison.unit_id, category_id=cat, title="会议室", capacity=30, available_when="工作日晚上"
    )
    return replace(data, **changes)  # type: ignore[arg-type]


@case("resources.create_resource")
def _create_resource(c: Ctx) -> Act:
    return lambda: resources.create_resource(c.session, c.liaison, data=_resource_input(c))


@case("resources.update_resource")
def _update_resource(c: Ctx) -> Act:
    rid = resources.create_resource(c.session, c.liaison, data=_resource_input(c))
    data = _resource_input(c, capacity=40)
    return lambda: resources.update_resource(c.session, c.liaison, resource_id=rid, data=data)


@case("resources.delete_resource")
def _delete_resource(c: Ctx) -> Act:
    rid = resources.create_resource(c.session, c.liaison, data=_resource_input(c))
    return lambda: resources.delete_resource(c.session, c.liaison, resource_id=rid)


@case("projects.create_project")
def _create_project(c: Ctx) -> Act:
    data = projects.ProjectInput(
        title="口袋公园",
        community_id=c.community_worker.community_id,
        description="闲置地块改造",
        beneficiaries=300,
        budget_yuan=5000,
    )
    return lambda: projects.create_project(c.session, c.admin, data=data)


@case("projects.update_project")
def _update_project(c: Ctx) -> Act:
    p = _editable_project(c.session)
    data = _project_input(p, description=p.description + "（更新）")
    return lambda: projects.update_project(c.session, c.admin, project_id=p.id, data=data)


@case("projects.move_project")
def _move_project(c: Ctx) -> Act:
    p = _first(c.session, _live(Project).where(Project.stage == ProjectStage.TOPIC))
    target = allowed_moves(p.stage)[0]
    return lambda: projects.move_project(c.session, c.admin, project_id=p.id, to_stage=target, note="推进")


@case("projects.save_progress")
def _save_progress(c: Ctx) -> Act:
    p = _first(c.session, _live(Project).where(Project.stage == ProjectStage.IN_PROGRESS))
    return lambda: projects.save_progress(c.session, c.admin, changes={p.id: (p.progress + 7) % 99})


@case("projects.add_milestone")
def _add_milestone(c: Ctx) -> Act:
    p = _editable_project(c.session)
    return lambda: projects.add_milestone(
        c.session, c.admin, project_id=p.id, due_on=TODAY + timedelta(days=10), title="完成设计"
    )


@case("projects.set_milestone_done")
def _set_milestone_done(c: Ctx) -> Act:
    p = _editable_project(c.session)
    mid = projects.add_milestone(c.session, c.admin, project_id=p.id, due_on=TODAY, title="完成设计")
    return lambda: projects.set_milestone_done(c.session, c.admin, milestone_id=mid, done=True)


@case("projects.claim_project")
def _claim_project(c: Ctx) -> Act:
    data = projects.ProjectInput(
        title="无人领办的项目", community_id=c.community_worker.community_id, claim_deadline=TODAY - timedelta(days=3)
    )
    pid = projects.create_project(c.session, c.admin, data=data)
    return lambda: projects.claim_project(c.session, c.liaison, project_id=pid, today=TODAY)


@case("projects.delete_project")
def _delete_project(c: Ctx) -> Act:
    pid = _first(c.session, _live(Project)).id
    return lambda: projects.delete_project(c.session, c.admin, project_id=pid)


@case("matrix.accept_match")
def _accept_match(c: Ctx) -> Act:
    nid = needs.create_need(c.session, c.community_worker, data=_need_input(c))
    rid = _first(c.session, _live(Resource)).id
    return lambda: matrix.accept_match(c.session, c.admin, need_id=nid, resource_id=rid, note="匹配")


@case("lists_io.import_lists")
def _import_lists(c: Ctx) -> Act:
    data = lists_export.export_lists(c.session)
    return lambda: lists_io.import_lists(c.session, c.admin, data=data)


# --- rotation -------------------------------------------------------------------------------------


@case("rotation.generate_year")
def _generate_year(c: Ctx) -> Act:
    return lambda: rotation.generate_year(c.session, c.admin, year=TODAY.year + 2, community_id=None)


@case("rotation.swap_months")
def _swap_months(c: Ctx) -> Act:
    slots = c.session.scalars(
        select(RotationSlot).where(RotationSlot.year == TODAY.year, RotationSlot.community_id.is_(None))
    ).all()
    by_chair: dict[int, int] = {}
    for s in slots:
        by_chair.setdefault(s.chair_unit_id, s.month)
    a, b = sorted(by_chair.values())[:2]  # two months with different chairs
    return lambda: rotation.swap_months(
        c.session, c.admin, year=TODAY.year, community_id=None, month_a=a, month_b=b, reason="单位工作冲突"
    )


@case("rotation.change_chair")
def _change_chair(c: Ctx) -> Act:
    slot = _slot(c.session)
    other = _first(c.session, select(Unit.id).where(Unit.id != slot.chair_unit_id, Unit.deleted_at.is_(None)))
    return lambda: rotation.change_chair(c.session, c.admin, slot_id=slot.id, unit_id=other, reason="主席单位调整")


@case("rotation.update_month")
def _update_month(c: Ctx) -> Act:
    slot = _slot(c.session)
    return lambda: rotation.update_month(
        c.session, c.admin, slot_id=slot.id, theme="文明创建", plan="计划", status=RotationStatus(slot.status)
    )


# --- users ----------------------------------------------------------------------------------------


def _user(c: Ctx, username: str) -> User:
    user = users.get_user(c.session, username)
    assert user is not None
    return user


@case("users.create_user")
def _create_user(c: Ctx) -> Act:
    return lambda: users.create_user(
        c.session, c.admin, username="audit-new", display_name="新用户", password="new-pass-123", role=Role.LEADER
    )


@case("users.update_user")
def _update_user(c: Ctx) -> Act:
    u = _user(c, "leader")
    return lambda: users.update_user(
        c.session,
        c.admin,
        user_id=u.id,
        display_name="新的领导名",
        email=u.email,
        role=u.role,
        community_id=u.community_id,
        unit_id=u.unit_id,
        active=u.active,
    )


@case("users.set_user_active")
def _set_user_active(c: Ctx) -> Act:
    uid = _user(c, "leader").id
    return lambda: users.set_user_active(c.session, c.admin, user_id=uid, active=False)


@case("users.unlock_user")
def _unlock_user(c: Ctx) -> Act:
    uid = _user(c, "leader").id
    return lambda: users.unlock_user(c.session, c.admin, user_id=uid)


@case("users.reset_password")
def _reset_password(c: Ctx) -> Act:
    uid = _user(c, "leader").id
    return lambda: users.reset_password(c.session, c.admin, user_id=uid, new_password="reset-pass-123")


@case("users.change_own_password")
def _change_own_password(c: Ctx) -> Act:
    return lambda: users.change_own_password(
        c.session, c.liaison, current="cobuild-liaison", new="own-pass-123", repeat="own-pass-123"
    )


@case("users.update_own_profile")
def _update_own_profile(c: Ctx) -> Act:
    return lambda: users.update_own_profile(c.session, c.liaison, display_name="联络员小王", email="wang@example.org")


@case("users.set_own_language")
def _set_own_language(c: Ctx) -> Act:
    current = _user(c, "liaison1").language
    return lambda: users.set_own_language(c.session, c.liaison, language="en" if current != "en" else "zh_CN")


@case("users.finish_password_login")
def _finish_password_login(c: Ctx) -> Act:
    attempt = users.begin_password_login(c.session, username="liaison1")
    return lambda: users.finish_password_login(c.session, attempt, password_ok=True)


@case("users.register_sso_login")
def _register_sso_login(c: Ctx) -> Act:
    return lambda: users.register_sso_login(c.session, username="leader")


@case("users.revoke_sessions")
def _revoke_sessions(c: Ctx) -> Act:
    return lambda: users.revoke_sessions(c.session, username="liaison1")


# --- the matching vocabulary ---------------------------------------------------------------------


@case("vocabulary.set_additions")
def _set_vocabulary(c: Ctx) -> Act:
    return lambda: vocabulary.set_additions(c.session, c.admin, groups=[("助浴、洗澡", "topic")], weak="讲座")


# --- the 情况通报's 文号 ---------------------------------------------------------------------------


@case("report_numbers.assign_report_number")
def _assign_report_number(c: Ctx) -> Act:
    return lambda: report_numbers.assign_report_number(c.session, c.admin, today=TODAY)


# --- whistle --------------------------------------------------------------------------------------


@case("whistle.set_limits")
def _set_limits(c: Ctx) -> Act:
    limits = whistle.get_limits(c.session)
    return lambda: whistle.set_limits(c.session, c.admin, limits=limits)


@case("whistle.raise_whistle")
def _raise_whistle(c: Ctx) -> Act:
    community = c.community_worker.community_id or 0
    unit = _first(c.session, select(Pairing.unit_id).where(Pairing.community_id == community))
    return lambda: whistle.raise_whistle(
        c.session,
        c.community_worker,
        community_id=community,
        kind=next(iter(WhistleKind)),
        title="雨污管网堵塞",
        unit_ids=[unit],
    )


@case("whistle.advance_response")
def _advance_response(c: Ctx) -> Act:
    rid = _raise(c)
    return lambda: whistle.advance_response(c.session, c.liaison, response_id=rid)


@case("whistle.rate_response")
def _rate_response(c: Ctx) -> Act:
    rid = _raise(c)
    stage = WhistleStage.RAISED
    while stage != WhistleStage.CLOSED:
        stage = whistle.advance_response(c.session, c.liaison, response_id=rid, action_taken="已清理")
    return lambda: whistle.rate_response(c.session, c.admin, response_id=rid, rating=5, comment="及时")


def _liaison_notice(c: Ctx, *, channel: str = "inbox", status: str = "sent") -> int:
    """A notice to liaison1 (as the outbox writes one)."""
    from db.models import Notice

    n = Notice(
        key=f"test_case:{channel}:{status}:u{c.liaison.user_id}",
        topic="test_case",
        event="test",
        channel=channel,
        recipient_user_id=c.liaison.user_id,
        unit_id=c.liaison.unit_id,
        due_at=datetime(2026, 11, 24, 1, 0),
        status=status,
    )
    c.session.add(n)
    c.session.flush()
    return n.id


@case("notices.mark_read")
def _mark_read(c: Ctx) -> Act:
    nid = _liaison_notice(c)
    return lambda: notices.mark_read(c.session, c.liaison, notice_id=nid)


@case("notices.mark_all_read")
def _mark_all_read(c: Ctx) -> Act:
    _liaison_notice(c)
    return lambda: notices.mark_all_read(c.session, c.liaison)


@case("notices.resend_notice")
def _resend_notice(c: Ctx) -> Act:
    nid = _liaison_notice(c, channel="email", status="failed")
    return lambda: notices.resend_notice(c.session, c.admin, notice_id=nid)


@case("notices.send_test_email")
def _send_test_email(c: Ctx) -> Act:
    from channels.mail import parse_smtp_url

    cfg = parse_smtp_url("smtp://127.0.0.1:9")  # nothing listens: the failed try is kept and audited too
    return lambda: notices.send_test_email(c.session, c.admin, to_addr="admin@cobuild.invalid", config=cfg)


@case("notices.set_chair_days_before")
def _set_chair_days(c: Ctx) -> Act:
    return lambda: notices.set_chair_days_before(c.session, c.admin, days=5)


# --- residents (居民提 · 公示) ----------------------------------------------------------------------


def _resident_client(tag: str) -> wall.Client:
    return wall.Client(session_key=f"audit-{tag}", address=f"203.0.113.{len(tag)}")


def _submission(c: Ctx, *, wish: bool = False) -> int:
    cid = c.community_worker.community_id or 0
    return wall.submit_request(
        c.session, community_id=cid, client=_resident_client("s"), text="楼道灯坏了", category_id=None, micro_wish=wish
    ).number


def _publicity(c: Ctx) -> int:
    cid = c.community_worker.community_id or 0
    pid = _first(c.session, select(Project.id).where(Project.community_id == cid, Project.deleted_at.is_(None)))
    return residents.post_publicity(
        c.session,
        c.community_worker,
        community_id=cid,
        kind="shortlist",
        title="拟立项目公示",
        project_ids=[pid],
        starts_on=TODAY,
        ends_on=TODAY + timedelta(days=7),
    )


@case("wall.submit_request")
def _submit_request(c: Ctx) -> Act:
    return lambda: _submission(c)


@case("wall.lodge_objection")
def _lodge_objection(c: Ctx) -> Act:
    pub = _publicity(c)
    return lambda: wall.lodge_objection(
        c.session, publicity_id=pub, client=_resident_client("o"), text="有异议", today=TODAY
    )


@case("residents.accept_submission")
def _accept_submission(c: Ctx) -> Act:
    sid = _submission(c, wish=True)
    cat = _first(c.session, select(Category.id).where(Category.deleted_at.is_(None)))
    return lambda: residents.accept_submission(
        c.session, c.community_worker, submission_id=sid, title="楼道灯", category_id=cat
    )


@case("residents.merge_submission")
def _merge_submission(c: Ctx) -> Act:
    sid = _submission(c)
    nid = needs.create_need(c.session, c.community_worker, data=_need_input(c))
    return lambda: residents.merge_submission(c.session, c.community_worker, submission_id=sid, need_id=nid)


@case("residents.decline_submission")
def _decline_submission(c: Ctx) -> Act:
    sid = _submission(c)
    return lambda: residents.decline_submission(c.session, c.community_worker, submission_id=sid, reason="已在办理")


@case("residents.set_need_public")
def _set_need_public(c: Ctx) -> Act:
    nid = needs.create_need(c.session, c.community_worker, data=_need_input(c))
    return lambda: residents.set_need_public(c.session, c.community_worker, need_id=nid, public=True)


@case("residents.post_publicity")
def _post_publicity(c: Ctx) -> Act:
    return lambda: _publicity(c)


@case("residents.erase_personal")
def _erase_personal(c: Ctx) -> Act:
    _submission(c)
    return lambda: residents.erase_personal(c.session, now=datetime.now(UTC) + timedelta(days=181))


# --- the tests ------------------------------------------------------------------------------------


def _audit_count(session: Session) -> int:
    session.flush()
    return int(session.scalar(select(func.count(AuditEntry.id))) or 0)


@pytest.mark.parametrize("name", sorted(CASES))
def test_service_write_leaves_an_audit_row(
    name: str,
    session: Session,
    admin: Actor,
    liaison: Actor,
    community_worker: Actor,
) -> None:
    act = CASES[name](Ctx(session, admin, liaison, community_worker))
    before = _audit_count(session)
    act()
    after = _audit_count(session)
    assert after > before, f"{name} wrote no audit row"


def _public_functions() -> dict[str, ast.FunctionDef]:
    found: dict[str, ast.FunctionDef] = {}
    for path in sorted(SERVICES.glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                found[f"{path.stem}.{node.name}"] = node
    return found


_SESSION_WRITES = {"add", "add_all", "delete", "merge"}  # on a Session: ``session.add(…)``
_WRITE_HELPERS = {"record", "record_change", "put_setting", "store_attachment"}


def _writes_itself(node: ast.FunctionDef) -> bool:
    """Whether the body adds, deletes or audits rows (``session.add(…)``, ``record_change(…)`` …)."""
    for sub in ast.walk(node):
        if not isinstance(sub, ast.Call):
            continue
        fn = sub.func
        if isinstance(fn, ast.Attribute):
            on_session = isinstance(fn.value, ast.Name) and fn.value.id in {"session", "s"}
            if (on_session and fn.attr in _SESSION_WRITES) or fn.attr in _WRITE_HELPERS:
                return True
        elif isinstance(fn, ast.Name) and fn.id in _WRITE_HELPERS:
            return True
    return False


def test_every_service_write_has_a_case() -> None:
    functions = _public_functions()
    writes = {name for name, node in functions.items() if node.name.startswith(WRITE_VERBS) or _writes_itself(node)}
    missing = sorted(writes - set(CASES) - set(EXCLUDED))
    assert not missing, f"service writes without an audit case in {Path(__file__).name}: {missing}"
    stale = sorted((set(CASES) | set(EXCLUDED)) - set(functions))
    assert not stale, f"cases or exclusions for functions that no longer exist: {stale}"


def test_the_walk_finds_the_writes_it_should() -> None:
    """The enumeration itself works: known writes of several modules are seen by name and by body."""
    functions = _public_functions()
    for name in (
        "needs.create_need",
        "meetings.close_action_item",
        "whistle.rate_response",
        "rotation.swap_months",
        "users.reset_password",
        "evaluation.save_scores",
        "admin.unpair_unit",
    ):
        assert name in functions and (functions[name].name.startswith(WRITE_VERBS) or _writes_itself(functions[name]))
    assert _writes_itself(functions["admin.unpair_unit"])
    assert not _writes_itself(functions["needs.list_needs"])
    assert len(CASES) >= 70


def test_a_refused_write_leaves_no_row(session: Session, leader: Actor) -> None:
    """The count is not trivially rising: a write the service refuses adds nothing."""
    from domain.errors import PermissionDenied

    before = _audit_count(session)
    with pytest.raises(PermissionDenied):
        admin.create_category(session, leader, name="领导不能建")
    assert _audit_count(session) == before
