"""Logging, editing and deleting activities: validation naming the field, permissions per role,
the audit log, and the server-side filters."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Activity, Attachment, AuditEntry, Member, Project, project_unit
from domain.actor import Actor
from domain.enums import ActivityKind, AuditAction
from domain.errors import NotFound, PermissionDenied, ValidationError
from services import activities
from services.activities import ActivityFilter
from services.reference import paired_community_ids
from tests.conftest import TODAY


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (200, 60, 40)).save(out, "JPEG")
    return out.getvalue()


def form(session: Session, unit_id: int | None, **changes: Any) -> dict[str, Any]:
    community = paired_community_ids(session, unit_id)[0] if unit_id else 1
    values: dict[str, Any] = dict(
        unit_id=unit_id,
        community_id=community,
        held_on=date(2026, 11, 20),
        kind=ActivityKind.VOLUNTEER,
        title="楼道清理志愿服务",
        description="清理楼道杂物",
        participants=12,
        volunteer_hours=24,
        beneficiaries=80,
        today=TODAY,
    )
    values.update(changes)
    return values


def count(session: Session) -> int:
    return session.scalar(select(func.count(Activity.id))) or 0


def test_liaison_logs_an_activity_for_their_unit(session: Session, liaison: Actor) -> None:
    aid = activities.log_activity(session, liaison, **form(session, None, photos=[("现场.jpg", photo())]))
    row = session.get(Activity, aid)
    assert row is not None and row.unit_id == liaison.unit_id and row.logged_by_user_id == liaison.user_id
    assert row.volunteer_hours == 24.0 and row.kind == ActivityKind.VOLUNTEER
    audit = session.scalar(select(AuditEntry).where(AuditEntry.entity == "activity", AuditEntry.entity_id == aid))
    assert audit is not None and audit.action == AuditAction.CREATE and audit.username == "liaison1"
    detail = activities.get_activity(session, liaison, aid)
    assert [p.filename for p in detail.photos] == ["现场.jpg"] and detail.photos[0].thumbnail
    assert detail.can_edit


def test_admin_logs_for_any_unit(session: Session, admin: Actor, other_unit_id: int) -> None:
    aid = activities.log_activity(session, admin, **form(session, other_unit_id))
    assert session.get(Activity, aid).unit_id == other_unit_id  # type: ignore[union-attr]


def test_liaison_cannot_log_for_another_unit(session: Session, liaison: Actor, other_unit_id: int) -> None:
    before = count(session)
    with pytest.raises(PermissionDenied):
        activities.log_activity(session, liaison, **form(session, other_unit_id))
    assert count(session) == before


@pytest.mark.parametrize("who", ["leader", "community_worker"])
def test_readers_cannot_log(session: Session, who: str, request: pytest.FixtureRequest, liaison: Actor) -> None:
    actor: Actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        activities.log_activity(session, actor, **form(session, liaison.unit_id))
    assert not activities.can_log(actor)


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"title": "   "}, "activities.fields.title", "error.required"),
        ({"title": "长" * 201}, "activities.fields.title", "error.too_long"),
        ({"held_on": None}, "activities.fields.held_on", "error.required"),
        ({"held_on": "2026-13-40"}, "activities.fields.held_on", "error.bad_date"),
        ({"held_on": date(2026, 11, 25)}, "activities.fields.held_on", "activities.error.future_date"),
        ({"community_id": None}, "fields.community", "error.required"),
        ({"community_id": 99999}, "fields.community", "error.unknown_choice"),
        ({"kind": "dance"}, "fields.kind", "error.unknown_choice"),
        ({"kind": None}, "fields.kind", "error.required"),
        ({"participants": -1}, "activities.fields.participants", "error.out_of_range"),
        ({"participants": "很多"}, "activities.fields.participants", "error.not_a_number"),
        ({"volunteer_hours": "abc"}, "activities.fields.volunteer_hours", "error.not_a_number"),
        ({"volunteer_hours": -0.5}, "activities.fields.volunteer_hours", "error.out_of_range"),
        ({"beneficiaries": 2.5}, "activities.fields.beneficiaries", "error.not_a_number"),
        ({"project_id": 99999}, "activities.fields.project", "error.unknown_choice"),
        ({"member_id": 99999}, "activities.fields.member", "error.unknown_choice"),
        ({"photos": [("a.jpg", b"GIF89a not really")]}, "activities.fields.photos", "error.file_type"),
        ({"photos": [("notes.jpg", "会议纪要".encode())]}, "activities.fields.photos", "error.file_type"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    session: Session, liaison: Actor, change: dict[str, Any], field: str, code: str
) -> None:
    before = count(session), session.scalar(select(func.count(Attachment.id)))
    with pytest.raises(ValidationError) as err:
        activities.log_activity(session, liaison, **form(session, None, **change))
    assert (err.value.field, err.value.code) == (field, code)
    assert (count(session), session.scalar(select(func.count(Attachment.id)))) == before


def test_member_of_another_unit_is_refused(session: Session, liaison: Actor) -> None:
    other_member = session.scalar(select(Member.id).where(Member.unit_id != liaison.unit_id))
    with pytest.raises(ValidationError) as err:
        activities.log_activity(session, liaison, **form(session, None, member_id=other_member))
    assert err.value.code == "activities.error.member_other_unit"


def test_project_the_unit_has_no_part_in_is_refused(session: Session, liaison: Actor) -> None:
    """An activity counts toward a project only where the unit leads it or takes part (scope of the link)."""
    joined = select(project_unit.c.project_id).where(project_unit.c.unit_id == liaison.unit_id)
    foreign = session.scalar(
        select(Project.id).where(
            Project.deleted_at.is_(None), Project.lead_unit_id != liaison.unit_id, Project.id.not_in(joined)
        )
    )
    assert foreign is not None
    before = count(session)
    with pytest.raises(ValidationError) as err:
        activities.log_activity(session, liaison, **form(session, None, project_id=foreign))
    assert (err.value.field, err.value.code) == ("activities.fields.project", "activities.error.project_other_unit")
    assert count(session) == before
    own = activities.form_options(session, unit_id=liaison.unit_id).projects
    if own:  # what the form offers is accepted
        activities.log_activity(session, liaison, **form(session, None, project_id=own[0].id))


def test_liaison_edits_own_activity_and_the_change_is_audited(session: Session, liaison: Actor) -> None:
    aid = activities.log_activity(session, liaison, **form(session, None, photos=[("1.jpg", photo())]))
    [old_photo] = activities.get_activity(session, liaison, aid).photos
    values = form(session, None, title="改过的标题", participants=30)
    values.pop("unit_id")
    activities.update_activity(
        session, liaison, aid, **values, remove_photo_ids=[old_photo.id], add_photos=[("2.jpg", photo())]
    )
    d = activities.get_activity(session, liaison, aid)
    assert d.title == "改过的标题" and d.participants == 30
    assert [p.filename for p in d.photos] == ["2.jpg"]
    update = session.scalar(
        select(AuditEntry).where(
            AuditEntry.entity == "activity", AuditEntry.entity_id == aid, AuditEntry.action == AuditAction.UPDATE
        )
    )
    assert update is not None and "楼道清理志愿服务" in (update.before or "") and "改过的标题" in (update.after or "")


def test_liaison_cannot_edit_or_delete_other_units_activity(session: Session, liaison: Actor) -> None:
    other = session.scalar(select(Activity).where(Activity.unit_id != liaison.unit_id).limit(1))
    assert other is not None
    values = form(session, None)
    values.pop("unit_id")
    with pytest.raises(PermissionDenied):
        activities.update_activity(session, liaison, other.id, **values)
    with pytest.raises(PermissionDenied):
        activities.delete_activity(session, liaison, other.id)
    with pytest.raises(PermissionDenied):  # nor move their own activity to another unit
        mine = activities.log_activity(session, liaison, **form(session, None))
        activities.update_activity(session, liaison, mine, **values | {"unit_id": other.unit_id})


@pytest.mark.parametrize("who", ["leader", "community_worker"])
def test_readers_cannot_edit_or_delete(session: Session, who: str, request: pytest.FixtureRequest) -> None:
    actor: Actor = request.getfixturevalue(who)
    some = session.scalar(select(Activity.id).limit(1))
    with pytest.raises(PermissionDenied):
        activities.delete_activity(session, actor, some)  # type: ignore[arg-type]


def test_delete_is_soft_and_audited(session: Session, admin: Actor, liaison: Actor) -> None:
    aid = activities.log_activity(session, liaison, **form(session, None, title="将被删除的活动"))
    activities.delete_activity(session, admin, aid)
    row = session.get(Activity, aid)
    assert row is not None and row.deleted_at is not None
    assert activities.count_activities(session, flt=ActivityFilter(text="将被删除的活动")) == 0
    entry = session.scalar(
        select(AuditEntry).where(
            AuditEntry.entity == "activity", AuditEntry.entity_id == aid, AuditEntry.action == AuditAction.DELETE
        )
    )
    assert entry is not None and entry.username == "admin"
    with pytest.raises(NotFound):
        activities.get_activity(session, admin, aid)


def test_filters_and_paging_happen_in_sql(session: Session, liaison: Actor) -> None:
    activities.log_activity(session, liaison, **form(session, None, title="独一无二的反诈宣讲", kind="lecture"))
    flt = ActivityFilter(
        start=date(2026, 11, 20),
        end=date(2026, 11, 20),
        unit_id=liaison.unit_id,
        kind=ActivityKind.LECTURE,
        text="独一无二",
    )
    assert activities.count_activities(session, flt=flt) == 1
    page = activities.list_activities(session, flt=flt)
    assert list(page["title"]) == ["独一无二的反诈宣讲"]
    everything = ActivityFilter()
    total = activities.count_activities(session, flt=everything)
    first = activities.list_activities(session, flt=everything, offset=0, limit=20)
    second = activities.list_activities(session, flt=everything, offset=20, limit=20)
    assert len(first) == 20 and len(second) == 20 and total > 40
    assert not set(first["id"]) & set(second["id"])
    assert list(first["held_on"]) == sorted(first["held_on"], reverse=True)


def test_text_filter_treats_wildcards_literally(session: Session) -> None:
    assert activities.count_activities(session, flt=ActivityFilter(text="%")) == 0


def test_form_options_put_paired_communities_first(session: Session, liaison: Actor) -> None:
    opts = activities.form_options(session, unit_id=liaison.unit_id)
    paired = set(paired_community_ids(session, liaison.unit_id))  # type: ignore[arg-type]
    assert {c.id for c in opts.communities[: len(paired)]} == paired
    assert opts.paired_ids == paired
