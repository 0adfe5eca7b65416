"""Equivocation: an allied node that publishes two different ballot-log heads for the same log
length of one proposal, or two results for one proposal (issue #14).

Every `Update(Question)` a peer sends about its own proposal is compared with the first one
seen for the same (proposal, log length) or result; a difference is kept with both documents,
as they arrived (signed), for admins (`coopfed federation equivocations`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.federation.mapping.publication import question_claims
from coopfed.node import Node
from coopfed.store import equivocations as store
from coopfed.store.equivocations import Equivocation, Observation

RESULT_LENGTH = -1  # the key of a proposal's result: one per proposal, whatever the length


def claims(question: Mapping[str, Any]) -> list[tuple[str, int, str]]:
    """(kind, log length, value) the Question asserts: its log head and its result hash."""
    published = question_claims(question)
    head, length, result = published.log_head, published.log_length, published.result_hash
    found: list[tuple[str, int, str]] = []
    if head is not None and length is not None and len(head) <= 128:
        found.append(("log_head", length, head))
    if result is not None and len(result) <= 128:
        found.append(("result", RESULT_LENGTH, result))
    return found


async def observe_question(
    conn: AsyncConnection, actor: str, question: Mapping[str, Any], document: Mapping[str, Any],
    now: datetime,
) -> list[Equivocation]:  # fmt: skip
    """Record what `actor` published about its Question; return any new equivocation."""
    text = json.dumps(document, sort_keys=True, ensure_ascii=False)
    proposal_uri = str(question["id"])
    found: list[Equivocation] = []
    for kind, length, value in claims(question):
        seen = Observation(proposal_uri, kind, length, value, actor, text)
        first = await store.first_observation(conn, proposal_uri, kind, length)
        if first is None:
            await store.add_observation(conn, seen, now)
        elif first.value != value and not await store.has_equivocation(conn, first, value):
            equivocation = Equivocation(
                proposal_uri, actor, kind, length, first.value, value, first.document, text, now
            )
            await store.add_equivocation(conn, equivocation)
            found.append(equivocation)
    return found


async def list_equivocations(node: Node) -> list[Equivocation]:
    async with node.engine.connect() as conn:
        return await store.list_equivocations(conn)
