"""Proposal pages for browsers: the list, one proposal (counts, chart, ballot form, admin
buttons) and its results (rounds and stages as tables).

`GET /proposals/{slug}` is shared with ActivityPub (web/proposals.py answers servers and calls
`proposal_page` for browsers). Unknown proposals, drafts and proposals the reader may not see
are 404, the same answer, so a page never tells whether a hidden proposal exists.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.governance import proposal_text
from coopfed.governance.canonical import fraction_str, rfc3339
from coopfed.governance.charter import Charter, ThresholdBase
from coopfed.governance.errors import GovernanceError
from coopfed.governance.proposal import ProposalState
from coopfed.services.proposal_pages import ProposalPage, Reader, list_for, load_page
from coopfed.web.ballot_forms import ballot_form, selected
from coopfed.web.charts import bar_chart
from coopfed.web.errors import error_response
from coopfed.web.sessions import current_viewer
from coopfed.web.state import node_of
from coopfed.web.templating import render
from coopfed.web.wording import counted

METHOD_NAMES = {
    "proposal@1": "Yes / no (with block)",
    "consent@1": "Consent",
    "consensus@1": "Consensus",
    "advice@1": "Advice (sense check)",
    "approval@1": "Choose (approval)",
    "score@1": "Score",
    "dots@1": "Dot vote",
    "borda@1": "Ranked (Borda)",
    "irv@1": "Ranked (instant runoff)",
    "stv@1": "Ranked (single transferable vote)",
    "schulze@1": "Ranked (Condorcet, Schulze)",
    "meeting@1": "Meeting time (yes / if need be / no)",
    "budget@1": "Participatory budget",
}
BASES = {
    ThresholdBase.CAST_EXCL_ABSTAIN: "the yes and no votes",
    ThresholdBase.CAST_INCL_ABSTAIN: "all votes, abstentions included",
    ThresholdBase.ELIGIBLE: "the whole electorate",
}
SET_APART = ("abstain", "invalid", "per_class")


async def reader_of(request: Request) -> Reader:
    viewer = await current_viewer(request)
    if viewer is None:
        return Reader()
    return Reader(node_of(request).uris.actor(viewer.username), viewer.is_admin)


def method_name(method: str) -> str:
    return METHOD_NAMES.get(method, method)


def quorum_text(charter: Charter, size: int | None) -> str:
    if charter.quorum is None or charter.quorum == 0:
        return "No quorum: any number of votes decides."
    share = fraction_str(charter.quorum)
    if size is None:
        return f"Quorum: {share} of the electorate must vote (abstaining counts)."
    needed = math.ceil(charter.quorum * size)
    return (
        f"Quorum: {share} of the electorate, {needed} of {counted(size, 'member')}, must vote"
        " (abstaining counts)."
    )


def threshold_text(method: str, spec: Mapping[str, Any], charter: Charter) -> str:
    if method == "consent@1":
        return "Passes when the quorum is met and nobody objects."
    if method == "advice@1":
        return "Counts only: the proposer writes the outcome."
    if method == "consensus@1":
        tests = spec.get("tests") or [
            {"option": "agree", "op": ">=", "fraction": "3/4", "base": "cast_incl_abstain"},
            {"option": "block", "op": "<=", "fraction": "0", "base": "cast_incl_abstain"},
        ]
        parts = [
            f"{t['option']} {'at least' if t['op'] == '>=' else 'at most'} {t['fraction']}"
            f" of {'the electorate' if t['base'] == 'eligible' else 'all votes'}"
            for t in tests
        ]
        return "Passes when the quorum is met and " + "; ".join(parts) + "."
    if method == "proposal@1":
        comparison = charter.comparison
        if comparison.kind == "majority":
            wanted = "more than half"
        else:
            word = "at least" if comparison.kind == "at_least" else "more than"
            wanted = f"{word} {fraction_str(comparison.fraction)}"
        block = " A single block stops it." if spec.get("allow_block", True) else ""
        return f"Passes with {wanted} of {BASES[charter.threshold_base]} voting yes.{block}"
    if method == "meeting@1":
        return (
            "The slot with the most yes answers wins, then the most if-need-be answers;"
            " equal best slots are a tie."
        )
    if method == "budget@1":
        return (
            f"Projects are funded by approvals (then lower cost) while they fit in the budget"
            f" of {spec.get('budget')}; the equal-shares outcome is shown beside it."
        )
    winners = spec.get("seats" if method == "stv@1" else "winners", 1)
    return f"{winners} winner{'s' if winners != 1 else ''}; equal results at the cut are a tie."


def _option_counts(page: ProposalPage) -> list[tuple[str, object]]:
    """Options in the method's order; abstentions, invalid ballots and classes set apart."""
    return [(str(k), v) for k, v in (page.counts or {}).items() if k not in SET_APART]


def _winners(result: Mapping[str, Any] | None) -> list[str]:
    if result is None:
        return []
    detail = result.get("detail") or {}
    return [str(w) for w in detail.get("winners", [])]


def page_context(page: ProposalPage) -> dict[str, Any]:
    record = page.record
    proposal = record.proposal
    counts = _option_counts(page) if page.counts is not None else []
    chart = bar_chart("Votes per option", counts) if counts else None
    context: dict[str, Any] = {
        "page": page,
        "proposal": proposal,
        "record": record,
        "state": proposal.state.value,
        "method_label": method_name(proposal.method),
        "paragraphs": proposal_text.paragraphs(record.body),
        "closes_at": rfc3339(proposal.closes_at) if proposal.closes_at else None,
        "closed_at": rfc3339(proposal.closed_at) if proposal.closed_at else None,
        "quorum_text": quorum_text(proposal.charter, page.electorate_size),
        "threshold_text": threshold_text(proposal.method, proposal.spec, proposal.charter),
        "hidden": proposal.charter.hidden_results and page.counts is None,
        "chart": chart,
        "counts": counts,
        "abstain": (page.counts or {}).get("abstain", 0),
        "invalid": (page.counts or {}).get("invalid", 0),
        "winners": _winners(page.result),
        "decision": None if proposal.status is None else proposal.status.value,
    }
    return context


def ballot_context(
    page: ProposalPage, choice: Any = None, posted_for: str | None = None
) -> dict[str, Any]:
    """The ballot form (None when the reader cannot vote here), pre-filled; and one form per
    grantor whose proxy the reader holds (`proxy_forms`). `posted_for` is the grantor a
    refused ballot was for: `choice` pre-fills her form instead of the reader's own."""
    voter = page.voter
    if not page.accepting or voter is None:
        return {"ballot": None, "proxy_forms": []}
    try:
        form = ballot_form(page.record.proposal.method, page.record.proposal.spec)
    except GovernanceError:
        return {"ballot": None, "proxy_forms": []}
    proxy_forms = [
        {
            "proxy": held,
            "form": form,
            "prefill": selected(
                form,
                choice
                if posted_for == held.grantor_id and choice is not None
                else held.latest_choice,
            ),
        }
        for held in voter.proxies
    ]
    if not voter.in_electorate:
        return {"ballot": None, "proxy_forms": proxy_forms}
    shown = choice if choice is not None and posted_for is None else voter.latest_choice
    return {
        "ballot": form,
        "prefill": selected(form, shown),
        "option_index": _indexes(form),
        "proxy_forms": proxy_forms,
    }


def _indexes(form: Any) -> dict[str, int]:
    return {option: index for index, option in enumerate(form.options)}


async def proposal_page(
    request: Request,
    slug: str,
    extra: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
) -> Response:
    """The HTML page of one proposal (404 when this reader may not see it)."""
    page = await load_page(node_of(request), slug, await reader_of(request))
    if page is None:
        return error_response(404, "not_found", "no such proposal")
    extra = dict(extra or {})
    ballots = ballot_context(page, extra.pop("choice", None), extra.get("posted_for"))
    context = {**page_context(page), **ballots, **extra}
    context.setdefault("errors", {})
    context.setdefault("posted_for", None)
    return await render(request, "proposals/page.html", context, status=status)


async def results_page(request: Request) -> Response:
    page = await load_page(node_of(request), request.path_params["slug"], await reader_of(request))
    if page is None or page.record.proposal.opened_at is None:
        return error_response(404, "not_found", "no such proposal")
    context = page_context(page)
    detail = (page.result or {}).get("detail") or {}
    pairwise = _pairwise(detail)
    if pairwise is not None:
        # Schulze's "counts" are how many options each one beats: a bar chart of them reads
        # as votes (mostly zeros); the matrices below are the real explanation.
        context["chart"] = None
    context.update(
        {
            "result": page.result,
            "rounds": _rounds(detail),
            "stages": _stages(detail),
            "pairwise": pairwise,
            "tests": detail.get("tests") or [],
            "meeting": _meeting(detail),
            "budget": _budget(detail),
            "decided": proposal_decided(page),
        }
    )
    return await render(request, "proposals/results.html", context)


def proposal_decided(page: ProposalPage) -> bool:
    return page.record.proposal.state is ProposalState.DECIDED and page.result is not None


def _rounds(detail: Mapping[str, Any]) -> dict[str, Any] | None:
    """IRV rounds as a table: one column per round, one row per candidate."""
    rounds = detail.get("rounds")
    if not rounds:
        return None
    candidates = [str(c) for c in detail.get("candidates", [])]
    rows = [(c, [r["counts"].get(c, "") for r in rounds]) for c in candidates]
    return {"rounds": rounds, "rows": rows}


def _stages(detail: Mapping[str, Any]) -> dict[str, Any] | None:
    """STV stages: totals per candidate at each stage, and what each stage did."""
    stages = detail.get("stages")
    if not stages:
        return None
    candidates = [str(c) for c in detail.get("candidates", [])]
    rows = [(c, [s["totals"].get(c, "") for s in stages]) for c in candidates]
    return {"stages": stages, "rows": rows, "quota": detail.get("quota")}


def _meeting(detail: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """meeting@1: one row per slot, best first (equal slots share a place)."""
    if detail.get("method") != "meeting@1":
        return None
    places, maybe, no = detail["places"], detail["if_need_be"], detail["no"]
    return [
        {
            "slot": slot,
            "place": places[slot],
            "yes": detail["totals"][slot],
            "if_need_be": maybe[slot],
            "no": no[slot],
        }
        for slot in detail["ranking"]
    ]


def _budget(detail: Mapping[str, Any]) -> dict[str, Any] | None:
    """budget@1: the greedy steps as a table, and the equal-shares purchases beside them."""
    if detail.get("method") != "budget@1":
        return None
    shares = detail["equal_shares"]
    bought = {p["project"]: p for p in shares["purchases"]}
    rows = [
        {
            **step,
            "equal_shares": "yes" if step["project"] in bought else "no",
            "rho": bought[step["project"]]["rho"] if step["project"] in bought else "",
        }
        for step in detail["steps"]
    ]
    return {
        "rows": rows,
        "budget": detail["budget"],
        "spent": detail["spent"],
        "shares": shares,
    }


def _pairwise(detail: Mapping[str, Any]) -> dict[str, Any] | None:
    pairwise = detail.get("pairwise")
    if not pairwise:
        return None
    candidates = [str(c) for c in detail.get("candidates", [])]
    # Strongest paths (winning votes) say why the winner wins; 0 means no path at all.
    strongest = detail.get("strongest") or None
    return {"candidates": candidates, "matrix": pairwise, "strongest": strongest}


async def proposals_list(request: Request) -> Response:
    raw = request.query_params.get("past", "0")
    offset = int(raw) if raw.isdigit() and int(raw) < 1_000_000 else 0
    reader = await reader_of(request)
    listing = await list_for(node_of(request), reader, past_offset=offset)
    context = {"listing": listing, "past_offset": offset, "method_name": method_name}
    return await render(request, "proposals/list.html", context)


routes = [
    Route("/proposals", proposals_list, methods=["GET"]),
    Route("/proposals/{slug}/results", results_page, methods=["GET"]),
]
