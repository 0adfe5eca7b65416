"""After admission: leaving, suspension, expulsion, moving to another actor.

Only the member can leave (a `Leave` signed by their bound actor, or an admin recording it);
only the co-op removes (suspension and expulsion are admin decisions, recorded with a reason).
Each step is a member event, a share redemption where membership ends, and a `Remove` (or an
`Update` of the member record for a move) delivered in the same transaction.
A move keeps one member and one vote: the member is re-bound to the new actor, which must not
be bound to anyone else.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.governance.canonical import rfc3339
from coopfed.governance.members import MemberStatus
from coopfed.node import Node
from coopfed.services import membership_publishing as publishing
from coopfed.services import shares
from coopfed.services.account_links import free_for_binding
from coopfed.services.accounts import end_sessions_of_actor
from coopfed.services.errors import ServiceError
from coopfed.services.members import GONE, ActorResolver, coop_actor, find_member_in, is_url
from coopfed.services.membership_principle import current_principle
from coopfed.store import member_history
from coopfed.store import members as member_store
from coopfed.store import shares as share_store
from coopfed.store.members import MemberRecord
from coopfed.uris import Uris

ENDINGS = {
    MemberStatus.LEFT: "left",
    MemberStatus.SUSPENDED: "suspended",
    MemberStatus.EXPELLED: "expelled",
}


async def end_membership_in(
    conn: AsyncConnection,
    uris: Uris,
    record: MemberRecord,
    status: MemberStatus,
    *,
    reason: str,
    decided_by: str,
    now: datetime,
) -> MemberRecord:
    """Record leaving, suspension or expulsion in the caller's transaction; publish Remove."""
    if status not in ENDINGS:
        raise ServiceError(f"{status.value} does not end a membership")
    current = record.member.status
    if current is status or current in GONE:
        raise ServiceError(f"member {record.member_id} is already {current.value}")
    coop = await coop_actor(conn)
    left_at = now if status in GONE else None
    await member_store.update_status(conn, record.row_id, status, left_at=left_at)
    decision = {
        "from": current.value,
        "to": status.value,
        "reason": reason,
        "decided_by": decided_by,
    }
    await member_store.append_event(conn, record.row_id, "status_changed", decision, now)
    await end_sessions_of_actor(conn, uris, record.actor_uri)  # signed-in pages end with it
    if status in GONE:
        principle = (await current_principle(conn, coop.id, now)).principle
        await shares.redeem_on_leaving(conn, coop.id, principle, record, now, ENDINGS[status])
        await _clear_unledgered_shares(conn, record.row_id, now)
    fresh = await member_store.get_by_row_id(conn, record.row_id)
    assert fresh is not None
    wire = {**decision, "at": rfc3339(now)}
    await publishing.publish_removed(conn, uris, coop, fresh, wire, now)
    return fresh


async def _clear_unledgered_shares(conn: AsyncConnection, row_id: int, now: datetime) -> None:
    """The register's `shares` caches the ledger balance, which is 0 once membership ends; but
    `member add --shares N` puts shares in the register without a ledger line (issue #6's gap),
    which the redemption cannot see. They end with the membership too: the register and its
    replayed history (a `shares_changed` event) say 0, and the ledger stays as it was."""
    after = await member_store.get_by_row_id(conn, row_id)
    assert after is not None
    if after.member.shares == 0:
        return
    await share_store.set_member_shares(conn, row_id, 0)
    detail = {"movement": "outside_ledger", "count": after.member.shares, "balance": 0}
    await member_store.append_event(conn, row_id, "shares_changed", detail, now)


async def end_membership(
    node: Node, reference: str, status: MemberStatus, *, reason: str, decided_by: str
) -> MemberRecord:
    """The CLI and web entry: an admin records leaving, or suspends, or expels."""
    if status is not MemberStatus.LEFT and not reason.strip():
        raise ServiceError("a suspension or expulsion needs the reason that was decided (--reason)")
    now = node.now()
    async with node.engine.begin() as conn:
        record = await find_member_in(conn, node.uris, reference)
        return await end_membership_in(
            conn, node.uris, record, status, reason=reason.strip(), decided_by=decided_by, now=now
        )


async def rebind_in(
    conn: AsyncConnection,
    uris: Uris,
    record: MemberRecord,
    new_actor: str,
    *,
    handle: str,
    via: str,
    now: datetime,
) -> MemberRecord:
    """Bind the member to `new_actor`; the old actor no longer votes (one member, one actor)."""
    if record.member.status in GONE:
        raise ServiceError(f"member {record.member_id} is {record.member.status.value}")
    taken = await member_store.get_by_actor(conn, new_actor)
    if taken is not None:
        raise ServiceError(f"{new_actor} is already bound to member {taken.member_id}")
    await free_for_binding(conn, new_actor, record.row_id)
    old_actor = record.actor_uri
    await member_history.rebind(conn, record.row_id, new_actor, handle)
    detail = {"from": old_actor, "to": new_actor, "via": via}
    await member_store.append_event(conn, record.row_id, "rebound", detail, now)
    fresh = await member_store.get_by_row_id(conn, record.row_id)
    assert fresh is not None
    coop = await coop_actor(conn)
    await publishing.publish_record_updated(conn, uris, coop, fresh, now, previous_actor=old_actor)
    return fresh


async def rebind_member(
    node: Node, old: str, new: str, *, resolver: ActorResolver | None = None
) -> MemberRecord:
    """An admin re-binds a member to another actor (URL, or acct: through `resolver`)."""
    reference = new.strip()
    if resolver is not None:  # a URL too: the resolver may store the actor (its inbox)
        new_actor = await resolver(reference)
        acct = "acct:" + reference.removeprefix("acct:").lstrip("@")
        handle = reference if is_url(reference) else acct
    elif is_url(reference):
        new_actor, handle = reference, reference
    else:
        raise ServiceError(f"{new!r}: give the new actor's URL (or acct: with WebFinger)")
    now = node.now()
    async with node.engine.begin() as conn:
        record = await find_member_in(conn, node.uris, old)
        return await rebind_in(
            conn, node.uris, record, new_actor, handle=handle, via="admin", now=now
        )
