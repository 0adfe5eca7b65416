"""Poll votes from the fediverse, and the private notes that tell a voter what became of a vote:
not counted (and why), or counted (with its receipt, to check in the published ballot log).

Mastodon votes by sending, per chosen option, `Create{Note{name: <option>, inReplyTo:
<question>, attributedTo: <voter>}}` with no `content` (docs/protocol.md, "Voting"). The
vote's id is a fragment on the voter's actor (not fetchable): the voter's HTTP signature,
checked by the inbox, is the only proof, so the Note must be embedded and attributed to the
signing actor.
`ap_to_vote` never raises on any JSON value: it returns a `RemoteVote` or a `VoteRefusal`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from coopfed.federation.mapping.direct_messages import DirectReply, direct_reply_to_ap

MAX_OPTION_LENGTH = 1000


@dataclass(frozen=True, slots=True)
class RemoteVote:
    """One tapped option: who (the signing actor), on which Question, which option."""

    voter: str
    question: str
    option: str
    activity_id: str
    note_id: str | None


class VoteRefusalReason(enum.StrEnum):
    NOT_CREATE = "not_create"  # e.g. an Announce of someone's vote: never counted
    NOT_NOTE = "not_note"
    NOT_EMBEDDED = "not_embedded"  # a vote cannot be fetched: it must come embedded
    MALFORMED = "malformed"  # missing or non-text id / actor
    NOT_A_REPLY = "not_a_reply"  # no inReplyTo: an ordinary post
    HAS_CONTENT = "has_content"  # content present: a reply, not a vote
    NO_OPTION = "no_option"  # no `name`: a reply, not a vote
    NOT_OURS = "not_ours"  # inReplyTo is not one of our proposals
    ATTRIBUTION = "attribution"  # attributedTo ≠ the signing actor


# Refusals that mean "this is some other kind of post": the dispatcher ignores them quietly.
NOT_A_VOTE = frozenset(
    {
        VoteRefusalReason.NOT_CREATE,
        VoteRefusalReason.NOT_NOTE,
        VoteRefusalReason.NOT_A_REPLY,
        VoteRefusalReason.HAS_CONTENT,
        VoteRefusalReason.NO_OPTION,
        VoteRefusalReason.NOT_OURS,
    }
)


@dataclass(frozen=True, slots=True)
class VoteRefusal:
    reason: VoteRefusalReason
    detail: str = ""

    @property
    def is_vote_attempt(self) -> bool:
        """True when the payload looked like a vote on our proposal but cannot count."""
        return self.reason not in NOT_A_VOTE


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _single_id(value: Any) -> str | None:
    """An IRI given as a string, an object with an id, or a one-item list of either."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, Mapping):
        value = value.get("id")
    return _text(value)


def _has_content(note: Mapping[str, Any]) -> bool:
    content = note.get("content")
    content_map = note.get("contentMap")
    return bool(content) or (isinstance(content_map, Mapping) and any(content_map.values()))


def ap_to_vote(activity: Any, *, proposals_prefix: str) -> RemoteVote | VoteRefusal:
    """Read a Mastodon-shaped vote. `proposals_prefix` is where our proposal IRIs start
    (`uris.proposal("")`): a reply to anything else is not a vote on our proposals."""
    if not isinstance(activity, Mapping) or activity.get("type") != "Create":
        kind = activity.get("type") if isinstance(activity, Mapping) else type(activity).__name__
        return VoteRefusal(VoteRefusalReason.NOT_CREATE, f"type {str(kind)[:40]}")
    note = activity.get("object")
    if not isinstance(note, Mapping):
        if _text(note):
            return VoteRefusal(VoteRefusalReason.NOT_EMBEDDED, "the Note must be embedded")
        return VoteRefusal(VoteRefusalReason.NOT_NOTE, "no object")
    if note.get("type") != "Note":
        return VoteRefusal(VoteRefusalReason.NOT_NOTE, f"object type {str(note.get('type'))[:40]}")
    return _note_vote(activity, note, proposals_prefix)


def _note_vote(
    activity: Mapping[str, Any], note: Mapping[str, Any], prefix: str
) -> RemoteVote | VoteRefusal:
    question = _single_id(note.get("inReplyTo"))
    if question is None:
        return VoteRefusal(VoteRefusalReason.NOT_A_REPLY)
    if _has_content(note):
        return VoteRefusal(VoteRefusalReason.HAS_CONTENT, "a reply with text is not a vote")
    option = note.get("name")
    if not isinstance(option, str) or not option.strip():
        return VoteRefusal(VoteRefusalReason.NO_OPTION)
    if not question.startswith(prefix) or len(question) == len(prefix):
        return VoteRefusal(VoteRefusalReason.NOT_OURS, question[:200])
    activity_id, actor = _text(activity.get("id")), _single_id(activity.get("actor"))
    if activity_id is None or actor is None:
        return VoteRefusal(VoteRefusalReason.MALFORMED, "the Create needs an id and an actor")
    attributed = _single_id(note.get("attributedTo"))
    if attributed is not None and attributed != actor:
        return VoteRefusal(VoteRefusalReason.ATTRIBUTION, f"attributedTo {attributed[:200]}")
    if len(option) > MAX_OPTION_LENGTH:
        return VoteRefusal(VoteRefusalReason.MALFORMED, "option name too long")
    return RemoteVote(actor, question, option, activity_id, _text(note.get("id")))


@dataclass(frozen=True, slots=True)
class VoteNotice:
    """Why a vote did not count, addressed privately to the voter."""

    note_id: str
    activity_id: str
    coop_actor: str
    voter: str
    question: str
    title: str
    reason: str
    published: str  # RFC 3339


def vote_notice_to_ap(notice: VoteNotice) -> dict[str, Any]:
    """`Create{Note}` mentioning only the voter (Mastodon shows it as a private mention).

    A `Reject` of a vote would be ignored by Mastodon, so a readable note is the only way
    to tell the voter.
    """
    reply = DirectReply(
        activity_id=notice.activity_id,
        note_id=notice.note_id,
        sender=notice.coop_actor,
        recipient=notice.voter,
        text=f"your vote on “{notice.title}” was not counted: {notice.reason}",
        in_reply_to=notice.question,
        published=notice.published,
    )
    return direct_reply_to_ap(reply)


@dataclass(frozen=True, slots=True)
class CountedNotice:
    """A vote taken into the ballot log, and the receipt that finds it there."""

    note_id: str
    activity_id: str
    coop_actor: str
    voter: str
    question: str
    title: str
    receipt: str  # the ballot's entry hash in the log
    invalid: bool  # logged, but not a valid ballot for the method
    published: str  # RFC 3339


def counted_notice_to_ap(notice: CountedNotice) -> dict[str, Any]:
    """`Create{Note}` mentioning only the voter: the receipt a local voter gets from the site
    or `coopfed vote`, so a member voting from Mastodon can check the result too
    (`coopfed verify QUESTION --receipt HASH`, docs/verify.md)."""
    what = "was recorded, but is not a valid ballot" if notice.invalid else "was counted"
    text = (
        f"your vote on “{notice.title}” {what}. Receipt: {notice.receipt}"
        f" (anyone can check it is in the published ballot log:"
        f" coopfed verify {notice.question} --receipt {notice.receipt})"
    )
    reply = DirectReply(
        activity_id=notice.activity_id,
        note_id=notice.note_id,
        sender=notice.coop_actor,
        recipient=notice.voter,
        text=text,
        in_reply_to=notice.question,
        published=notice.published,
    )
    return direct_reply_to_ap(reply)
