"""The share register: shares issued on admission (or by an admin), redeemed on leaving (or in
part by an admin), transferred where the charter allows. Every movement goes to the append-only
ledger; a member's `shares` in the register is the balance derived from it, and each change is a
`shares_changed` member event.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.governance import shares as rules
from coopfed.governance.errors import GovernanceError
from coopfed.governance.membership import MembershipPrinciple
from coopfed.governance.shares import Holder, ShareMovement
from coopfed.node import Node
from coopfed.services.errors import ServiceError
from coopfed.services.members import coop_actor, find_member_in
from coopfed.services.membership_principle import current_principle
from coopfed.store import members as member_store
from coopfed.store import shares as share_store
from coopfed.store.members import MemberRecord
from coopfed.store.shares import LedgerLine


async def current_balances(conn: AsyncConnection, coop_id: int) -> dict[str, int]:
    lines = await share_store.ledger(conn, coop_id)
    return rules.balances(line.movement for line in lines)


async def _record(
    conn: AsyncConnection,
    coop_id: int,
    principle: MembershipPrinciple,
    movement: ShareMovement,
    parties: dict[str, MemberRecord],
) -> None:
    """Append a movement already checked against the balances; refresh the derived balances."""
    before = await current_balances(conn, coop_id)
    after = rules.apply(before, movement)  # checked again: never negative
    source = parties.get(movement.source or "")
    target = parties.get(movement.target or "")
    value_of = target or source
    assert value_of is not None
    nominal = _nominal(principle, value_of.member.member_class)
    await share_store.append_movement(
        conn,
        coop_id,
        movement,
        source_row_id=source.row_id if source else None,
        target_row_id=target.row_id if target else None,
        nominal_value=nominal,
    )
    for party in (source, target):
        if party is None:
            continue
        balance = after.get(party.member_id, 0)
        await share_store.set_member_shares(conn, party.row_id, balance)
        detail = {"movement": movement.kind.value, "count": movement.count, "balance": balance}
        await member_store.append_event(conn, party.row_id, "shares_changed", detail, movement.at)


def _nominal(principle: MembershipPrinciple, member_class: str) -> Decimal:
    try:
        return principle.policy(member_class).nominal_value
    except GovernanceError:
        return Decimal("0")  # a class the principle no longer lists


async def issue_on_admission(
    conn: AsyncConnection,
    coop_id: int,
    principle: MembershipPrinciple,
    record: MemberRecord,
    now: datetime,
) -> int:
    """Issue what the member's class requires, less what they still hold; their new balance."""
    held = (await current_balances(conn, coop_id)).get(record.member_id, 0)
    wanted = rules.issue_on_admission(principle, record.member.member_class, record.member_id, now)
    if wanted is None or wanted.count <= held:
        return held
    movement = ShareMovement(
        wanted.kind, wanted.count - held, None, record.member_id, now, wanted.reason
    )
    await _record(conn, coop_id, principle, movement, {record.member_id: record})
    return wanted.count


async def redeem_on_leaving(
    conn: AsyncConnection,
    coop_id: int,
    principle: MembershipPrinciple,
    record: MemberRecord,
    now: datetime,
    reason: str,
) -> int:
    """Redeem every share a departing member holds; how many were redeemed."""
    movement = rules.redeem_all(
        await current_balances(conn, coop_id), record.member_id, now, reason
    )
    if movement is None:
        return 0
    await _record(conn, coop_id, principle, movement, {record.member_id: record})
    return movement.count


async def transfer_shares(
    node: Node, source: str, target: str, count: int
) -> tuple[MemberRecord, MemberRecord]:
    """Move `count` shares between two members, if the charter allows it."""
    now = node.now()
    async with node.engine.begin() as conn:
        coop = await coop_actor(conn)
        principle = (await current_principle(conn, coop.id, now)).principle
        giver = await find_member_in(conn, node.uris, source)
        taker = await find_member_in(conn, node.uris, target)
        balances_now = await current_balances(conn, coop.id)
        try:
            movement = rules.plan_transfer(
                principle, balances_now, _holder(giver), _holder(taker), count, now
            )
        except GovernanceError as error:
            raise ServiceError(str(error)) from None
        parties = {giver.member_id: giver, taker.member_id: taker}
        await _record(conn, coop.id, principle, movement, parties)
        fresh = [await member_store.get_by_row_id(conn, r.row_id) for r in (giver, taker)]
        assert fresh[0] is not None and fresh[1] is not None
        return fresh[0], fresh[1]


MAX_SHARE_REASON = 500


def _share_reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise ServiceError("give the reason recorded in the share ledger (--reason)")
    if len(text) > MAX_SHARE_REASON:
        raise ServiceError(f"the reason is at most {MAX_SHARE_REASON} characters")
    return text


async def issue_shares(node: Node, reference: str, count: int, *, reason: str) -> MemberRecord:
    """Issue `count` new shares to an active member (bought, or granted by a decision)."""
    why = _share_reason(reason)
    now = node.now()
    async with node.engine.begin() as conn:
        coop = await coop_actor(conn)
        principle = (await current_principle(conn, coop.id, now)).principle
        record = await find_member_in(conn, node.uris, reference)
        try:
            movement = rules.plan_issue(principle, _holder(record), count, now, why)
        except GovernanceError as error:
            raise ServiceError(str(error)) from None
        await _record(conn, coop.id, principle, movement, {record.member_id: record})
        fresh = await member_store.get_by_row_id(conn, record.row_id)
        assert fresh is not None
        return fresh


async def redeem_shares(node: Node, reference: str, count: int, *, reason: str) -> MemberRecord:
    """Redeem `count` of a member's shares (paid back), never below what their class requires."""
    why = _share_reason(reason)
    now = node.now()
    async with node.engine.begin() as conn:
        coop = await coop_actor(conn)
        principle = (await current_principle(conn, coop.id, now)).principle
        record = await find_member_in(conn, node.uris, reference)
        balances_now = await current_balances(conn, coop.id)
        try:
            movement = rules.plan_redeem(principle, balances_now, _holder(record), count, now, why)
        except GovernanceError as error:
            raise ServiceError(str(error)) from None
        await _record(conn, coop.id, principle, movement, {record.member_id: record})
        fresh = await member_store.get_by_row_id(conn, record.row_id)
        assert fresh is not None
        return fresh


def _holder(record: MemberRecord) -> Holder:
    member = record.member
    return Holder(member.member_id, member.member_class, member.is_active)


async def member_ledger(node: Node, reference: str) -> list[LedgerLine]:
    """The share movements touching one member, oldest first (the admin's member page)."""
    async with node.engine.connect() as conn:
        coop = await coop_actor(conn)
        record = await find_member_in(conn, node.uris, reference)
        return await share_store.ledger(conn, coop.id, record.row_id)


async def ledger_of(conn: AsyncConnection, coop_id: int, record: MemberRecord) -> list[LedgerLine]:
    return await share_store.ledger(conn, coop_id, record.row_id)
