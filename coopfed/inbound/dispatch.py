"""Dispatch of committed inbox activities to handlers: one explicit routing table.

A route is (activity type, object type); ANY as the object type matches an activity whose
object has no route of its own (or no type: a bare id). Handlers call services and return an
`Outcome`; an exception means "try again later" (the worker backs off, then quarantines).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.federation.mapping.remote_actors import ACTOR_TYPES
from coopfed.inbound import (
    actor_update,
    alliances,
    answers,
    comments,
    delete,
    flag,
    follow,
    join,
    joint,
    leave,
    membership_claims,
    move,
    projects,
    question_update,
    relayed,
    undo,
    vote,
)
from coopfed.inbound.context import BatchMemo, Handler, HandlerContext, Outcome, ignored
from coopfed.node import Node
from coopfed.store.inbox import InboxItem

ANY = "*"

ROUTES: dict[tuple[str, str], Handler] = {
    ("Follow", ANY): follow.handle_follow,
    ("Undo", ANY): undo.handle_undo,  # Undo{Follow}, and Undo of a bare id
    ("Accept", ANY): answers.handle_accept,
    ("Reject", ANY): answers.handle_reject,
    ("Create", "Note"): vote.handle_create_note,  # poll votes, then direct messages
    ("Join", ANY): join.handle_join,
    ("Leave", ANY): leave.handle_leave,  # of the co-op, or of a project hosted here
    ("Move", ANY): move.handle_move,
    ("Add", ANY): membership_claims.handle_add,
    ("Remove", ANY): membership_claims.handle_remove,  # or a project removing our co-op
    **{("Update", kind): actor_update.handle_actor_update for kind in sorted(ACTOR_TYPES)},
    ("Update", "Question"): question_update.handle_question_update,
    ("Update", "Note"): comments.handle_note_update,  # an author's edit of a reply
    ("Update", ANY): actor_update.handle_other_update,
    ("Delete", ANY): delete.handle_delete,
    ("Offer", "Alliance"): alliances.handle_alliance_offer,
    ("Undo", "Offer"): alliances.handle_undo_offer,
    ("Invite", ANY): projects.handle_invite,
    ("Create", "JointProposal"): joint.handle_joint_proposal,
    ("Create", "ResultCertificate"): joint.handle_certificate,
    ("Update", "JointProposal"): joint.handle_joint_result,
    ("Announce", ANY): relayed.handle_announce,  # relayed Questions; anything else ignored
    ("Flag", ANY): flag.handle_flag,  # reports about comments in our threads
}


def object_type(activity: dict[str, Any]) -> str | None:
    obj = activity.get("object")
    if isinstance(obj, dict) and isinstance(obj.get("type"), str):
        return str(obj["type"])
    return None


def find_handler(activity: dict[str, Any]) -> Handler | None:
    kind = str(activity.get("type"))
    inner = object_type(activity)
    if inner is not None and (kind, inner) in ROUTES:
        return ROUTES[(kind, inner)]
    return ROUTES.get((kind, ANY))


async def dispatch(
    node: Node, conn: AsyncConnection, item: InboxItem, memo: BatchMemo | None = None
) -> Outcome:
    activity = json.loads(item.body)
    handler = find_handler(activity)
    if handler is None:
        kind, inner = activity.get("type"), object_type(activity) or "-"
        return ignored(f"no handler for {str(kind)[:40]}/{inner[:40]}")
    return await handler(HandlerContext(node, conn, item, activity, memo or BatchMemo()))
