"""`coopfed assembly create|add|attend|show|list|minutes`: general assemblies."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coopfed.cli.governance_views import run_service, when
from coopfed.cli.support import CliError, admin_name, print_json
from coopfed.governance.proposal import VISIBILITIES

if TYPE_CHECKING:  # services load SQLAlchemy: imported by the handlers, when a command runs
    from coopfed.node import Node
    from coopfed.services.assemblies import AssemblyDetail
    from coopfed.store.assemblies import AssemblyRecord


def _moment(option: str, text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CliError(f"{option} {text!r}: expected ISO 8601, e.g. 2030-06-20T18:00Z") from None
    if moment.tzinfo is None:
        raise CliError(f"{option} {text!r}: give a time zone, e.g. 2030-06-20T18:00Z")
    return moment


def assembly_json(record: AssemblyRecord) -> dict[str, Any]:
    return {
        "id": record.uri,
        "slug": record.slug,
        "title": record.title,
        "starts_at": when(record.starts_at),
        "ends_at": when(record.ends_at),
        "place": record.place,
        "link": record.link,
        "quorum": record.quorum,
        "visibility": record.visibility,
    }


def detail_json(detail: AssemblyDetail) -> dict[str, Any]:
    """`assembly show --json` (and create, add, attend): a contract, add fields only."""
    quorum = detail.quorum
    view = assembly_json(detail.record)
    view["agenda"] = [
        {
            "position": position,
            "id": item.uri,
            "slug": item.slug,
            "title": item.proposal.title,
            "method": item.proposal.method,
            "status": item.proposal.state.value,
            "decision": None if item.proposal.status is None else item.proposal.status.value,
            "result_hash": item.proposal.result_hash,
        }
        for position, item in enumerate(detail.items, start=1)
    ]
    view["attendance"] = [
        {
            "member": a.member_id,
            "handle": a.handle,
            "actor": a.actor_uri,
            "recorded_at": when(a.recorded_at),
        }
        for a in detail.attendees
    ]
    view["represented"] = list(quorum.represented)
    view["eligible"] = quorum.eligible
    view["present"] = quorum.present
    view["needed"] = quorum.needed
    view["quorum_met"] = quorum.met
    return view


def _lines(view: dict[str, Any]) -> list[str]:
    where = view["place"] if view["place"] is not None else view["link"]
    lines = [
        f"{view['id']}",
        f"  {view['title']}",
        f"  starts: {view['starts_at']}"
        + (f", ends: {view['ends_at']}" if view["ends_at"] else ""),
        f"  where: {where}",
        f"  visibility: {view['visibility']}",
        "  agenda:" if view["agenda"] else "  agenda: empty",
    ]
    for item in view["agenda"]:
        outcome = item["decision"] or item["status"]
        lines.append(f"    {item['position']}. {item['slug']}  {outcome:<10} {item['title']}")
    attended = ", ".join(a["handle"] for a in view["attendance"]) or "nobody recorded"
    lines.append(f"  attended: {attended}")
    if view["represented"]:
        lines.append(f"  represented: {', '.join(view['represented'])}")
    met = "met" if view["quorum_met"] else "not met"
    rule = view["quorum"] or "none"
    lines.append(
        f"  quorum: {rule} ({view['present']} of {view['eligible']} present or represented,"
        f" {view['needed']} needed): {met}"
    )
    return lines


def _print(args: argparse.Namespace, view: dict[str, Any]) -> None:
    if args.json:
        print_json(view)
    else:
        print("\n".join(_lines(view)))


def cmd_create(args: argparse.Namespace) -> int:
    from coopfed.services import assemblies

    starts = _moment("--starts", args.starts)
    assert starts is not None
    draft = assemblies.AssemblyDraft(
        title=args.title,
        starts_at=starts,
        ends_at=_moment("--ends", args.ends),
        place=args.place,
        link=args.link,
        quorum=args.quorum,
        visibility=args.visibility,
    )

    async def work(node: Node) -> dict[str, Any]:
        return detail_json(await assemblies.create_assembly(node, draft))

    view = run_service(args, work)
    if args.json:
        print_json(view)
    else:
        print(view["id"])
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    from coopfed.services import assemblies

    async def work(node: Node) -> dict[str, Any]:
        return detail_json(await assemblies.add_to_agenda(node, args.assembly, args.proposal))

    _print(args, run_service(args, work))
    return 0


def cmd_attend(args: argparse.Namespace) -> int:
    from coopfed.services import assemblies

    async def work(node: Node) -> tuple[dict[str, Any], bool]:
        detail, added = await assemblies.record_attendance(
            node, args.assembly, args.member, by=admin_name()
        )
        return detail_json(detail), added

    view, added = run_service(args, work)
    if args.json:
        print_json(view)
    elif added:
        print(f"attended: {args.member} ({view['present']} present or represented)")
    else:
        print(f"already recorded: {args.member}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from coopfed.services import assemblies

    async def work(node: Node) -> dict[str, Any]:
        return detail_json(await assemblies.assembly_detail(node, args.assembly))

    _print(args, run_service(args, work))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from coopfed.services import assemblies

    async def work(node: Node) -> list[dict[str, Any]]:
        return [assembly_json(record) for record in await assemblies.list_assemblies(node)]

    views = run_service(args, work)
    if args.json:
        print_json(views)
        return 0
    for view in views:
        print(f"{view['slug']}  {view['starts_at']}  {view['title']}")
    return 0


def cmd_minutes(args: argparse.Namespace) -> int:
    from coopfed.services import assemblies, assembly_minutes

    if args.format == "pdf" and args.output is None and sys.stdout.isatty():
        raise CliError("a PDF is not for the terminal: give --output PATH (or redirect)")

    async def work(node: Node) -> assembly_minutes.Minutes:
        detail = await assemblies.assembly_detail(node, args.assembly)
        coop = node.settings.coop
        return assembly_minutes.minutes_of(detail, coop.name, coop.time_zone)

    minutes = run_service(args, work)
    if args.format == "pdf":
        data = assembly_minutes.minutes_pdf(minutes)
    else:
        data = assembly_minutes.minutes_markdown(minutes).encode("utf-8")
    if args.output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return 0
    try:
        Path(args.output).write_bytes(data)
    except OSError as error:
        raise CliError(f"--output {args.output}: {error.strerror}") from None
    print(f"minutes written to {args.output} ({len(data)} bytes)")
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    assembly = sub.add_parser("assembly", help="general assemblies: agenda, attendance, minutes")
    verbs = assembly.add_subparsers(dest="assembly_command", required=True, metavar="COMMAND")
    json_flag = argparse.ArgumentParser(add_help=False)
    json_flag.add_argument("--json", action="store_true", help="machine-readable output")

    create = verbs.add_parser("create", parents=[common, json_flag], help="schedule an assembly")
    create.add_argument("--title", required=True)
    create.add_argument("--starts", required=True, help="start, ISO 8601 with a time zone")
    create.add_argument("--ends", help="end, ISO 8601 with a time zone (optional)")
    where = create.add_mutually_exclusive_group(required=True)
    where.add_argument("--place", help="where it meets, e.g. 'Town hall, room 2'")
    where.add_argument("--link", help="the video call's address (https://...)")
    create.add_argument(
        "--quorum", help="attending or represented share of the members, e.g. 50%% or 1/2"
    )
    create.add_argument("--visibility", default="public", choices=VISIBILITIES)
    create.set_defaults(handler=cmd_create)

    add = verbs.add_parser("add", parents=[common, json_flag], help="add a proposal to the agenda")
    add.add_argument("assembly", metavar="ID", help="the assembly's id or IRI")
    add.add_argument("proposal", metavar="PROPOSAL", help="the proposal's id or IRI")
    add.set_defaults(handler=cmd_add)

    attend = verbs.add_parser(
        "attend", parents=[common, json_flag], help="record that a member attended"
    )
    attend.add_argument("assembly", metavar="ID", help="the assembly's id or IRI")
    attend.add_argument("member", metavar="MEMBER", help="the member (id, username or actor)")
    attend.set_defaults(handler=cmd_attend)

    show = verbs.add_parser("show", parents=[common, json_flag], help="agenda, attendance, quorum")
    show.add_argument("assembly", metavar="ID", help="the assembly's id or IRI")
    show.set_defaults(handler=cmd_show)

    listing = verbs.add_parser("list", parents=[common, json_flag], help="list assemblies")
    listing.set_defaults(handler=cmd_list)

    minutes = verbs.add_parser(
        "minutes", parents=[common], help="the minutes, from the decisions (Markdown or PDF)"
    )
    minutes.add_argument("assembly", metavar="ID", help="the assembly's id or IRI")
    minutes.add_argument("--format", choices=("md", "pdf"), default="md")
    minutes.add_argument("--output", metavar="PATH", help="write to this file (else stdout)")
    minutes.set_defaults(handler=cmd_minutes)
