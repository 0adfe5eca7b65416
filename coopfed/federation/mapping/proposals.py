"""Proposals as ActivityStreams: a Mastodon-compatible `Question` (or a `Note` when a poll
cannot express the method), and the `Create` / `Update` activities that carry it.

Shapes follow Mastodon's own polls (docs/protocol.md, "Polls: how a proposal looks in Mastodon"):
options are `{"type": "Note", "name": …, "replies": {"type": "Collection", "totalItems": n}}`
under `oneOf` or `anyOf`; `endTime`, `votersCount`; `closed` once the proposal has closed
(Mastodon notifies voters when `closed` first appears). `updated` is never set: a proposal
cannot change once open, and Mastodon would show a tally-only update as an edit. coopfed's own
facts go under the inline coopfed terms of `vocab.CONTEXT`, documented in FEDERATION.md.
"""

from __future__ import annotations

import enum
import hashlib
import html
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from coopfed.activitypub.vocab import CONTEXT, PUBLIC
from coopfed.federation.mapping.polls import PollKind, PollTally, poll_kind, poll_options
from coopfed.governance import proposal_text
from coopfed.governance.canonical import canonical_text, fraction_str, rfc3339
from coopfed.governance.proposal import Proposal, ProposalState


class Visibility(enum.StrEnum):
    PUBLIC = "public"  # to Public, cc followers
    MEMBERS = "members"  # a copy per recipient, naming and mentioning only them; to members only
    ALLIES = "allies"  # to allied co-ops' actors


@dataclass(frozen=True)
class ProposalView:
    """Everything a published proposal shows; the wiring fills it from the store.

    `tally` None means no counts yet. `member_actors` address members-only proposals (one
    recipient per copy, or the reader of a GET: never the list of members) and
    `ally_actors` allies-only ones (the hook for shared projects between co-ops).
    """

    proposal: Proposal
    body: str
    visibility: Visibility
    coop_actor: str
    coop_followers: str
    tally: PollTally | None = None
    member_actors: tuple[str, ...] = ()
    ally_actors: tuple[str, ...] = ()
    log_head: str | None = None
    log_length: int = 0
    result: Mapping[str, Any] | None = None
    joint_proposal: str | None = None
    comment_ids: tuple[str, ...] = ()  # the thread's visible comments, oldest first

    @property
    def question_id(self) -> str:
        return self.proposal.proposal_id

    @property
    def page_url(self) -> str:
        # The same IRI answers HTML to browsers (content negotiation).
        return self.proposal.proposal_id


CLOSED_STATES = frozenset({ProposalState.CLOSED, ProposalState.DECIDED, ProposalState.WITHDRAWN})


def counts_visible(proposal: Proposal) -> bool:
    """Hidden-results charters show counts only once the proposal has closed."""
    return not proposal.charter.hidden_results or proposal.state in CLOSED_STATES


def addressing(view: ProposalView) -> tuple[list[str], list[str]]:
    """(`to`, `cc`) for the proposal's visibility."""
    return addressing_for(
        view.visibility, view.coop_followers, view.member_actors, view.ally_actors
    )


def addressing_for(
    visibility: Visibility,
    followers: str,
    member_actors: tuple[str, ...],
    ally_actors: tuple[str, ...],
) -> tuple[list[str], list[str]]:
    """(`to`, `cc`) for a visibility: public to Public and cc followers, members-only to the
    named members, allies-only to the allies (proposals and assemblies alike)."""
    if visibility is Visibility.PUBLIC:
        return [PUBLIC], [followers]
    if visibility is Visibility.MEMBERS:
        return sorted(set(member_actors)), []
    return sorted(set(ally_actors)), []


def proposal_to_question(view: ProposalView) -> dict[str, Any]:
    """The Question (or Note) served at the proposal's IRI and carried by Create/Update."""
    proposal = view.proposal
    kind = poll_kind(proposal.method, proposal.spec)
    to, cc = addressing(view)
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "id": view.question_id,
        "type": "Note" if kind is None else "Question",
        "attributedTo": view.coop_actor,
        "url": view.page_url,
        "to": to,
        "cc": cc,
        "sensitive": False,
        "content": proposal_content(view, kind),
    }
    if proposal.opened_at is not None:
        document["published"] = rfc3339(proposal.opened_at)
    if view.visibility is Visibility.MEMBERS:
        # Mastodon delivers a non-public post to a user only if it mentions them.
        document["tag"] = [{"type": "Mention", "href": actor} for actor in to]
    if kind is not None:
        document.update(_poll_fields(view, kind))
    document["replies"] = _replies(view)
    document.update(coopfed_facts(view))
    return document


def _replies(view: ProposalView) -> dict[str, Any]:
    """The discussion as the Question's `replies` (FEDERATION.md, "Discussion"): the ids of
    its visible comments inline, as Mastodon reads a status's replies."""
    return {
        "id": f"{view.question_id}#replies",
        "type": "Collection",
        "totalItems": len(view.comment_ids),
        "items": list(view.comment_ids),
    }


def _poll_fields(view: ProposalView, kind: PollKind) -> dict[str, Any]:
    proposal = view.proposal
    shown = view.tally if counts_visible(proposal) else None
    options = []
    for name in poll_options(proposal.method, proposal.spec):
        option: dict[str, Any] = {"type": "Note", "name": name}
        if shown is not None:
            count = shown.counts.get(name, 0)
            option["replies"] = {"type": "Collection", "totalItems": count}
        options.append(option)
    fields: dict[str, Any] = {kind.value: options}
    if proposal.closes_at is not None:
        fields["endTime"] = rfc3339(proposal.closes_at)
    if shown is not None:
        fields["votersCount"] = shown.voters
    if proposal.state in CLOSED_STATES:
        fields["closed"] = rfc3339(_closed_at(proposal))
    return fields


def _closed_at(proposal: Proposal) -> datetime:
    moment = proposal.closed_at or proposal.closes_at
    assert moment is not None, "a closed proposal has a closing time"
    return moment


def coopfed_facts(view: ProposalView) -> dict[str, Any]:
    """coopfed's governance facts, under the inline coopfed terms."""
    proposal = view.proposal
    charter = proposal.charter
    facts: dict[str, Any] = {
        "proposalState": proposal.state.value,
        "visibility": view.visibility.value,
        "votingMethod": proposal.method,
        "quorum": None if charter.quorum is None else fraction_str(charter.quorum),
        "threshold": charter.comparison.to_str(),
        "thresholdBase": charter.threshold_base.value,
        "hiddenResults": charter.hidden_results,
    }
    electorate = proposal.electorate
    if electorate is not None:
        facts["electorateSize"] = electorate.size
        facts["electorateHash"] = electorate.electorate_hash()
    if view.log_head is not None and counts_visible(proposal):
        facts["ballotLogHead"] = view.log_head
        facts["ballotLogLength"] = view.log_length
    if proposal.status is not None:
        facts["resultStatus"] = proposal.status.value
    elif proposal.state is ProposalState.WITHDRAWN:
        facts["resultStatus"] = "withdrawn"
    if proposal.result_hash is not None:
        facts["resultHash"] = proposal.result_hash
    if view.result is not None:
        facts["resultRecord"] = canonical_text(dict(view.result))
    if view.joint_proposal is not None:
        facts["jointProposal"] = view.joint_proposal
    if proposal.state is ProposalState.DECIDED and view.result is not None:
        facts.update(publication_links(view.question_id))
    return facts


def publication_links(question_id: str) -> dict[str, str]:
    """Where a decided proposal publishes its electorate, ballot log, result and bundle
    (served by web/publication.py under the same visibility as the Question)."""
    return {
        "resultBundle": f"{question_id}/bundle",
        "ballotLog": f"{question_id}/ballots",
        "electorateCollection": f"{question_id}/electorate",
        "resultRecordDocument": f"{question_id}/record",
    }


def proposal_content(view: ProposalView, kind: PollKind | None) -> str:
    """HTML: the title, the text, how to vote, and a link to the proposal's page.

    Built from escaped plain text only, so nothing a member typed becomes markup. The
    content never changes after opening (Mastodon would show a change as an edit).
    """
    proposal = view.proposal
    paragraphs = [f"<p><strong>{html.escape(proposal.title)}</strong></p>"]
    for text in proposal_text.paragraphs(view.body):
        lines = "<br>".join(html.escape(line) for line in text.split("\n"))
        paragraphs.append(f"<p>{lines}</p>")
    page = html.escape(view.page_url, quote=True)
    link = f'<a href="{page}">{page}</a>'
    if kind is None:
        paragraphs.append(
            f"<p>This proposal is decided by {html.escape(proposal.method)}, which a poll"
            f" cannot show: vote on its page, {link}</p>"
        )
    elif proposal.method == "consent@1":
        paragraphs.append(f"<p>To object, give your reason on the proposal's page: {link}</p>")
    elif proposal.method == "meeting@1":
        paragraphs.append(
            "<p>Tap every time slot that suits you (a tap means yes). To answer"
            f" “if need be”, and for the full grid, use the proposal's page: {link}</p>"
        )
    else:
        paragraphs.append(f"<p>Details, results and the ballot log: {link}</p>")
    return "".join(paragraphs)


def create_activity_id(question_id: str) -> str:
    return f"{question_id}/activity"


def update_activity_id(question_id: str, sequence: int) -> str:
    """Each Update needs its own id; `sequence` grows (e.g. microseconds since the epoch)."""
    return f"{question_id}#updates/{sequence}"


def _wrap(kind: str, activity_id: str, question: Mapping[str, Any]) -> dict[str, Any]:
    # A signed Question keeps its @context: the proof covers it (FEP-8b32), so the embedded
    # object verifies on its own, however it is relayed.
    signed = "proof" in question
    inner = {key: value for key, value in question.items() if signed or key != "@context"}
    activity: dict[str, Any] = {
        "@context": question.get("@context", CONTEXT),
        "id": activity_id,
        "type": kind,
        "actor": question["attributedTo"],
        "to": list(question["to"]),
        "cc": list(question["cc"]),
        "object": inner,
    }
    if "published" in question and kind == "Create":
        activity["published"] = question["published"]
    return activity


def question_create_activity(question: Mapping[str, Any]) -> dict[str, Any]:
    """`Create(Question)` by the co-op, with the Question's own addressing."""
    return _wrap("Create", create_activity_id(question["id"]), question)


def question_update_activity(question: Mapping[str, Any], *, sequence: int) -> dict[str, Any]:
    """`Update(Question)` with the full Question: new counts, `closed`, the result."""
    return _wrap("Update", update_activity_id(question["id"], sequence), question)


def personal_copy(activity: Mapping[str, Any], recipient: str) -> dict[str, Any]:
    """One recipient's copy of a members-only Create/Update: the same Question (same object
    id), its own activity id (each copy is its own activity, and receivers dedupe by id), a
    digest of the recipient rather than their IRI, so the id says nothing to anyone else."""
    digest = hashlib.sha256(recipient.encode("utf-8")).hexdigest()[:16]
    return {**activity, "id": f"{activity['id']}/to/{digest}"}
