"""`coopfed status [--json]`: is this node healthy, and does anything wait for an admin?

Schema (current vs head), queue depths with the age of their oldest item, failing peers, the
last backup (from `last-backup.json` in data_dir) and what needs an admin. A schema behind the
code is reported, not refused: then only the schema and the last backup are shown.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import TYPE_CHECKING, Any

from coopfed.cli import archive
from coopfed.cli.support import print_json, run, settings_from

if TYPE_CHECKING:
    from coopfed.settings import Settings


def _stamp(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


async def _database_facts(settings: Settings, now: datetime) -> dict[str, Any]:
    from coopfed.store import node_status
    from coopfed.store.db import create_engine

    engine = create_engine(settings.database_url, pool_size=0)
    try:
        async with engine.connect() as conn:
            depths = await node_status.queue_depths(conn)
            peers = await node_status.failing_peers(conn, now)
            todo = await node_status.admin_todo(conn)
    finally:
        await engine.dispose()
    queues = {
        name: {
            "depth": depth.depth,
            "oldest_age_seconds": None
            if depth.oldest is None
            else round((now - depth.oldest).total_seconds(), 1),
        }
        for name, depth in depths.items()
    }
    return {
        "queues": queues,
        "failing_peers": [
            {
                "host": peer.host,
                "consecutive_failures": peer.consecutive_failures,
                "circuit_open_until": _stamp(peer.circuit_open_until),
                "circuit_open": peer.circuit_open_until is not None
                and peer.circuit_open_until > now,
                "unavailable": peer.unavailable,
            }
            for peer in peers
        ],
        "needs_admin": {
            "pending_applications": todo.pending_applications,
            "alliance_offers": todo.alliance_offers,
            "equivocations": todo.equivocations,
        },
    }


def node_status(settings: Settings) -> dict[str, Any]:
    from datetime import UTC

    from coopfed.store import migrate

    now = datetime.now(UTC)
    current = run(migrate.current_revision(settings.database_url))
    head = migrate.head_revision(settings.database_url)
    status: dict[str, Any] = {
        "schema": {"current": current, "head": head, "up_to_date": current == head},
        "last_backup": archive.read_last_backup(settings.data_path),
        "queues": None,
        "failing_peers": None,
        "needs_admin": None,
    }
    if current == head:
        status.update(run(_database_facts(settings, now)))
    return status


def cmd_status(args: argparse.Namespace) -> int:
    status = node_status(settings_from(args, "existing"))
    if args.json:
        print_json(status)
    else:
        _print_text(status)
    return 0


def _print_text(status: dict[str, Any]) -> None:
    schema = status["schema"]
    state = "up to date" if schema["up_to_date"] else "run `coopfed db upgrade`"
    print(f"schema      {schema['current'] or 'empty'} (head {schema['head']}; {state})")
    backup = status["last_backup"]
    print(f"last backup {backup['created_at']} {backup['path']}" if backup else "last backup never")
    if status["queues"] is None:
        return
    for name, queue in status["queues"].items():
        age = queue["oldest_age_seconds"]
        oldest = "" if age is None else f" (oldest {age:.0f} s)"
        print(f"queue       {name}: {queue['depth']}{oldest}")
    for peer in status["failing_peers"]:
        flags = " circuit open" if peer["circuit_open"] else ""
        flags += " unavailable" if peer["unavailable"] else ""
        print(f"failing     {peer['host']}: {peer['consecutive_failures']} failures{flags}")
    for what, count in status["needs_admin"].items():
        if count:
            print(f"needs admin {what.replace('_', ' ')}: {count}")


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    status = sub.add_parser(
        "status", parents=[common], help="schema, queues, failing peers, last backup, admin to-dos"
    )
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(handler=cmd_status)
