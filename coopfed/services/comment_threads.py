"""What a comment thread is about: a proposal or a discussion (issue 16).

The comment code (services/comments.py, services/comment_moderation.py) is the same for both
kinds of thread; what differs is asked here: who may see the thread and who it is sent to
(services/audience.py's predicates, never re-derived), the IRI comments reply to, the ids of
its site comments' Notes, and how an admin names the thread (a proposal's slug or IRI, a
discussion's id or IRI).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.services import audience
from coopfed.services.proposals import slug_of
from coopfed.store import discussions as discussion_store
from coopfed.store import proposals as proposal_store
from coopfed.store.comments import Thread, ThreadKind
from coopfed.store.discussions import DiscussionRecord
from coopfed.store.proposals import ProposalRecord
from coopfed.uris import Uris


@dataclass(frozen=True)
class ThreadTarget:
    """A thread with what the comment code needs of its proposal or discussion."""

    thread: Thread
    uri: str  # the Question or the discussion's Note: what its site comments reply to
    visibility: str  # public | members | allies
    coop_id: int
    reference: str  # the proposal's slug, the discussion's public id
    title: str
    proposal: ProposalRecord | None = None
    discussion: DiscussionRecord | None = None

    @property
    def kind(self) -> ThreadKind:
        return self.thread.kind

    @property
    def path(self) -> str:
        """Its page on the site."""
        if self.kind is ThreadKind.DISCUSSION:
            return f"/discussions/{self.reference}"
        return f"/proposals/{self.reference}"

    @property
    def anchor(self) -> str:
        """Its page's comment section (the page's own id for it, kept as it was)."""
        return self.path + ("#comments" if self.kind is ThreadKind.DISCUSSION else "#discussion")

    @property
    def noun(self) -> str:
        return self.kind.value


def of_proposal(record: ProposalRecord) -> ThreadTarget:
    return ThreadTarget(
        Thread.of_proposal(record.row_id), record.uri, record.visibility, record.coop_id,
        record.slug, record.proposal.title, proposal=record,
    )  # fmt: skip


def of_discussion(record: DiscussionRecord) -> ThreadTarget:
    return ThreadTarget(
        Thread.of_discussion(record.row_id), record.uri, record.visibility, record.coop_id,
        record.public_id, record.title, discussion=record,
    )  # fmt: skip


async def target_of(conn: AsyncConnection, thread: Thread) -> ThreadTarget | None:
    if thread.kind is ThreadKind.DISCUSSION:
        discussion = await discussion_store.by_row_id(conn, thread.row_id)
        return None if discussion is None else of_discussion(discussion)
    proposal = await proposal_store.get_by_row_id(conn, thread.row_id)
    return None if proposal is None else of_proposal(proposal)


async def find(
    conn: AsyncConnection, uris: Uris, kind: ThreadKind, reference: str
) -> ThreadTarget | None:
    """The thread an admin or a form names: a proposal's slug or IRI, a discussion's id or IRI."""
    if kind is ThreadKind.DISCUSSION:
        public_id = reference.strip().removeprefix(uris.discussion(""))
        discussion = await discussion_store.by_public_id(conn, public_id)
        return None if discussion is None else of_discussion(discussion)
    proposal = await proposal_store.get_by_slug(conn, slug_of(uris, reference))
    return None if proposal is None else of_proposal(proposal)


async def by_uri(conn: AsyncConnection, uris: Uris, uri: str) -> ThreadTarget | None:
    """The thread whose Question or discussion Note has this IRI (what a reply answers)."""
    if uri.startswith(uris.proposal("")):
        proposal = await proposal_store.get_by_slug(conn, slug_of(uris, uri))
        return None if proposal is None else of_proposal(proposal)
    discussion = await discussion_store.by_uri(conn, uri)
    return None if discussion is None else of_discussion(discussion)


async def may_see(conn: AsyncConnection, target: ThreadTarget, actor: str | None) -> bool:
    """Whether `actor` may read (and so write in, report in) this thread."""
    if target.proposal is not None:
        return await audience.may_see_proposal(conn, target.proposal, actor)
    return await audience.may_see_visibility(conn, target.visibility, actor)


async def recipients(conn: AsyncConnection, target: ThreadTarget) -> tuple[str, ...]:
    """Who the thread's Notes are addressed to besides Public and followers."""
    if target.proposal is not None:
        return await audience.proposal_recipients(conn, target.proposal)
    return await audience.visibility_recipients(conn, target.visibility)


def note_id(uris: Uris, target: ThreadTarget, public_id: str) -> str:
    """A new site comment's Note id (each kind has its own path, served by its own route)."""
    if target.kind is ThreadKind.DISCUSSION:
        return uris.discussion_comment(public_id)
    return uris.comment(public_id)
