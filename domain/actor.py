"""Who is acting, and the permission rules of product.md as pure predicates."""

from __future__ import annotations

from dataclasses import dataclass

from domain.enums import Role


@dataclass(frozen=True)
class Actor:
    """The logged-in user as the services see it."""

    user_id: int | None
    username: str
    role: Role
    display_name: str = ""
    community_id: int | None = None
    unit_id: int | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def can_write(self) -> bool:
        """A leader browses; everyone else writes something."""
        return self.role != Role.LEADER

    def keeps_community(self, community_id: int | None) -> bool:
        """Admin keeps every community's records; a community worker keeps their own."""
        return self.is_admin or (
            self.role == Role.COMMUNITY and community_id is not None and self.community_id == community_id
        )

    def keeps_unit(self, unit_id: int | None) -> bool:
        """Admin keeps every unit's records; a liaison keeps their own unit's."""
        return self.is_admin or (self.role == Role.LIAISON and unit_id is not None and self.unit_id == unit_id)


SYSTEM = Actor(user_id=None, username="system", role=Role.ADMIN, display_name="系统")
