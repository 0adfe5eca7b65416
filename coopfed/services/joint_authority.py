"""Who may do what in a shared project: ONE pure function for local (CLI) and federated actions.

The CLI acts as the local project (on its host) or as the local co-op; the inbox acts as the
activity's signing actor. Both ask `refusal(...)` with the acting actor's IRI.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum


class Action(StrEnum):
    OPEN = "open"  # open a joint proposal (only the project, on its host)
    DECIDE = "decide"  # publish the joint result (only the project)
    INVITE = "invite"  # invite a co-op (only the project)
    ANSWER = "answer"  # accept or refuse an invitation (only the invited co-op)
    CERTIFY = "certify"  # send a result certificate (only an active member co-op, its own)
    LEAVE = "leave"  # leave the project (only an active member co-op, for itself)
    REMOVE = "remove"  # remove a member co-op (only the project)


def refusal(
    action: Action,
    *,
    actor: str,
    project_uri: str,
    coop_uri: str | None = None,
    active_members: Collection[str] = (),
) -> str | None:
    """Why `actor` may not do `action` in the project, or None when it may."""
    if action in {Action.OPEN, Action.DECIDE, Action.INVITE, Action.REMOVE}:
        if actor != project_uri:
            return f"only the project {project_uri} may {action.value} here"
        return None
    if coop_uri is None or actor != coop_uri:
        return f"only the co-op {coop_uri} itself may {action.value} for it"
    if action in {Action.CERTIFY, Action.LEAVE} and coop_uri not in active_members:
        return f"{coop_uri} is not a member co-op of {project_uri}"
    return None
