"""The secretariat's lists: units, pairings, communities, categories — admin only, audited."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import AuditEntry, Category, Community, Pairing, Unit
from domain.actor import Actor
from domain.enums import AuditAction
from domain.errors import PermissionDenied, ValidationError
from domain.text import pinyin_key
from services import admin as svc
from services.reference import list_categories as category_choices

NON_ADMINS = ["community_worker", "liaison", "leader"]


def _audit_rows(session: Session, entity: str, entity_id: int | None = None) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.entity == entity)
    if entity_id is not None:
        stmt = stmt.where(AuditEntry.entity_id == entity_id)
    return list(session.scalars(stmt.order_by(AuditEntry.id)))


def _some_community(session: Session) -> int:
    return session.scalars(select(Community.id).order_by(Community.id)).first()  # type: ignore[return-value]


# --- permissions: every write path refuses every role but admin ----------------------------------

WRITES = {
    "create_unit": lambda s, a, ids: svc.create_unit(s, a, name="新单位"),
    "update_unit": lambda s, a, ids: svc.update_unit(
        s,
        a,
        unit_id=ids["unit"],
        name="改名单位",
        kind="",
        contact="",
        phone="",
        party_members=0,
        joined_on=None,
        active=True,
    ),
    "set_unit_active": lambda s, a, ids: svc.set_unit_active(s, a, unit_id=ids["unit"], active=False),
    "pair_unit": lambda s, a, ids: svc.pair_unit(s, a, unit_id=ids["unit"], community_id=ids["community"]),
    "unpair_unit": lambda s, a, ids: svc.unpair_unit(s, a, unit_id=ids["unit"], community_id=ids["community"]),
    "create_community": lambda s, a, ids: svc.create_community(s, a, name="新社区"),
    "update_community": lambda s, a, ids: svc.update_community(
        s, a, community_id=ids["community"], name="改名社区", street="", contact="", phone=""
    ),
    "create_category": lambda s, a, ids: svc.create_category(s, a, name="文化体育"),
    "update_category": lambda s, a, ids: svc.update_category(
        s, a, category_id=ids["category"], name="改名类别", description=""
    ),
    "move_category": lambda s, a, ids: svc.move_category(s, a, category_id=ids["category"], step=1),
    "delete_category": lambda s, a, ids: svc.delete_category(s, a, category_id=ids["category"]),
}
READS = {
    "list_units_page": lambda s, a, ids: svc.list_units_page(s, a),
    "list_communities_page": lambda s, a, ids: svc.list_communities_page(s, a),
    "list_categories": lambda s, a, ids: svc.list_categories(s, a),
    "get_unit": lambda s, a, ids: svc.get_unit(s, a, unit_id=ids["unit"]),
}


@pytest.fixture
def ids(session: Session) -> dict[str, int]:
    pairing = session.scalars(select(Pairing).order_by(Pairing.id)).first()
    assert pairing is not None
    category = session.scalars(select(Category.id).order_by(Category.sort_order)).first()
    return {"unit": pairing.unit_id, "community": pairing.community_id, "category": category}


@pytest.mark.parametrize("role", NON_ADMINS)
@pytest.mark.parametrize("path", sorted(WRITES))
def test_only_admin_may_change_units_communities_categories(
    session: Session,
    ids: dict[str, int],
    role: str,
    path: str,
    request: pytest.FixtureRequest,
) -> None:
    actor: Actor = request.getfixturevalue(role)
    before = session.scalar(select(func.count(AuditEntry.id)))
    with pytest.raises(PermissionDenied):
        WRITES[path](session, actor, ids)
    assert session.scalar(select(func.count(AuditEntry.id))) == before


@pytest.mark.parametrize("role", NON_ADMINS)
@pytest.mark.parametrize("path", sorted(READS))
def test_only_admin_may_browse_the_admin_lists(
    session: Session,
    ids: dict[str, int],
    role: str,
    path: str,
    request: pytest.FixtureRequest,
) -> None:
    with pytest.raises(PermissionDenied):
        READS[path](session, request.getfixturevalue(role), ids)


@pytest.mark.parametrize("path", sorted(WRITES))
def test_every_admin_write_leaves_an_audit_row(
    session: Session,
    admin: Actor,
    ids: dict[str, int],
    path: str,
) -> None:
    before = session.scalar(select(func.count(AuditEntry.id)))
    WRITES[path](session, admin, ids)
    session.flush()
    assert session.scalar(select(func.count(AuditEntry.id))) > before  # type: ignore[operator]


# --- units -------------------------------------------------------------------------------------------


def test_units_page_is_in_pinyin_order_and_counts_all_matches(session: Session, admin: Actor) -> None:
    first, total = svc.list_units_page(session, admin, offset=0, limit=5)
    second, _ = svc.list_units_page(session, admin, offset=5, limit=5)
    assert total == session.scalar(select(func.count(Unit.id)).where(Unit.deleted_at.is_(None)))
    names = list(first["name"]) + list(second["name"])
    assert names == sorted(names, key=pinyin_key)
    assert len(first) == 5


def test_units_page_filters_by_text_kind_and_active(session: Session, admin: Actor) -> None:
    unit = session.scalars(select(Unit).where(Unit.kind != "")).first()
    assert unit is not None
    df, total = svc.list_units_page(session, admin, text=unit.name[:2], kind=unit.kind)
    assert unit.name in set(df["name"]) and total == len(df)
    assert all(k == unit.kind for k in df["kind"])
    inactive, _ = svc.list_units_page(session, admin, active=False)
    assert not inactive["active"].any()


def test_units_page_shows_pairings(session: Session, admin: Actor, ids: dict[str, int]) -> None:
    unit = session.get(Unit, ids["unit"])
    community = session.get(Community, ids["community"])
    df, _ = svc.list_units_page(session, admin, text=unit.name)
    assert community.name in df.loc[df["id"] == unit.id, "pairings"].iloc[0]


def test_create_unit_with_chinese_name_is_audited(session: Session, admin: Actor) -> None:
    unit_id = svc.create_unit(session, admin, name="  青溪县图书馆 ", kind="事业单位", party_members="12")
    unit = session.get(Unit, unit_id)
    assert unit.name == "青溪县图书馆" and unit.party_members == 12 and unit.active
    rows = _audit_rows(session, "unit", unit_id)
    assert [r.action for r in rows] == [AuditAction.CREATE] and "青溪县图书馆" in rows[0].after


def test_duplicate_unit_name_is_refused_naming_the_field(session: Session, admin: Actor) -> None:
    existing = session.scalars(select(Unit.name)).first()
    with pytest.raises(ValidationError) as err:
        svc.create_unit(session, admin, name=existing)
    assert err.value.field == svc.F_UNIT_NAME and err.value.code == "error.duplicate"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": ""}, svc.F_UNIT_NAME),
        ({"name": "好单位", "party_members": "很多"}, svc.F_PARTY_MEMBERS),
        ({"name": "好单位", "party_members": -1}, svc.F_PARTY_MEMBERS),
        ({"name": "好单位", "joined_on": "明年"}, svc.F_JOINED_ON),
        ({"name": "好单位", "phone": "1" * 31}, svc.F_PHONE),
    ],
)
def test_bad_unit_input_names_the_field_and_writes_nothing(
    session: Session,
    admin: Actor,
    kwargs: dict[str, object],
    field: str,
) -> None:
    before = session.scalar(select(func.count(Unit.id)))
    with pytest.raises(ValidationError) as err:
        svc.create_unit(session, admin, **kwargs)  # type: ignore[arg-type]
    assert err.value.field == field
    assert session.scalar(select(func.count(Unit.id))) == before


def test_update_unit_keeps_before_and_after(session: Session, admin: Actor, ids: dict[str, int]) -> None:
    detail = svc.get_unit(session, admin, unit_id=ids["unit"])
    svc.update_unit(
        session,
        admin,
        unit_id=detail.id,
        name=detail.name,
        kind=detail.kind,
        contact="新联系人",
        phone=detail.phone,
        party_members=detail.party_members + 1,
        joined_on="2025年3月5日",
        active=detail.active,
    )
    after = svc.get_unit(session, admin, unit_id=detail.id)
    assert after.contact == "新联系人" and after.joined_on == date(2025, 3, 5)
    row = _audit_rows(session, "unit", detail.id)[-1]
    assert row.action == AuditAction.UPDATE and "新联系人" in row.after and "新联系人" not in (row.before or "")


def test_deactivated_unit_stays_listed_as_inactive(session: Session, admin: Actor, ids: dict[str, int]) -> None:
    svc.set_unit_active(session, admin, unit_id=ids["unit"], active=False)
    assert session.get(Unit, ids["unit"]).active is False
    df, _ = svc.list_units_page(session, admin, active=False)
    assert ids["unit"] in set(df["id"])


def test_pair_unit_with_paired_since_and_unpair(session: Session, admin: Actor) -> None:
    unit_id = svc.create_unit(session, admin, name="结对测试单位")
    community_id = _some_community(session)
    svc.pair_unit(session, admin, unit_id=unit_id, community_id=community_id, paired_since="2026/3/5")
    pairings = svc.get_unit(session, admin, unit_id=unit_id).pairings
    assert [(p.community_id, p.paired_since) for p in pairings] == [(community_id, date(2026, 3, 5))]
    svc.pair_unit(session, admin, unit_id=unit_id, community_id=community_id, paired_since="2026-04-01")
    assert svc.get_unit(session, admin, unit_id=unit_id).pairings[0].paired_since == date(2026, 4, 1)
    svc.unpair_unit(session, admin, unit_id=unit_id, community_id=community_id)
    assert svc.get_unit(session, admin, unit_id=unit_id).pairings == []
    actions = [r.action for r in _audit_rows(session, "pairing")]
    assert actions[-3:] == [AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE]


def test_pairing_needs_a_community(session: Session, admin: Actor, ids: dict[str, int]) -> None:
    with pytest.raises(ValidationError) as err:
        svc.pair_unit(session, admin, unit_id=ids["unit"], community_id=None)
    assert err.value.field == "fields.community"


def test_unit_kinds_suggest_the_usual_types_first(session: Session) -> None:
    kinds = svc.unit_kinds(session)
    assert kinds[: len(svc.SUGGESTED_KINDS)] == list(svc.SUGGESTED_KINDS)


# --- communities ---------------------------------------------------------------------------------------


def test_create_and_edit_community(session: Session, admin: Actor) -> None:
    cid = svc.create_community(session, admin, name="滨江社区", street="文昌街道", contact="王芳")
    svc.update_community(
        session, admin, community_id=cid, name="滨江社区", street="文昌街道", contact="李强", phone="0799-1234567"
    )
    detail = svc.get_community(session, admin, community_id=cid)
    assert (detail.contact, detail.phone) == ("李强", "0799-1234567")
    assert [r.action for r in _audit_rows(session, "community", cid)] == [AuditAction.CREATE, AuditAction.UPDATE]
    df, total = svc.list_communities_page(session, admin, text="滨江")
    assert total == 1 and df.iloc[0]["units"] == 0


def test_duplicate_community_name_is_refused(session: Session, admin: Actor) -> None:
    existing = session.scalars(select(Community.name)).first()
    with pytest.raises(ValidationError) as err:
        svc.create_community(session, admin, name=existing)
    assert err.value.field == svc.F_COMMUNITY_NAME


def test_communities_page_counts_paired_units(session: Session, admin: Actor) -> None:
    df, total = svc.list_communities_page(session, admin)
    assert total == len(df)
    expected = session.scalar(select(func.count(Pairing.id)))
    assert int(df["units"].sum()) == expected


# --- categories ------------------------------------------------------------------------------------------


def test_new_category_goes_last_and_appears_in_the_choices(session: Session, admin: Actor) -> None:
    cid = svc.create_category(session, admin, name="文化体育", description="文体活动")
    assert category_choices(session)[-1].id == cid
    assert svc.list_categories(session, admin).iloc[-1]["name"] == "文化体育"


def test_rename_category(session: Session, admin: Actor, ids: dict[str, int]) -> None:
    svc.update_category(session, admin, category_id=ids["category"], name="基层党建", description="")
    assert session.get(Category, ids["category"]).name == "基层党建"
    assert _audit_rows(session, "category", ids["category"])[-1].action == AuditAction.UPDATE


def test_rename_to_an_existing_category_is_refused(session: Session, admin: Actor) -> None:
    first, second = session.scalars(select(Category).order_by(Category.sort_order).limit(2))
    with pytest.raises(ValidationError) as err:
        svc.update_category(session, admin, category_id=first.id, name=second.name, description="")
    assert err.value.field == svc.F_CATEGORY_NAME


def test_move_category_down_and_up(session: Session, admin: Actor) -> None:
    order = list(svc.list_categories(session, admin)["id"])
    svc.move_category(session, admin, category_id=order[0], step=1)
    assert list(svc.list_categories(session, admin)["id"])[:2] == [order[1], order[0]]
    svc.move_category(session, admin, category_id=order[0], step=-1)
    assert list(svc.list_categories(session, admin)["id"]) == order
    svc.move_category(session, admin, category_id=order[0], step=-1)  # already first: nothing moves
    assert list(svc.list_categories(session, admin)["id"]) == order


def test_soft_deleted_category_leaves_the_choices_but_needs_keep_it(
    session: Session,
    admin: Actor,
    ids: dict[str, int],
) -> None:
    svc.delete_category(session, admin, category_id=ids["category"])
    category = session.get(Category, ids["category"])
    assert category is not None and category.deleted_at is not None
    assert ids["category"] not in {o.id for o in category_choices(session)}
    assert ids["category"] not in set(svc.list_categories(session, admin)["id"])
    assert _audit_rows(session, "category", ids["category"])[-1].action == AuditAction.DELETE


def test_adding_a_deleted_category_again_brings_it_back(
    session: Session,
    admin: Actor,
    ids: dict[str, int],
) -> None:
    name = session.get(Category, ids["category"]).name
    svc.delete_category(session, admin, category_id=ids["category"])
    assert svc.create_category(session, admin, name=name) == ids["category"]
    assert session.get(Category, ids["category"]).deleted_at is None


def test_empty_category_name_is_refused(session: Session, admin: Actor) -> None:
    with pytest.raises(ValidationError) as err:
        svc.create_category(session, admin, name="  ")
    assert err.value.field == svc.F_CATEGORY_NAME and err.value.code == "error.required"
