"""Who is acting, and the permission rules of product.md as pure predicates.

Every "may this actor …" question is one of the named predicates below, built on the one scope
rule of domain/scope.py; services ask them before they act (with the ``Place`` of the record they
loaded, services/scope.py) and the interface may ask the same before it offers."""

from __future__ import annotations

from dataclasses import dataclass

from domain.enums import ActionStatus, Role
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
    def is_liaison(self) -> bool:
        """A unit's liaison (联络员): sees their unit's side of each screen."""
        return self.role == Role.LIAISON

    @property
    def is_community_worker(self) -> bool:
        """A community worker (社区工作者): sees their community's side of each screen."""
        return self.role == Role.COMMUNITY

    @property
    def can_write(self) -> bool:
        """A leader browses; everyone else writes something."""
        return self.role != Role.LEADER

    @property
    def home_community_id(self) -> int | None:
        """The community a community worker is bound to (lists open on it); None for everyone else."""
        return self.scope.id if self.scope.level == Level.COMMUNITY else None

    @property
    def home_unit_id(self) -> int | None:
        """The unit a liaison is bound to (they act and claim for it); None for everyone else."""
        return self.scope.id if self.scope.level == Level.UNIT else None

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

    @property
    def keeps_community_records(self) -> bool:
        """Keeps some community's records (needs, projects, agreements, whistles, residents' queue):
        the secretariat and a bound community worker. Which community: ``keeps_community``."""
        return self.can_write and self.scope.level in (Level.COUNTY, Level.STREET, Level.COMMUNITY)

    @property
    def keeps_unit_records(self) -> bool:
        """Keeps some unit's records (resources, activities, members): the secretariat and a bound
        liaison. Which unit: ``keeps_unit``."""
        return self.can_write and self.scope.level in (Level.COUNTY, Level.STREET, Level.UNIT)

    @property
    def may_claim(self) -> bool:
        """May claim an open need or project for their own unit (认领): a bound liaison (the secretariat
        claims too, naming the unit: ``services.lists.acting_unit``)."""
        return self.home_unit_id is not None

    def may_manage_meeting(self, community_id: int | None) -> bool:
        """Keeps a meeting's records (minutes, attendance, action items): who keeps its community's
        (the secretariat, its community worker) and, for an alliance-wide meeting (``None``), any
        community worker as well (they write its minutes)."""
        if self.may_keep(Place(community_id=community_id)):
            return True
        return community_id is None and self.is_community_worker and self.scope.level == Level.COMMUNITY

    def may_close_action(self, *, owner_unit_id: int, meeting_community_id: int | None, status: ActionStatus) -> bool:
        """May close a meeting's action item as ``status``: the meeting's keepers close or drop any
        of its items; a liaison marks their own unit's done."""
        if self.may_manage_meeting(meeting_community_id):
            return True
        return status == ActionStatus.DONE and self.is_liaison and self.keeps_unit(owner_unit_id)

    def may_edit_project(self, *, lead_unit_id: int | None, community_id: int | None) -> bool:
        """Who keeps the project's community (the secretariat, its community worker) or its lead unit
        (that unit's liaison)."""
        return (community_id is not None and self.keeps_community(community_id)) or (
            lead_unit_id is not None and self.keeps_unit(lead_unit_id)
        )

    def may_rate(self, place: Place) -> bool:
        """May rate a unit's answer to a whistle (吹哨) raised at ``place``: who keeps that community's
        records (its community worker, the secretariat)."""
        return self.may_keep(place)

    def keeps_community(self, community_id: int | None) -> bool:
        """May write this community's records (``may_keep`` when only the id is known, as in the UI)."""
        return self.may_keep(Place(community_id=community_id))

    def keeps_unit(self, unit_id: int | None) -> bool:
        """May write this unit's records (``may_keep`` when only the id is known, as in the UI)."""
        return self.may_keep(Place(unit_id=unit_id))


SYSTEM = Actor(user_id=None, username="system", role=Role.ADMIN, display_name="系统")
