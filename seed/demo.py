"""The demo alliance (``manage.py seed --demo``): three communities of 文昌街道, twenty units and
two years of their joint work, built from the tables in ``seed.demo_content``.

Deterministic for a given ``today``; every date is counted from it. The caller commits.
"""

from __future__ import annotations

import calendar
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from db.models import (
    ActionItem,
    Activity,
    Agreement,
    Base,
    Category,
    Community,
    ContractTask,
    EvaluationCriterion,
    EvaluationRound,
    EvaluationScore,
    Meeting,
    MeetingAttendance,
    Member,
    Milestone,
    Need,
    Notice,
    Pairing,
    Project,
    ProjectStageChange,
    Resource,
    RotationSlot,
    Unit,
    User,
    Whistle,
    WhistleResponse,
)
from domain.calendar import ZONE
from domain.enums import (
    PROJECT_STAGE_ORDER,
    SIX_ITEMS,
    ActionStatus,
    ActivityKind,
    MeetingKind,
    NeedStatus,
    ProjectStage,
    ResourceStatus,
    Role,
    RotationStatus,
    WhistleStage,
)
from domain.rotation import propose_date
from domain.text import pinyin_key
from seed import demo_content as C
from services.settings_store import DEMO_KEY, put_setting
from services.users import hash_password

SEED = 20261124
WHISTLE_ORDER = list(WhistleStage)
QUARTER_DAY = {1: (3, 12), 2: (5, 20), 3: (8, 21), 4: (11, 13)}
# most recent first: days ago, community index
REGULAR_MEETINGS = [(20, 0), (105, 1), (200, 2)]


def seed_demo(session: Session, *, today: date) -> dict[str, int]:
    """Fill an empty, migrated database with the demo alliance; returns rows per table."""
    demo = _Demo(session, today)
    demo.build()
    put_setting(session, DEMO_KEY, True)
    session.flush()
    seed_demo_notices(session, today=today)
    return {
        table.name: session.scalar(select(func.count()).select_from(table)) or 0
        for table in Base.metadata.sorted_tables
    }


DEMO_NOTICES_PER_EVENT = 3
DEMO_NOTICE_DAYS = 90  # far enough back to reach an overdue 待办 of the last quarter


def seed_demo_notices(session: Session, *, today: date) -> int:
    """A few inbox notices of each kind from the demo's own last month (吹哨 raised, its time limits,
    the chair, action items), already delivered — inbox only, never e-mailed; the older ones read."""
    from domain import notices as rules
    from services import notices

    until = local_time(today, 9)
    window = rules.Window(until - timedelta(days=DEMO_NOTICE_DAYS), until)
    dues = notices.collect_due(session, window)
    recent = session.scalars(select(Whistle).where(Whistle.raised_at > window.since).order_by(Whistle.raised_at)).all()
    for facts in notices.whistle_facts(session, recent):
        dues += rules.whistle_raised_notices(facts)
    kept: dict[str, int] = {}
    planned = []
    for due in sorted(dues, key=lambda d: d.due_at, reverse=True):
        rows = notices.plan(session, [due], mail=False)
        if rows and kept.get(due.event.value, 0) < DEMO_NOTICES_PER_EVENT:  # a few that reach someone
            kept[due.event.value] = kept.get(due.event.value, 0) + 1
            planned += rows
    written = notices.enqueue(session, planned, now=until)
    for notice in session.scalars(select(Notice).where(Notice.due_at < until - timedelta(days=3))):
        notice.read_at = notice.due_at + timedelta(hours=2)
    return written


def local_time(day: date, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in the alliance's zone, as an aware UTC datetime."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE).astimezone(UTC)


def cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def weekday_on_or_after(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


class _Demo:
    def __init__(self, session: Session, today: date) -> None:
        self.s = session
        self.today = today
        self.this_year = today.year
        self.last_year = today.year - 1
        self.rng = random.Random(SEED)

    def ago(self, days: int) -> date:
        return self.today - timedelta(days=days)

    def build(self) -> None:
        self.add_communities_and_categories()
        self.add_units()
        self.add_users()
        self.add_resources_and_needs()
        self.add_projects()
        self.add_agreements_and_members()
        self.add_rotation()
        self.add_activities()
        self.add_meetings()
        self.add_whistles()
        self.add_evaluations()
        self.add_contract_tasks()

    # --- organisation -------------------------------------------------------------------------

    def add_communities_and_categories(self) -> None:
        self.communities = [
            Community(name=name, street=C.STREET, contact=contact, phone=phone)
            for name, contact, phone in C.COMMUNITIES
        ]
        self.categories = [
            Category(name=name, sort_order=i, description=text) for i, (name, text) in enumerate(C.CATEGORIES, start=1)
        ]
        self.s.add_all([*self.communities, *self.categories])
        self.s.flush()

    def add_units(self) -> None:
        self.units: dict[str, Unit] = {}
        self.busy: dict[int, int] = {}
        self.paired: dict[int, list[Community]] = {}
        self.pairings: list[Pairing] = []
        specs: dict[str, tuple[date, list[int], int]] = {}
        for name, kind, contact, phone, members, (y, m, d), comms, busy, active in C.UNITS:
            joined = date(self.today.year - y, m, d)
            self.units[name] = Unit(
                name=name,
                kind=kind,
                contact=contact,
                phone=phone,
                party_members=members,
                active=active,
                joined_on=joined,
            )
            specs[name] = (joined, comms, busy)
        self.s.add_all(self.units.values())
        self.s.flush()
        for name, (joined, comms, busy) in specs.items():
            unit = self.units[name]
            self.busy[unit.id] = busy
            self.paired[unit.id] = [self.communities[i] for i in comms]
            for n, ci in enumerate(comms):
                since = joined if n == 0 else min(joined + timedelta(days=self.rng.randint(90, 500)), self.ago(120))
                self.pairings.append(Pairing(unit_id=unit.id, community_id=self.communities[ci].id, paired_since=since))
        self.s.add_all(self.pairings)
        self.by_pinyin = sorted(self.units.values(), key=lambda u: pinyin_key(u.name))
        self.active = [u for u in self.by_pinyin if u.active]

    def add_users(self) -> None:
        hashes: dict[str, str] = {}
        self.unit_user: dict[int, User] = {}
        self.community_user: dict[int, User] = {}
        users = []
        for username, display, role, community, unit_ref, password in C.USERS:
            if password not in hashes:  # bcrypt is slow on purpose: hash each demo password once
                hashes[password] = hash_password(password)
            user = User(
                username=username,
                display_name=display,
                role=Role(role),
                password_hash=hashes[password],
                email=f"{username}@cobuild.invalid",
            )
            if community is not None:
                user.community_id = self.communities[community].id
                self.community_user[user.community_id] = user
            if unit_ref is not None:
                unit = self.by_pinyin[unit_ref] if isinstance(unit_ref, int) else self.units[unit_ref]
                user.unit_id = unit.id
                self.unit_user[unit.id] = user
            users.append(user)
        self.s.add_all(users)
        self.s.flush()
        self.admin = users[0]

    def add_agreements_and_members(self) -> None:
        names = {u.id: u.name for u in self.units.values()}
        kinds = {u.id: u.kind for u in self.units.values()}
        index = {c.id: i for i, c in enumerate(self.communities)}
        community_name = {c.id: c.name for c in self.communities}
        rows: list[object] = []
        for p in self.pairings:
            key = (names[p.unit_id], index[p.community_id])
            if key in C.NO_AGREEMENT:
                continue
            valid_to = self.today + timedelta(days=C.AGREEMENT_VALID_TO.get(key, self.rng.randint(120, 900)))
            valid_from = max(years_before(valid_to, 3) + timedelta(days=1), p.paired_since or valid_to)
            unit_name, community = names[p.unit_id], community_name[p.community_id]
            rows.append(
                Agreement(
                    community_id=p.community_id,
                    unit_id=p.unit_id,
                    valid_from=valid_from,
                    valid_to=valid_to,
                    signed_on=valid_from - timedelta(days=self.rng.randint(2, 12)),
                    summary=(
                        f"{unit_name}与{community}结对共建协议。{unit_name}承诺{C.PLEDGES[kinds[p.unit_id]]}；"
                        f"{community}负责收集居民需求、提供活动阵地并做好服务对接。双方每季度通报一次"
                        "履约情况，协议期满前共同评估、商定续签事宜。"
                    ),
                )
            )
        self.members: dict[int, list[Member]] = {}
        for unit_name, people in C.MEMBERS.items():
            unit = self.units[unit_name]
            self.members[unit.id] = [
                Member(
                    name=name,
                    unit_id=unit.id,
                    community_id=self.paired[unit.id][0].id,
                    phone=phone,
                    reported_on=date(self.last_year, self.rng.randint(2, 6), self.rng.randint(1, 28)),
                )
                for name, phone in people
            ]
            rows += self.members[unit.id]
        self.s.add_all(rows)
        self.s.flush()

    # --- three lists ----------------------------------------------------------------------------

    def add_resources_and_needs(self) -> None:
        self.resources: dict[str, Resource] = {}
        for unit, cat, title, text, capacity, when, paused in C.RESOURCES:
            self.resources[title] = Resource(
                unit_id=self.units[unit].id,
                category_id=self.categories[cat].id,
                title=title,
                description=text,
                capacity=capacity,
                available_when=when,
                status=ResourceStatus.PAUSED if paused else ResourceStatus.AVAILABLE,
            )
        self.needs: dict[str, Need] = {}
        for key, ci, cat, title, text, prio, source, ago, status, micro, claimed, deadline in C.NEEDS:
            self.needs[key] = Need(
                community_id=self.communities[ci].id,
                category_id=self.categories[cat].id,
                title=title,
                description=text,
                priority=prio,
                source=source,
                raised_on=self.ago(ago),
                status=status,
                is_micro_wish=micro,
                claimed_by_unit_id=self.units[claimed].id if claimed else None,
                claimed_on=min(self.ago(ago) + timedelta(days=3), self.today) if claimed else None,
                claim_deadline=self.today + timedelta(days=deadline) if deadline is not None else None,
            )
        self.s.add_all([*self.resources.values(), *self.needs.values()])
        self.s.flush()

    def add_projects(self) -> None:
        self.projects: list[Project] = []
        self.decided_on: dict[int, date] = {}
        self.planned_end: dict[int, date] = {}
        stage_rank = {s: i for i, s in enumerate(PROJECT_STAGE_ORDER)}
        rows: list[object] = []
        for title, ci, lead, others, need_keys, resource_titles, stage, progress, (
            opened,
            started,
            ended,
        ), beneficiaries, budget, satisfaction, deadline, text in C.PROJECTS:
            community = self.communities[ci]
            opened_on = self.ago(opened)
            started_on = self.ago(started) if started is not None else None
            ended_on = self.ago(ended) if ended is not None else None
            participants = [self.units[n] for n in ([lead] if lead else []) + others]
            project = Project(
                title=title,
                description=text,
                community_id=community.id,
                lead_unit_id=self.units[lead].id if lead else None,
                stage=stage,
                progress=progress,
                claim_deadline=self.today + timedelta(days=deadline) if deadline is not None else None,
                started_on=started_on,
                ended_on=ended_on,
                beneficiaries=beneficiaries,
                budget_fen=budget * 100,
                satisfaction=satisfaction,
            )
            project.participants = participants
            project.needs = [self.needs[k] for k in need_keys]
            project.resources = [self.resources[t] for t in resource_titles]
            self.s.add(project)
            self.s.flush()
            self.projects.append(project)
            for need in project.needs:
                need.raised_on = opened_on - timedelta(days=self.rng.randint(7, 25))
                if stage_rank[stage] >= stage_rank[ProjectStage.DONE]:
                    need.status = NeedStatus.SOLVED
                elif stage_rank[stage] >= stage_rank[ProjectStage.DECIDED]:
                    need.status = NeedStatus.PROJECT
                if stage_rank[stage] >= stage_rank[ProjectStage.DECIDED]:
                    need.claimed_by_unit_id = project.lead_unit_id
            if stage in (ProjectStage.DECIDED, ProjectStage.IN_PROGRESS):
                for resource in project.resources:
                    if resource.status == ResourceStatus.AVAILABLE:
                        resource.status = ResourceStatus.MATCHED
            rows += self._stage_history(project, community, opened_on, started_on, ended_on)
            for need in project.needs:
                if need.claimed_by_unit_id is not None:
                    need.claimed_on = self.decided_on[project.id]  # the lead claims it when the project is decided
            if started_on is not None:
                rows += self._milestones(project, started_on, ended_on)
        self.s.add_all(rows)
        self.s.flush()

    def _stage_history(
        self, project: Project, community: Community, opened: date, started: date | None, ended: date | None
    ) -> list[ProjectStageChange]:
        path = PROJECT_STAGE_ORDER[: PROJECT_STAGE_ORDER.index(project.stage) + 1]
        before = [s for s in path if s in (ProjectStage.TOPIC, ProjectStage.CONSULT, ProjectStage.DECIDED)]
        until = started - timedelta(days=5) if started else self.ago(2)
        days: dict[ProjectStage, date] = {ProjectStage.COLLECT: opened}
        for i, step in enumerate(before, start=1):
            days[step] = opened + (until - opened) * i // (len(before) + 1)
        if started:
            days[ProjectStage.IN_PROGRESS] = started
        if ended:
            days[ProjectStage.DONE] = ended
            days[ProjectStage.EVALUATED] = min(ended + timedelta(days=15), self.today)
        rows = []
        for previous, stage in zip((None, *path[:-1]), path, strict=True):
            note = C.STAGE_NOTES[stage]
            if stage == ProjectStage.EVALUATED:
                note += f",满意度{project.satisfaction}分"
            raiser = self.community_user.get(community.id) if stage == ProjectStage.COLLECT else None
            rows.append(
                ProjectStageChange(
                    project_id=project.id,
                    user_id=(raiser or self.admin).id,
                    from_stage=previous,
                    to_stage=stage,
                    at=local_time(days[stage], 10, self.rng.randint(0, 59)),
                    note=note,
                )
            )
        self.decided_on[project.id] = days.get(ProjectStage.DECIDED, opened)
        return rows

    def _milestones(self, project: Project, started: date, ended: date | None) -> list[Milestone]:
        if ended is not None:
            span = (ended - started).days
        else:
            span = (self.today - started).days * 100 // max(project.progress, 10)
        self.planned_end[project.id] = started + timedelta(days=span)
        rows = []
        for frac, title, text in C.MILESTONES:
            due = started + timedelta(days=int(span * frac))
            done = ended is not None or (due < self.today and frac * 100 <= project.progress + 10)
            rows.append(Milestone(project_id=project.id, due_on=due, title=title, description=text, done=done))
        return rows

    # --- rotation, activities ------------------------------------------------------------------

    def add_rotation(self) -> None:
        self.chair: dict[tuple[int, int], Unit] = {}
        rows = []
        n = len(self.active)
        for offset, year in ((0, self.last_year), (12, self.this_year)):
            for month in range(1, 13):
                chair = self.active[(offset + month - 1) % n]
                self.chair[(year, month)] = chair
                theme, detail = C.ROTATION_THEMES[month - 1]
                held = (year, month) < (self.today.year, self.today.month)
                reminder = date(year, month, 1) - timedelta(days=6)
                rows.append(
                    RotationSlot(
                        year=year,
                        month=month,
                        community_id=None,
                        chair_unit_id=chair.id,
                        theme=theme,
                        plan=(
                            f"由{chair.name}担任轮值主席，牵头组织本月“{theme}”主题活动：{detail}。"
                            "月底前向联盟秘书处报送活动小结。"
                        ),
                        status=RotationStatus.HELD if held else RotationStatus.PLANNED,
                        proposed_on=propose_date(year, month),
                        reminded_on=reminder if reminder <= self.today else None,
                    )
                )
        self.s.add_all(rows)

    def _activity(
        self, unit: Unit, community: Community, day: date, kind: ActivityKind, title: str, text: str, **extra: object
    ) -> dict[str, Any]:
        (low, high), hours, (b_low, b_high) = C.KIND_NUMBERS[kind]
        people = self.rng.randint(low, high)
        fill = {"c": community.name, "n": day.year - 1921, "p": extra.pop("project_title", "")}
        logger = self.unit_user.get(unit.id, self.admin)
        return {
            "unit_id": unit.id,
            "community_id": community.id,
            "held_on": day,
            "kind": kind,
            "title": title.format(**fill),
            "description": text.format(**fill),
            "participants": people,
            "volunteer_hours": round(people * hours * self.rng.uniform(0.8, 1.2) * 2) / 2,
            "beneficiaries": self.rng.randint(b_low, b_high),
            "logged_by_user_id": logger.id,
            "project_id": None,
            "member_id": None,
            **extra,
        }

    def _random_activity(self, unit: Unit, day: date, kind: ActivityKind | None = None) -> dict[str, Any]:
        community = self.rng.choice(self.paired[unit.id])
        seasonal = C.SEASONAL.get(day.month, [])
        if kind is None and seasonal and self.rng.random() < 0.5:
            kind, title, text = self.rng.choice(seasonal)
        else:
            if kind is None:
                kinds = list(C.KIND_WEIGHTS)
                kind = self.rng.choices(kinds, weights=[C.KIND_WEIGHTS[k] for k in kinds])[0]
            title, text = self.rng.choice(C.KIND_TEXTS[kind])
        return self._activity(unit, community, day, kind, title, text)

    def add_activities(self) -> None:
        rows: list[dict[str, Any]] = []
        base = {1: 0.55, 2: 1.0, 3: 1.6}
        for unit in self.by_pinyin:
            last_day = self.today if unit.active else date(self.last_year, 6, 30)
            for year, month in [(self.last_year, m) for m in range(1, 13)] + [
                (self.this_year, m) for m in range(1, self.today.month + 1)
            ]:
                rate = base[self.busy[unit.id]] * C.SEASON[month]
                count = int(rate) + (1 if self.rng.random() < rate - int(rate) else 0)
                for _ in range(count):
                    day = date(year, month, self.rng.randint(1, calendar.monthrange(year, month)[1]))
                    if day <= last_day:
                        rows.append(self._random_activity(unit, day))
        rows = self._six_items(rows)
        rows += self._project_activities()
        self._link_members(rows)
        rows.sort(key=lambda r: (r["held_on"], r["unit_id"]))
        self.s.execute(insert(Activity), rows)

    def _this_year_day(self) -> date:
        start = min(date(self.this_year, 1, 6), self.today)
        return start + timedelta(days=self.rng.randint(0, (self.today - start).days))

    def _six_items(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Every third unit completes its 六个一 this year, every third falls behind."""
        for i, unit in enumerate(self.active):
            mine = [r for r in rows if r["unit_id"] == unit.id and r["held_on"].year == self.this_year]
            if i % 3 == 0:
                done = {r["kind"] for r in mine}
                rows += [self._random_activity(unit, self._this_year_day(), k) for k in SIX_ITEMS if k not in done]
            elif i % 3 == 2:
                missing = set(self.rng.sample(SIX_ITEMS, 1 + i % 4))
                rows = [
                    r
                    for r in rows
                    if not (r["unit_id"] == unit.id and r["held_on"].year == self.this_year and r["kind"] in missing)
                ]
        return rows

    def _project_activities(self) -> list[dict[str, Any]]:
        rows = []
        for project in self.projects:
            if project.started_on is None:
                continue
            community = next(c for c in self.communities if c.id == project.community_id)
            start, end = max(project.started_on, date(self.last_year, 1, 1)), project.ended_on or self.today
            if start > end:
                continue
            for _ in range(self.rng.randint(2, 5)):
                kind, title, text = self.rng.choice(C.PROJECT_ACTIVITY)
                day = start + timedelta(days=self.rng.randint(0, (end - start).days))
                rows.append(
                    self._activity(
                        self.rng.choice(project.participants),
                        community,
                        day,
                        kind,
                        title,
                        text,
                        project_id=project.id,
                        project_title=project.title,
                    )
                )
        return rows

    def _link_members(self, rows: list[dict[str, Any]]) -> None:
        """Units with recorded members credit most six-item activities to one of them; the first
        two members of the first such unit complete their six items this year."""
        for unit_id, members in self.members.items():
            for row in rows:
                if row["unit_id"] == unit_id and row["kind"] in SIX_ITEMS and self.rng.random() < 0.75:
                    row["member_id"] = self.rng.choice(members).id
        unit_id, members = next(iter(self.members.items()))
        unit = next(u for u in self.units.values() if u.id == unit_id)
        for member in members[:2]:
            done = {r["kind"] for r in rows if r["member_id"] == member.id and r["held_on"].year == self.this_year}
            for kind in SIX_ITEMS:
                if kind not in done:
                    row = self._random_activity(unit, self._this_year_day(), kind)
                    row["member_id"] = member.id
                    rows.append(row)

    # --- meetings -------------------------------------------------------------------------------

    def add_meetings(self) -> None:
        current_q = (self.today.month - 1) // 3 + 1
        past_this_year = list(range(1, current_q))
        skipped = past_this_year[min(1, len(past_this_year) - 1)] if past_this_year else None
        plans: list[tuple[MeetingKind, date, Community | None]] = []
        for year, q in [(self.last_year, q) for q in range(1, 5)] + [(self.this_year, q) for q in past_this_year]:
            if (year, q) != (self.this_year, skipped):
                plans.append((MeetingKind.QUARTERLY, weekday_on_or_after(date(year, *QUARTER_DAY[q])), None))
        for days, ci in REGULAR_MEETINGS:
            plans.append((MeetingKind.REGULAR, weekday_on_or_after(self.ago(days)), self.communities[ci]))
        for day in (date(self.last_year, 6, 17), date(self.this_year, 4, 22)):
            if weekday_on_or_after(day) < self.today:
                plans.append((MeetingKind.MATCHING, weekday_on_or_after(day), None))
        plans.sort(key=lambda p: p[1])
        self.items: list[ActionItem] = []
        self.last_meeting_day: date | None = None
        for n, (kind, day, community) in enumerate(plans):
            self._held_meeting(kind, day, community, last=n == len(plans) - 1)
        self._ensure_overdue()
        future = weekday_on_or_after(self.today + timedelta(days=16))
        chair = self.chair.get((future.year, future.month), self.active[0])
        q = (future.month - 1) // 3 + 1
        self.s.add(
            Meeting(
                kind=MeetingKind.QUARTERLY,
                title=f"{future.year}年第{q}季度党建联盟联席会议",
                held_on=future,
                place=f"{self.communities[0].name}党群服务中心二楼会议室",
                convenor_unit_id=chair.id,
                agenda=self._agenda(MeetingKind.QUARTERLY, q),
            )
        )
        self.s.flush()

    def _agenda(self, kind: MeetingKind, quarter: int) -> str:
        items = [text.format(topic=C.QUARTER_TOPICS[quarter]) for text in C.AGENDAS[kind]]
        return "\n".join(f"{i}. {text}" for i, text in enumerate(items, start=1))

    def _held_meeting(self, kind: MeetingKind, day: date, community: Community | None, *, last: bool) -> None:
        chair = self.chair[(day.year, day.month)]
        q = (day.month - 1) // 3 + 1
        if kind == MeetingKind.QUARTERLY:
            title = f"{day.year}年第{q}季度党建联盟联席会议"
            place = f"{self.communities[q % 3].name}党群服务中心二楼会议室" if q % 2 else f"{chair.name}会议室"
        elif kind == MeetingKind.REGULAR:
            assert community is not None
            title, place = f"{community.name}共建例会（{day.month}月）", f"{community.name}党群服务中心"
        else:
            title, place = f"{day.year}年“五社联动”资源对接会", f"{C.STREET}新时代文明实践所"
        invited = [u for u in self.active if community is None or community in self.paired[u.id]]
        chance = {1: 0.7, 2: 0.85, 3: 0.95}
        came = {
            u.id: u.id == chair.id or (last and u is self.by_pinyin[0]) or self.rng.random() < chance[self.busy[u.id]]
            for u in invited
        }
        meeting = Meeting(
            kind=kind,
            title=title,
            held_on=day,
            place=place,
            convenor_unit_id=chair.id,
            community_id=community.id if community else None,
            agenda=self._agenda(kind, q),
        )
        self.s.add(meeting)
        self.s.flush()
        self.s.add_all(MeetingAttendance(meeting_id=meeting.id, unit_id=u.id, attended=came[u.id]) for u in invited)
        attended = [u for u in invited if came[u.id]]
        absent = [u.name for u in invited if not came[u.id]]
        since = self.last_meeting_day or day
        previous = [i.closed_on for i in self.items if i.closed_on is None or i.closed_on >= since]
        still_open = sum(1 for closed in previous if closed is None or closed > day)
        self.last_meeting_day = day
        owners = self.rng.sample(attended, min(len(attended), self.rng.randint(2, 4)))
        if last and self.by_pinyin[0] not in owners:
            owners[0] = self.by_pinyin[0]
        items: list[ActionItem] = []
        dues: list[date] = []
        used: set[str] = set()
        for owner in owners:
            place_name = (community or self.paired[owner.id][0]).name
            options = C.ACTION_TEXTS + C.KIND_ACTIONS.get(owner.kind, []) * 2
            if day.month >= 10:
                options = [*options, C.WINTER_ACTION, C.WINTER_ACTION]
            text = self.rng.choice([t for t in options if t not in used])
            used.add(text)
            due = day + timedelta(days=self.rng.randint(20, 60))
            keep_open = last and owner is self.by_pinyin[0]  # liaison1 has something open to report on
            if keep_open:
                due = self.today + timedelta(days=3)  # its 待办 reminder (three days before) is in the inbox
            item = ActionItem(
                meeting=meeting,
                owner_unit_id=owner.id,
                content=text.format(c=place_name),
                due_on=due,
                status=ActionStatus.OPEN,
            )
            if not keep_open and (due < self.today or self.rng.random() < 0.15):
                self._close(item, day, due)
            items.append(item)
            dues.append(due)
        self.items += items
        self.s.add_all(items)
        meeting.decisions = "\n".join(
            f"- 由{o.name}{i.content}，{d.month}月{d.day}日前完成" for o, i, d in zip(owners, items, dues, strict=True)
        )
        excused = ""
        if absent:
            excused = f",{'、'.join(absent[:3])}{'等' if len(absent) > 3 else ''}{len(absent)}家单位请假"
        progress = (
            C.PROGRESS_OPEN.format(done=len(previous) - still_open, open=still_open) if still_open else C.PROGRESS_CLEAR
        )
        meeting.minutes = C.MINUTES[kind].format(
            when=cn_date(day),
            title=title,
            place=place,
            chair=chair.name,
            came=len(attended),
            excused=excused,
            community=community.name if community else "",
            progress=progress,
            topic=C.QUARTER_TOPICS[q],
        )

    def _close(self, item: ActionItem, held: date, due: date) -> None:
        """Older items are mostly done or dropped, recent overdue ones half open, a few done early."""
        roll = self.rng.random()
        if due < self.ago(45):
            status = ActionStatus.DONE if roll < 0.8 else ActionStatus.DROPPED if roll < 0.93 else ActionStatus.OPEN
        elif due < self.today:
            status = ActionStatus.DONE if roll < 0.5 else ActionStatus.OPEN
        else:
            status = ActionStatus.DONE
        if status == ActionStatus.OPEN:
            return
        item.status = status
        closed = due + timedelta(
            days=self.rng.randint(-15, 5) if status == ActionStatus.DONE else self.rng.randint(0, 20)
        )
        item.closed_on = min(max(closed, held + timedelta(days=3)), self.today)
        item.closing_note = self.rng.choice(C.DONE_NOTES if status == ActionStatus.DONE else C.DROP_NOTES)

    def _ensure_overdue(self) -> None:
        """At least three open action items are overdue, so the overview has something to show."""
        past_due = sorted(
            (i for i in self.items if i.due_on and i.due_on < self.today), key=lambda i: i.due_on or self.today
        )
        if sum(1 for i in past_due if i.status == ActionStatus.OPEN) < 3:
            for item in past_due[-3:]:
                item.status, item.closed_on, item.closing_note = ActionStatus.OPEN, None, ""

    # --- whistle, evaluation, contracts ----------------------------------------------------------

    def add_whistles(self) -> None:
        now = local_time(self.today, 18)
        for ci, kind, title, text, (days, hour), summoned in C.WHISTLES:
            community = self.communities[ci]
            raised = local_time(self.ago(days), hour, self.rng.randint(0, 50))
            raiser = self.community_user.get(community.id, self.admin)
            whistle = Whistle(
                community_id=community.id,
                raised_by_user_id=raiser.id,
                raised_at=raised,
                kind=kind,
                title=title,
                description=text,
            )
            self.s.add(whistle)
            self.s.flush()
            for unit_name, stage, rating, comment, action in summoned:
                response = WhistleResponse(
                    whistle_id=whistle.id,
                    unit_id=self.units[unit_name].id,
                    stage=stage,
                    action_taken=action,
                    rating=rating,
                    rating_comment=comment,
                )
                at = raised
                for step in WHISTLE_ORDER[1 : WHISTLE_ORDER.index(stage) + 1]:
                    at = max(
                        raised + timedelta(hours=C.WHISTLE_HOURS[step] * self.rng.uniform(0.7, 1.2)),
                        at + timedelta(minutes=10),
                    )
                    assert at <= now, (title, step)
                    field = "rated_at" if step == WhistleStage.RATED else f"{step.value}_at"
                    setattr(response, field, at)
                self.s.add(response)
                whistle.responses.append(response)
            whistle.stage = min((r.stage for r in whistle.responses), key=WHISTLE_ORDER.index)
            if WHISTLE_ORDER.index(whistle.stage) >= WHISTLE_ORDER.index(WhistleStage.CLOSED):
                whistle.closed_at = max(r.closed_at for r in whistle.responses if r.closed_at)
        self.s.flush()

    def add_evaluations(self) -> None:
        rounds = [
            EvaluationRound(
                title=f"{self.last_year}年度共建单位民主考评",
                period=f"{self.last_year}年度",
                year=self.last_year,
                closed_at=min(local_time(date(self.this_year, 1, 18), 17), local_time(self.today, 9)),
                formula_version="v1",
            ),
            EvaluationRound(
                title=f"{self.this_year}年度共建单位民主考评", period=f"{self.this_year}年度", year=self.this_year
            ),
        ]
        self.s.add_all(rounds)
        self.s.flush()
        scores = []
        for rnd in rounds:
            criteria = [
                EvaluationCriterion(round_id=rnd.id, name=name, weight=weight, sort_order=i)
                for i, (name, weight) in enumerate(C.CRITERIA, start=1)
            ]
            self.s.add_all(criteria)
            self.s.flush()
            for unit in self.active:
                base = 70 + 6 * self.busy[unit.id] + self.rng.uniform(-5, 5)
                for criterion in criteria:
                    for evaluator in C.EVALUATORS:
                        score = base + self.rng.uniform(-6, 6) + (2 if evaluator == "社区党委" else 0)
                        scores.append(
                            {
                                "round_id": rnd.id,
                                "unit_id": unit.id,
                                "criterion_id": criterion.id,
                                "evaluator": evaluator,
                                "score": float(round(min(100, max(60, score)))),
                            }
                        )
        self.s.execute(insert(EvaluationScore), scores)

    def add_contract_tasks(self) -> None:
        rows = []
        for need in self.needs.values():
            if need.is_micro_wish and need.claimed_by_unit_id and need.raised_on:
                claimed = need.raised_on + timedelta(days=self.rng.randint(1, 5))
                need.claimed_on = claimed  # the claim and its contract task share the day
                kept = need.status == NeedStatus.SOLVED
                rows.append(
                    ContractTask(
                        unit_id=need.claimed_by_unit_id,
                        title=f"认领微心愿：{need.title}",
                        source_type="need",
                        source_id=need.id,
                        credit_weight=1.0,
                        claimed_on=claimed,
                        due_on=claimed + timedelta(days=30),
                        status="kept" if kept else "open",
                        done_on=claimed + timedelta(days=self.rng.randint(3, 20)) if kept else None,
                    )
                )
        for project in self.projects:
            if (
                project.lead_unit_id is None
                or project.id not in self.decided_on
                or project.stage in (ProjectStage.COLLECT, ProjectStage.TOPIC, ProjectStage.CONSULT)
            ):
                continue
            claimed = self.decided_on[project.id]
            kept = project.ended_on is not None
            rows.append(
                ContractTask(
                    unit_id=project.lead_unit_id,
                    title=f"牵头实施：{project.title}",
                    source_type="project",
                    source_id=project.id,
                    credit_weight=3.0,
                    claimed_on=claimed,
                    due_on=self.planned_end.get(project.id, claimed + timedelta(days=180)),
                    status="kept" if kept else "open",
                    done_on=project.ended_on,
                )
            )
        for item in self.items:
            if item.due_on is None:
                continue
            if item.status == ActionStatus.DONE:
                status = "kept"
            elif item.status == ActionStatus.DROPPED:
                if item.closed_on is None or item.closed_on <= item.due_on:
                    continue  # dropped by agreement in time: no promise broken
                status = "broken"
            else:
                status = "broken" if item.due_on < self.ago(45) else "open"
            rows.append(
                ContractTask(
                    unit_id=item.owner_unit_id,
                    title=item.content[:200],
                    source_type="action_item",
                    source_id=item.id,
                    credit_weight=2.0,
                    claimed_on=item.meeting.held_on,
                    due_on=item.due_on,
                    status=status,
                    done_on=item.closed_on if status == "kept" else None,
                )
            )
        self.s.add_all(rows)
