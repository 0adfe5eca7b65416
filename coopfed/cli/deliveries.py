"""`coopfed deliveries`: what the delivery queue holds, and un-parking.

Shown states (`--state`, and `state` in `--json`):
- pending: queued, not tried yet;
- failing: tried, will be tried again at `next_attempt_at`;
- parked: not tried again until an operator runs `coopfed deliveries retry` (or, when the host
  was unavailable, until it is heard from). Governance deliveries past the retry horizon are
  shown as parked too, with `"retrying": true`: they keep being retried every 12 h;
- done: delivered.

`coopfed deliveries recipients` lists addressed actors whose inbox is not known yet (their
document could not be fetched): `waiting` (fetched again at `next_attempt_at`, governance
traffic past the horizon included) or `parked` (given up; `deliveries retry --host` re-queues).
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from coopfed.activitypub.backoff import RetryPolicy, is_overdue
from coopfed.cli.support import CliError, print_json, run, settings_from

if TYPE_CHECKING:  # the node and store load SQLAlchemy: imported when a command runs
    from coopfed.node import Node
    from coopfed.settings import Settings
    from coopfed.store.deliveries import DeliveryRow
    from coopfed.store.pending_recipients import WaitingRow

SHOWN_STATES = ("pending", "failing", "parked", "done")
T = TypeVar("T")
STORED_STATES = {
    "pending": ("pending",),
    "failing": ("pending",),
    "parked": ("parked", "pending"),
    "done": ("done",),
}
RECIPIENT_STATES = {"waiting": "pending", "parked": "parked"}  # shown → stored


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "deliveries",
        parents=[common],
        help="show queued, failing and parked deliveries",
        description="Without a subcommand: list deliveries that are not done (newest first).",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--state", choices=SHOWN_STATES, help="only deliveries in this state")
    parser.add_argument("--limit", type=int, default=200, help="at most this many (default 200)")
    parser.set_defaults(handler=cmd_list)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    retry = actions.add_parser(
        "retry",
        parents=[common],
        help="un-park a delivery, or every parked one to a host",
        description="--host also re-queues the parked recipients on that host (actors whose "
        "document could not be fetched): they are fetched again with a fresh schedule.",
    )
    retry.add_argument("id", nargs="?", type=int, help="the delivery's id")
    retry.add_argument(
        "--host", help="every parked delivery to this host[:port], and its parked recipients"
    )
    retry.add_argument("--json", action="store_true", help="machine-readable output")
    retry.set_defaults(handler=cmd_retry)
    recipients = actions.add_parser(
        "recipients",
        parents=[common],
        help="addressed actors whose inbox is not known yet (waiting or parked)",
        description="Actors an activity was addressed to whose document could not be fetched "
        "yet, one row per (activity, actor), newest first.",
    )
    recipients.add_argument("--json", action="store_true", help="machine-readable output")
    recipients.add_argument("--state", choices=tuple(RECIPIENT_STATES), help="only this state")
    recipients.add_argument("--limit", type=int, default=200, help="at most this many (200)")
    recipients.set_defaults(handler=cmd_recipients)


def shown_state(row: DeliveryRow, policy: RetryPolicy, now: datetime) -> tuple[str, bool]:
    """(state as shown, still retried?)"""
    if row.state != "pending":
        return row.state, False
    if is_overdue(policy, row.attempts, row.created_at, now, row.governance):
        return "parked", True
    return ("failing" if row.attempts else "pending"), True


def as_json(row: DeliveryRow, policy: RetryPolicy, now: datetime) -> dict[str, Any]:
    state, retrying = shown_state(row, policy, now)
    return {
        "id": row.id,
        "activity_id": row.activity_id,
        "type": row.type,
        "inbox": row.inbox,
        "host": row.host,
        "state": state,
        "retrying": retrying,
        "governance": row.governance,
        "attempts": row.attempts,
        "next_attempt_at": row.next_attempt_at.isoformat() if retrying else None,
        "last_status": row.last_status,
        "last_error": row.last_error,
        "created_at": row.created_at.isoformat(),
        "delivered_at": row.delivered_at.isoformat() if row.delivered_at else None,
    }


async def _listing(node: Node, wanted: str | None, limit: int) -> list[dict[str, Any]]:
    from coopfed.store import deliveries as store

    stored = STORED_STATES[wanted] if wanted else ("pending", "parked")
    policy = RetryPolicy(time_scale=node.settings.worker.retry_time_scale)
    now = node.now()
    async with node.engine.connect() as conn:
        rows = await store.list_deliveries(
            conn, states=stored, limit=limit * 4 if wanted else limit
        )
    items = [as_json(row, policy, now) for row in rows]
    if wanted:
        items = [item for item in items if item["state"] == wanted]
    return items[:limit]


def _print_table(items: list[dict[str, Any]]) -> None:
    if not items:
        print("no deliveries")
        return
    print(f"{'id':>7}  {'state':<8} {'tries':>5}  {'next attempt':<20} {'status':>6}  host / error")
    for item in items:
        next_at = (item["next_attempt_at"] or "-")[:19]
        status = item["last_status"] if item["last_status"] is not None else "-"
        state = item["state"] + ("*" if item["state"] == "parked" and item["retrying"] else "")
        print(
            f"{item['id']:>7}  {state:<8} {item['attempts']:>5}  {next_at:<20} {status:>6}  "
            f"{item['host']}  {item['type']} {item['inbox']}"
        )
        if item["last_error"]:
            print(f"{'':>9}{item['last_error'][:200]}")
    if any(item["retrying"] and item["state"] == "parked" for item in items):
        print("* governance traffic past the retry horizon: still retried every 12 h")


def cmd_list(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise CliError("--limit must be at least 1")

    async def body(node: Node) -> list[dict[str, Any]]:
        return await _listing(node, args.state, args.limit)

    items = run(_with_node(settings_from(args), body))
    if args.json:
        print_json(items)
    else:
        _print_table(items)
    return 0


def cmd_retry(args: argparse.Namespace) -> int:
    if (args.id is None) == (args.host is None):
        raise CliError("give either a delivery ID or --host HOST")
    host = args.host.lower() if args.host else None

    async def body(node: Node) -> tuple[int, int]:
        from coopfed.store import deliveries as store
        from coopfed.store import pending_recipients

        async with node.engine.begin() as conn:
            count = await store.retry_parked(conn, node.now(), row_id=args.id, host=host)
            if host is None:
                return count, 0
            return count, await pending_recipients.retry_parked(conn, node.now(), host=host)

    count, recipients = run(_with_node(settings_from(args), body))
    if args.id is not None and count == 0:
        raise CliError(f"delivery {args.id} does not exist or is not parked")
    if args.json:
        print_json({"requeued": count, "recipients_requeued": recipients})
    else:
        print(f"{count} deliver{'y' if count == 1 else 'ies'} queued again")
        if recipients:
            print(f"{recipients} recipient{'' if recipients == 1 else 's'} waiting again")
    return 0


def recipient_json(row: WaitingRow) -> dict[str, Any]:
    waiting = row.state == "pending"
    return {
        "id": row.id,
        "actor": row.actor_uri,
        "activity_id": row.activity_id,
        "state": "waiting" if waiting else "parked",
        "attempts": row.attempts,
        "next_attempt_at": row.next_attempt_at.isoformat() if waiting else None,
        "last_error": row.last_error,
        "created_at": row.created_at.isoformat(),
    }


def cmd_recipients(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise CliError("--limit must be at least 1")
    states = [RECIPIENT_STATES[args.state]] if args.state else list(RECIPIENT_STATES.values())

    async def body(node: Node) -> list[dict[str, Any]]:
        from coopfed.store import pending_recipients as store

        async with node.engine.connect() as conn:
            rows = await store.list_waiting(conn, states=states, limit=args.limit)
        return [recipient_json(row) for row in rows]

    items = run(_with_node(settings_from(args), body))
    if args.json:
        print_json(items)
    elif not items:
        print("no recipients waiting")
    else:
        print(f"{'id':>7}  {'state':<8} {'tries':>5}  {'next attempt':<20} actor / activity")
        for item in items:
            next_at = (item["next_attempt_at"] or "-")[:19]
            print(
                f"{item['id']:>7}  {item['state']:<8} {item['attempts']:>5}  {next_at:<20} "
                f"{item['actor']}  {item['activity_id']}"
            )
            if item["last_error"]:
                print(f"{'':>9}{item['last_error'][:200]}")
    return 0


async def _with_node(settings: Settings, body: Callable[[Node], Awaitable[T]]) -> T:
    from coopfed.node import Node

    node = Node.from_settings(settings)
    try:
        return await body(node)
    finally:
        await node.close()
