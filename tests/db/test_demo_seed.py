"""The demo alliance (contracts.md "Demo data and accounts") on a fresh, migrated SQLite file."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.engine import make_engine, make_session_factory, session_scope
from db.migrate import upgrade
from db.models import (
    ActionItem,
    Activity,
    Agreement,
    Category,
    Community,
    ContractTask,
    EvaluationCriterion,
    EvaluationRound,
    EvaluationScore,
    Meeting,
    Need,
    Project,
    ProjectStageChange,
    Resource,
    RotationSlot,
    Unit,
    User,
    Whistle,
    WhistleResponse,
)
from domain.enums import (
    PROJECT_STAGE_ORDER,
    SIX_ITEMS,
    ActivityKind,
    MeetingKind,
    ProjectStage,
    Role,
    RotationStatus,
    WhistleStage,
)
from domain.project_path import progress_bound
from domain.text import pinyin_key
from seed.demo import seed_demo
from services.settings_store import is_demo_database
from services.users import check_password

TODAY = date(2026, 11, 24)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Session, dict[str, int], float]]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COBUILD_BCRYPT_ROUNDS", "4")
        path: Path = tmp_path_factory.mktemp("demo") / "t.db"
        engine = make_engine("sqlite:///" + str(path))
        upgrade(engine)
        factory = make_session_factory(engine)
        with session_scope(factory, write=True) as session:
            started = time.perf_counter()
            counts = seed_demo(session, today=TODAY)
            elapsed = time.perf_counter() - started
        with session_scope(factory) as session:
            yield session, counts, elapsed
        engine.dispose()


@pytest.fixture
def s(seeded: tuple[Session, dict[str, int], float]) -> Session:
    return seeded[0]


def test_counts_are_returned_and_seeding_is_quick(seeded: tuple[Session, dict[str, int], float]) -> None:
    session, counts, elapsed = seeded
    assert counts["community"] == 3
    assert counts["activity"] == session.scalar(select(func.count(Activity.id)))
    assert elapsed < 5
    assert is_demo_database(session)


def test_communities_units_and_categories(s: Session) -> None:
    communities = list(s.scalars(select(Community).order_by(Community.id)))
    assert len(communities) == 3
    assert len({c.street for c in communities}) == 1
    assert all(c.contact and c.phone for c in communities)
    units = list(s.scalars(select(Unit)))
    assert 18 <= len(units) <= 22
    assert sum(not u.active for u in units) == 1
    kinds = {u.kind for u in units}
    assert {"机关", "事业单位", "国有企业", "非公企业", "社会组织", "物业", "学校", "医院"} <= kinds
    assert all(1 <= len(u.pairings) <= 3 and u.joined_on for u in units)
    categories = list(s.scalars(select(Category).order_by(Category.sort_order)))
    assert [c.name for c in categories] == ["党建共建", "民生保障", "为老助残", "青少年关爱", "环境治理", "平安法治"]
    assert [c.sort_order for c in categories] == [1, 2, 3, 4, 5, 6]


def test_demo_users_roles_and_bindings(s: Session) -> None:
    users = {u.username: u for u in s.scalars(select(User))}
    first_community = s.scalars(select(Community).order_by(Community.id)).first()
    assert first_community is not None
    names = [c.name for c in s.scalars(select(Community))]
    assert min(names, key=pinyin_key) == first_community.name
    first_unit = min(s.scalars(select(Unit)), key=lambda u: pinyin_key(u.name))
    expected = {
        "admin": ("cobuild-admin", Role.ADMIN),
        "community1": ("cobuild-community", Role.COMMUNITY),
        "liaison1": ("cobuild-liaison", Role.LIAISON),
        "leader": ("cobuild-leader", Role.LEADER),
    }
    for username, (password, role) in expected.items():
        user = users[username]
        assert user.role == role and user.active
        assert check_password(password, user.password_hash)
        assert not check_password("wrong-password", user.password_hash)
    assert users["community1"].community_id == first_community.id
    assert users["liaison1"].unit_id == first_unit.id
    assert users["admin"].community_id is None and users["admin"].unit_id is None
    assert users["leader"].community_id is None and users["leader"].unit_id is None


def test_first_unit_has_something_to_show(s: Session) -> None:
    first_unit = min(s.scalars(select(Unit)), key=lambda u: pinyin_key(u.name))
    first_community = s.scalars(select(Community).order_by(Community.id)).first()
    assert first_unit.active
    assert first_community is not None
    assert first_community.id in {p.community_id for p in first_unit.pairings}
    assert s.scalar(select(func.count(Resource.id)).where(Resource.unit_id == first_unit.id))
    assert (s.scalar(select(func.count(Activity.id)).where(Activity.unit_id == first_unit.id)) or 0) >= 5
    assert s.scalar(
        select(func.count(ActionItem.id)).where(ActionItem.owner_unit_id == first_unit.id, ActionItem.status == "open")
    )
    assert s.scalar(select(func.count(WhistleResponse.id)).where(WhistleResponse.unit_id == first_unit.id))


def test_needs(s: Session) -> None:
    needs = list(s.scalars(select(Need)))
    assert 30 <= len(needs) <= 38
    assert len({n.community_id for n in needs}) == 3
    assert len({n.category_id for n in needs}) == 6
    assert len({n.status for n in needs}) == 5
    micro = [n for n in needs if n.is_micro_wish]
    assert len(micro) >= 4
    assert any(n.claimed_by_unit_id for n in micro)
    pool = [n for n in needs if n.claim_deadline and n.claim_deadline < TODAY and n.claimed_by_unit_id is None]
    assert len(pool) >= 2
    assert all(n.raised_on and n.raised_on <= TODAY for n in needs)


def test_projects_cover_every_stage_with_history(s: Session) -> None:
    projects = list(s.scalars(select(Project)))
    assert len(projects) >= 15
    assert {p.stage for p in projects} == set(ProjectStage)
    for p in projects:
        path = PROJECT_STAGE_ORDER[: PROJECT_STAGE_ORDER.index(p.stage) + 1]
        history = list(
            s.scalars(
                select(ProjectStageChange).where(ProjectStageChange.project_id == p.id).order_by(ProjectStageChange.at)
            )
        )
        assert [h.to_stage for h in history] == list(path)
        assert [h.from_stage for h in history] == [None, *path[:-1]]
        assert p.needs
        if p.stage in (ProjectStage.DONE, ProjectStage.EVALUATED):
            assert p.progress == 100 and p.ended_on is not None
        if p.stage in (ProjectStage.COLLECT, ProjectStage.TOPIC, ProjectStage.CONSULT):
            assert p.progress == 0
        assert p.progress in progress_bound(p.stage), (p.title, p.stage, p.progress)
        assert (p.satisfaction is not None) == (p.stage == ProjectStage.EVALUATED)
        if p.stage == ProjectStage.IN_PROGRESS:
            assert p.milestones and 0 < p.progress < 100
    assert any(len(p.participants) >= 2 for p in projects)
    assert any(len(p.participants) == 1 for p in projects)
    assert any(
        p.lead_unit_id is None
        and p.claim_deadline
        and p.claim_deadline < TODAY
        and p.stage in (ProjectStage.COLLECT, ProjectStage.TOPIC)
        for p in projects
    )
    used = {r.id for p in projects for r in p.resources}
    assert s.scalar(select(func.count(Resource.id)).where(Resource.id.not_in(used)))  # idle resources


def test_agreements_valid_expiring_and_lapsed(s: Session) -> None:
    agreements = list(s.scalars(select(Agreement)))
    assert len(agreements) >= 20
    assert sum(a.is_lapsed(TODAY) for a in agreements) == 1
    assert sum(a.is_expiring(TODAY) for a in agreements) == 2
    assert all(a.signed_on and a.valid_from and a.valid_to and a.summary for a in agreements)


def test_two_years_of_activities(s: Session) -> None:
    activities = list(s.scalars(select(Activity)))
    assert 400 <= len(activities) <= 650
    by_year = Counter(a.held_on.year for a in activities)
    assert set(by_year) == {TODAY.year - 1, TODAY.year}
    assert all(a.held_on <= TODAY for a in activities)
    for year in by_year:
        assert {a.kind for a in activities if a.held_on.year == year} == set(ActivityKind)
    assert any(a.project_id for a in activities)
    assert any(a.member_id for a in activities)
    this_year: dict[int, set[ActivityKind]] = {}
    for a in activities:
        if a.held_on.year == TODAY.year:
            this_year.setdefault(a.unit_id, set()).add(a.kind)
    complete = [u for u, kinds in this_year.items() if set(SIX_ITEMS) <= kinds]
    assert complete and len(complete) < len(this_year)  # some complete, some behind
    march = sum(1 for a in activities if a.held_on.month == 3)
    august = sum(1 for a in activities if a.held_on.month == 8)
    assert march > august  # 学雷锋 in March, summer holidays in August


def test_rotation_for_both_years(s: Session) -> None:
    for year in (TODAY.year - 1, TODAY.year):
        slots = list(s.scalars(select(RotationSlot).where(RotationSlot.year == year).order_by(RotationSlot.month)))
        assert [slot.month for slot in slots] == list(range(1, 13))
        assert all(slot.community_id is None and slot.theme and slot.plan for slot in slots)
    slots = list(s.scalars(select(RotationSlot).where(RotationSlot.year == TODAY.year)))
    assert all((slot.status == RotationStatus.HELD) == (slot.month < TODAY.month) for slot in slots)
    inactive = {u.id for u in s.scalars(select(Unit).where(Unit.active.is_(False)))}
    assert not any(slot.chair_unit_id in inactive for slot in s.scalars(select(RotationSlot)))


def test_meetings_and_action_items(s: Session) -> None:
    meetings = list(s.scalars(select(Meeting)))
    quarterly = [m for m in meetings if m.kind == MeetingKind.QUARTERLY]
    past_quarters = {(m.held_on.year, (m.held_on.month - 1) // 3 + 1) for m in quarterly if m.held_on < TODAY}
    assert {(TODAY.year - 1, q) for q in range(1, 5)} <= past_quarters
    current = (TODAY.month - 1) // 3 + 1
    missing = [q for q in range(1, current) if (TODAY.year, q) not in past_quarters]
    assert len(missing) == 1
    assert any(m.held_on > TODAY for m in quarterly)
    assert {MeetingKind.REGULAR, MeetingKind.MATCHING} <= {m.kind for m in meetings}
    for m in meetings:
        assert m.convenor_unit_id and m.place and m.agenda
        if m.held_on < TODAY:
            assert m.minutes and m.decisions and m.attendance and 2 <= len(m.action_items) <= 4
    items = list(s.scalars(select(ActionItem)))
    assert any(i.is_overdue(TODAY) for i in items)
    assert any(i.status == "open" and i.due_on and i.due_on >= TODAY for i in items)
    closed = [i for i in items if i.status != "open"]
    assert closed and all(i.closed_on and i.closing_note for i in closed)


def test_whistles(s: Session) -> None:
    whistles = list(s.scalars(select(Whistle)))
    assert 5 <= len(whistles) <= 6
    assert len({w.kind for w in whistles}) == 2
    order = list(WhistleStage)
    stages = set()
    for w in whistles:
        assert w.raised_at.tzinfo is not None
        assert 1 <= len(w.responses) <= 3
        assert w.stage == min((r.stage for r in w.responses), key=order.index)
        assert (w.closed_at is not None) == (order.index(w.stage) >= order.index(WhistleStage.CLOSED))
        for r in w.responses:
            stages.add(r.stage)
            times = [getattr(r, f"{st.value}_at") for st in order[1:6]]
            reached = order.index(r.stage)
            assert all((t is not None) == (i + 1 <= reached) for i, t in enumerate(times))
            present = [w.raised_at, *[t for t in times if t is not None]]
            assert present == sorted(present)
            assert (r.rating is not None) == (r.stage == WhistleStage.RATED)
    assert len(stages) >= 4


def test_evaluation_rounds(s: Session) -> None:
    rounds = list(s.scalars(select(EvaluationRound).order_by(EvaluationRound.year)))
    assert [r.year for r in rounds] == [TODAY.year - 1, TODAY.year]
    assert rounds[0].closed_at is not None and rounds[1].closed_at is None
    active = s.scalar(select(func.count(Unit.id)).where(Unit.active.is_(True)))
    for r in rounds:
        criteria = list(s.scalars(select(EvaluationCriterion).where(EvaluationCriterion.round_id == r.id)))
        assert 4 <= len(criteria) <= 5
        assert sum(c.weight for c in criteria) == pytest.approx(1.0)
        scores = list(s.scalars(select(EvaluationScore).where(EvaluationScore.round_id == r.id)))
        evaluators = {sc.evaluator for sc in scores}
        assert 3 <= len(evaluators) <= 4
        assert len({sc.unit_id for sc in scores}) == active
        assert len(scores) == active * len(criteria) * len(evaluators)
        assert all(60 <= sc.score <= 100 for sc in scores)


def test_contract_tasks(seeded: tuple[Session, dict[str, int], float]) -> None:
    session, counts, _ = seeded
    tasks = list(session.scalars(select(ContractTask)))
    assert counts["contract_task"] == len(tasks) and len({t.unit_id for t in tasks}) >= 5
    assert {t.source_type for t in tasks} == {"need", "project", "action_item"}
    assert {t.status for t in tasks} == {"open", "kept", "broken"}
    assert all(1 <= t.credit_weight <= 3 and t.source_id for t in tasks)
    assert all(t.done_on for t in tasks if t.status == "kept")


def test_demo_activities_are_logged_where_their_unit_may_log(s: Session) -> None:
    """Paired with the community or a member reported there (services.activities' rule), and every
    claim dated (a claimed 微心愿 counts for 六个一 in its year)."""
    from tests.db.test_county_seed import OFF_PAIRING

    assert s.scalar(OFF_PAIRING) == 0
    claimed = select(func.count()).where(Need.claimed_by_unit_id.is_not(None))
    assert s.scalar(claimed) and s.scalar(claimed.where(Need.claimed_on.is_(None))) == 0


def test_the_demo_inbox_holds_a_few_delivered_notices_of_each_kind(s: Session) -> None:
    """Issue 14's demo: the chair, 吹哨 and 待办 are each in the inbox, delivered and never e-mailed."""
    from db.models import Notice
    from domain.enums import NoticeChannel, NoticeEvent, NoticeStatus

    rows = s.scalars(select(Notice)).all()
    events = Counter(r.event for r in rows)
    assert NoticeEvent.WHISTLE_RAISED in events, events
    assert events.keys() & {NoticeEvent.ACTION_UPCOMING, NoticeEvent.ACTION_OVERDUE}, events
    assert events.keys() & {NoticeEvent.CHAIR_UPCOMING, NoticeEvent.CHAIR_START, NoticeEvent.CHAIR_MISSING}, events
    assert events.keys() & {NoticeEvent.WHISTLE_WARNING, NoticeEvent.WHISTLE_PASSED, NoticeEvent.WHISTLE_OVERDUE}
    assert all(r.channel == NoticeChannel.INBOX and r.status == NoticeStatus.SENT for r in rows)
    assert sum(1 for r in rows if r.read_at is None) >= 1  # something new to see
