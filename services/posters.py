"""The communities whose residents' QR poster (居民码海报) an actor may print, and what the poster needs
to know of one: a community's worker prints their own community's, the secretariat any (the keep rule
of domain/scope.py: a leader or a unit's liaison prints none)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.areas import areas
from db.models import Community
from domain.actor import Actor
from domain.errors import NotFound
from domain.text import pinyin_key
from services.live import is_live, live
from services.scope import community_place, require_keep

# the data areas its reads depend on (db/areas.py): a cached read's key holds their versions
READS = areas("org")


@dataclass(frozen=True)
class PosterCommunity:
    """The name and street a poster prints for one community."""

    id: int
    name: str
    street: str


def list_poster_communities(session: Session, actor: Actor) -> list[PosterCommunity]:
    """The live communities the actor may print a poster for, in pinyin order."""
    rows = session.execute(select(Community.id, Community.name, Community.street).where(*live(Community))).all()
    mine = [
        PosterCommunity(r.id, r.name, r.street or "") for r in rows if actor.may_keep(community_place(session, r.id))
    ]
    return sorted(mine, key=lambda c: pinyin_key(c.name))


def get_poster_community(session: Session, actor: Actor, *, community_id: int) -> PosterCommunity:
    """One community for its poster; ``NotFound`` when there is no such live community,
    ``PermissionDenied`` when the actor may not print for it."""
    community = session.get(Community, community_id)
    if not is_live(community):
        raise NotFound()
    require_keep(actor, community_place(session, community.id))
    return PosterCommunity(community.id, community.name, community.street or "")
