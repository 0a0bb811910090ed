"""The county data set (``seed --scale county``) at a tiny scale: proportions, every stage and
status present, references intact, the demo accounts, no demo flag."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from db.engine import make_engine
from db.migrate import upgrade
from db.models import (
    ActionItem,
    Activity,
    Category,
    Community,
    Meeting,
    Need,
    Project,
    RotationSlot,
    Unit,
    User,
    Whistle,
)
from domain.enums import ActionStatus, NeedStatus, ProjectStage, Role, WhistleStage
from seed.county import expected_counts, seed_county
from services.settings_store import is_demo_database
from services.users import check_password

TODAY = date(2026, 11, 24)
SCALE = 0.001


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, dict[str, int]]]:
    """One tiny county for the module (seeding is the slow part)."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('county') / 'county.db'}")
    upgrade(engine)
    counts = seed_county(engine, years=5, scale=SCALE, progress=False, today=TODAY)
    yield engine, counts
    engine.dispose()


def _count(s: Session, model: type) -> int:
    return s.scalar(select(func.count()).select_from(model)) or 0


def test_county_seed_writes_the_planned_sizes(county: tuple[Engine, dict[str, int]]) -> None:
    engine, counts = county
    planned = expected_counts(years=5, scale=SCALE)
    with Session(engine) as s:
        for model in (Community, Unit, Need, Project, Activity, Meeting, RotationSlot):
            table = model.__table__.name
            assert _count(s, model) == planned[table] == counts[table], table
        assert _count(s, Category) == 6


def test_county_seed_keeps_quality_md_proportions() -> None:
    full = expected_counts(years=5, scale=1.0)
    assert full["community"] == 250 and full["unit"] == 1_500 and full["need"] == 20_000
    assert full["resource"] == 10_000 and full["project"] == 8_000
    assert full["activity"] == 1_000_000 and full["meeting"] == 5_000
    assert full["rotation_slot"] == 250 * 12 * 5 + 12 * 5  # each community and the alliance, monthly
    small = expected_counts(years=5, scale=0.01)
    assert small["activity"] / small["need"] == pytest.approx(full["activity"] / full["need"])
    assert small["need"] / small["project"] == pytest.approx(full["need"] / full["project"])


def test_county_seed_has_every_stage_and_status(county: tuple[Engine, dict[str, int]]) -> None:
    engine, _ = county
    with Session(engine) as s:
        assert set(s.scalars(select(Project.stage).distinct())) == set(ProjectStage)
        assert set(s.scalars(select(Need.status).distinct())) == set(NeedStatus)
        assert set(s.scalars(select(Whistle.stage).distinct())) == set(WhistleStage)
        assert set(s.scalars(select(ActionItem.status).distinct())) == set(ActionStatus)


def test_county_activities_span_the_years_and_stay_referentially_sound(county: tuple[Engine, dict[str, int]]) -> None:
    engine, counts = county
    with Session(engine) as s:
        first, last = s.execute(select(func.min(Activity.held_on), func.max(Activity.held_on))).one()
        assert first >= date(2021, 11, 25) and last <= TODAY
        years = set(s.scalars(select(func.strftime("%Y", Activity.held_on)).distinct()))
        assert {"2022", "2023", "2024", "2025", "2026"} <= years
        # busiest unit far above the average: the distribution is skewed, not uniform
        per_unit = s.execute(select(func.count()).select_from(Activity).group_by(Activity.unit_id)).scalars().all()
        assert max(per_unit) > 2 * (counts["activity"] / counts["unit"])
        assert not s.execute(text("PRAGMA foreign_key_check")).all()


def test_county_users_have_demo_passwords_and_no_demo_flag(county: tuple[Engine, dict[str, int]]) -> None:
    engine, _ = county
    with Session(engine) as s:
        users = {u.username: u for u in s.scalars(select(User))}
        assert {"admin", "community1", "liaison1", "leader"} <= set(users)
        assert users["admin"].role == Role.ADMIN
        assert users["liaison1"].unit_id is not None and users["community1"].community_id is not None
        assert check_password("cobuild-liaison", users["liaison1"].password_hash)
        # liaison1 keeps the busiest unit: the worst case for the pages
        busiest = s.execute(
            select(Activity.unit_id).group_by(Activity.unit_id).order_by(func.count().desc()).limit(1)
        ).scalar_one()
        assert users["liaison1"].unit_id == busiest
        assert not is_demo_database(s)


OFF_PAIRING = text(
    "SELECT COUNT(*) FROM activity a WHERE a.deleted_at IS NULL"
    " AND NOT EXISTS (SELECT 1 FROM pairing p WHERE p.unit_id = a.unit_id AND p.community_id = a.community_id)"
    " AND NOT EXISTS (SELECT 1 FROM member m WHERE m.unit_id = a.unit_id AND m.community_id = a.community_id"
    " AND m.deleted_at IS NULL)"
)


def test_county_activities_are_logged_where_their_unit_may_log(county: tuple[Engine, dict[str, int]]) -> None:
    """Paired with the community or a member reported there (services.activities' rule)."""
    engine, _ = county
    with Session(engine) as s:
        assert s.scalar(OFF_PAIRING) == 0
        claimed = select(func.count()).where(Need.claimed_by_unit_id.is_not(None))
        assert s.scalar(claimed) and s.scalar(claimed.where(Need.claimed_on.is_(None))) == 0
