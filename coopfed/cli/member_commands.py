"""`coopfed member add|list|show|invite|language`: the co-op's member register; invitations to
sign in; the language a member is written to in."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from coopfed.cli import support
from coopfed.cli.governance_views import member_events_json, member_json, run_service, when
from coopfed.cli.link_commands import register_link_commands
from coopfed.cli.membership_commands import register_member_commands
from coopfed.cli.support import CliError, print_json

if TYPE_CHECKING:
    from coopfed.node import Node


def cmd_member_add(args: argparse.Namespace) -> int:
    if (args.actor is None) == (args.local is None):
        raise CliError("give ACTOR_URL or acct:user@host, or --local USERNAME (one of them)")
    from coopfed.services import members

    chosen = members.DEFAULT_CLASS if args.member_class is None else args.member_class

    async def work(node: Node) -> dict[str, Any]:
        record = await members.add_member(
            node,
            args.actor,
            local_username=args.local,
            member_class=chosen,
            shares=args.shares,
            resolver=support.make_resolver(node),
            email=args.email,
        )
        # Only a local member is invited: a fediverse member signs in on their own server.
        return {**member_json(record), "invited": args.local is not None and bool(record.email)}

    view = run_service(args, work)
    if args.json:
        print_json(view)
        return 0
    print(f"member {view['id']} added: {view['actor']} ({view['class']})")
    if view["invited"]:
        print(f"invitation to set a password queued for {view['email']}")
    return 0


def cmd_member_invite(args: argparse.Namespace) -> int:
    from coopfed.services import members

    async def work(node: Node) -> dict[str, Any]:
        invitation = await members.invite_member(node, args.member, email=args.email)
        return {
            "id": invitation.member_id,
            "username": invitation.username,
            "email": invitation.email,
            "invited": True,
            "expires_at": when(invitation.expires_at),
        }

    view = run_service(args, work)
    if args.json:
        print_json(view)
    else:
        print(
            f"invitation for {view['username']} queued for {view['email']}"
            f" (the link works until {view['expires_at']}; earlier links no longer do)"
        )
    return 0


def cmd_member_language(args: argparse.Namespace) -> int:
    from coopfed.services import members

    async def work(node: Node) -> dict[str, Any]:
        return member_json(await members.set_language(node, args.member, args.language))

    view = run_service(args, work)
    if args.json:
        print_json(view)
    else:
        chosen = view["language"] or "the co-op's default"
        print(f"member {view['id']} reads the site and e-mails in {chosen}")
    return 0


def cmd_member_list(args: argparse.Namespace) -> int:
    from coopfed.services import members

    if args.csv:
        return _member_list_csv(args)

    async def work(node: Node) -> list[dict[str, Any]]:
        return [member_json(record) for record in await members.list_members(node)]

    views = run_service(args, work)
    if args.json:
        print_json(views)
        return 0
    for view in views:
        print(f"{view['id']}  {view['status']:<9} {view['class']:<10} {view['actor']}")
    if not views:
        print("no members yet: `coopfed member add --local USERNAME` adds one")
    return 0


def _member_list_csv(args: argparse.Namespace) -> int:
    """The register as CSV on stdout (the admin page's download, without its byte-order mark)."""
    from coopfed.services import register_export

    async def work(node: Node) -> str:
        return register_export.to_csv(await register_export.register_table(node))

    text = run_service(args, work)
    sys.stdout.flush()
    sys.stdout.buffer.write(text.encode("utf-8"))  # UTF-8 whatever the terminal's locale
    sys.stdout.buffer.flush()
    return 0


def cmd_member_show(args: argparse.Namespace) -> int:
    from coopfed.services import members

    async def work(node: Node) -> dict[str, Any]:
        record, events = await members.find_member(node, args.member)
        return {**member_json(record), "history": member_events_json(events)}

    view = run_service(args, work)
    if args.json:
        print_json(view)
        return 0
    keys = ("id", "actor", "handle", "email", "class", "shares", "status", "joined_at", "left_at")
    for key in keys:
        print(f"{key}: {view[key]}")
    for event in view["history"]:
        print(f"  {event['at']} {event['kind']} {event['detail']}")
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    member = sub.add_parser("member", help="the co-op's members")
    member_sub = member.add_subparsers(dest="member_command", required=True, metavar="COMMAND")

    add = member_sub.add_parser(
        "add", parents=[common], help="admit a remote fediverse account or a new local member"
    )
    add.add_argument("actor", nargs="?", help="actor URL or acct:user@host (WebFinger)")
    add.add_argument("--local", metavar="USERNAME", help="a local member (Person actor here)")
    # Default (None): services.members.DEFAULT_CLASS, read when the command runs (the
    # services load SQLAlchemy, which `--help` and other commands need not wait for).
    add.add_argument("--class", dest="member_class", default=None)
    add.add_argument("--shares", type=int, default=1, help="shares held (default 1)")
    add.add_argument(
        "--email",
        metavar="ADDRESS",
        help="the member's e-mail address; a local member is sent a link to set a password",
    )
    add.add_argument("--json", action="store_true", help="machine-readable output")
    add.set_defaults(handler=cmd_member_add)

    listing = member_sub.add_parser("list", parents=[common], help="list members")
    formats = listing.add_mutually_exclusive_group()
    formats.add_argument("--json", action="store_true", help="machine-readable output")
    formats.add_argument("--csv", action="store_true", help="the register as CSV (with names)")
    listing.set_defaults(handler=cmd_member_list)

    show = member_sub.add_parser("show", parents=[common], help="one member and their history")
    show.add_argument("member", metavar="ID_OR_ACTOR", help="member id, actor, username or acct:")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(handler=cmd_member_show)
    invite = member_sub.add_parser(
        "invite",
        parents=[common],
        help="e-mail a local member a new one-time link to set their password",
    )
    invite.add_argument("member", metavar="ID_OR_USERNAME", help="member id or local username")
    invite.add_argument("--email", metavar="ADDRESS", help="store this address first")
    invite.add_argument("--json", action="store_true", help="machine-readable output")
    invite.set_defaults(handler=cmd_member_invite)
    language = member_sub.add_parser(
        "language", parents=[common], help="the language of a member's pages and e-mails"
    )
    language.add_argument("member", metavar="ID_OR_ACTOR", help="member id, username or acct:")
    language.add_argument("language", metavar="LANGUAGE", help="en, fr, or default (no preference)")
    language.add_argument("--json", action="store_true", help="machine-readable output")
    language.set_defaults(handler=cmd_member_language)
    register_member_commands(member_sub, common)
    register_link_commands(member_sub, common)
