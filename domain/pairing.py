"""Where a unit's activity may be logged: the communities it is paired with (结对) or where one of its
in-service Party members has reported (双报到). A liaison logs there only; the admin may record one
elsewhere with a stated reason (kept with the activity and in the audit log)."""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum

from domain.actor import Actor


class Placement(StrEnum):
    """What logging an activity of a unit in a community takes."""

    ALLOWED = "allowed"  # paired, or a member reported there
    WITH_REASON = "with_reason"  # the admin, elsewhere: only with a stated reason
    REFUSED = "refused"  # a liaison, elsewhere


def place_activity(actor: Actor, *, community_id: int, allowed: Collection[int]) -> Placement:
    """``allowed``: the unit's paired communities and its members' reporting communities."""
    if community_id in allowed:
        return Placement.ALLOWED
    return Placement.WITH_REASON if actor.is_admin else Placement.REFUSED
