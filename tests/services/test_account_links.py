"""Linking fediverse accounts to members: one-time codes, refusals that change nothing, the
guessing cap, and votes from a linked account as the member's one ballot."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from coopfed.governance.canonical import rfc3339
from coopfed.governance.members import MemberStatus
from coopfed.node import Node
from coopfed.services import account_links, members
from coopfed.services.account_links import (
    CODE_ALPHABET,
    LinkOutcome,
    LinkStatus,
    code_hash,
    issue_code,
    member_for_actor,
    new_code,
    redeem_code,
    unlink,
)
from coopfed.services.errors import NotFound, ServiceError
from coopfed.services.member_export import export_member
from coopfed.services.member_lifecycle import rebind_member
from coopfed.services.proposals import tally_proposal
from coopfed.services.votes import VoteRefusal, VoteStatus, cast_vote
from coopfed.store import ballots as ballot_store
from coopfed.store.tables import link_codes, linked_actors
from tests.support.governance import Clock, add_locals, open_yes_no, use_clock

PHONE = "https://social.example/users/alice"
OTHER_PHONE = "https://social.example/users/alice2"


async def _redeem(node: Node, actor: str, code: str) -> LinkOutcome:
    async with node.engine.begin() as conn:
        return await redeem_code(conn, actor, code, node.now())


async def _count(node: Node, table: str) -> int:
    chosen = {"link_codes": link_codes, "linked_actors": linked_actors}[table]
    async with node.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(chosen))).scalar_one())


async def _linked(node: Node) -> tuple[Clock, str]:
    clock = use_clock(node)
    await add_locals(node, "alice", "bob")
    issued = await issue_code(node, "alice")
    outcome = await _redeem(node, PHONE, issued.code)
    assert outcome.status is LinkStatus.LINKED and outcome.linked
    return clock, issued.code


def test_codes_are_typeable_and_compared_by_hash() -> None:
    code = new_code()
    assert len(code) == 9 and code[4] == "-"
    assert all(char in CODE_ALPHABET for char in code.replace("-", ""))
    assert code_hash(code) == code_hash(code.lower().replace("-", " "))
    assert len({new_code() for _ in range(200)}) == 200


async def test_a_code_links_the_sender_and_only_its_hash_is_stored(node: Node) -> None:
    clock, code = await _linked(node)
    async with node.engine.connect() as conn:
        member = await member_for_actor(conn, PHONE)
        stored = (await conn.execute(select(link_codes))).mappings().one()
    assert member is not None and member.actor_uri == node.uris.actor("alice")
    assert stored["code_hash"] == code_hash(code) and code.replace("-", "") not in str(dict(stored))
    assert stored["used_at"] == clock.now
    assert stored["expires_at"] == stored["created_at"] + account_links.CODE_LIFETIME
    links = await account_links.account_links(node, "alice")
    assert links is not None and [link.actor_uri for link in links.links] == [PHONE]
    assert links.pending_until is None


async def test_vote_from_the_linked_account_is_the_members_one_ballot(node: Node) -> None:
    clock, _ = await _linked(node)
    record = await open_yes_no(node)
    first = await cast_vote(node, record.slug, node.uris.actor("alice"), "yes")
    clock.advance(minutes=1)
    second = await cast_vote(node, record.slug, PHONE, "no", activity_id=f"{PHONE}#v1")
    assert first.status is VoteStatus.COUNTED
    assert second.status is VoteStatus.REPLACED and second.member_id == first.member_id
    async with node.engine.connect() as conn:
        log = await ballot_store.load_log(conn, record.row_id, record.uri)
    assert [entry.ballot.member_id for entry in log] == [first.member_id] * 2
    assert (await proposals_counts(node, record.slug)) == {"yes": 0, "no": 1}


async def proposals_counts(node: Node, slug: str) -> dict[str, int]:
    result = await tally_proposal(node, slug)
    return {key: int(value) for key, value in result.counts.items() if key in ("yes", "no")}


@pytest.mark.parametrize("case", ["wrong", "reused", "expired"])
async def test_bad_codes_are_refused_and_change_nothing(node: Node, case: str) -> None:
    clock = use_clock(node)
    await add_locals(node, "alice")
    issued = await issue_code(node, "alice")
    code = issued.code
    if case == "wrong":
        code = "ABCD-EFGH" if code != "ABCD-EFGH" else "ABCD-EFGJ"
    elif case == "reused":
        assert (await _redeem(node, PHONE, code)).status is LinkStatus.LINKED
    else:
        clock.advance(minutes=30)
    outcome = await _redeem(node, OTHER_PHONE, code)
    expected = {"wrong": LinkStatus.WRONG_CODE, "reused": LinkStatus.USED}
    assert outcome.status is expected.get(case, LinkStatus.EXPIRED) and not outcome.linked
    async with node.engine.connect() as conn:
        assert await member_for_actor(conn, OTHER_PHONE) is None
    assert await _count(node, "linked_actors") == (1 if case == "reused" else 0)


async def test_a_members_own_actor_or_another_members_link_is_refused(node: Node) -> None:
    await _linked(node)
    bob_code = (await issue_code(node, "bob")).code
    own = await _redeem(node, node.uris.actor("alice"), bob_code)
    assert own.status is LinkStatus.MEMBER_ACTOR
    elsewhere = await _redeem(node, PHONE, bob_code)
    assert elsewhere.status is LinkStatus.LINKED_ELSEWHERE
    async with node.engine.connect() as conn:
        member = await member_for_actor(conn, PHONE)
    assert member is not None and member.actor_uri == node.uris.actor("alice")
    # bob's code was not spent on the refusals: it still links bob's own account.
    assert (await _redeem(node, OTHER_PHONE, bob_code)).status is LinkStatus.LINKED


async def test_the_same_account_linked_again_is_told_so(node: Node) -> None:
    await _linked(node)
    again = await _redeem(node, PHONE, (await issue_code(node, "alice")).code)
    assert again.status is LinkStatus.ALREADY_LINKED and again.linked
    assert await _count(node, "linked_actors") == 1


async def test_guessing_is_capped_per_actor_then_per_host(node: Node) -> None:
    clock = use_clock(node)
    await add_locals(node, "alice")
    for n in range(account_links.MAX_FAILURES_PER_ACTOR):
        outcome = await _redeem(node, PHONE, f"ZZZZ-ZZZ{n + 2}")
        assert outcome.status is LinkStatus.WRONG_CODE
    assert "No more codes" in outcome.message
    valid = (await issue_code(node, "alice")).code
    capped = await _redeem(node, PHONE, valid)
    assert capped.status is LinkStatus.TOO_MANY_ATTEMPTS
    assert await _count(node, "linked_actors") == 0
    # Other accounts of the same host share a larger cap.
    for n in range(account_links.MAX_FAILURES_PER_HOST - account_links.MAX_FAILURES_PER_ACTOR):
        await _redeem(node, f"https://social.example/users/bot{n}", "ZZZZ-ZZZZ")
    fresh = await _redeem(node, "https://social.example/users/fresh", valid)
    assert fresh.status is LinkStatus.TOO_MANY_ATTEMPTS
    # After the window a new code is accepted from the same account.
    clock.advance(hours=1, minutes=1)
    later = await _redeem(node, PHONE, (await issue_code(node, "alice")).code)
    assert later.status is LinkStatus.LINKED


async def test_a_new_code_replaces_the_unused_one(node: Node) -> None:
    use_clock(node)
    await add_locals(node, "alice")
    first = await issue_code(node, "alice")
    second = await issue_code(node, "alice")
    assert (await _redeem(node, PHONE, first.code)).status is LinkStatus.WRONG_CODE
    assert (await _redeem(node, PHONE, second.code)).status is LinkStatus.LINKED
    assert await _count(node, "link_codes") == 1


async def test_unlinked_account_no_longer_votes(node: Node) -> None:
    await _linked(node)
    links = await account_links.account_links(node, "alice")
    assert links is not None
    assert await unlink(node, "alice", links.links[0].row_id) == PHONE
    with pytest.raises(NotFound):
        await unlink(node, "bob", links.links[0].row_id)
    record = await open_yes_no(node)
    vote = await cast_vote(node, record.slug, PHONE, "yes")
    assert vote.reason is VoteRefusal.NOT_A_MEMBER


async def test_codes_only_for_active_members(node: Node) -> None:
    use_clock(node)
    with pytest.raises(NotFound):
        await issue_code(node, "nobody")
    await add_locals(node, "alice")
    await members.change_status(node, "alice", MemberStatus.SUSPENDED)
    with pytest.raises(ServiceError, match="suspended"):
        await issue_code(node, "alice")


async def test_a_code_of_a_member_suspended_since_does_not_link(node: Node) -> None:
    use_clock(node)
    await add_locals(node, "alice")
    code = (await issue_code(node, "alice")).code
    await members.change_status(node, "alice", MemberStatus.SUSPENDED)
    assert (await _redeem(node, PHONE, code)).status is LinkStatus.NOT_ACTIVE


async def test_a_linked_account_cannot_be_admitted_as_another_member(node: Node) -> None:
    await _linked(node)
    with pytest.raises(ServiceError, match="linked account"):
        await members.add_member(node, PHONE)


async def test_rebinding_to_the_members_own_linked_account_drops_the_link(node: Node) -> None:
    await _linked(node)
    with pytest.raises(ServiceError, match="linked account of another member"):
        await rebind_member(node, "bob", PHONE)
    record = await rebind_member(node, "alice", PHONE)
    assert record.actor_uri == PHONE
    assert await _count(node, "linked_actors") == 0


async def test_the_data_export_lists_linked_accounts(node: Node) -> None:
    clock, _ = await _linked(node)
    document = await export_member(node, "alice")
    assert document["linked_accounts"] == [{"actor": PHONE, "linked_at": rfc3339(clock.now)}]
