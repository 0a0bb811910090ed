"""Who is acting, and the permission rules of product.md as pure predicates.

Every "may this actor …" question is one of the named predicates below, built on the one scope
rule of domain/scope.py; services ask them before they act (with the ``Place`` of the record they
loaded, services/scope.py) and the interface may ask the same before it offers."""

from __future__ import annotations

from dataclasses import dataclass

from domain.enums import Role
from domain.scope import COUNTY, Level, Place, Scope


@dataclass(frozen=True)
class Actor:
    """The logged-in user as the services see it."""

    user_id: int | None
    username: str
    role: Role
    display_name: str = ""
    community_id: int | None = None
    unit_id: int | None = None
    street_id: int | None = None  # an admin or leader bound to one street (streets arrive later); None: county

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def can_write(self) -> bool:
        """A leader browses; everyone else writes something."""
        return self.role != Role.LEADER

    @property
    def scope(self) -> Scope:
        """The part of the county this actor is bound to."""
        if self.role in (Role.ADMIN, Role.LEADER):
            return Scope(Level.STREET, self.street_id) if self.street_id is not None else Scope(Level.COUNTY)
        if self.role == Role.COMMUNITY and self.community_id is not None:
            return Scope(Level.COMMUNITY, self.community_id)
        if self.role == Role.LIAISON and self.unit_id is not None:
            return Scope(Level.UNIT, self.unit_id)
        return Scope(Level.NONE)

    # --- the named predicates ---------------------------------------------------------------------

    def may_read(self, place: Place) -> bool:
        """May see the record at ``place`` (and link it from a record this actor writes)."""
        return self.scope.reads(place, street_id=self.street_id)

    def may_keep(self, place: Place) -> bool:
        """May write the record at ``place``: the secretariat whose scope holds it, the worker of its
        community, the liaison of its unit. A leader keeps nothing."""
        return self.can_write and self.scope.holds(place)

    def may_administer(self, place: Place = COUNTY) -> bool:
        """May run the secretariat's business for ``place`` (units, communities, users, rotation,
        evaluation, settings, imports): an admin whose scope holds it."""
        return self.is_admin and self.scope.holds(place)

    def may_answer_for(self, place: Place) -> bool:
        """May answer a summons (吹哨) for the unit at ``place``: only that unit's liaison."""
        return self.role == Role.LIAISON and self.scope.level == Level.UNIT and self.scope.holds(place)

    def keeps_community(self, community_id: int | None) -> bool:
        """May write this community's records (``may_keep`` when only the id is known, as in the UI)."""
        return self.may_keep(Place(community_id=community_id))

    def keeps_unit(self, unit_id: int | None) -> bool:
        """May write this unit's records (``may_keep`` when only the id is known, as in the UI)."""
        return self.may_keep(Place(unit_id=unit_id))


SYSTEM = Actor(user_id=None, username="system", role=Role.ADMIN, display_name="系统")
