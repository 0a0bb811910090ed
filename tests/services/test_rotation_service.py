"""轮值主席 services: generating a year by the rule, swaps and changes kept with their reasons,
admin only; the Excel and calendar exports."""

from __future__ import annotations

import io
import itertools
import json
from datetime import date

import pytest
from icalendar import Calendar
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import AuditEntry, RotationSlot, Unit
from domain.actor import Actor
from domain.enums import RotationStatus
from domain.errors import PermissionDenied, ValidationError
from domain.working_days import is_working_day
from exports.calendar_ics import rotation_ics
from exports.rotation_xlsx import rotation_xlsx
from services import chairs
from services import rotation as rs
from tests.conftest import TODAY


def _audit(session: Session, slot_id: int) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity == "rotation_slot", AuditEntry.entity_id == slot_id)
            .order_by(AuditEntry.id)
        )
    )


def test_generate_next_year_continues_after_last_december(session: Session, admin: Actor) -> None:
    last_dec = rs.get_year(session, year=2026, community_id=None)[-1]
    result = rs.generate_year(session, admin, year=2027, community_id=None)
    slots = rs.get_year(session, year=2027, community_id=None)
    assert result.created == 12 and len(slots) == 12
    assert result.fallback  # 2027 has no official holiday table: said so
    order = rs.rotation_order_names(session, community_id=None, after_unit_id=last_dec.chair_unit_id)
    assert slots[0].chair_name == order[0]
    assert all(a.chair_unit_id != b.chair_unit_id for a, b in itertools.pairwise(slots))
    assert all(len(_audit(session, s.id)) == 1 for s in slots)


def test_generated_year_skips_inactive_units_and_lapsed_agreements(session: Session, admin: Actor) -> None:
    rs.generate_year(session, admin, year=2027, community_id=None)
    chairs_2027 = {s.chair_name for s in rs.get_year(session, year=2027, community_id=None)}
    inactive = set(session.scalars(select(Unit.name).where(Unit.active.is_(False))))
    assert inactive and not chairs_2027 & inactive
    by_name = {c.name: c for c in rs.candidates(session, community_id=None)}
    for s in rs.get_year(session, year=2027, community_id=None):
        assert by_name[s.chair_name].eligible_in(2027, s.month)


def test_regenerating_keeps_held_months(session: Session, admin: Actor) -> None:
    before = {
        s.month: s.chair_unit_id
        for s in rs.get_year(session, year=2026, community_id=None)
        if s.status == RotationStatus.HELD
    }
    result = rs.generate_year(session, admin, year=2026, community_id=None)
    after = {s.month: s.chair_unit_id for s in rs.get_year(session, year=2026, community_id=None)}
    assert result.kept == len(before) and all(after[m] == u for m, u in before.items())


def test_proposed_dates_avoid_public_holidays(session: Session, admin: Actor) -> None:
    community_id = admin.community_id or 1
    rs.generate_year(session, admin, year=2026, community_id=community_id)
    for s in rs.get_year(session, year=2026, community_id=community_id):
        assert (s.proposed_on.year, s.proposed_on.month) == (2026, s.month)
        assert is_working_day(s.proposed_on)
    assert rs.get_year(session, year=2026, community_id=community_id)[9].proposed_on == date(2026, 10, 10)


def test_swap_is_audited_with_its_reason(session: Session, admin: Actor) -> None:
    slots = rs.get_year(session, year=2026, community_id=None)
    a, b = slots[10], slots[11]
    rs.swap_months(
        session, admin, year=2026, community_id=None, month_a=11, month_b=12, reason="单位年底检查，协商对调"
    )
    swapped = rs.get_year(session, year=2026, community_id=None)
    assert (swapped[10].chair_unit_id, swapped[11].chair_unit_id) == (b.chair_unit_id, a.chair_unit_id)
    entry = _audit(session, a.id)[-1]
    assert json.loads(entry.before)["chair_unit_id"] == a.chair_unit_id
    assert json.loads(entry.after)["reason"] == "单位年底检查，协商对调"
    log = rs.change_log(session, year=2026, community_id=None)
    assert list(log["reason"][:2]) == ["单位年底检查，协商对调"] * 2


def test_swap_without_reason_writes_nothing(session: Session, admin: Actor) -> None:
    n = session.scalar(select(func.count(AuditEntry.id)))
    with pytest.raises(ValidationError) as err:
        rs.swap_months(session, admin, year=2026, community_id=None, month_a=11, month_b=12, reason="  ")
    assert err.value.field == "rotation.fields.reason"
    assert session.scalar(select(func.count(AuditEntry.id))) == n


def test_change_chair_is_audited_and_shows_in_the_sidebar(session: Session, admin: Actor) -> None:
    slot = next(s for s in rs.get_year(session, year=2026, community_id=None) if s.month == 11)
    new_unit = session.scalar(select(Unit.id).where(Unit.active.is_(True), Unit.id != slot.chair_unit_id))
    rs.change_chair(session, admin, slot_id=slot.id, unit_id=new_unit, reason="原轮值单位承担抗洪任务")
    assert chairs.chair_of(session, 2026, 11).unit_id == new_unit
    after = json.loads(_audit(session, slot.id)[-1].after)
    assert after["chair_unit_id"] == new_unit and after["reason"] == "原轮值单位承担抗洪任务"


def test_change_chair_warns_about_back_to_back_months(session: Session, admin: Actor) -> None:
    slots = rs.get_year(session, year=2026, community_id=None)
    repeats = rs.change_chair(session, admin, slot_id=slots[11].id, unit_id=slots[10].chair_unit_id, reason="调整")
    assert repeats == [12]


def test_update_month_sets_theme_plan_and_held(session: Session, admin: Actor) -> None:
    slot = rs.get_year(session, year=2026, community_id=None)[11]
    rs.update_month(
        session,
        admin,
        slot_id=slot.id,
        theme="年终述职",
        plan="各单位书记述职",
        status="held",
        proposed_on=date(2026, 12, 18),
    )
    row = session.get(RotationSlot, slot.id)
    assert row is not None
    assert (row.theme, row.plan, row.status, row.proposed_on) == (
        "年终述职",
        "各单位书记述职",
        RotationStatus.HELD,
        date(2026, 12, 18),
    )
    with pytest.raises(ValidationError):
        rs.update_month(session, admin, slot_id=slot.id, theme="", plan="", status="held", proposed_on=date(2027, 1, 5))


@pytest.mark.parametrize("who", ["community_worker", "liaison", "leader"])
def test_only_admin_changes_the_rotation(session: Session, who: str, request: pytest.FixtureRequest) -> None:
    actor: Actor = request.getfixturevalue(who)
    slot = rs.get_year(session, year=2026, community_id=None)[11]
    with pytest.raises(PermissionDenied):
        rs.generate_year(session, actor, year=2027, community_id=None)
    with pytest.raises(PermissionDenied):
        rs.swap_months(session, actor, year=2026, community_id=None, month_a=11, month_b=12, reason="x")
    with pytest.raises(PermissionDenied):
        rs.change_chair(session, actor, slot_id=slot.id, unit_id=slot.chair_unit_id, reason="x")
    with pytest.raises(PermissionDenied):
        rs.update_month(session, actor, slot_id=slot.id, theme="x", plan="", status="planned")


def test_chair_counts_are_aggregated(session: Session) -> None:
    counts = rs.chair_counts(session, community_id=None)
    assert counts.groupby("year")["months"].sum().to_dict() == {"2025": 12, "2026": 12}


def test_exports_hold_every_month(session: Session, admin: Actor) -> None:
    rs.generate_year(session, admin, year=2027, community_id=None)
    slots = rs.get_year(session, year=2027, community_id=None)
    ws = load_workbook(io.BytesIO(rotation_xlsx(slots, year=2027, scope_name="全联盟"))).active
    assert ws["A2"].value == "月份" and ws.max_row == 14 and ws["B3"].value == slots[0].chair_name
    cal = Calendar.from_ical(rotation_ics(slots, scope_name="全联盟"))
    events = list(cal.walk("VEVENT"))
    assert len(events) == 12
    assert all(ev.decoded("dtstart").weekday() < 5 for ev in events)
    assert slots[0].chair_name in str(events[0]["summary"])
    assert TODAY.year == 2026
