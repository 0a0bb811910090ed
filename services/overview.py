"""The overview's figures and short lists, all from the metric dictionary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.areas import areas
from db.models import ActionItem, Activity, Agreement, Community, Meeting, Unit
from domain.actor import Actor
from domain.enums import ActionStatus, ProjectStage
from services import metrics, quarterly, whistle
from services.live import live

# the data areas its reads depend on (db/areas.py): a cached read's key holds their versions
READS = areas("activities", "lists", "meetings", "org", "settings", "whistle")


@dataclass(frozen=True)
class Overview:
    units: int
    communities: int
    open_needs: int
    projects_by_stage: dict[ProjectStage, int]
    projects_active: int
    activities_year: int
    volunteer_hours_year: float
    six_items_completion: float | None
    six_items_behind: int
    overdue_actions: int
    expiring_agreements: int
    lapsed_agreements: int
    next_meeting_title: str | None
    next_meeting_on: date | None
    next_meeting_place: str | None
    overdue_whistle_stages: int
    quarter: metrics.QuarterComparison  # this quarter so far, and the days of last quarter compared
    quarter_figures: tuple[quarterly.Figure, ...]  # activities and meetings held, beside last quarter's


QUARTER_FIGURES = ("activities", "meetings_held")


def get_overview(session: Session, *, today: date) -> Overview:
    start = date(today.year, 1, 1)
    meeting = metrics.next_meeting(session, today=today)
    quarter = metrics.compare_quarter(*metrics.quarter_of(today), today=today)
    return Overview(
        units=metrics.active_units(session),
        communities=metrics.communities(session),
        open_needs=metrics.open_needs(session),
        projects_by_stage=metrics.projects_by_stage(session),
        projects_active=metrics.projects_active(session),
        activities_year=metrics.activities(session, start=start, end=today),
        volunteer_hours_year=metrics.volunteer_hours(session, start=start, end=today),
        six_items_completion=metrics.six_items_completion(session, year=today.year, as_of=today),
        six_items_behind=metrics.six_items_behind(session, year=today.year, as_of=today),
        overdue_actions=metrics.overdue_actions(session, today=today),
        expiring_agreements=metrics.expiring_agreements(session, today=today),
        lapsed_agreements=metrics.lapsed_agreements(session, today=today),
        next_meeting_title=meeting.title if meeting else None,
        next_meeting_on=meeting.held_on if meeting else None,
        next_meeting_place=meeting.place if meeting else None,
        overdue_whistle_stages=whistle.overdue_count(session),
        quarter=quarter,
        quarter_figures=quarterly.compared_figures(session, quarter, QUARTER_FIGURES),
    )


def overdue_action_items(session: Session, actor: Actor, *, today: date, limit: int = 10) -> pd.DataFrame:
    """The most overdue open action items (a liaison sees their unit's first)."""
    stmt = (
        select(ActionItem.content, Unit.name.label("unit"), ActionItem.due_on, Meeting.title.label("meeting"))
        .join(Unit, Unit.id == ActionItem.owner_unit_id)
        .join(Meeting, Meeting.id == ActionItem.meeting_id)
        .where(*live(ActionItem), ActionItem.status == ActionStatus.OPEN, ActionItem.due_on < today)
        .order_by(ActionItem.due_on)
        .limit(limit)
    )
    if actor.unit_id is not None:
        stmt = stmt.where(ActionItem.owner_unit_id == actor.unit_id)
    return pd.DataFrame(session.execute(stmt).all(), columns=["content", "unit", "due_on", "meeting"])


def agreements_due(session: Session, *, today: date, limit: int = 10) -> pd.DataFrame:
    """Agreements lapsed or ending within 60 days, soonest first."""
    stmt = (
        select(Community.name.label("community"), Unit.name.label("unit"), Agreement.valid_to)
        .join(Community, Community.id == Agreement.community_id)
        .join(Unit, Unit.id == Agreement.unit_id)
        .where(
            *live(Agreement),
            Agreement.valid_to <= today + timedelta(days=metrics.EXPIRY_WINDOW_DAYS),
        )
        .order_by(Agreement.valid_to.desc())
        .limit(limit)
    )
    return pd.DataFrame(session.execute(stmt).all(), columns=["community", "unit", "valid_to"])


@dataclass(frozen=True)
class OverviewPage:
    """What 总览 shows the same to everyone: the figures and the two short lists (the overdue items,
    which depend on who looks, are ``overdue_action_items``)."""

    figures: Overview
    agreements: pd.DataFrame
    recent: pd.DataFrame


def overview_page(session: Session, *, today: date) -> OverviewPage:
    return OverviewPage(
        figures=get_overview(session, today=today),
        agreements=agreements_due(session, today=today),
        recent=recent_activities(session),
    )


def recent_activities(session: Session, *, limit: int = 8) -> pd.DataFrame:
    """The latest activities. The newest ids come from the activity table alone (its held_on
    index, under a millisecond); asked in one joined query, SQLite scans by community instead."""
    ids = list(
        session.scalars(
            select(Activity.id)
            .where(*live(Activity))
            .order_by(Activity.held_on.desc(), Activity.id.desc())
            .limit(limit)
        )
    )
    stmt = (
        select(
            Activity.held_on,
            Unit.name.label("unit"),
            Community.name.label("community"),
            Activity.kind,
            Activity.title,
        )
        .join(Unit, Unit.id == Activity.unit_id)
        .join(Community, Community.id == Activity.community_id)
        .where(Activity.id.in_(ids))
        .order_by(Activity.held_on.desc(), Activity.id.desc())
    )
    return pd.DataFrame(session.execute(stmt).all(), columns=["held_on", "unit", "community", "kind", "title"])
