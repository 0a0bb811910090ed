"""The scope rule: which records an actor may read, keep (write) and administer — one rule for every
aggregate, asked through the named predicates on ``Actor`` (domain/actor.py).

An actor is bound to one level of the county: the county itself (a county-wide admin or leader), a
street (街道 / 乡镇: a street's secretariat or leader — the binding arrives with streets; today no actor
has one), a community (its community worker) or a unit (its liaison). A record sits at a ``Place``: the
community or unit it belongs to and the streets that hold it, loaded by the service from the record
itself (services/scope.py), never taken from the caller. The rule:

- **keep** (write) a record: the secretariat whose scope holds it, the worker of its community, the
  liaison of its unit; a leader keeps nothing;
- **administer** a record (units, communities, users, rotation, evaluation, settings …): only the
  secretariat whose scope holds it;
- **read** a record: anyone bound to the county or to a street that holds it (today everyone reads the
  whole alliance); a write that links another record (a unit invited to a meeting, a resource in a
  project) needs at least this on the linked record.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Level(StrEnum):
    """How far an actor's binding reaches."""

    COUNTY = "county"
    STREET = "street"
    COMMUNITY = "community"
    UNIT = "unit"
    NONE = "none"  # a bound role whose binding is missing: holds nothing


@dataclass(frozen=True)
class Place:
    """Where a record sits: the community or the unit it belongs to (both ``None``: a county-wide
    record, such as a category or an alliance-wide meeting) and the streets that hold it (a
    community's street; the streets of the communities a unit pairs with). ``street_ids`` stays empty
    until streets exist."""

    community_id: int | None = None
    unit_id: int | None = None
    street_ids: frozenset[int] = frozenset()

    @property
    def county_wide(self) -> bool:
        return self.community_id is None and self.unit_id is None


COUNTY = Place()
"""The county-wide place: the records only the county's secretariat administers."""


@dataclass(frozen=True)
class Scope:
    """The part of the county an actor is bound to."""

    level: Level
    id: int | None = None

    def holds(self, place: Place) -> bool:
        """Whether ``place`` lies inside this scope."""
        if self.level == Level.COUNTY:
            return True
        if self.level == Level.STREET:
            return self.id is not None and self.id in place.street_ids
        if self.level == Level.COMMUNITY:
            return self.id is not None and place.community_id == self.id
        if self.level == Level.UNIT:
            return self.id is not None and place.unit_id == self.id
        return False

    def reads(self, place: Place, *, street_id: int | None = None) -> bool:
        """Whether an actor of this scope (living in ``street_id``) may read a record at ``place``.

        County-wide records and records of no known street are read by everyone bound to something;
        a record of known streets is read only from within one of them (or from the county)."""
        if self.level == Level.NONE:
            return False
        if self.level == Level.COUNTY or not place.street_ids:
            return True
        home = self.id if self.level == Level.STREET else street_id
        return home is None or home in place.street_ids
