"""Bad input (quality.md): random values thrown at the services' create functions and the
validate helpers. Never a crash other than AppError; a refused value writes nothing; a
ValidationError always names a field that has a label in both catalogs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Activity, AuditEntry, Category, Community, Member, Need, Resource, Unit, User
from domain.actor import Actor
from domain.enums import ActivityKind, NeedStatus, Priority, Role
from domain.errors import AppError, ValidationError
from locales import has_key
from services import activities, meetings, members, needs, resources, users, validate
from tests.conftest import TODAY

SETTINGS = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)

# What a form field, a URL parameter or a spreadsheet cell can hand a service.
anything = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.text(alphabet="0123456789-/.年月日 ,", max_size=12),
    st.text(min_size=190, max_size=260),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1)),
    st.sampled_from(
        [
            "",
            " ",
            "　",
            "<script>alert(1)</script>",
            "'; DROP TABLE need; --",
            "\x00",
            "1e400",
            "NaN",
            "-0",
            "2026-02-30",
            "2026年13月1日",
            "forum",
            "high",
            "open",
        ]
    ),
)
MAX_ID = 2**31 - 1  # INTEGER primary keys on PostgreSQL
# Ids as a form, a URL or a cell may send them. Numbers beyond a database integer are left to the
# regression test at the end (they still crash some services: see test_an_absurd_id_is_refused).
small_id = st.one_of(
    st.integers(min_value=-3, max_value=40),
    st.integers(min_value=-MAX_ID, max_value=MAX_ID),
    anything.filter(lambda v: not isinstance(v, int | float) or abs(v) <= MAX_ID),
)


def _named_field(err: ValidationError) -> None:
    assert err.field, err
    assert has_key("zh_CN", err.field) and has_key("en", err.field), f"no label for {err.field!r}"


def _counts(session: Session) -> tuple[int, ...]:
    return tuple(
        session.scalar(select(func.count()).select_from(m)) or 0
        for m in (Activity, Need, Resource, Member, User, AuditEntry)
    )


def _try(session: Session, call: Callable[[], Any], model: type | None = None) -> None:
    """Run one service call in a savepoint: it refuses with an AppError having written nothing
    (flushed counts unchanged), or it succeeds and what it created is stored (a ``model`` row with
    the id it returned) and audited; the savepoint is always rolled back."""
    before = _counts(session)
    savepoint = session.begin_nested()
    try:
        try:
            result = call()
            event("accepted")
        except ValidationError as err:
            event("refused")
            _named_field(err)
            session.flush()
            assert _counts(session) == before, "a refused value wrote something"
        except AppError:
            session.flush()
            assert _counts(session) == before, "a refused call wrote something"
        else:
            session.flush()
            assert _counts(session)[-1] > before[-1], "an accepted write left no audit row"
            if model is not None:
                rid = result if isinstance(result, int) or result is None else result.id
                assert rid is not None and session.get(model, rid) is not None, "an accepted write stored nothing"
    finally:
        savepoint.rollback()
    session.expire_all()


# --- the validate helpers ---------------------------------------------------------------------


@SETTINGS
@given(value=anything, required=st.booleans())
def test_validate_helpers_return_or_name_the_field(value: object, required: bool) -> None:
    checks: list[Callable[[], object]] = [
        lambda: validate.text("fields.title", value, required=required, max_len=200),
        lambda: validate.integer("fields.title", value, required=required, max_value=1000),
        lambda: validate.number("fields.title", value, required=required, max_value=1e6),
        lambda: validate.parse_date("fields.title", value, required=required),
        lambda: validate.choice("fields.title", value, Priority),
    ]
    for check in checks:
        try:
            result = check()
        except ValidationError as err:
            assert err.field == "fields.title"
            continue
        if isinstance(result, float):
            assert result == result and abs(result) <= 1e6  # no NaN, no infinity, within bounds


# --- services ----------------------------------------------------------------------------------


@SETTINGS
@given(
    unit=small_id,
    community=small_id,
    held_on=anything,
    kind=st.one_of(st.sampled_from(list(ActivityKind)), anything),
    title=anything,
    description=anything,
    participants=anything,
    hours=anything,
    beneficiaries=anything,
    project=small_id,
    member=small_id,
)
def test_log_activity_accepts_or_refuses_cleanly(
    session: Session,
    admin: Actor,
    unit: Any,
    community: Any,
    held_on: Any,
    kind: Any,
    title: Any,
    description: Any,
    participants: Any,
    hours: Any,
    beneficiaries: Any,
    project: Any,
    member: Any,
) -> None:
    _try(
        session,
        lambda: activities.log_activity(
            session,
            admin,
            unit_id=unit,
            community_id=community,
            held_on=held_on,
            kind=kind,
            title=title,
            description=description,
            participants=participants,
            volunteer_hours=hours,
            beneficiaries=beneficiaries,
            project_id=project,
            member_id=member,
            today=TODAY,
        ),
        Activity,
    )


@SETTINGS
@given(title=anything, description=anything, participants=anything, hours=anything, held_on=anything)
def test_a_liaison_logging_with_random_values(
    session: Session,
    liaison: Actor,
    title: Any,
    description: Any,
    participants: Any,
    hours: Any,
    held_on: Any,
) -> None:
    _try(
        session,
        lambda: activities.log_activity(
            session,
            liaison,
            unit_id=liaison.unit_id,
            community_id=1,
            held_on=held_on,
            kind="volunteer",
            title=title,
            description=description,
            participants=participants,
            volunteer_hours=hours,
            today=TODAY,
        ),
        Activity,
    )


@SETTINGS
@given(
    community=small_id,
    category=small_id,
    title=anything,
    description=anything,
    priority=st.one_of(st.sampled_from(list(Priority)), anything),
    source=anything,
    raised_on=anything,
    deadline=anything,
    status=st.one_of(st.sampled_from(list(NeedStatus)), anything),
)
def test_create_need_accepts_or_refuses_cleanly(
    session: Session,
    admin: Actor,
    community: Any,
    category: Any,
    title: Any,
    description: Any,
    priority: Any,
    source: Any,
    raised_on: Any,
    deadline: Any,
    status: Any,
) -> None:
    data = needs.NeedInput(
        community, category, title, description, priority, source, raised_on, False, deadline, status
    )
    _try(session, lambda: needs.create_need(session, admin, data=data), Need)


# What a form accepts: any printable text (Chinese, Latin, digits, punctuation, spaces around it).
fair_text = st.text(alphabet=st.characters(categories=("L", "N", "P", "Zs")), max_size=60)


def _live_ids(session: Session, model: Any) -> list[int]:
    return list(session.scalars(select(model.id).where(model.deleted_at.is_(None)).order_by(model.id)))


@SETTINGS
@given(
    data=st.data(), title=fair_text.filter(str.strip), description=fair_text, priority=st.sampled_from(list(Priority))
)
def test_a_fair_need_is_accepted_and_stored_as_typed(
    session: Session, admin: Actor, data: st.DataObject, title: str, description: str, priority: Priority
) -> None:
    """The allowed path: valid values of any shape are never refused, and what is stored is what was
    typed (trimmed), for the community and category chosen."""
    community = data.draw(st.sampled_from(_live_ids(session, Community)), label="community")
    category = data.draw(st.sampled_from(_live_ids(session, Category)), label="category")
    savepoint = session.begin_nested()
    try:
        nid = needs.create_need(
            session, admin, data=needs.NeedInput(community, category, title, description, priority, raised_on=TODAY)
        )
        session.flush()
        need = session.get(Need, nid)
        assert need is not None
        assert (need.community_id, need.category_id, need.title, need.description, need.priority) == (
            community,
            category,
            title.strip(),
            description.strip(),
            priority,
        )
        assert need.raised_on == TODAY and need.deleted_at is None
    finally:
        savepoint.rollback()
        session.expire_all()


@SETTINGS
@given(data=st.data(), title=fair_text.filter(str.strip), capacity=st.one_of(st.none(), st.integers(0, 10_000)))
def test_a_fair_resource_is_accepted_and_stored_as_typed(
    session: Session, admin: Actor, data: st.DataObject, title: str, capacity: int | None
) -> None:
    unit = data.draw(st.sampled_from(_live_ids(session, Unit)), label="unit")
    category = data.draw(st.sampled_from(_live_ids(session, Category)), label="category")
    savepoint = session.begin_nested()
    try:
        rid = resources.create_resource(
            session, admin, data=resources.ResourceInput(unit, category, title, capacity=capacity)
        )
        session.flush()
        res = session.get(Resource, rid)
        assert res is not None
        assert (res.unit_id, res.category_id, res.title, res.capacity) == (unit, category, title.strip(), capacity)
    finally:
        savepoint.rollback()
        session.expire_all()


@SETTINGS
@given(
    unit=small_id,
    category=small_id,
    title=anything,
    description=anything,
    capacity=anything,
    when=anything,
    status=anything,
)
def test_create_resource_accepts_or_refuses_cleanly(
    session: Session,
    admin: Actor,
    unit: Any,
    category: Any,
    title: Any,
    description: Any,
    capacity: Any,
    when: Any,
    status: Any,
) -> None:
    data = resources.ResourceInput(unit, category, title, description, capacity, when, status or "available")
    _try(session, lambda: resources.create_resource(session, admin, data=data), Resource)


@SETTINGS
@given(name=anything, unit=small_id, community=small_id, reported_on=anything, phone=anything)
def test_create_member_accepts_or_refuses_cleanly(
    session: Session,
    admin: Actor,
    name: Any,
    unit: Any,
    community: Any,
    reported_on: Any,
    phone: Any,
) -> None:
    _try(
        session,
        lambda: members.create_member(
            session, admin, name=name, unit_id=unit, community_id=community, reported_on=reported_on, phone=phone
        ),
        Member,
    )


@SETTINGS
@given(
    username=st.one_of(st.from_regex(r"\A[a-z0-9_-]{3,12}\Z"), anything),
    display=anything,
    password=st.one_of(st.text(min_size=8, max_size=20), anything),
    role=st.one_of(st.sampled_from(list(Role)), anything),
    email=anything,
    community=small_id,
    unit=small_id,
)
def test_create_user_accepts_or_refuses_cleanly(
    session: Session,
    admin: Actor,
    username: Any,
    display: Any,
    password: Any,
    role: Any,
    email: Any,
    community: Any,
    unit: Any,
) -> None:
    if not isinstance(password, str):  # the form and the CLI always hand over a string
        return

    def call() -> User:
        return users.create_user(
            session,
            admin,
            username=username,
            display_name=display,
            password=password,
            role=role,
            email=email,
            community_id=community,
            unit_id=unit,
        )

    _try(session, call, User)


@pytest.mark.parametrize(
    "field",
    [
        "fields.title",
        "fields.unit",
        "fields.community",
        "fields.kind",
        "activities.fields.held_on",
        "lists.fields.need_title",
    ],
)
def test_field_labels_exist_in_both_languages(field: str) -> None:
    assert has_key("zh_CN", field) and has_key("en", field)


# Ids beyond any database integer: SQLite raises OverflowError ("Python int too large to convert to
# SQLite INTEGER"), PostgreSQL a DataError; the services bound them (validate.record_id) and
# answer with a ValidationError naming the field.
ABSURD_IDS: dict[str, Callable[[Session, Actor], object]] = {
    "need_community": lambda s, a: needs.create_need(s, a, data=needs.NeedInput(2**63, 1, "加装电梯")),
    "need_community_infinite": lambda s, a: needs.create_need(s, a, data=needs.NeedInput(float("inf"), 1, "x")),
    "activity_unit": lambda s, a: activities.log_activity(
        s, a, unit_id=2**63, community_id=1, held_on=TODAY, kind="forum", title="座谈", today=TODAY
    ),
    "activity_project": lambda s, a: activities.log_activity(
        s, a, unit_id=1, community_id=1, held_on=TODAY, kind="forum", title="座谈", project_id=2**63, today=TODAY
    ),
    "resource_unit": lambda s, a: resources.create_resource(s, a, data=resources.ResourceInput(2**63, 1, "会议室")),
    "member_unit": lambda s, a: members.create_member(s, a, name="张三", unit_id=2**63),
    "action_item_owner": lambda s, a: meetings.add_action_item(
        s, a, meeting_id=1, content="落实", owner_unit_id=2**63, due_on=None
    ),
}


@pytest.mark.parametrize("name", sorted(ABSURD_IDS))
def test_an_absurd_id_is_refused(session: Session, admin: Actor, name: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ABSURD_IDS[name](session, admin)
    _named_field(caught.value)
