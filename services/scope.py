"""The scope rule applied: where a stored record sits (its ``Place``, built from the record itself,
never from what the caller says) and the checks every write makes before it acts.

Every write asks one of the named predicates of ``Actor`` (domain/actor.py) about the record it
changes — and about every other record whose id it takes: a target meeting, a need or resource
linked to a project, a unit summoned, an attachment's owner. Records it only links need
``may_read``; records it changes need ``may_keep`` (or ``may_administer`` for the secretariat's
business). When streets arrive, the places below learn their streets here, in one module."""

from __future__ import annotations

from sqlalchemy.orm import Session

from db.models import Activity, Agreement, Meeting, Whistle
from domain.actor import Actor
from domain.enums import AttachmentOwner
from domain.errors import NotFound, PermissionDenied
from domain.scope import COUNTY, Place

__all__ = [
    "COUNTY",
    "community_place",
    "owner_place",
    "require",
    "require_administer",
    "require_keep",
    "require_keeps_owner",
    "require_read",
    "unit_place",
]


def community_place(session: Session, community_id: int | None) -> Place:
    """The place of a community's records (``None``: a county-wide record such as an alliance-wide
    meeting). Streets will fill ``street_ids`` here from the community's row."""
    return Place(community_id=community_id)


def unit_place(session: Session, unit_id: int | None) -> Place:
    """The place of a unit's own records (its resources, activities, members, tasks). Streets will
    fill ``street_ids`` here from the streets of the communities the unit pairs with."""
    return Place(unit_id=unit_id)


def require(allowed: bool) -> None:
    """Refuse with the domain's permission error unless ``allowed``."""
    if not allowed:
        raise PermissionDenied()


def require_keep(actor: Actor, place: Place) -> None:
    require(actor.may_keep(place))


def require_read(actor: Actor, *places: Place) -> None:
    """Every linked record must be one the actor may see."""
    require(all(actor.may_read(p) for p in places))


def require_administer(actor: Actor, place: Place = COUNTY) -> None:
    """The secretariat's business: only an admin whose scope holds ``place`` (by default the county)."""
    require(actor.may_administer(place))


def owner_place(session: Session, owner_type: AttachmentOwner | str, owner_id: int | None) -> tuple[Place, object]:
    """The place of an attachment's owner record, and the record (NotFound when it is gone)."""
    kind = AttachmentOwner(owner_type)
    model = {
        AttachmentOwner.ACTIVITY: Activity,
        AttachmentOwner.AGREEMENT: Agreement,
        AttachmentOwner.MEETING: Meeting,
        AttachmentOwner.WHISTLE: Whistle,
    }[kind]
    record = session.get(model, owner_id) if owner_id is not None else None
    if record is None or getattr(record, "deleted_at", None) is not None:
        raise NotFound()
    if kind == AttachmentOwner.ACTIVITY:
        return unit_place(session, record.unit_id), record  # type: ignore[attr-defined]
    return community_place(session, record.community_id), record  # type: ignore[attr-defined]


def require_keeps_owner(
    session: Session, actor: Actor, owner_type: AttachmentOwner | str, owner_id: int | None
) -> None:
    """A file belongs to its owner record: only who may write that record adds or removes its files."""
    place, _ = owner_place(session, owner_type, owner_id)
    if AttachmentOwner(owner_type) == AttachmentOwner.MEETING:
        require(actor.may_manage_meeting(place.community_id))
    else:
        require_keep(actor, place)
