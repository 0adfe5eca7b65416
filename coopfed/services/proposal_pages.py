"""What the proposal pages show, read in one unit of work: who may see what, live counts or
the stored result, the viewer's own ballots and receipts, who wrote the proposal.

Live counts are tallied from the verified ballot log once per new log head and kept in a small
per-process cache keyed by that head, so a page view costs a few indexed queries.

Visibility (services/audience.py, as on the wire): public proposals to everyone; members-only
ones to active members (and admins); allies-only ones to admins in the listing; drafts to
admins only. Hidden-results
charters show no counts until the proposal closes.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.federation.mapping.proposals import counts_visible
from coopfed.governance import proposal as lifecycle
from coopfed.governance.errors import GovernanceError
from coopfed.governance.proposal import ProposalState
from coopfed.governance.proxies import holder_for
from coopfed.node import Node
from coopfed.services import audience, outcomes
from coopfed.services.comments import ThreadEntry, held_replies, hidden_comments, visible_thread
from coopfed.services.errors import ServiceError
from coopfed.services.members import GONE, coop_actor
from coopfed.services.proposals import (
    ProposalDraft,
    compute_result,
    create_proposal,
    current_charter,
)
from coopfed.store import discussions as discussion_store
from coopfed.store import members as member_store
from coopfed.store import proposal_pages as page_store
from coopfed.store import proposals as proposal_store
from coopfed.store import proxies as proxy_store
from coopfed.store import remote_actors as remote_store
from coopfed.store.comments import Thread
from coopfed.store.discussions import DiscussionRecord, OutcomeRecord
from coopfed.store.members import MemberRecord
from coopfed.store.proposal_pages import MemberBallot, ProposalSummary
from coopfed.store.proposals import ProposalRecord
from coopfed.uris import Uris

LIST_LIMIT = 50


@dataclass(frozen=True)
class Reader:
    """Who is reading: a signed-in person's actor IRI (None for strangers) and admin flag."""

    actor: str | None = None
    is_admin: bool = False


@dataclass(frozen=True)
class ActorLabel:
    """How to show an actor: local ones by username, remote ones by name and host."""

    name: str
    username: str
    host: str
    local: bool


@dataclass(frozen=True)
class HeldProxy:
    """A grantor whose proxy the reader holds on this proposal, and the ballots for her."""

    grantor_id: str
    grantor_label: str
    voted_herself: bool  # then her own ballot counts and the holder cannot vote for her
    receipts: tuple[str, ...]  # of the ballots the reader cast for her, oldest first
    latest_kind: str | None
    latest_choice: Any
    may_change: bool


@dataclass(frozen=True)
class VoterState:
    """The reader as a voter on this proposal (her own ballots; those cast for her by proxy
    are not hers to change and are left out)."""

    member_id: str
    in_electorate: bool
    receipts: tuple[str, ...]  # entry hashes of their ballots, oldest first
    latest_kind: str | None
    latest_choice: Any
    may_change: bool
    latest_reason: str = ""
    proxies: tuple[HeldProxy, ...] = ()  # grantors she may vote for (docs/governance.md rule 17)


@dataclass(frozen=True)
class ProposalPage:
    record: ProposalRecord
    counts: Mapping[str, Any] | None  # None: not opened, or hidden until close
    turnout: int | None
    ballots_logged: int
    log_head: str | None
    result: Mapping[str, Any] | None  # the stored result once decided
    electorate_size: int | None
    author: ActorLabel | None
    voter: VoterState | None
    comments: tuple[ThreadEntry, ...] = ()  # the discussion (services/comments.py)
    discussion: DiscussionRecord | None = None  # the discussion it came from, if any
    outcome: OutcomeRecord | None = None  # the outcome statement, once written
    may_write_outcome: bool = False  # decided, none yet, and the reader proposed it or admins
    held: tuple[ThreadEntry, ...] = ()  # for admins: replies waiting to be released
    hidden: tuple[ThreadEntry, ...] = ()  # for admins: hidden comments, to unhide

    @property
    def accepting(self) -> bool:
        return self.record.proposal.state is ProposalState.OPEN


def _visibilities(reader: Reader, is_member: bool) -> tuple[str, ...]:
    if reader.is_admin:
        return ("public", "members", "allies")
    return ("public", "members") if is_member else ("public",)


async def _reader_member(conn: AsyncConnection, reader: Reader) -> MemberRecord | None:
    """The reader as a voter (their ballots and receipts, proposing): who may see what is
    services/audience.py's to decide, not this."""
    if reader.actor is None:
        return None
    member = await member_store.get_by_actor(conn, reader.actor)
    return None if member is None or member.member.status in GONE else member


async def _may_see(conn: AsyncConnection, record: ProposalRecord, reader: Reader) -> bool:
    if reader.is_admin:
        return True  # drafts (and withdrawn drafts) too: they are the admins' business
    return await audience.may_see_proposal(conn, record, reader.actor)


async def load_page(node: Node, slug: str, reader: Reader) -> ProposalPage | None:
    """The page of one proposal, or None when it does not exist for this reader."""
    async with node.engine.connect() as conn:
        record = await proposal_store.get_by_slug(conn, slug)
        if record is None or not await _may_see(conn, record, reader):
            return None
        head = await page_store.log_head(conn, record.row_id)
        counts, turnout = await _counts(conn, node.settings.database_url, record, head)
        member = await _reader_member(conn, reader)
        voter = None
        if member is not None:
            mine = await page_store.own_entries(conn, record.row_id, member.row_id)
            voter = _voter(record, mine, member)
            voter = replace(voter, proxies=await _held(conn, node, record, member))
        electorate = record.proposal.electorate
        return ProposalPage(
            record=record,
            counts=counts,
            turnout=turnout,
            ballots_logged=head.length,
            log_head=head.head,
            result=record.result,
            electorate_size=None if electorate is None else electorate.size,
            author=await _author(conn, node.uris, record),
            voter=voter,
            comments=await visible_thread(conn, node.uris, record.row_id),
            discussion=await discussion_store.of_proposal(conn, record.row_id),
            outcome=await outcomes.outcome_of(conn, record),
            may_write_outcome=await outcomes.may_write(conn, record, reader.actor, reader.is_admin),
            held=await held_replies(conn, node.uris, record.row_id) if reader.is_admin else (),
            hidden=(
                await hidden_comments(conn, node.uris, Thread.of_proposal(record.row_id))
                if reader.is_admin
                else ()
            ),
        )


# Live tallies by (database, proposal, log length, head hash, departed members): a new ballot
# changes the head, so an entry never goes stale; a miss loads and verifies the whole log.
_TALLIES: OrderedDict[tuple[Any, ...], tuple[Mapping[str, Any], int]] = OrderedDict()
TALLY_CACHE_SIZE = 256


async def _counts(
    conn: AsyncConnection, database: str, record: ProposalRecord, head: page_store.LogHead
) -> tuple[Mapping[str, Any] | None, int | None]:
    proposal = record.proposal
    if proposal.electorate is None or not counts_visible(proposal):
        return None, None
    if record.result is not None:
        return record.result["counts"], int(record.result["turnout"])
    if proposal.state is ProposalState.WITHDRAWN:
        return None, None
    departed: frozenset[str] = frozenset()
    if proposal.charter.revoke_ballot_on_leave:
        departed = await page_store.departed_member_ids(conn, record.coop_id)
    key = (database, record.uri, head.length, head.head, departed)
    cached = _TALLIES.get(key)
    if cached is None:
        current = await compute_result(conn, record)
        cached = (current.to_dict()["counts"], current.turnout)
        _TALLIES[key] = cached
        while len(_TALLIES) > TALLY_CACHE_SIZE:
            _TALLIES.popitem(last=False)
    _TALLIES.move_to_end(key)
    return cached


def _voter(
    record: ProposalRecord, entries: list[page_store.OwnEntry], member: MemberRecord
) -> VoterState:
    member_id = member.member_id
    electorate = record.proposal.electorate
    mine = [entry for entry in entries if entry.cast_by is None]
    latest = mine[-1] if mine else None
    return VoterState(
        member_id=member_id,
        in_electorate=electorate is not None and member_id in electorate,
        receipts=tuple(entry.receipt for entry in mine),
        latest_kind=None if latest is None else latest.kind,
        latest_choice=None if latest is None else latest.choice,
        may_change=not mine or record.proposal.charter.ballots_may_change,
        latest_reason="" if latest is None else latest.reason,
    )


async def _held(
    conn: AsyncConnection, node: Node, record: ProposalRecord, holder: MemberRecord
) -> tuple[HeldProxy, ...]:
    """The grantors whose proxy `holder` holds on this open proposal, now (home clock)."""
    proposal = record.proposal
    if proposal.state is not ProposalState.OPEN or not proposal.charter.proxies.allowed:
        return ()
    now = node.now()
    grants = await proxy_store.grants_for_voting(conn, record.row_id, now)
    held = []
    grantors = {g.grantor for g in grants if g.holder == holder.member_id}
    for grant in grants:
        # One form per grantor, and only where this holder's grant is the one that counts
        # (two may cover an item put on an assembly's agenda after a one-proposal grant).
        if grant.grantor not in grantors or grant.holder != holder.member_id:
            continue
        grantors.discard(grant.grantor)
        if holder_for(grants, grant.grantor, record.uri, now) != holder.member_id:
            continue
        grantor = await member_store.get_by_member_id(conn, grant.grantor)
        if (
            grantor is None
            or proposal.electorate is None
            or grant.grantor not in proposal.electorate
        ):
            continue  # she cannot vote here, so neither can her holder
        entries = await page_store.own_entries(conn, record.row_id, grantor.row_id)
        for_her = [e for e in entries if e.cast_by is not None]
        latest = for_her[-1] if for_her else None
        held.append(
            HeldProxy(
                grantor_id=grantor.member_id,
                grantor_label=grantor.handle,
                voted_herself=any(e.cast_by is None for e in entries),
                receipts=tuple(e.receipt for e in for_her if e.cast_by == holder.member_id),
                latest_kind=None if latest is None else latest.kind,
                latest_choice=None if latest is None else latest.choice,
                may_change=not for_her or proposal.charter.ballots_may_change,
            )
        )
    return tuple(held)


async def _author(conn: AsyncConnection, uris: Uris, record: ProposalRecord) -> ActorLabel | None:
    if record.author_row_id is None:
        return None
    member = await member_store.get_by_row_id(conn, record.author_row_id)
    if member is None:
        return None
    return await actor_label(conn, uris, member.actor_uri, member.handle)


async def actor_label(conn: AsyncConnection, uris: Uris, actor: str, handle: str) -> ActorLabel:
    local_prefix = uris.actor("")
    if actor.startswith(local_prefix):
        username = actor[len(local_prefix) :]
        return ActorLabel(username, username, "", True)
    remote = await remote_store.get_by_uri(conn, actor)
    if remote is not None:
        return ActorLabel(remote.display_name, remote.preferred_username, remote.host, False)
    user, _, host = handle.removeprefix("acct:").lstrip("@").partition("@")
    return ActorLabel("", user or actor, host or actor, False)


@dataclass(frozen=True)
class Listing:
    open: list[ProposalSummary]
    past: list[ProposalSummary]
    drafts: list[ProposalSummary]
    more_past: bool


async def list_for(node: Node, reader: Reader, *, past_offset: int = 0) -> Listing:
    """Open proposals first (soonest closing), then decided ones; drafts for admins."""
    async with node.engine.connect() as conn:
        coop = await coop_actor(conn)
        is_member = await audience.is_active_member(conn, reader.actor) is not None
        shown = _visibilities(reader, is_member)

        async def summaries(states: tuple[str, ...], limit: int, offset: int = 0) -> Any:
            return await page_store.list_summaries(
                conn, coop.id, states=states, visibilities=shown, limit=limit, offset=offset
            )

        opened = await summaries(page_store.OPEN_STATES, LIST_LIMIT)
        past = await summaries(page_store.PAST_STATES, LIST_LIMIT + 1, past_offset)
        drafts = await summaries(("draft",), LIST_LIMIT) if reader.is_admin else []
    return Listing(opened, past[:LIST_LIMIT], drafts, len(past) > LIST_LIMIT)


async def ballots_of(node: Node, actor: str) -> list[MemberBallot] | None:
    """The ballots the member bound to `actor` cast (None when the actor is no member)."""
    async with node.engine.connect() as conn:
        member = await member_store.get_by_actor(conn, actor)
        if member is None:
            return None
        return await page_store.member_ballots(conn, member.row_id)


async def why_not_propose(node: Node, reader: Reader) -> str | None:
    """None when the reader may open a proposal; otherwise the reason, for people."""
    if reader.is_admin:
        return None
    async with node.engine.begin() as conn:
        member = await _reader_member(conn, reader)
        if member is None:
            return "Only members of the co-op open proposals."
        coop = await coop_actor(conn)
        charter = await current_charter(conn, coop.id, node.now())
        try:
            lifecycle.check_may_propose(charter.charter, member.member, is_admin=False)
        except GovernanceError as error:
            return str(error).capitalize() + "."
    return None


async def propose(node: Node, reader: Reader, draft: ProposalDraft, *, open_now: bool) -> Any:
    """Create a proposal from the web: admins may keep it a draft; members' proposals open
    at once, written by their member record, where the charter lets members propose."""
    refusal = await why_not_propose(node, reader)
    if refusal is not None:
        raise ServiceError(refusal)
    if reader.is_admin:
        return await create_proposal(node, draft, open_now=open_now, require_voters=True)
    assert reader.actor is not None
    member_draft = replace(draft, author=reader.actor)
    return await create_proposal(node, member_draft, open_now=True, require_voters=True)
