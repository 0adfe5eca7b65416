"""Proposals: create, open (freezing the electorate), close and decide, withdraw, tally.

Each public function is one unit of work. Life-cycle steps first take the proposal's write
lock (`store.proposals.lock`), so a close racing a vote or two workers closing the same
proposal see each other's committed state. The rules themselves are governance's; this
module loads, calls and stores.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed import metrics
from coopfed.governance import methods
from coopfed.governance import proposal as lifecycle
from coopfed.governance.charter import (
    Charter,
    charter_from_dict,
    charter_to_dict,
    parse_comparison,
    parse_fraction,
)
from coopfed.governance.errors import GovernanceError
from coopfed.governance.proposal import VISIBILITIES as VISIBILITIES  # re-exported
from coopfed.governance.proposal import ProposalEvent, ProposalState
from coopfed.governance.proposal_text import normalise_newlines
from coopfed.governance.result import ResultRecord
from coopfed.node import Node
from coopfed.services import assembly_publishing
from coopfed.services import proposal_publishing as publishing
from coopfed.services.errors import NotFound, ServiceError
from coopfed.services.members import GONE, coop_actor, find_member_in, new_public_id
from coopfed.store import ballots as ballot_store
from coopfed.store import members as member_store
from coopfed.store import proposals as proposal_store
from coopfed.store.proposals import CharterRecord, NewProposal, ProposalRecord
from coopfed.uris import Uris

T = TypeVar("T")
DURATION_RE = re.compile(r"^(\d+)([smhdw])$")
DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
DUE_BATCH = 50
EMPTY_ELECTORATE = (
    "nobody can vote on this proposal: no active member of a voting class is in the register "
    "(admit members first, or check which classes vote in the charter)"
)


@dataclass(frozen=True)
class ProposalDraft:
    """What an admin asks for; `options` fill the method spec's `options`."""

    title: str
    method: str
    body: str = ""
    options: Sequence[str] = ()
    spec: Mapping[str, Any] | None = None
    closes_at: datetime | None = None
    duration: timedelta | None = None
    quorum: str | None = None
    threshold: str | None = None
    visibility: str = "public"
    author: str | None = None


@dataclass(frozen=True)
class Tally:
    """Counts so far (or final); `result` only once the proposal is decided."""

    record: ProposalRecord
    counts: Mapping[str, Any]
    turnout: int
    ballots_logged: int
    log_head: str
    result: Mapping[str, Any] | None


def parse_duration(text: str) -> timedelta:
    """ "90m", "36h", "3d", "2w" → timedelta."""
    match = DURATION_RE.fullmatch(text.strip())
    if match is None or int(match.group(1)) == 0:
        raise ServiceError(f"duration {text!r}: write a number and a unit s, m, h, d or w (3d)")
    return timedelta(seconds=int(match.group(1)) * DURATION_UNITS[match.group(2)])


def method_name(method: str) -> str:
    """`proposal` → `proposal@1`; checks the node implements it."""
    name = method.strip() if "@" in method else f"{method.strip()}@1"
    try:
        methods.get_method(name)
    except GovernanceError as error:
        raise ServiceError(str(error)) from None
    return name


def slug_of(uris: Uris, reference: str) -> str:
    """A proposal's slug from itself or from its IRI."""
    prefix = uris.proposal("")
    ref = reference.strip()
    return ref[len(prefix) :] if ref.startswith(prefix) else ref


def _overrides(draft: ProposalDraft) -> dict[str, str]:
    params: dict[str, str] = {}
    try:
        if draft.quorum is not None:
            parse_fraction(draft.quorum, what="quorum")
            params["quorum"] = draft.quorum.strip()
        if draft.threshold is not None:
            params["comparison"] = parse_comparison(draft.threshold).to_str()
    except GovernanceError as error:
        raise ServiceError(str(error)) from None
    return params


def effective_charter(base: Charter, params: Mapping[str, Any]) -> Charter:
    """The co-op's charter with this proposal's overrides (quorum, comparison)."""
    return charter_from_dict({**charter_to_dict(base), **params})


def _spec_and_options(draft: ProposalDraft, method: str) -> tuple[dict[str, Any], tuple[str, ...]]:
    spec = dict(draft.spec or {})
    if draft.options:
        spec["options"] = [option.strip() for option in draft.options]
    try:
        parsed = methods.parse_spec(method, spec)
    except GovernanceError as error:
        raise ServiceError(str(error)) from None
    return spec, tuple(getattr(parsed, "options", ()))


async def current_charter(conn: AsyncConnection, coop_id: int, now: datetime) -> CharterRecord:
    """The co-op's charter; version 1 (the defaults of docs/governance.md) on first use."""
    record = await proposal_store.current_charter(conn, coop_id)
    if record is None:
        record = await proposal_store.insert_first_charter(conn, coop_id, Charter(), now)
    return record


async def set_charter(node: Node, charter: Charter) -> CharterRecord:
    """Store a new charter version; proposals already open keep the one they opened under."""
    async with node.engine.begin() as conn:
        coop = await coop_actor(conn)
        return await proposal_store.insert_charter(conn, coop.id, charter, node.now())


def _closing(draft: ProposalDraft, now: datetime) -> tuple[datetime | None, int | None]:
    if (draft.closes_at is None) == (draft.duration is None):
        raise ServiceError("give either a closing time or a duration")
    if draft.closes_at is not None:
        if draft.closes_at.tzinfo is None:
            raise ServiceError("the closing time needs a time zone (e.g. 2030-01-31T18:00Z)")
        if draft.closes_at <= now:
            raise ServiceError("the closing time is in the past")
        return draft.closes_at, None
    assert draft.duration is not None
    return None, int(draft.duration.total_seconds())


async def create_proposal(
    node: Node, draft: ProposalDraft, *, open_now: bool = False, require_voters: bool = False
) -> ProposalRecord:
    """A draft proposal (or an open one with `open_now`), by an admin. With `require_voters`,
    opening is refused when nobody could vote, and then nothing is created."""
    now = node.now()
    if not draft.title.strip():
        raise ServiceError("a proposal needs a title")
    if draft.visibility not in VISIBILITIES:
        raise ServiceError(f"visibility must be one of {', '.join(VISIBILITIES)}")
    async with node.engine.begin() as conn:
        return await create_in(
            conn, node.uris, draft, now, open_now=open_now, require_voters=require_voters
        )


async def create_in(
    conn: AsyncConnection,
    uris: Uris,
    draft: ProposalDraft,
    now: datetime,
    *,
    open_now: bool = False,
    joint_proposal_uri: str | None = None,
    require_voters: bool = False,
) -> ProposalRecord:
    """`create_proposal` in the caller's transaction; `joint_proposal_uri` links a proposal
    opened for a shared project's joint proposal (services/joint_members.py)."""
    method = method_name(draft.method)
    spec, options = _spec_and_options(draft, method)
    params = _overrides(draft)
    closes_at, duration = _closing(draft, now)
    coop = await coop_actor(conn)
    charter = await current_charter(conn, coop.id, now)
    effective = effective_charter(charter.charter, params)
    author_row_id = None
    if draft.author is not None:
        author = await find_member_in(conn, uris, draft.author)
        _guard(lambda: lifecycle.check_may_propose(effective, author.member, is_admin=True))
        author_row_id = author.row_id
    slug = new_public_id()
    body = normalise_newlines(draft.body)  # browsers send CRLF; store one form
    new = NewProposal(
        coop.id, slug, uris.proposal(slug), draft.title.strip(), body, method,
        options, spec, params, draft.visibility, author_row_id, duration, closes_at,
        charter.row_id, effective, joint_proposal_uri,
    )  # fmt: skip
    record = await proposal_store.insert_proposal(conn, new, now)
    created = ProposalEvent("created", record.uri, now, None, {"method": method})
    await proposal_store.append_events(conn, record.row_id, [created])
    if open_now:
        return await _open(conn, uris, record, now, require_voters=require_voters)
    return record


def _guard(step: Callable[[], T]) -> T:
    """Run a governance step, turning its typed errors into a ServiceError."""
    try:
        return step()
    except GovernanceError as error:
        raise ServiceError(str(error)) from None


async def _locked(
    conn: AsyncConnection, uris: Uris, reference: str, now: datetime
) -> ProposalRecord:
    slug = slug_of(uris, reference)
    record = await proposal_store.get_by_slug(conn, slug)
    if record is None:
        raise NotFound(f"no proposal {reference!r}")
    await proposal_store.lock(conn, record.row_id, now)
    latest = await proposal_store.get_by_slug(conn, slug)
    assert latest is not None
    return latest


async def edit_draft(
    node: Node, reference: str, *, title: str, body: str, by: str | None
) -> ProposalRecord:
    """A draft's new title and text (a draft from a discussion starts with the discussion's);
    refused once it has opened."""
    clean = title.strip()
    if not clean:
        raise ServiceError("a proposal needs a title")
    if len(clean) > 300:
        raise ServiceError("a title is at most 300 characters")
    now = node.now()
    async with node.engine.begin() as conn:
        record = await _locked(conn, node.uris, reference, now)
        _, events = _guard(lambda: lifecycle.edit_draft(record.proposal, now, title=clean))
        events = [
            replace(event, actor=by, detail={"fields": ["body", "title"]}) for event in events
        ]
        await proposal_store.save_draft_text(
            conn, record.row_id, clean, normalise_newlines(body), now
        )
        await proposal_store.append_events(conn, record.row_id, events)
        return await _reload(conn, record)


async def find_proposal(node: Node, reference: str) -> ProposalRecord:
    async with node.engine.connect() as conn:
        record = await proposal_store.get_by_slug(conn, slug_of(node.uris, reference))
    if record is None:
        raise NotFound(f"no proposal {reference!r}")
    return record


async def list_proposals(node: Node, state: ProposalState | None = None) -> list[ProposalRecord]:
    async with node.engine.connect() as conn:
        coop = await coop_actor(conn)
        return await proposal_store.list_proposals(conn, coop.id, state)


async def open_proposal(
    node: Node, reference: str, *, require_voters: bool = False
) -> ProposalRecord:
    """Open a draft. With `require_voters` (an admin opening from the CLI or the site) it is
    refused when nobody could vote: an empty electorate can only ever decide no_quorum."""
    now = node.now()
    async with node.engine.begin() as conn:
        record = await _locked(conn, node.uris, reference, now)
        return await _open(conn, node.uris, record, now, require_voters=require_voters)


async def _open(
    conn: AsyncConnection,
    uris: Uris,
    record: ProposalRecord,
    now: datetime,
    *,
    require_voters: bool = False,
) -> ProposalRecord:
    # The electorate is the register now (record date = opening time), under today's charter.
    charter = await current_charter(conn, record.coop_id, now)
    effective = effective_charter(charter.charter, record.params)
    register = [r.member for r in await member_store.list_members(conn, record.coop_id)]
    closes_at = record.proposal.closes_at
    if closes_at is None:
        closes_at = now + timedelta(seconds=record.duration_seconds or 0)
    proposal = replace(record.proposal, charter=effective)
    opened, events = _guard(lambda: lifecycle.open_proposal(proposal, register, now, closes_at))
    if require_voters and opened.electorate is not None and opened.electorate.size == 0:
        raise ServiceError(EMPTY_ELECTORATE)
    await proposal_store.save_state(conn, record, opened, now, charter=charter)
    await proposal_store.append_events(conn, record.row_id, events)
    fresh = await _reload(conn, record)
    await publishing.publish_opened(conn, uris, fresh, now)  # same transaction: outbox
    await assembly_publishing.proposal_opened(conn, uris, fresh.row_id, now)
    return fresh


async def _reload(conn: AsyncConnection, record: ProposalRecord) -> ProposalRecord:
    fresh = await proposal_store.get_by_slug(conn, record.slug)
    assert fresh is not None
    return fresh


async def close_proposal(node: Node, reference: str, *, closed_by: str | None) -> ProposalRecord:
    """Close and decide. `closed_by` names the admin closing early; None only when due."""
    now = node.now()
    async with node.engine.begin() as conn:
        record = await _locked(conn, node.uris, reference, now)
        return await _close(conn, node.uris, record, now, closed_by)


async def _close(
    conn: AsyncConnection,
    uris: Uris,
    record: ProposalRecord,
    now: datetime,
    closed_by: str | None,
) -> ProposalRecord:
    closed, events = _guard(
        lambda: lifecycle.close_proposal(record.proposal, now, closed_by=closed_by)
    )
    departed = await departed_members(conn, record)
    result = await compute_result(conn, replace(record, proposal=closed), departed)
    decided, decided_events = _guard(lambda: lifecycle.decide(closed, result, now))
    # The departed list is kept with the result: a member leaving later must not change
    # what `coopfed verify` recounts (services/publication.py serves this list).
    await proposal_store.save_state(
        conn, record, decided, now, result=result.to_dict(), departed=departed
    )
    await proposal_store.append_events(conn, record.row_id, [*events, *decided_events])
    fresh = await _reload(conn, record)
    await publishing.publish_changed(conn, uris, fresh, now)  # `closed` and the result
    return fresh


async def withdraw_proposal(node: Node, reference: str, *, by: str) -> ProposalRecord:
    now = node.now()
    async with node.engine.begin() as conn:
        record = await _locked(conn, node.uris, reference, now)
        withdrawn, events = _guard(lambda: lifecycle.withdraw(record.proposal, now, by=by))
        await proposal_store.save_state(conn, record, withdrawn, now)
        await proposal_store.append_events(conn, record.row_id, events)
        fresh = await _reload(conn, record)
        await publishing.publish_changed(conn, node.uris, fresh, now)
        return fresh


async def departed_members(conn: AsyncConnection, record: ProposalRecord) -> frozenset[str]:
    """Members of the electorate who have left since the record date, as of now; the charter
    decides whether their ballots still count (by default they do)."""
    electorate = record.proposal.electorate
    if electorate is None:
        return frozenset()
    register = await member_store.list_members(conn, record.coop_id)
    return frozenset(
        r.member_id for r in register if r.member.status in GONE and r.member_id in electorate
    )


async def compute_result(
    conn: AsyncConnection, record: ProposalRecord, departed: frozenset[str] | None = None
) -> ResultRecord:
    """Tally the whole ballot log under the proposal's frozen electorate and charter
    (`departed`: as `departed_members` finds them now, unless given)."""
    proposal = record.proposal
    electorate = proposal.electorate
    if electorate is None:
        raise ServiceError(f"proposal {record.slug} was never opened: nothing to count")
    log = await ballot_store.load_log(conn, record.row_id, record.uri)
    if departed is None:
        departed = await departed_members(conn, record)
    started = time.perf_counter()
    try:
        return _tally(record, electorate, log, departed)
    finally:
        metrics.TALLY_SECONDS.labels(proposal.method).observe(time.perf_counter() - started)


def _tally(
    record: ProposalRecord, electorate: Any, log: Any, departed: frozenset[str]
) -> ResultRecord:
    proposal = record.proposal
    return _guard(
        lambda: methods.tally(
            proposal.method,
            proposal.spec,
            electorate,
            log.ballots(),
            proposal.charter,
            proposal_id=record.uri,
            author_member_id=proposal.author_member_id or None,
            departed=departed,
            log_head=log.head_hash,
        )
    )


async def tally_proposal(node: Node, reference: str) -> Tally:
    """Current counts of an open proposal, or the stored result of a decided one."""
    async with node.engine.connect() as conn:
        record = await proposal_store.get_by_slug(conn, slug_of(node.uris, reference))
        if record is None:
            raise NotFound(f"no proposal {reference!r}")
        log = await ballot_store.load_log(conn, record.row_id, record.uri)
        if record.result is not None:
            result = record.result
            return Tally(
                record, result["counts"], result["turnout"], len(log), log.head_hash, result
            )
        if record.proposal.electorate is None:
            return Tally(record, {}, 0, len(log), log.head_hash, None)
        current = await compute_result(conn, record)
        counts = current.to_dict()["counts"]
        return Tally(record, counts, current.turnout, len(log), log.head_hash, None)


async def close_due_proposals(node: Node) -> int:
    """The scheduler's job: close and decide every open proposal past its closing time.

    Each proposal is its own unit of work; under the lock the state is read again, so two
    workers never close one proposal twice (the second finds it decided and skips it).
    """
    now = node.now()
    async with node.engine.connect() as conn:
        slugs = await proposal_store.due_slugs(conn, now, DUE_BATCH)
    closed = 0
    for slug in slugs:
        async with node.engine.begin() as conn:
            record = await _locked(conn, node.uris, slug, now)
            if record.proposal.is_due(now):
                await _close(conn, node.uris, record, now, None)
                closed += 1
    return closed
