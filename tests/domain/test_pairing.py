"""Where a unit's activity may be logged: paired or member-reported communities; the admin elsewhere
with a reason; a liaison never."""

from __future__ import annotations

import pytest

from domain.actor import Actor
from domain.enums import Role
from domain.pairing import Placement, place_activity

LIAISON = Actor(user_id=2, username="l", role=Role.LIAISON, unit_id=7)
ADMIN = Actor(user_id=1, username="a", role=Role.ADMIN)
ALLOWED = frozenset({10, 11})  # e.g. 10 paired, 11 where a member reported (双报到)


@pytest.mark.parametrize(
    ("actor", "community_id", "allowed", "expected"),
    [
        (LIAISON, 10, ALLOWED, Placement.ALLOWED),  # paired
        (LIAISON, 11, ALLOWED, Placement.ALLOWED),  # a member reported there
        (LIAISON, 12, ALLOWED, Placement.REFUSED),  # neither
        (LIAISON, 10, frozenset(), Placement.REFUSED),  # a unit paired with nobody
        (ADMIN, 10, ALLOWED, Placement.ALLOWED),
        (ADMIN, 12, ALLOWED, Placement.WITH_REASON),  # the admin records it, with a stated reason
        (ADMIN, 12, frozenset(), Placement.WITH_REASON),
    ],
)
def test_place_activity(actor: Actor, community_id: int, allowed: frozenset[int], expected: Placement) -> None:
    assert place_activity(actor, community_id=community_id, allowed=allowed) == expected
