"""Who may see the member roll (the `members` collection and member records).

The membership principle says: `public` (anyone), `members` (a signed GET by an active member's
actor) or `allies` (an active member, or an allied co-op: an actor the co-op follows). The web
layer verifies the signature; this module only decides.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.governance.members import MemberStatus
from coopfed.governance.membership import RollVisibility
from coopfed.services.membership_publishing import ally_actors
from coopfed.store import members as member_store
from coopfed.store import membership as membership_store
from coopfed.store.actors import LocalActor


async def roll_visibility(conn: AsyncConnection, coop_id: int) -> RollVisibility:
    record = await membership_store.current_principle(conn, coop_id)
    return RollVisibility.PUBLIC if record is None else record.principle.roll_visibility


async def may_see_roll(conn: AsyncConnection, coop: LocalActor, viewer: str | None) -> bool:
    """`viewer` is the actor whose signature a GET carried (None: unsigned or invalid)."""
    visibility = await roll_visibility(conn, coop.id)
    if visibility is RollVisibility.PUBLIC:
        return True
    if viewer is None:
        return False
    member = await member_store.get_by_actor(conn, viewer)
    if member is not None and member.member.status is MemberStatus.ACTIVE:
        return True
    return visibility is RollVisibility.ALLIES and viewer in await ally_actors(conn, coop)
