"""Exports for the co-op's books: the member register, the share ledger and a decided proposal's
result, as tables that become CSV (for spreadsheets) or JSON (for programs).

The same tables serve `coopfed member list --csv` and the admin pages' downloads. CSV is written
by the csv module (RFC 4180 quoting, CRLF line ends) with a header row; every string is UTF-8.
Names and handles come from other servers, so a text cell a spreadsheet would run as a formula
(starting with = + - @, tab or CR) is written with a leading apostrophe (OWASP's advice): the
JSON keeps every value as it is.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from coopfed.governance.canonical import rfc3339
from coopfed.governance.proposal import ProposalState
from coopfed.node import Node
from coopfed.services.errors import ServiceError
from coopfed.services.members import coop_actor
from coopfed.services.proposals import find_proposal
from coopfed.store import members as member_store
from coopfed.store import shares as share_store

Cell = str | int | bool | None
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

REGISTER_HEADER = (
    "id", "name", "handle", "actor", "local", "class", "shares", "status", "joined_at", "left_at",
)  # fmt: skip
LEDGER_HEADER = ("line", "at", "kind", "count", "from", "to", "nominal_value", "reason")
RESULT_HEADER = ("key", "value")


@dataclass(frozen=True)
class Table:
    """A header and rows of plain cells; `name` is the file name without its extension."""

    name: str
    header: tuple[str, ...]
    rows: list[tuple[Cell, ...]]

    def records(self) -> list[dict[str, Cell]]:
        return [dict(zip(self.header, row, strict=True)) for row in self.rows]


def _csv_cell(value: Cell) -> str | int:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(table: Table) -> str:
    """The table as CSV text: a header row, then one row per line, quoted where needed."""
    out = io.StringIO()
    writer = csv.writer(out)  # excel dialect: "" inside quotes, CRLF line ends
    writer.writerow(table.header)
    for row in table.rows:
        writer.writerow([_csv_cell(value) for value in row])
    return out.getvalue()


def _when(moment: Any) -> str | None:
    return None if moment is None else rfc3339(moment)


async def register_table(node: Node) -> Table:
    """Every member ever admitted, oldest first, with their name where one is known."""
    local_prefix = node.uris.actor("")
    async with node.engine.connect() as conn:
        coop = await coop_actor(conn)
        records = await member_store.list_members(conn, coop.id)
        remote_names = await member_store.remote_display_names(conn, coop.id)
        local_names = await member_store.local_display_names(conn)
    rows: list[tuple[Cell, ...]] = []
    for record in records:
        actor = record.actor_uri
        username = actor[len(local_prefix) :] if actor.startswith(local_prefix) else None
        local = username is not None and "/" not in username
        if local:
            assert username is not None
            name = local_names.get(username) or username
        else:
            name = remote_names.get(actor, "")
        member = record.member
        rows.append(
            (
                record.member_id, name, record.handle, actor, local, member.member_class,
                member.shares, member.status.value, _when(record.joined_at),
                _when(record.left_at),
            )
        )  # fmt: skip
    return Table("members", REGISTER_HEADER, rows)


async def ledger_table(node: Node) -> Table:
    """Every share movement, oldest first; parties are member ids (none for issue/redeem)."""
    async with node.engine.connect() as conn:
        coop = await coop_actor(conn)
        lines = await share_store.ledger(conn, coop.id)
    rows: list[tuple[Cell, ...]] = [
        (
            line.row_id, _when(line.movement.at), line.movement.kind.value, line.movement.count,
            line.movement.source, line.movement.target, str(line.nominal_value),
            line.movement.reason,
        )
        for line in lines
    ]  # fmt: skip
    return Table("share-ledger", LEDGER_HEADER, rows)


def _flatten(prefix: str, value: Any, into: list[tuple[Cell, ...]]) -> None:
    """Nested result fields as dotted keys (`counts.yes`, `detail.rounds.0.eliminated`)."""
    if isinstance(value, Mapping):
        if not value:
            into.append((prefix, None))
        for key, item in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), item, into)
    elif isinstance(value, Sequence) and not isinstance(value, str):
        if not value:
            into.append((prefix, None))
        for index, item in enumerate(value):
            _flatten(f"{prefix}.{index}", item, into)
    elif value is None or isinstance(value, str | int | bool):
        into.append((prefix, value))
    else:
        into.append((prefix, str(value)))  # a float or decimal in a detail: as written


async def result_document(node: Node, reference: str) -> dict[str, Any]:
    """A decided proposal and its result record, as stored (what the JSON download holds)."""
    record = await find_proposal(node, reference)
    if record.proposal.state is not ProposalState.DECIDED or record.result is None:
        raise ServiceError(
            f"proposal {record.slug} is {record.proposal.state.value}: only a decided"
            " proposal has a result to export"
        )
    return {
        "proposal": record.uri,
        "slug": record.slug,
        "title": record.proposal.title,
        "state": record.proposal.state.value,
        "result_hash": record.proposal.result_hash,
        "result": dict(record.result),
    }


async def result_table(node: Node, reference: str) -> Table:
    """A decided proposal's result as key/value rows (every method's counts fit that shape)."""
    document = await result_document(node, reference)
    rows: list[tuple[Cell, ...]] = []
    _flatten("", document, rows)
    return Table(f"result-{document['slug']}", RESULT_HEADER, rows)
