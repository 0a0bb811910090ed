"""The lists workbook written from the database (contracts.md), with read-only sheets of
activities, the rotation, meetings and action items that the importer ignores."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import (
    ActionItem,
    Activity,
    Category,
    Community,
    Meeting,
    Need,
    Pairing,
    Project,
    Resource,
    RotationSlot,
    Unit,
    project_need,
    project_resource,
    project_unit,
)
from domain.enums import ActionStatus, ActivityKind, MeetingKind
from locales import translate
from services.live import live
from workbook import excel_lists as X

ACTIVITY_LIMIT = 1000


def zh_label(member: StrEnum | None) -> str:
    """The Chinese label the template uses for a vocabulary value."""
    return "" if member is None else translate("zh_CN", f"enum.{type(member).__name__}.{member.value}")


def export_lists(session: Session, *, year: int | None = None) -> bytes:
    """The whole lists workbook, plus read-only sheets of activities (the latest 1000, or one
    year's), the rotation, meetings and action items."""
    communities = dict(session.execute(select(Community.id, Community.name).where(*live(Community))).all())
    units = dict(session.execute(select(Unit.id, Unit.name).where(*live(Unit))).all())
    all_units = dict(session.execute(select(Unit.id, Unit.name)).all())
    categories = dict(session.execute(select(Category.id, Category.name)).all())
    pairs: dict[int, list[str]] = {}
    for uid, cid in session.execute(select(Pairing.unit_id, Pairing.community_id).order_by(Pairing.id)).all():
        if cid in communities:
            pairs.setdefault(uid, []).append(communities[cid])
    sheets: dict[str, list[list[Any]]] = {
        X.COMMUNITIES: [
            [c.name, c.street, c.contact, c.phone]
            for c in session.scalars(select(Community).where(*live(Community)).order_by(Community.id))
        ],
        X.UNITS: [
            [u.name, u.kind, X.LIST_SEPARATOR.join(pairs.get(u.id, [])), u.contact, u.phone, u.party_members]
            for u in session.scalars(select(Unit).where(*live(Unit)).order_by(Unit.id))
        ],
    }
    need_rows = session.execute(select(Need).where(*live(Need)).order_by(Need.id)).scalars().all()
    sheets[X.NEEDS] = [
        [
            communities.get(n.community_id, ""),
            n.title,
            categories.get(n.category_id, ""),
            n.description or None,
            zh_label(n.priority),
            n.raised_on,
            zh_label(n.source) or None,
            zh_label(n.status),
            X.YES if n.is_micro_wish else X.NO,
            all_units.get(n.claimed_by_unit_id) if n.claimed_by_unit_id else None,
        ]
        for n in need_rows
        if n.community_id in communities
    ]
    need_titles = {n.id: n.title for n in need_rows}
    res_rows = session.execute(select(Resource).where(*live(Resource)).order_by(Resource.id)).scalars().all()
    sheets[X.RESOURCES] = [
        [
            units.get(r.unit_id, ""),
            r.title,
            categories.get(r.category_id, ""),
            r.description or None,
            r.capacity,
            r.available_when or None,
            zh_label(r.status),
        ]
        for r in res_rows
        if r.unit_id in units
    ]
    res_titles = {r.id: r.title for r in res_rows}
    links = _links(session)
    sheets[X.PROJECTS] = [
        [
            p.title,
            communities.get(p.community_id, ""),
            all_units.get(p.lead_unit_id, "") if p.lead_unit_id else None,
            X.LIST_SEPARATOR.join(sorted(all_units[u] for u in links["unit"].get(p.id, []))) or None,
            X.LIST_SEPARATOR.join(need_titles[n] for n in links["need"].get(p.id, []) if n in need_titles) or None,
            X.LIST_SEPARATOR.join(res_titles[r] for r in links["resource"].get(p.id, []) if r in res_titles) or None,
            zh_label(p.stage),
            p.started_on,
            p.ended_on,
            p.beneficiaries,
            p.satisfaction,
            p.progress,
        ]
        for p in session.scalars(select(Project).where(*live(Project)).order_by(Project.id))
        if p.community_id in communities
    ]
    return X.build_workbook(sheets, _extra_sheets(session, communities, all_units, year))


def _links(session: Session) -> dict[str, dict[int, list[int]]]:
    out: dict[str, dict[int, list[int]]] = {"unit": {}, "need": {}, "resource": {}}
    for name, table, col in (
        ("unit", project_unit, project_unit.c.unit_id),
        ("need", project_need, project_need.c.need_id),
        ("resource", project_resource, project_resource.c.resource_id),
    ):
        for pid, other in session.execute(select(table.c.project_id, col).order_by(col)).all():
            out[name].setdefault(pid, []).append(other)
    return out


def _extra_sheets(
    session: Session, communities: dict[int, str], units: dict[int, str], year: int | None
) -> list[tuple[str, list[str], list[list[Any]]]]:
    stmt = select(Activity).where(*live(Activity)).order_by(Activity.held_on.desc(), Activity.id.desc())
    if year is not None:
        stmt = stmt.where(Activity.held_on >= date(year, 1, 1), Activity.held_on <= date(year, 12, 31))
    else:
        stmt = stmt.limit(ACTIVITY_LIMIT)
    activities = [
        [
            a.held_on,
            units.get(a.unit_id, ""),
            communities.get(a.community_id, ""),
            zh_label(ActivityKind(a.kind)),
            a.title,
            a.participants,
            a.volunteer_hours,
            a.beneficiaries,
        ]
        for a in session.scalars(stmt)
    ]
    rotation = [
        [
            s.year,
            s.month,
            communities.get(s.community_id, "全联盟") if s.community_id else "全联盟",
            units.get(s.chair_unit_id, ""),
            s.theme,
            s.plan,
        ]
        for s in session.scalars(select(RotationSlot).order_by(RotationSlot.year, RotationSlot.month))
    ]
    meetings = [
        [
            m.held_on,
            zh_label(MeetingKind(m.kind)),
            m.title,
            m.place,
            units.get(m.convenor_unit_id, "") if m.convenor_unit_id else "",
            m.decisions,
        ]
        for m in session.scalars(select(Meeting).where(*live(Meeting)).order_by(Meeting.held_on))
    ]
    titles = dict(session.execute(select(Meeting.id, Meeting.title)).all())
    items = [
        [
            titles.get(i.meeting_id, ""),
            i.content,
            units.get(i.owner_unit_id, ""),
            i.due_on,
            zh_label(ActionStatus(i.status)),
            i.closed_on,
            i.closing_note,
        ]
        for i in session.scalars(select(ActionItem).where(*live(ActionItem)).order_by(ActionItem.due_on, ActionItem.id))
    ]
    return [
        ("活动（只读）", ["日期", "单位", "社区", "类型", "活动名称", "参与人数", "志愿时长", "受益人数"], activities),
        ("轮值主席（只读）", ["年度", "月份", "范围", "轮值单位", "主题", "计划"], rotation),
        ("联席会议（只读）", ["日期", "类型", "会议名称", "地点", "召集单位", "决议"], meetings),
        ("待办事项（只读）", ["会议", "内容", "责任单位", "期限", "状态", "办结日期", "办结说明"], items),
    ]
