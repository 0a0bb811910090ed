"""The 六个一 grid: the same figures as the metric dictionary, units that joined mid-year,
members who moved unit, and the charts' aggregates."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Unit
from domain.actor import Actor
from domain.enums import SIX_ITEMS, ActivityKind
from services import activities, activity_reports, members, metrics
from services.activities import ActivityFilter
from services.reference import paired_community_ids
from tests.conftest import TODAY


def log(
    session: Session,
    actor: Actor,
    unit_id: int,
    kind: ActivityKind,
    day: date,
    member_id: int | None = None,
    hours: float = 2,
) -> int:
    return activities.log_activity(
        session,
        actor,
        unit_id=unit_id,
        community_id=paired_community_ids(session, unit_id)[0],
        held_on=day,
        kind=kind,
        title=f"{kind.value} {day}",
        volunteer_hours=hours,
        participants=3,
        member_id=member_id,
        today=TODAY,
    )


@pytest.mark.parametrize("year", [TODAY.year, TODAY.year - 1])
def test_grid_agrees_with_the_metric_dictionary(session: Session, year: int) -> None:
    as_of = TODAY
    progress = activity_reports.six_items_progress(session, year=year, as_of=as_of)
    assert progress.completion == pytest.approx(metrics.six_items_completion(session, year=year, as_of=as_of))
    # the demo units all joined before these years, so the joining-day rule changes nothing here
    assert progress.behind == metrics.six_items_behind(session, year=year, as_of=as_of)
    counts = metrics.six_items_counts(session, year=year, as_of=as_of)
    assert {r.id for r in progress.rows} == set(counts)
    for r in progress.rows:
        assert {k.value: n for k, n in r.row.counts.items() if n} == counts[r.id]


def test_logging_the_missing_item_completes_the_row(session: Session, admin: Actor, liaison: Actor) -> None:
    unit_id = liaison.unit_id
    assert unit_id is not None
    before = {r.id: r for r in activity_reports.six_items_progress(session, year=2026, as_of=TODAY).rows}[unit_id]
    for kind in before.row.missing:
        log(session, liaison, unit_id, kind, date(2026, 11, 1))
    after = {r.id: r for r in activity_reports.six_items_progress(session, year=2026, as_of=TODAY).rows}[unit_id]
    assert after.row.done == 6 and not after.row.behind


@pytest.mark.parametrize(
    ("joined_on", "behind"),
    [
        (date(2026, 9, 1), True),  # 85 of 122 days gone, 3 of 6 done
        (date(2026, 10, 20), False),  # 36 of 73 days gone (< 1/2), 3 of 6 done
        (date(2018, 5, 1), True),  # a long-standing unit: the whole year counts
    ],
)
def test_unit_that_joined_mid_year_counts_from_joining(
    session: Session, admin: Actor, joined_on: date, behind: bool
) -> None:
    unit = Unit(name="测试新加入单位", kind="非公企业", active=True, joined_on=joined_on)
    session.add(unit)
    session.flush()
    from db.models import Pairing

    session.add(Pairing(unit_id=unit.id, community_id=1, paired_since=joined_on))
    session.flush()
    for kind in (ActivityKind.ORG_LIFE, ActivityKind.FORUM, ActivityKind.VOLUNTEER):
        log(session, admin, unit.id, kind, date(2026, 11, 2))
    rows = {r.id: r for r in activity_reports.six_items_progress(session, year=2026, as_of=TODAY).rows}
    assert rows[unit.id].row.done == 3
    assert rows[unit.id].row.behind is behind
    assert rows[unit.id].since == (joined_on if joined_on.year == 2026 else None)


def test_member_who_moved_unit_keeps_the_activities_logged_under_them(session: Session, admin: Actor) -> None:
    units = session.scalars(select(Unit.id).where(Unit.active.is_(True)).order_by(Unit.id).limit(2)).all()
    old_unit, new_unit = units
    mid = members.create_member(
        session, admin, name="调动党员", unit_id=old_unit, community_id=1, reported_on=date(2025, 3, 1)
    )
    log(session, admin, old_unit, ActivityKind.ORG_LIFE, date(2026, 3, 5), member_id=mid)
    log(session, admin, old_unit, ActivityKind.VOLUNTEER, date(2026, 4, 5), member_id=mid)
    unit_before = {
        r.id: r.row.counts for r in activity_reports.six_items_progress(session, year=2026, as_of=TODAY).rows
    }
    members.update_member(
        session, admin, mid, name="调动党员", unit_id=new_unit, community_id=1, reported_on=date(2025, 3, 1)
    )
    log(session, admin, new_unit, ActivityKind.FORUM, date(2026, 9, 5), member_id=mid)
    by_member = {
        r.id: r for r in activity_reports.six_items_progress(session, year=2026, as_of=TODAY, by="member").rows
    }
    moved = by_member[mid]
    assert moved.unit == session.get(Unit, new_unit).name  # type: ignore[union-attr]
    assert moved.row.done == 3
    assert {k for k in SIX_ITEMS if moved.row.counts[k]} == {
        ActivityKind.ORG_LIFE,
        ActivityKind.VOLUNTEER,
        ActivityKind.FORUM,
    }
    unit_after = {r.id: r.row.counts for r in activity_reports.six_items_progress(session, year=2026, as_of=TODAY).rows}
    # the unit rows keep what each unit logged: the old unit keeps its two, the new unit gains the forum only
    assert unit_after[old_unit] == unit_before[old_unit]
    assert unit_after[new_unit][ActivityKind.FORUM] == unit_before[new_unit][ActivityKind.FORUM] + 1


def test_member_rows_count_from_reporting_day(session: Session, admin: Actor) -> None:
    unit_id = session.scalar(select(Unit.id).where(Unit.active.is_(True)).limit(1))
    mid = members.create_member(
        session, admin, name="新报到党员", unit_id=unit_id, community_id=1, reported_on=date(2026, 11, 1)
    )
    rows = {r.id: r for r in activity_reports.six_items_progress(session, year=2026, as_of=TODAY, by="member").rows}
    assert rows[mid].since == date(2026, 11, 1)
    assert rows[mid].row.behind  # 24 of 61 days gone, nothing done


def test_progress_frame_has_a_column_per_item(session: Session) -> None:
    frame = activity_reports.six_items_progress(session, year=2026, as_of=TODAY).frame()
    assert [k.value for k in SIX_ITEMS] == list(frame.columns[3:9])
    assert frame["completion"].between(0, 1).all()


def test_monthly_aggregates_match_the_metric_dictionary(session: Session) -> None:
    flt = ActivityFilter(start=date(2026, 1, 1), end=TODAY)
    monthly = activity_reports.monthly_by_kind(session, flt=flt)
    assert len(monthly) <= 12 * len(ActivityKind)
    assert monthly["activities"].sum() == metrics.activities(session, start=flt.start, end=TODAY)  # type: ignore[arg-type]
    assert monthly["hours"].sum() == pytest.approx(metrics.volunteer_hours(session, start=flt.start, end=TODAY))  # type: ignore[arg-type]
    top = activity_reports.top_units(session, flt=flt, limit=5)
    assert len(top) == 5 and list(top["activities"]) == sorted(top["activities"], reverse=True)
