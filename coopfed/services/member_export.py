"""A member's data export: everything this node holds about them, as one JSON document.

The register row, the whole history, applications, share movements, ballots (with receipts),
the stored copy of their remote actor, linked fediverse accounts, the assemblies they were
recorded at, and for a local member the account (never the password hash or private keys).
"""

from __future__ import annotations

import json
from typing import Any

from coopfed.governance.canonical import rfc3339
from coopfed.node import Node
from coopfed.services.account_links import links_of_member
from coopfed.services.members import coop_actor, find_member_in
from coopfed.services.shares import ledger_of
from coopfed.store import actors as actor_store
from coopfed.store import assemblies as assembly_store
from coopfed.store import member_history
from coopfed.store import members as member_store
from coopfed.store import membership as membership_store
from coopfed.store import proxies as proxy_store
from coopfed.store import remote_actors as remote_store

EXPORT_FORMAT = "coopfed.member-export@1"


def _when(value: Any) -> str | None:
    return None if value is None else rfc3339(value)


async def export_member(node: Node, reference: str) -> dict[str, Any]:
    async with node.engine.connect() as conn:
        coop = await coop_actor(conn)
        record = await find_member_in(conn, node.uris, reference)
        events = await member_store.events_of(conn, record.row_id)
        applications = await membership_store.applications_of(conn, record.actor_uri, record.row_id)
        ledger = await ledger_of(conn, coop.id, record)
        ballots = await member_history.ballots_of(conn, record.row_id)
        grants = await proxy_store.list_grants(conn, member_row_id=record.row_id)
        remote = await remote_store.get_by_uri(conn, record.actor_uri)
        links = await links_of_member(conn, record)
        attended = await assembly_store.attended_by(conn, record.row_id)
        local_name = record.actor_uri.removeprefix(node.uris.actor(""))
        account = None
        if record.actor_uri == node.uris.actor(local_name):
            found = await actor_store.get_account(conn, local_name)
            if found is not None:
                account = {"username": local_name, "is_admin": found.is_admin}
    member = record.member
    return {
        "format": EXPORT_FORMAT,
        "exported_at": rfc3339(node.now()),
        "coop": node.uris.actor(coop.username),
        "member": {
            "id": record.member_id,
            "record": node.uris.member_record(record.member_id),
            "actor": record.actor_uri,
            "handle": record.handle,
            "class": member.member_class,
            "shares": member.shares,
            "status": member.status.value,
            "joined_at": _when(record.joined_at),
            "left_at": _when(record.left_at),
        },
        "history": [{"kind": e.kind, "at": _when(e.at), "detail": dict(e.detail)} for e in events],
        "applications": [
            {
                "actor": a.actor_uri,
                "class": a.requested_class,
                "message": a.message,
                "source": a.source,
                "join_activity": a.join_activity_id,
                "state": a.state.value,
                "reason": a.reason,
                "created_at": _when(a.created_at),
                "decided_at": _when(a.decided_at),
                "decided_by": a.decided_by,
                "email": a.email,
                "contact_actor": a.contact_actor,
            }
            for a in applications
        ],
        "shares": [
            {
                "kind": line.movement.kind.value,
                "count": line.movement.count,
                "from": line.movement.source,
                "to": line.movement.target,
                "nominal_value": str(line.nominal_value),
                "reason": line.movement.reason,
                "at": _when(line.movement.at),
            }
            for line in ledger
        ],
        "ballots": ballots,
        # Proxies she gave or held (issue 18), revoked ones too: the register keeps them.
        "proxies": [
            {
                "id": g.row_id,
                "grantor": g.grant.grantor,
                "holder": g.grant.holder,
                "proposal": g.grant.proposal_id,
                "assembly": g.grant.assembly_id,
                "until": _when(g.grant.until),
                "granted_at": _when(g.grant.granted_at),
                "revoked_at": _when(g.revoked_at),
            }
            for g in grants
        ],
        "remote_actor": None if remote is None else json.loads(remote.document),
        "linked_accounts": [
            {"actor": link.actor_uri, "linked_at": _when(link.linked_at)} for link in links
        ],
        "account": account,
        "assemblies": [
            {
                "assembly": a.uri,
                "title": a.title,
                "starts_at": _when(a.starts_at),
                "attended_recorded_at": _when(a.recorded_at),
                "recorded_by": a.recorded_by,
            }
            for a in attended
        ],
    }
