"""An assembly's minutes, derived from its decisions (docs/governance.md rule 18): each agenda
item with its method, outcome, counts and result hash (the one `coopfed verify` checks), who
attended and who was represented, and whether the assembly's quorum was met.

One `Minutes` value feeds both renderings, so the Markdown and the PDF say the same thing.
The PDF uses fpdf2 (pure Python) with its built-in Helvetica, whose character set is Latin-1:
other characters are replaced in the PDF (typographic quotes and dashes by their plain
forms, anything else by "?"); the Markdown keeps every character.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from coopfed.governance.proposal import ProposalState
from coopfed.services.assemblies import AssemblyDetail
from coopfed.store.proposals import ProposalRecord

SET_APART = frozenset({"per_class"})  # nested tables, not counts of options


@dataclass(frozen=True)
class MinutesItem:
    position: int
    title: str
    proposal_id: str
    method: str
    state: str
    outcome: str  # passed, rejected, no_quorum, ... or "not decided (open)"
    winners: tuple[str, ...]
    counts: str  # "yes 2, no 1, ..." or "" before a decision
    turnout: str  # "3 of 4 voted" or ""
    result_hash: str | None


@dataclass(frozen=True)
class Minutes:
    coop: str
    title: str
    assembly_id: str
    when: str
    where: str
    quorum: str  # "1/2 of 8 eligible members: 4 needed" or "no quorum"
    present: int
    quorum_met: bool
    attended: tuple[str, ...]
    represented: tuple[str, ...]
    items: tuple[MinutesItem, ...]


def _moment(moment: datetime, zone: str) -> str:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    local = aware.astimezone(ZoneInfo(zone))
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def _counts(counts: Mapping[str, Any], options: tuple[str, ...]) -> str:
    """In the proposal's option order (stored results have their keys sorted), then the rest
    (abstain, invalid)."""
    order = [o for o in options if o in counts] + [k for k in counts if k not in options]
    parts = []
    for option in order:
        count = counts[option]
        if option in SET_APART:
            continue
        shown = count if isinstance(count, int | str) else json.dumps(count, sort_keys=True)
        parts.append(f"{option} {shown}")
    return ", ".join(parts)


def _winners(result: Mapping[str, Any]) -> tuple[str, ...]:
    detail = result.get("detail") or {}
    winners = detail.get("winners") or detail.get("selected") or []
    if not winners and detail.get("method") == "meeting@1" and detail.get("ranking"):
        winners = detail["ranking"][:1]
    return tuple(str(w) for w in winners)


def _item(position: int, record: ProposalRecord) -> MinutesItem:
    proposal = record.proposal
    result = record.result
    decided = proposal.state is ProposalState.DECIDED and result is not None
    if not decided or result is None:
        return MinutesItem(
            position, proposal.title, record.uri, proposal.method, proposal.state.value,
            f"not decided ({proposal.state.value})", (), "", "", None,
        )  # fmt: skip
    turnout = f"{result.get('turnout')} of {result.get('electorate_size')} voted"
    return MinutesItem(
        position=position,
        title=proposal.title,
        proposal_id=record.uri,
        method=proposal.method,
        state=proposal.state.value,
        outcome=str(result.get("status")),
        winners=_winners(result),
        counts=_counts(result.get("counts") or {}, record.options),
        turnout=turnout,
        result_hash=proposal.result_hash,
    )


def minutes_of(detail: AssemblyDetail, coop_name: str, zone: str) -> Minutes:
    record = detail.record
    quorum = detail.quorum
    when = _moment(record.starts_at, zone)
    if record.ends_at is not None:
        when += f" to {_moment(record.ends_at, zone)}"
    if quorum.quorum is None:
        rule = f"no quorum set ({quorum.eligible} eligible members)"
    else:
        rule = (
            f"{quorum.quorum_text()} of {quorum.eligible} eligible members: {quorum.needed} needed"
        )
    attended = tuple(a.handle or a.member_id for a in detail.attendees)
    return Minutes(
        coop=coop_name,
        title=record.title,
        assembly_id=record.uri,
        when=when,
        where=record.place if record.place is not None else f"online, {record.link}",
        quorum=rule,
        present=quorum.present,
        quorum_met=quorum.met,
        attended=attended,
        represented=tuple(detail.handle_of(m) for m in quorum.represented),
        items=tuple(_item(i, item) for i, item in enumerate(detail.items, start=1)),
    )


def _lines(minutes: Minutes) -> list[tuple[str, str]]:
    """The minutes as (kind, text) lines: "h1", "h2", "p" (rendered by both formats)."""
    met = "met" if minutes.quorum_met else "NOT met"
    lines = [
        ("h1", f"Minutes: {minutes.title}"),
        ("p", f"{minutes.coop}, {minutes.when}, {minutes.where}."),
        ("p", f"Assembly: {minutes.assembly_id}"),
        ("h2", "Attendance"),
        ("p", f"Attended ({len(minutes.attended)}): {', '.join(minutes.attended) or 'nobody'}."),
        (
            "p",
            f"Represented by proxy ({len(minutes.represented)}):"
            f" {', '.join(minutes.represented) or 'nobody'}.",
        ),
        (
            "p",
            f"Quorum: {minutes.quorum}; {minutes.present} present or represented;"
            f" the quorum was {met}.",
        ),
        ("h2", "Decisions"),
    ]
    if not minutes.items:
        lines.append(("p", "The agenda was empty."))
    for item in minutes.items:
        lines.append(("h3", f"{item.position}. {item.title}"))
        lines.append(("li", f"Proposal: {item.proposal_id}"))
        lines.append(("li", f"Method: {item.method}"))
        outcome = item.outcome
        if item.winners:
            outcome += f" ({', '.join(item.winners)})"
        lines.append(("li", f"Outcome: {outcome}"))
        if item.counts:
            lines.append(("li", f"Counts: {item.counts}; {item.turnout}"))
        if item.result_hash is not None:
            lines.append(("li", f"Result hash: {item.result_hash}"))
    return lines


def minutes_markdown(minutes: Minutes) -> str:
    prefix = {"h1": "# ", "h2": "\n## ", "h3": "\n### ", "li": "- ", "p": ""}
    out = []
    for kind, text in _lines(minutes):
        out.append(prefix[kind] + _md_escape(text))
        if kind in ("h1", "h2", "h3", "p"):
            out.append("")
    return "\n".join(out).replace("\n\n\n", "\n\n").rstrip() + "\n"


def _md_escape(text: str) -> str:
    # Titles are members' words: keep them from becoming markup (headings, emphasis, links).
    for char in "\\`*_[]<>#":
        text = text.replace(char, "\\" + char)
    return text


# Typographic characters Helvetica (Latin-1) lacks, as their plain forms.
_PLAIN = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "…": "..."})


def pdf_text(text: str) -> str:
    """`text` in the PDF's Latin-1 core font."""
    plain = text.translate(_PLAIN)
    return plain.encode("latin-1", errors="replace").decode("latin-1")


def minutes_pdf(minutes: Minutes) -> bytes:
    from fpdf import FPDF  # imported when minutes are drawn up, not by every command

    pdf = FPDF(format="A4")
    pdf.set_title(pdf_text(f"Minutes: {minutes.title}"))
    pdf.set_author(pdf_text(minutes.coop))
    pdf.set_creator("coopfed")
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    sizes = {"h1": 16, "h2": 13, "h3": 11, "p": 10, "li": 10}
    for kind, text in _lines(minutes):
        bold = kind.startswith("h")
        pdf.set_font("Helvetica", "B" if bold else "", sizes[kind])
        if kind in ("h2", "h3"):
            pdf.ln(3)
        shown = pdf_text(("- " if kind == "li" else "") + text)
        pdf.multi_cell(0, sizes[kind] * 0.55, shown, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
