"""Match suggestions from the database: only resources about the need, every open need covered
(待对接, unclaimed 微心愿), inactive units' resources neither idle nor suggested, the vocabulary the
secretariat extends (settings)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Category, Community, Need, Resource, Unit
from domain.actor import Actor
from domain.enums import NeedStatus
from services import matrix, needs, resources
from services.settings_store import put_setting


def _id(session: Session, model, name: str) -> int:  # type: ignore[no-untyped-def]
    return int(session.scalar(select(model.id).where(model.name == name)))


def _all(session: Session, admin: Actor) -> dict[str, matrix.NeedSuggestions]:
    return {i.need: i for i in matrix.suggest_matches(session, needs_limit=None)}


def test_the_cases_of_issue_15_get_no_unrelated_suggestion(session: Session, admin: Actor) -> None:
    items = _all(session, admin)
    assert items["加装电梯政策咨询"].suggestions == []  # was 红马甲电力志愿服务队, 68 points
    wheelchair = {s.resource for s in items["陈大爷的轮椅需要修理"].suggestions}
    assert "家庭医生签约服务" not in wheelchair
    for item in items.values():
        for s in item.suggestions:
            text = next(p for p in s.parts if p.code == "text")
            assert text.points > 0 and text.detail["words"], (item.need, s.resource)


def test_every_open_need_and_unclaimed_micro_wish_is_covered(session: Session, admin: Actor) -> None:
    items = _all(session, admin)
    wishes = set(
        session.scalars(
            select(Need.title).where(
                Need.is_micro_wish.is_(True), Need.status == NeedStatus.OPEN, Need.claimed_by_unit_id.is_(None)
            )
        )
    )
    assert wishes and wishes <= set(items)
    claimed = set(session.scalars(select(Need.title).where(Need.status == NeedStatus.CLAIMED)))
    assert not claimed & set(items)


def test_inactive_units_resources_are_neither_idle_nor_suggested(session: Session, admin: Actor) -> None:
    closed = _id(session, Unit, "百佳超市")
    assert not session.get(Unit, closed).active
    open_unit = _id(session, Unit, "安居物业服务有限公司")
    community = _id(session, Community, "安澜社区")
    elder = _id(session, Category, "为老助残")
    need_id = needs.create_need(
        session,
        admin,
        data=needs.NeedInput(community, elder, "孤寡老人理发难", "几位孤寡老人出不了门,希望有人上门理发"),
    )
    for unit in (closed, open_unit):
        resources.create_resource(
            session,
            admin,
            data=resources.ResourceInput(unit, elder, "爱心理发队", "理发师每月上门为老人理发", capacity=10),
        )
    session.flush()
    idle = resources.list_resources(session, idle_only=True, limit=500).rows
    assert "百佳超市" not in set(idle["unit"]) and "安居物业服务有限公司" in set(idle["unit"])
    everything = resources.list_resources(session, limit=500).rows
    assert "百佳超市" in set(everything["unit"])  # still listed, only not idle
    inactive_units_resource = session.scalar(
        select(Resource.id).join(Unit).where(Unit.active.is_(False), Resource.deleted_at.is_(None))
    )
    assert inactive_units_resource is not None
    assert matrix.count_idle_resources(session) == len(idle)
    item = next(i for i in matrix.suggest_matches(session, needs_limit=None) if i.need_id == need_id)
    assert [s.unit for s in item.suggestions] == ["安居物业服务有限公司"]


def test_the_secretariats_vocabulary_is_used(session: Session, admin: Actor) -> None:
    community = _id(session, Community, "安澜社区")
    party = _id(session, Category, "党建共建")
    needs.create_need(session, admin, data=needs.NeedInput(community, party, "社区嘉年华缺少摊位"))
    resources.create_resource(
        session,
        admin,
        data=resources.ResourceInput(_id(session, Unit, "县图书馆"), party, "游园会道具", "套圈投壶道具"),
    )
    session.flush()
    assert _all(session, admin)["社区嘉年华缺少摊位"].suggestions == []
    put_setting(session, matrix.VOCABULARY_KEY, {"group": [{"words": ["嘉年华", "游园会"]}]})
    got = _all(session, admin)["社区嘉年华缺少摊位"].suggestions
    assert [s.resource for s in got] == ["游园会道具"]
