"""Outcome statements (issue 16): once a proposal is decided, its proposer or an admin says
what the co-op does about it. One per proposal, shown on the proposal's page and sent by the
Group as a `Note` `inReplyTo` the Question, to the Question's audience
(`audience.proposal_recipients`, each members-only copy naming only its recipient).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.federation.mapping.comments import site_comment_html
from coopfed.federation.mapping.discussions import GroupNote, addressing, create_group_note
from coopfed.governance.canonical import rfc3339
from coopfed.governance.proposal import ProposalState
from coopfed.governance.proposal_text import normalise_newlines, paragraphs
from coopfed.node import Node
from coopfed.services import audience
from coopfed.services.errors import NotFound, ServiceError
from coopfed.services.members import coop_actor
from coopfed.services.outbox import Audience, new_activity_id, publish, publish_personal
from coopfed.services.proposals import slug_of
from coopfed.store import discussions as discussion_store
from coopfed.store import members as member_store
from coopfed.store import proposals as proposal_store
from coopfed.store.actors import LocalActor
from coopfed.store.discussions import OutcomeRecord
from coopfed.store.outbox import host_of
from coopfed.store.proposals import ProposalRecord
from coopfed.uris import Uris

MAX_OUTCOME_CHARS = 10_000


def check_outcome_text(text: str) -> str:
    clean = normalise_newlines(text).strip()
    if not clean:
        raise ServiceError("an outcome statement needs some text")
    if len(clean) > MAX_OUTCOME_CHARS:
        raise ServiceError(f"an outcome statement is at most {MAX_OUTCOME_CHARS} characters")
    return clean


async def is_proposer(conn: AsyncConnection, record: ProposalRecord, actor: str | None) -> bool:
    if actor is None or record.author_row_id is None:
        return False
    author = await member_store.get_by_row_id(conn, record.author_row_id)
    return author is not None and author.actor_uri == actor


async def may_write(
    conn: AsyncConnection, record: ProposalRecord, actor: str | None, is_admin: bool
) -> bool:
    """Decided proposals without a statement yet, by an admin or their proposer."""
    if record.proposal.state is not ProposalState.DECIDED:
        return False
    if await discussion_store.outcome_of(conn, record.row_id) is not None:
        return False
    return is_admin or await is_proposer(conn, record, actor)


async def write_outcome(
    node: Node, reference: str, *, actor: str, is_admin: bool, text: str
) -> OutcomeRecord:
    """Store the statement and publish the Group's Note, in one transaction."""
    clean = check_outcome_text(text)
    now = node.now()
    async with node.engine.begin() as conn:
        slug = slug_of(node.uris, reference)
        record = await proposal_store.get_by_slug(conn, slug)
        if record is None:
            raise NotFound(f"no proposal {reference!r}")
        if record.proposal.state is not ProposalState.DECIDED:
            raise ServiceError("an outcome statement comes after the decision")
        if not (is_admin or await is_proposer(conn, record, actor)):
            raise ServiceError("only the proposer or an admin writes the outcome statement")
        outcome = OutcomeRecord(
            record.row_id, node.uris.outcome(slug), actor, clean,
            site_comment_html(paragraphs(clean)), now,
        )  # fmt: skip
        if not await discussion_store.insert_outcome(conn, outcome):
            raise ServiceError("this proposal already has its outcome statement")
        await _publish(conn, node.uris, record, outcome)
    return outcome


def outcome_note(
    uris: Uris,
    coop: LocalActor,
    record: ProposalRecord,
    outcome: OutcomeRecord,
    readers: tuple[str, ...],
) -> GroupNote:
    to, cc = addressing(record.visibility, uris.followers(coop.username), readers)
    return GroupNote(
        note_id=outcome.uri,
        group=uris.actor(coop.username),
        content_html=outcome.content_html,
        published=rfc3339(outcome.published_at),
        url=record.uri,
        context=record.uri,
        to=to,
        cc=cc,
        in_reply_to=record.uri,
        mention=record.visibility == "members",
    )


async def _publish(
    conn: AsyncConnection, uris: Uris, record: ProposalRecord, outcome: OutcomeRecord
) -> None:
    coop = await coop_actor(conn)
    now = outcome.published_at
    recipients = await audience.proposal_recipients(conn, record)
    if record.visibility == "members":
        own_host = host_of(uris.base)
        copies = [
            (
                r,
                create_group_note(
                    outcome_note(uris, coop, record, outcome, (r,)), new_activity_id(uris)
                ),
            )
            for r in recipients
            if host_of(r) != own_host
        ]
        await publish_personal(conn, sender=coop, copies=copies, now=now)
        return
    note = outcome_note(uris, coop, record, outcome, recipients)
    public = record.visibility == "public"
    await publish(
        conn,
        sender=coop,
        activity=create_group_note(note, new_activity_id(uris)),
        audience=Audience(actors=recipients, followers=public, public=public),
        now=now,
    )


async def outcome_of(conn: AsyncConnection, record: ProposalRecord) -> OutcomeRecord | None:
    return await discussion_store.outcome_of(conn, record.row_id)


async def served_outcome(node: Node, slug: str, reader: str | None) -> GroupNote:
    """The statement's Note for GET /proposals/{slug}/outcome: the proposal's readers only."""
    async with node.engine.connect() as conn:
        record = await proposal_store.get_by_slug(conn, slug)
        if record is None or not await audience.may_see_proposal(conn, record, reader):
            raise NotFound("no such outcome statement")
        outcome = await discussion_store.outcome_of(conn, record.row_id)
        if outcome is None:
            raise NotFound("no such outcome statement")
        coop = await coop_actor(conn)
        readers: tuple[str, ...] = ()
        if record.visibility == "members" and reader is not None:
            readers = (reader,)
        elif record.visibility == "allies":
            readers = await audience.proposal_recipients(conn, record)
        return outcome_note(node.uris, coop, record, outcome, readers)
