"""A direct message to the co-op carrying a link code: redeem it, answer the sender privately.

Runs in the inbox worker's transaction, so the link, the wrong-code count and the reply
(transactional outbox) commit together. A message without a code gets no answer (people may
write to the co-op for other reasons); once an account has used up its wrong codes it gets no
more answers either, so guessing earns nothing but silence.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.federation.mapping.direct_messages import DirectMessage, DirectReply
from coopfed.federation.mapping.direct_messages import direct_reply_to_ap as reply_to_ap
from coopfed.governance.canonical import rfc3339
from coopfed.services.account_links import LinkOutcome, LinkStatus, redeem_code
from coopfed.services.members import coop_actor
from coopfed.services.outbox import Audience, new_activity_id, publish
from coopfed.uris import Uris


async def answer_link_message(
    conn: AsyncConnection, uris: Uris, message: DirectMessage, now: datetime
) -> LinkOutcome | None:
    """Redeem the message's code for its (verified) sender; None when it carries no code."""
    if message.code is None:
        return None
    outcome = await redeem_code(conn, message.sender, message.code, now)
    if outcome.status is not LinkStatus.TOO_MANY_ATTEMPTS:
        await _reply(conn, uris, message, outcome, now)
    return outcome


async def _reply(
    conn: AsyncConnection, uris: Uris, message: DirectMessage, outcome: LinkOutcome, now: datetime
) -> None:
    coop = await coop_actor(conn)
    lead = "Linked:" if outcome.linked else "Not linked:"
    activity_id = new_activity_id(uris)
    reply = DirectReply(
        activity_id=activity_id,
        note_id=f"{activity_id}/note",
        sender=uris.actor(coop.username),
        recipient=message.sender,
        text=f"{lead} {outcome.message}",
        in_reply_to=message.note_id,
        published=rfc3339(now),
    )
    audience = Audience(actors=(message.sender,))
    await publish(conn, sender=coop, activity=reply_to_ap(reply), audience=audience, now=now)
