"""Discussions: a thread that is not yet a vote (issue 16), started by a member.

Who may read a discussion, comment on it or receive it is `audience.may_see_visibility` /
`audience.visibility_recipients` for the visibility its starter picked: the same rule as for a
proposal of that visibility, without an electorate. A reply from anyone else to a members-only
discussion is a reply to nothing of ours, as for proposals.

The co-op's Group publishes the discussion as a `Note` when it starts; members' comments go out
as their own Notes `inReplyTo` it (and the Group `Announce`s those of public discussions,
FEP-1b12). A discussion's comments ARE a proposal's comments: the same table, the same code
(services/comments.py, the thread being services/comment_threads.py's) and the same
moderation (services/comment_moderation.py: hide, remove, unhide, reports).

An admin — or any member when the charter's `discussion_drafts` is `members` — turns a
discussion into a draft proposal (title and text prefilled, linked both ways). The thread stays
open while the proposal is a draft, so it can be discussed until it opens; from then on the
discussion continues on the proposal.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.federation.mapping.comments import CommentNote
from coopfed.federation.mapping.discussions import (
    GroupNote,
    addressing,
    create_group_note,
    discussion_html,
)
from coopfed.governance.canonical import rfc3339
from coopfed.governance.charter import WhoMayPropose
from coopfed.governance.proposal import VISIBILITIES
from coopfed.governance.proposal_text import normalise_newlines, paragraphs
from coopfed.node import Node
from coopfed.services import audience, comments
from coopfed.services import comment_threads as threads
from coopfed.services.comments import (
    ThreadEntry,
    add_site_comment,
    check_comment_text,
    entry_of,
    held_replies,
    hidden_comments,
    visible_thread,
)
from coopfed.services.errors import NotFound, ServiceError
from coopfed.services.members import coop_actor, new_public_id
from coopfed.services.outbox import Audience, new_activity_id, publish, publish_personal
from coopfed.services.proposals import ProposalDraft, create_in, current_charter
from coopfed.store import actors as actor_store
from coopfed.store import comments as comment_store
from coopfed.store import discussions as discussion_store
from coopfed.store import proposals as proposal_store
from coopfed.store.actors import LocalActor
from coopfed.store.comments import CommentRecord, Thread, ThreadKind
from coopfed.store.discussions import DiscussionRecord, NewDiscussion
from coopfed.store.outbox import host_of
from coopfed.store.proposals import ProposalRecord
from coopfed.uris import Uris

MAX_TITLE_CHARS = 300
MAX_TEXT_CHARS = 20_000
LIST_LIMIT = 100
DRAFT_METHOD = "proposal@1"  # what a draft from a discussion starts as; editable until it opens
DRAFT_DURATION = timedelta(days=7)


@dataclass(frozen=True)
class DiscussionPage:
    discussion: DiscussionRecord
    author_label: str
    comments: tuple[ThreadEntry, ...]
    proposal: ProposalRecord | None  # the draft proposal it became (then opened, decided…)
    held: tuple[ThreadEntry, ...] = ()  # for admins on the site: replies waiting for release
    hidden: tuple[ThreadEntry, ...] = ()  # for admins on the site: hidden comments (Unhide)

    @property
    def accepting_comments(self) -> bool:
        """Open until the proposal it became opens: then the proposal's own thread takes over
        (a draft withdrawn before opening leaves the discussion open)."""
        return self.proposal is None or self.proposal.proposal.opened_at is None


def _label(uris: Uris, actor: str) -> str:
    local = uris.actor("")
    return actor[len(local) :] if actor.startswith(local) else actor


def check_title(title: str) -> str:
    clean = " ".join(title.split())
    if not clean:
        raise ServiceError("a discussion needs a title")
    if len(clean) > MAX_TITLE_CHARS:
        raise ServiceError(f"a title is at most {MAX_TITLE_CHARS} characters")
    return clean


def check_text(text: str) -> str:
    clean = normalise_newlines(text).strip()
    if not clean:
        raise ServiceError("a discussion needs some text")
    if len(clean) > MAX_TEXT_CHARS:
        raise ServiceError(f"a discussion's text is at most {MAX_TEXT_CHARS} characters")
    return clean


def check_visibility(visibility: str) -> str:
    if visibility not in VISIBILITIES:
        raise ServiceError(f"visibility must be one of {', '.join(VISIBILITIES)}")
    return visibility


async def _active_member(
    conn: AsyncConnection, uris: Uris, username: str
) -> tuple[LocalActor, int]:
    """The local account writing, and its active member's row; ServiceError otherwise."""
    account = await actor_store.get_local_actor(conn, username)
    member = await audience.is_active_member(conn, uris.actor(username))
    if account is None or member is None:
        raise ServiceError(f"{username!r} is not an active member of the co-op")
    return account, member.row_id


async def start_discussion(
    node: Node, username: str, title: str, text: str, visibility: str = "public"
) -> DiscussionRecord:
    """A member's new discussion, stored and published by the Group in one transaction."""
    clean_title, clean_text = check_title(title), check_text(text)
    check_visibility(visibility)
    now = node.now()
    async with node.engine.begin() as conn:
        _, member_row = await _active_member(conn, node.uris, username)
        coop = await coop_actor(conn)
        public_id = new_public_id()
        new = NewDiscussion(
            coop.id, public_id, node.uris.discussion(public_id), clean_title, clean_text,
            visibility, node.uris.actor(username), member_row,
        )  # fmt: skip
        record = await discussion_store.insert_discussion(conn, new, now)
        await _publish_discussion(conn, node.uris, record)
    return record


def _group_note(
    uris: Uris, coop: LocalActor, record: DiscussionRecord, readers: tuple[str, ...]
) -> GroupNote:
    to, cc = addressing(record.visibility, uris.followers(coop.username), readers)
    return GroupNote(
        note_id=record.uri,
        group=uris.actor(coop.username),
        content_html=discussion_html(record.title, paragraphs(record.body)),
        published=rfc3339(record.created_at),
        url=record.uri,
        context=record.uri,
        to=to,
        cc=cc,
        mention=record.visibility == "members",
    )


async def _publish_discussion(conn: AsyncConnection, uris: Uris, record: DiscussionRecord) -> None:
    """The Group's Create{Note}: to Public and followers, to each member in a copy naming only
    them (their own inbox, as members-only Questions go), or to the allies."""
    coop = await coop_actor(conn)
    now = record.created_at
    recipients = await audience.visibility_recipients(conn, record.visibility)
    if record.visibility == "members":
        own_host = host_of(uris.base)
        copies = []
        for recipient in recipients:
            if host_of(recipient) == own_host:
                continue  # our own accounts read it here
            note = _group_note(uris, coop, record, (recipient,))
            copies.append((recipient, create_group_note(note, new_activity_id(uris))))
        await publish_personal(conn, sender=coop, copies=copies, now=now)
        return
    create = create_group_note(_group_note(uris, coop, record, recipients), new_activity_id(uris))
    public = record.visibility == "public"
    await publish(
        conn,
        sender=coop,
        activity=create,
        audience=Audience(actors=recipients, followers=public, public=public),
        now=now,
    )


async def _may_see(
    conn: AsyncConnection, record: DiscussionRecord, reader: str | None, is_admin: bool
) -> bool:
    return is_admin or await audience.may_see_visibility(conn, record.visibility, reader)


async def list_for(node: Node, reader: str | None, is_admin: bool) -> list[DiscussionRecord]:
    """The discussions this reader may see, newest first."""
    async with node.engine.connect() as conn:
        coop = await coop_actor(conn)
        member = is_admin or await audience.is_active_member(conn, reader) is not None
        shown = VISIBILITIES if member else ("public",)
        return await discussion_store.list_discussions(conn, coop.id, shown, LIST_LIMIT)


async def _find(conn: AsyncConnection, uris: Uris, reference: str) -> DiscussionRecord | None:
    ref = reference.strip()
    prefix = uris.discussion("")
    return await discussion_store.by_public_id(conn, ref.removeprefix(prefix))


async def load_page(
    node: Node, reference: str, reader: str | None, is_admin: bool, *, everything: bool = False
) -> DiscussionPage | None:
    """One discussion with its thread, or None when it does not exist for this reader.
    `everything`: hidden and held replies too (the CLI's admin view)."""
    async with node.engine.connect() as conn:
        record = await _find(conn, node.uris, reference)
        if record is None or not await _may_see(conn, record, reader, is_admin):
            return None
        return await _page(conn, node.uris, record, everything=everything, is_admin=is_admin)


async def _page(
    conn: AsyncConnection,
    uris: Uris,
    record: DiscussionRecord,
    *,
    everything: bool,
    is_admin: bool = False,
) -> DiscussionPage:
    thread = Thread.of_discussion(record.row_id)
    if everything:
        entries = tuple(entry_of(uris, c) for c in await comment_store.thread(conn, thread))
    else:
        entries = await visible_thread(conn, uris, thread)
    proposal = None
    if record.proposal_row_id is not None:
        proposal = await proposal_store.get_by_row_id(conn, record.proposal_row_id)
    page = DiscussionPage(record, _label(uris, record.author_uri), entries, proposal)
    if not is_admin or everything:
        return page
    held = await held_replies(conn, uris, thread)
    return replace(page, held=held, hidden=await hidden_comments(conn, uris, thread))


async def show_for_admin(node: Node, reference: str) -> DiscussionPage:
    page = await load_page(node, reference, None, True, everything=True)
    if page is None:
        raise NotFound(f"no discussion {reference!r}")
    return page


async def post_comment(node: Node, reference: str, username: str, text: str) -> CommentRecord:
    """A member's comment from the site, stored and published together."""
    clean = check_comment_text(text)
    now = node.now()
    author_uri = node.uris.actor(username)
    async with node.engine.begin() as conn:
        record = await _find(conn, node.uris, reference)
        if record is None or not await audience.may_see_visibility(
            conn, record.visibility, author_uri
        ):
            raise NotFound(f"no discussion {reference!r}")
        author, member_row = await _active_member(conn, node.uris, username)
        page = await _page(conn, node.uris, record, everything=False)
        if not page.accepting_comments:
            raise ServiceError("this discussion became a proposal: comment on the proposal")
        target = threads.of_discussion(record)
        return await add_site_comment(conn, node.uris, target, author, member_row, clean, now)


async def served_discussion(node: Node, public_id: str, reader: str | None) -> GroupNote:
    """The discussion's Note for GET /discussions/{id} by a server: its readers, else NotFound.
    A members-only one names only its reader (docs/threats.md SEE-3)."""
    async with node.engine.connect() as conn:
        record = await discussion_store.by_public_id(conn, public_id)
        if record is None or not await audience.may_see_visibility(conn, record.visibility, reader):
            raise NotFound("no such discussion")
        coop = await coop_actor(conn)
        readers: tuple[str, ...] = ()
        if reader is not None and record.visibility == "members":
            readers = (reader,)
        if record.visibility == "allies":
            readers = await audience.visibility_recipients(conn, record.visibility)
        note = _group_note(node.uris, coop, record, readers)
        thread = Thread.of_discussion(record.row_id)
        shown = await comment_store.visible_comment_uris(conn, thread)
    return replace(note, replies=shown)


async def served_comment(node: Node, public_id: str, reader: str | None) -> CommentNote:
    """A site comment's Note for GET /discussion-comments/{id}: its discussion's readers."""
    return await comments.served_comment(node, public_id, reader, ThreadKind.DISCUSSION)


async def why_not_draft(node: Node, actor: str | None, is_admin: bool) -> str | None:
    """None when this reader may turn discussions into draft proposals; else why not."""
    if is_admin:
        return None
    async with node.engine.begin() as conn:
        if await audience.is_active_member(conn, actor) is None:
            return "Only admins turn a discussion into a proposal."
        coop = await coop_actor(conn)
        charter = await current_charter(conn, coop.id, node.now())
    if charter.charter.discussion_drafts is WhoMayPropose.MEMBERS:
        return None
    return "This co-op's charter lets only admins turn a discussion into a proposal."


async def propose_from(
    node: Node, reference: str, *, actor: str | None, is_admin: bool
) -> ProposalRecord:
    """A draft proposal from a discussion: its title and text, its visibility, its starter as
    the proposer (when still an active member), linked both ways. One per discussion."""
    refusal = await why_not_draft(node, actor, is_admin)
    if refusal is not None:
        raise ServiceError(refusal.rstrip(".").lower())
    now = node.now()
    async with node.engine.begin() as conn:
        record = await _find(conn, node.uris, reference)
        if record is None or not await _may_see(conn, record, actor, is_admin):
            raise NotFound(f"no discussion {reference!r}")
        if record.proposal_row_id is not None:
            existing = await proposal_store.get_by_row_id(conn, record.proposal_row_id)
            where = "" if existing is None else f": {existing.uri}"  # trial: say which one
            raise ServiceError(f"this discussion is already a proposal{where}")
        starter = await audience.is_active_member(conn, record.author_uri)
        draft = ProposalDraft(
            title=record.title,
            method=DRAFT_METHOD,
            body=record.body,
            duration=DRAFT_DURATION,
            visibility=record.visibility,
            author=None if starter is None else record.author_uri,
        )
        proposal = await create_in(conn, node.uris, draft, now)
        if not await discussion_store.link_proposal(conn, record.row_id, proposal.row_id):
            raise ServiceError("this discussion is already a proposal")
    return proposal


async def discussion_of(conn: AsyncConnection, proposal_row_id: int) -> DiscussionRecord | None:
    """The discussion a proposal came from (for its page's link back)."""
    return await discussion_store.of_proposal(conn, proposal_row_id)


async def is_member(node: Node, actor: str) -> bool:
    """Whether `actor` acts for an active member (who may comment)."""
    async with node.engine.connect() as conn:
        return await audience.is_active_member(conn, actor) is not None
