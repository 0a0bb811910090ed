"""The one rule for rows that count: not soft-deleted, and not belonging to a parent that is.

An action item has no deletion of its own: it lives and dies with its meeting (migration 0006: a
meeting's deletion moves its open items to another meeting or drops them; what stays with it is done or
dropped, for the record). Every figure (overdue items, closure rate), every list, the lists workbook,
the due reminders and the carry-over to a new meeting (上次决议落实情况) ask this module, so a deleted
meeting's items are neither counted overdue, exported, reminded of nor carried to a later meeting.

Every query of services/ writes ``.where(*live(Model))`` — never ``Model.deleted_at.is_(None)`` by hand
(tests/test_architecture.py fails on one).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, select

from db.models import ActionItem, Meeting, MeetingAttendance

# child model → (its column naming the parent, the parent model)
PARENTS: dict[type[Any], tuple[Any, type[Any]]] = {
    ActionItem: (ActionItem.meeting_id, Meeting),
    MeetingAttendance: (MeetingAttendance.meeting_id, Meeting),
}


def live(model: type[Any]) -> list[ColumnElement[bool]]:
    """Conditions keeping the live rows of ``model``: its own ``deleted_at`` unset (where it has one)
    and its parent live (where it has one)."""
    conds: list[ColumnElement[bool]] = []
    if hasattr(model, "deleted_at"):
        conds.append(model.deleted_at.is_(None))
    if model in PARENTS:
        column, parent = PARENTS[model]
        conds.append(column.in_(select(parent.id).where(*live(parent))))
    return conds
