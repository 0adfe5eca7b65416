"""Members of a co-op: one member, one actor, one class, shares held, a status."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from coopfed.governance.errors import GovernanceError


class MemberError(GovernanceError):
    """A member record or class list that breaks the rules."""


class MemberStatus(enum.StrEnum):
    APPLICANT = "applicant"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    LEFT = "left"
    EXPELLED = "expelled"


@dataclass(frozen=True, slots=True)
class Member:
    """A member as of some moment. The actor is the one actor bound to the member now."""

    member_id: str
    actor_id: str
    member_class: str
    shares: int = 1
    status: MemberStatus = MemberStatus.ACTIVE

    def __post_init__(self) -> None:
        if not self.member_id:
            raise MemberError("a member needs a non-empty member id")
        if not self.actor_id:
            raise MemberError(f"member {self.member_id}: a member needs an actor id")
        if not self.member_class:
            raise MemberError(f"member {self.member_id}: a member needs a class")
        if isinstance(self.shares, bool) or not isinstance(self.shares, int) or self.shares < 0:
            raise MemberError(f"member {self.member_id}: shares must be an integer ≥ 0")

    @property
    def is_active(self) -> bool:
        return self.status is MemberStatus.ACTIVE


@dataclass(frozen=True, slots=True)
class MemberClasses:
    """The classes a co-op defines (worker, consumer, producer, community, investor, ...)."""

    names: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.names:
            raise MemberError("a co-op defines at least one member class")
        if len(set(self.names)) != len(self.names):
            raise MemberError(f"member classes must be unique: {list(self.names)}")
        if any(not name or name != name.strip() for name in self.names):
            raise MemberError("member class names must be non-empty without outer spaces")

    @classmethod
    def of(cls, names: Iterable[str]) -> MemberClasses:
        return cls(tuple(names))

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def require(self, name: str) -> str:
        """Return `name` if the co-op defines that class, else raise `MemberError`."""
        if name not in self.names:
            raise MemberError(f"unknown member class {name!r}; known: {', '.join(self.names)}")
        return name


def check_one_actor_per_member(members: Iterable[Member]) -> None:
    """Refuse a register where one member id or one actor appears twice (two votes)."""
    seen_members: set[str] = set()
    seen_actors: dict[str, str] = {}
    for member in members:
        if member.member_id in seen_members:
            raise MemberError(f"member {member.member_id} appears twice")
        seen_members.add(member.member_id)
        other = seen_actors.get(member.actor_id)
        if other is not None:
            raise MemberError(
                f"actor {member.actor_id} is bound to both {other} and {member.member_id}"
            )
        seen_actors[member.actor_id] = member.member_id
