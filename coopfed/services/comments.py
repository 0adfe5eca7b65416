"""A thread of site comments and fediverse replies (issue #16), on a proposal or on a
discussion (services/comment_threads.py): the same code for both.

Who may read or write in a thread is who may see its proposal or discussion
(`comment_threads.may_see`, services/audience.py's predicates): a reply to a members-only
thread from anyone else is a reply to nothing of ours — it is not stored and nobody is told
anything. Replies from people who may see the proposal but are not
members (followers of a public proposal) are kept apart (`from_followers`), never counted as a
member's comment.

A comment written on the site is published in the same transaction as it is stored: a `Create`
of a Note by the member's own actor, and for public proposals the Group's `Announce` of it to
the co-op's followers (FEP-1b12), so Mastodon users see the thread under the poll.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.activitypub.vocab import PUBLIC
from coopfed.federation.mapping.comments import (
    MAX_SITE_COMMENT_CHARS,
    CommentNote,
    RemoteReply,
    ReplyEdit,
    announce_comment,
    create_comment,
    site_comment_html,
)
from coopfed.federation.mapping.discussions import addressing
from coopfed.federation.mapping.moderation import delete_comment, undo_announce
from coopfed.federation.mapping.proposals import Visibility
from coopfed.governance.canonical import rfc3339
from coopfed.governance.charter import NonMemberReplies
from coopfed.governance.members import MemberStatus
from coopfed.governance.proposal import ProposalState
from coopfed.governance.proposal_text import normalise_newlines, paragraphs
from coopfed.node import Node
from coopfed.services import comment_threads as threads
from coopfed.services.account_links import member_for_actor
from coopfed.services.comment_threads import ThreadTarget
from coopfed.services.errors import NotFound, ServiceError
from coopfed.services.members import coop_actor, new_public_id
from coopfed.services.outbox import Audience, new_activity_id, publish, publish_personal
from coopfed.services.proposals import current_charter
from coopfed.services.received import Received, done, ignored
from coopfed.store import actors as actor_store
from coopfed.store import comment_reports as report_store
from coopfed.store import comments as comment_store
from coopfed.store import outbox as outbox_store
from coopfed.store.comment_reports import ReportState
from coopfed.store.comments import (
    CommentEdit,
    CommentRecord,
    CommentSource,
    CommentState,
    NewComment,
    Thread,
    ThreadKind,
)
from coopfed.store.outbox import host_of
from coopfed.uris import Uris

NOTHING_OF_OURS = "a reply to nothing of ours"
# What the charter's `non_member_replies` makes of a reply by someone not a member.
_NON_MEMBER_STATE = {
    NonMemberReplies.FOLLOWERS: CommentState.FROM_FOLLOWERS,
    NonMemberReplies.HELD: CommentState.HELD,
    NonMemberReplies.HIDDEN: CommentState.HIDDEN,
}
# Kept from readers of the thread: an admin's hidden or removed comments, replies still held.
UNSEEN = (CommentState.HIDDEN, CommentState.HELD, CommentState.REMOVED, CommentState.DELETED)
GONE = (CommentState.REMOVED, CommentState.DELETED)  # text erased: no edit brings it back
_THREAD_WORD = {ThreadKind.PROPOSAL: "thread", ThreadKind.DISCUSSION: "discussion"}


@dataclass(frozen=True)
class ThreadEntry:
    """One comment as a reader sees it."""

    comment: CommentRecord
    author_label: str  # a local member's username, else the author's IRI

    @property
    def from_member(self) -> bool:
        return self.comment.state is CommentState.SHOWN


async def _target(conn: AsyncConnection, uris: Uris, uri: str) -> ThreadTarget | None:
    """The thread a reply belongs to: the Question or discussion itself, or one of its
    comments."""
    target = await threads.by_uri(conn, uris, uri)
    if target is not None:
        return target
    parent = await comment_store.comment_by_uri(conn, uri)
    return None if parent is None else await threads.target_of(conn, parent.thread)


def _where(target: ThreadTarget) -> str:
    """How an inbox note names the thread (as each kind always did)."""
    if target.kind is ThreadKind.DISCUSSION:
        return f"discussion {target.reference}"
    return target.reference


async def active_member_row(conn: AsyncConnection, actor: str) -> int | None:
    record = await member_for_actor(conn, actor)  # a linked account writes as its member
    if record is None or record.member.status is not MemberStatus.ACTIVE:
        return None
    return record.row_id


def _published(value: str | None, received_at: datetime) -> datetime:
    """The reply's own time when it reads as one and is not in the future; else receipt."""
    if value is None:
        return received_at
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return received_at
    if stamp.tzinfo is None or stamp > received_at:
        return received_at
    return stamp


async def receive_reply(
    conn: AsyncConnection, uris: Uris, reply: RemoteReply, received_at: datetime
) -> Received:
    """Store a fediverse reply in its thread (the inbox's Create{Note} with text)."""
    target = await _target(conn, uris, reply.in_reply_to)
    if target is None or not await threads.may_see(conn, target, reply.author):
        return ignored(NOTHING_OF_OURS)  # the same as for nothing at all
    member_row = await active_member_row(conn, reply.author)
    state = CommentState.SHOWN
    if member_row is None:
        charter = await current_charter(conn, target.coop_id, received_at)
        state = _NON_MEMBER_STATE[charter.charter.non_member_replies]
    new = NewComment(
        thread=target.thread,
        public_id=None,
        uri=reply.note_id,
        author_uri=reply.author,
        member_row_id=member_row,
        source=CommentSource.FEDIVERSE,
        in_reply_to=reply.in_reply_to,
        content_html=reply.content_html,
        content_text=reply.content_text,
        state=state,
        published_at=_published(reply.published, received_at),
    )
    stored = await comment_store.insert_comment(conn, new, received_at)
    if stored is None:
        return ignored(f"this reply is already in the {_THREAD_WORD[target.kind]}")
    return done(f"comment {stored.state.value} on {_where(target)}")


MAX_EDITS = 50  # earlier texts kept per comment; further edits are ignored (threats MOD-3)


async def receive_edit(
    conn: AsyncConnection, uris: Uris, edit: ReplyEdit, received_at: datetime
) -> Received:
    """The author's edit of a stored reply (`Update{Note}`): the new text replaces the old,
    which is kept in the comment's history. Only the comment's author edits it: a comment is
    found by its author and id together, so another actor's Update of the same id finds
    nothing (docs/threats.md MOD-3)."""
    comment = await comment_store.comment_by_author(conn, edit.author, edit.note_id)
    if comment is None:
        if await comment_store.comment_by_uri(conn, edit.note_id) is not None:
            return ignored("only its author may edit a comment")
        return ignored("an edit of nothing in our threads")
    target = await threads.target_of(conn, comment.thread)
    if target is None or not await threads.may_see(conn, target, edit.author):
        return ignored(NOTHING_OF_OURS)  # a member who left writes no more in a members' thread
    if comment.state in GONE:
        return ignored(f"this comment was {comment.state.value}")
    if edit.content_html == comment.content_html:
        return ignored("the text is unchanged")  # Mastodon also sends Update for other changes
    at = _published(edit.updated, received_at)
    if edit.updated is not None and at <= (comment.edited_at or comment.published_at):
        return ignored("an older edit than the text we have")  # delivered out of order
    if await comment_store.edit_count(conn, comment.row_id) >= MAX_EDITS:
        return ignored(f"this comment was edited {MAX_EDITS} times already")
    await comment_store.replace_text(conn, comment, edit.content_html, edit.content_text, at)
    return done(f"comment edited on {_where(target)}")


async def receive_deletion(
    conn: AsyncConnection, author: str, object_id: str, received_at: datetime
) -> bool:
    """Its author deleted a reply stored in a thread (the inbox's `Delete`, already checked as
    theirs to delete): it leaves the thread, its text and history erased, its open reports
    closed. The row stays, so the same reply cannot come back. False when it is not one."""
    comment = await comment_store.comment_by_author(conn, author, object_id)
    if comment is None or comment.state in GONE:
        return False
    await comment_store.moderate(
        conn, comment.row_id, CommentState.DELETED, by=author, reason=None, at=received_at
    )
    await report_store.close_reports_of_comment(
        conn, comment.row_id, ReportState.ACTIONED, by=author, at=received_at
    )
    return True


def check_comment_text(text: str) -> str:
    """The text as stored (LF line endings, stripped); ServiceError for empty or too long."""
    clean = normalise_newlines(text).strip()
    if not clean:
        raise ServiceError("a comment needs some text")
    if len(clean) > MAX_SITE_COMMENT_CHARS:
        raise ServiceError(f"a comment is at most {MAX_SITE_COMMENT_CHARS} characters")
    return clean


async def post_comment(node: Node, reference: str, username: str, text: str) -> CommentRecord:
    """A member's comment from the site (or the CLI), stored and published together."""
    clean = check_comment_text(text)
    now = node.clock()
    author_uri = node.uris.actor(username)
    async with node.engine.begin() as conn:
        target = await threads.find(conn, node.uris, ThreadKind.PROPOSAL, reference)
        if target is None or not await threads.may_see(conn, target, author_uri):
            raise NotFound(f"no proposal {reference!r}")
        member_row = await active_member_row(conn, author_uri)
        author = await actor_store.get_local_actor(conn, username)
        if member_row is None or author is None:
            raise ServiceError("only the co-op's active members can comment")
        assert target.proposal is not None
        if target.proposal.proposal.state is ProposalState.WITHDRAWN:
            raise ServiceError("this proposal was withdrawn: its discussion is closed")
        return await add_site_comment(conn, node.uris, target, author, member_row, clean, now)


async def add_site_comment(
    conn: AsyncConnection,
    uris: Uris,
    target: ThreadTarget,
    author: actor_store.LocalActor,
    member_row: int,
    clean: str,
    now: datetime,
) -> CommentRecord:
    """A member's checked comment stored in its thread and published in the same transaction
    (the caller decided that this member may write there)."""
    public_id = new_public_id()
    new = NewComment(
        thread=target.thread,
        public_id=public_id,
        uri=threads.note_id(uris, target, public_id),
        author_uri=uris.actor(author.username),
        member_row_id=member_row,
        source=CommentSource.SITE,
        in_reply_to=target.uri,
        content_html=site_comment_html(paragraphs(clean)),
        content_text=clean,
        state=CommentState.SHOWN,
        published_at=now,
    )
    stored = await comment_store.insert_comment(conn, new, now)
    assert stored is not None  # a fresh public id
    return await publish_comment(conn, uris, target, stored, author, now)


async def comment_note(
    conn: AsyncConnection,
    uris: Uris,
    target: ThreadTarget,
    comment: CommentRecord,
    readers: tuple[str, ...],
) -> CommentNote:
    """A site comment as its author's Note. Public threads: to Public. Otherwise to
    `readers`: for members-only ones a single member (each gets a copy naming only them, and a
    GET names only its reader: docs/threats.md SEE-3), for allies-only ones the allies."""
    coop = await coop_actor(conn)
    public = target.visibility == Visibility.PUBLIC.value
    followers = uris.followers(coop.username)
    to = readers
    if target.kind is ThreadKind.DISCUSSION:
        to, _ = addressing(target.visibility, followers, readers)  # sorted, as 0033 sent them
    return CommentNote(
        note_id=comment.uri,
        author=comment.author_uri,
        question=target.uri,
        in_reply_to=comment.in_reply_to,
        content_html=comment.content_html,
        published=rfc3339(comment.published_at),
        to=(PUBLIC,) if public else to,
        cc=(uris.actor(coop.username), followers) if public else (),
    )


# Builds one activity about a comment from its Note as addressed, and a fresh activity id.
NoteActivity = Callable[[CommentNote, str], dict[str, Any]]


async def _to_thread_audience(
    conn: AsyncConnection,
    uris: Uris,
    target: ThreadTarget,
    comment: CommentRecord,
    author: actor_store.LocalActor,
    build: NoteActivity,
    now: datetime,
    *,
    to_followers: bool = False,
) -> None:
    """An activity by the comment's author about its Note, to whoever the Note is for: one
    copy per recipient for members-only threads, one to the allies for allies-only ones, and
    for public ones also the co-op's followers when `to_followers` (they got the Announce)."""
    if target.visibility == Visibility.MEMBERS.value:
        own_host = host_of(uris.base)
        copies = []
        for recipient in await threads.recipients(conn, target):
            if host_of(recipient) == own_host:
                continue  # our own accounts read it here
            note = await comment_note(conn, uris, target, comment, (recipient,))
            copies.append((recipient, build(note, new_activity_id(uris))))
        await publish_personal(conn, sender=author, copies=copies, now=now)
        return
    readers = await threads.recipients(conn, target)
    note = await comment_note(conn, uris, target, comment, readers)
    extra: list[str] = []
    if to_followers and target.visibility == Visibility.PUBLIC.value:
        # Followers hold the Note from the Group's Announce: the Delete must reach them too.
        coop = await coop_actor(conn)
        extra = await outbox_store.follower_inboxes(conn, coop.id)
    activity = build(note, new_activity_id(uris))
    await publish(
        conn,
        sender=author,
        activity=activity,
        audience=Audience(actors=readers),
        now=now,
        extra_inboxes=extra,
    )


async def publish_comment(
    conn: AsyncConnection,
    uris: Uris,
    target: ThreadTarget,
    comment: CommentRecord,
    author: actor_store.LocalActor,
    now: datetime,
) -> CommentRecord:
    """The member's Create{Note}: one to Public for public threads (and the Group's Announce
    of it, whose id is kept for a later Undo), one per recipient for members-only ones, one to
    the allies for allies-only ones. Also what an unhidden comment sends again."""
    await _to_thread_audience(conn, uris, target, comment, author, create_comment, now)
    if target.visibility != Visibility.PUBLIC.value:
        return comment
    coop = await coop_actor(conn)
    note = await comment_note(conn, uris, target, comment, ())
    announce_id = new_activity_id(uris)
    announce = announce_comment(
        uris.actor(coop.username), note, announce_id, uris.followers(coop.username)
    )
    followers = Audience(followers=True, public=True)
    await publish(conn, sender=coop, activity=announce, audience=followers, now=now)
    await comment_store.set_announce_uri(conn, comment.row_id, announce_id)
    return replace(comment, announce_uri=announce_id)


async def unpublish(
    conn: AsyncConnection, uris: Uris, target: ThreadTarget, comment: CommentRecord, now: datetime
) -> bool:
    """Take back what the co-op published of a comment leaving the thread: its author's
    Delete of the Note and the Group's Undo of its Announce, to the audience they went to.
    Only site comments were published (replies from the fediverse are their servers' own);
    False when there was nothing to take back."""
    if comment.source is not CommentSource.SITE or comment.state in UNSEEN:
        return False
    username = entry_of(uris, comment).author_label
    author = await actor_store.get_local_actor(conn, username)
    if author is None:
        return False  # an account deleted since: its actor cannot sign any more
    await _to_thread_audience(
        conn, uris, target, comment, author, delete_comment, now, to_followers=True
    )
    if comment.announce_uri is not None:
        coop = await coop_actor(conn)
        group, followers = uris.actor(coop.username), uris.followers(coop.username)
        undo = undo_announce(
            group, comment.announce_uri, comment.uri, new_activity_id(uris), followers
        )
        audience_ = Audience(followers=True, public=True)
        await publish(conn, sender=coop, activity=undo, audience=audience_, now=now)
    return True


async def republish(
    conn: AsyncConnection, uris: Uris, target: ThreadTarget, comment: CommentRecord, now: datetime
) -> bool:
    """Send again a site comment an admin unhid: its author's Create{Note} (the same id and
    text) and for public threads the Group's new Announce, to the thread's audience as it is
    now (services/audience.py decides, as for a new comment). False when its author's account
    is gone (nobody can sign for it)."""
    username = entry_of(uris, comment).author_label
    author = await actor_store.get_local_actor(conn, username)
    if author is None:
        return False
    await publish_comment(conn, uris, target, comment, author, now)
    return True


def _thread(of: Thread | int) -> Thread:
    return of if isinstance(of, Thread) else Thread.of_proposal(of)  # a proposal's row id


async def visible_thread(
    conn: AsyncConnection, uris: Uris, of: Thread | int
) -> tuple[ThreadEntry, ...]:
    """The comments a reader of the thread reads, oldest first. The caller has decided that
    this reader may see it (services/proposal_pages.load_page, services/discussions)."""
    comments = await comment_store.thread(conn, _thread(of))
    return tuple(entry_of(uris, c) for c in comments if c.state not in UNSEEN)


async def held_replies(
    conn: AsyncConnection, uris: Uris, of: Thread | int
) -> tuple[ThreadEntry, ...]:
    """Non-members' replies the charter holds for an admin, oldest first (admins only)."""
    comments = await comment_store.thread(conn, _thread(of))
    return tuple(entry_of(uris, c) for c in comments if c.state is CommentState.HELD)


async def hidden_comments(conn: AsyncConnection, uris: Uris, of: Thread) -> tuple[ThreadEntry, ...]:
    """Comments hidden by an admin or by the charter, oldest first (admins only: Unhide)."""
    comments = await comment_store.thread(conn, of)
    return tuple(entry_of(uris, c) for c in comments if c.state is CommentState.HIDDEN)


async def thread_of_admin(node: Node, reference: str) -> list[ThreadEntry]:
    """Every comment, hidden ones included: what `coopfed proposal comments` lists."""
    return [entry for entry, _ in await thread_with_history(node, reference)]


async def thread_with_history(
    node: Node, reference: str, kind: ThreadKind = ThreadKind.PROPOSAL
) -> list[tuple[ThreadEntry, list[CommentEdit]]]:
    """Every comment with its earlier texts, oldest first (admins: `proposal comments`,
    `discussion comments`)."""
    async with node.engine.connect() as conn:
        target = await threads.find(conn, node.uris, kind, reference)
        if target is None:
            raise NotFound(f"no {kind.value} {reference!r}")
        comments = await comment_store.thread(conn, target.thread)
        return [
            (
                entry_of(node.uris, c),
                await comment_store.edits_of(conn, c.row_id) if c.edited_at else [],
            )
            for c in comments
        ]


def entry_of(uris: Uris, comment: CommentRecord) -> ThreadEntry:
    local = uris.actor("")
    author = comment.author_uri
    return ThreadEntry(comment, author[len(local) :] if author.startswith(local) else author)


async def served_comment(
    node: Node, public_id: str, reader: str | None, kind: ThreadKind = ThreadKind.PROPOSAL
) -> CommentNote:
    """A site comment's Note for GET /comments/{id} (a proposal's) or
    /discussion-comments/{id} (a discussion's): its thread's readers, else NotFound."""
    async with node.engine.connect() as conn:
        comment = await comment_store.comment_by_public_id(conn, public_id)
        if comment is None or comment.thread.kind is not kind or comment.state in UNSEEN:
            raise NotFound("no such comment")
        target = await threads.target_of(conn, comment.thread)
        if target is None or not await threads.may_see(conn, target, reader):
            raise NotFound("no such comment")
        readers: tuple[str, ...] = (reader,) if reader is not None else ()
        if kind is ThreadKind.DISCUSSION and target.visibility == Visibility.ALLIES.value:
            readers = await threads.recipients(conn, target)  # as 0033 served them
        return await comment_note(conn, node.uris, target, comment, readers)


async def release_reply(
    node: Node, reference: str, comment_uri: str, kind: ThreadKind = ThreadKind.PROPOSAL
) -> CommentRecord:
    """An admin lets a held non-member's reply into the thread, shown apart as from followers
    (released, it is still not a member's comment)."""
    async with node.engine.begin() as conn:
        target = await threads.find(conn, node.uris, kind, reference)
        if target is None:
            raise NotFound(f"no {kind.value} {reference!r}")
        comment = await comment_store.comment_in_thread(conn, target.thread, comment_uri)
        if comment is None:
            raise NotFound(f"no comment {comment_uri!r} on this {kind.value}")
        if comment.state is not CommentState.HELD:
            raise ServiceError(f"this comment is {comment.state.value}, not held")
        await comment_store.set_state(conn, comment.row_id, CommentState.FROM_FOLLOWERS)
    return replace(comment, state=CommentState.FROM_FOLLOWERS)
