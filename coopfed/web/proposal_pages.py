"""Proposal pages for browsers: the list, one proposal (counts, chart, ballot form, admin
buttons) and its results (rounds and stages as tables).

`GET /proposals/{slug}` is shared with ActivityPub (web/proposals.py answers servers and calls
`proposal_page` for browsers). Unknown proposals, drafts and proposals the reader may not see
are 404, the same answer, so a page never tells whether a hidden proposal exists.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from functools import partial
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
from coopfed.web.translate import ENGLISH, N_, Translator, page_translator
from coopfed.web.wording import counted

# Method names as pages show them (English ids; `method_name` translates).
METHOD_NAMES = {
    "proposal@1": N_("Yes / no (with block)"),
    "consent@1": N_("Consent"),
    "consensus@1": N_("Consensus"),
    "advice@1": N_("Advice (sense check)"),
    "approval@1": N_("Choose (approval)"),
    "score@1": N_("Score"),
    "dots@1": N_("Dot vote"),
    "borda@1": N_("Ranked (Borda)"),
    "irv@1": N_("Ranked (instant runoff)"),
    "stv@1": N_("Ranked (single transferable vote)"),
    "schulze@1": N_("Ranked (Condorcet, Schulze)"),
    "meeting@1": N_("Meeting time (yes / if need be / no)"),
    "budget@1": N_("Participatory budget"),
}
BASES = {
    ThresholdBase.CAST_EXCL_ABSTAIN: N_("the yes and no votes"),
    ThresholdBase.CAST_INCL_ABSTAIN: N_("all votes, abstentions included"),
    ThresholdBase.ELIGIBLE: N_("the whole electorate"),
}
SET_APART = ("abstain", "invalid", "per_class")
# A proposal's state, decision and who may read it, as badges and facts say them (`word`).
WORDS = {
    "draft": N_("draft"),
    "open": N_("open"),
    "closed": N_("closed"),
    "decided": N_("decided"),
    "withdrawn": N_("withdrawn"),
    "passed": N_("passed"),
    "rejected": N_("rejected"),
    "no_quorum": N_("no quorum"),
    "tie": N_("tie"),
    "vetoed": N_("vetoed"),
    "inconclusive": N_("inconclusive"),
    "public": N_("public"),
    "members": N_("members"),
    "allies": N_("allies"),
}
# The budget engine's word for each greedy step, as the results table shows it.
STEP_OUTCOMES = {"selected": N_("selected"), "skipped": N_("skipped"), "tied": N_("tied")}


async def reader_of(request: Request) -> Reader:
    viewer = await current_viewer(request)
    if viewer is None:
        return Reader()
    return Reader(node_of(request).uris.actor(viewer.username), viewer.is_admin)


def method_name(method: str, tr: Translator = ENGLISH) -> str:
    return tr.gettext(METHOD_NAMES[method]) if method in METHOD_NAMES else method


def word(value: str, tr: Translator = ENGLISH) -> str:
    """A state, decision or visibility in words (an unknown one with its underscores spaced)."""
    return tr.gettext(WORDS[value]) if value in WORDS else value.replace("_", " ")


def words_in(tr: Translator) -> Callable[[str], str]:
    """`word` in one language, for templates."""
    return partial(word, tr=tr)


def method_namer(tr: Translator) -> Callable[[str], str]:
    """`method_name` in one language, for templates that name several methods."""
    return partial(method_name, tr=tr)


def quorum_text(charter: Charter, size: int | None, tr: Translator = ENGLISH) -> str:
    if charter.quorum is None or charter.quorum == 0:
        return tr.gettext("No quorum: any number of votes decides.")
    share = fraction_str(charter.quorum)
    if size is None:
        return tr.gettext(
            "Quorum: %(share)s of the electorate must vote (abstaining counts).", share=share
        )
    needed = math.ceil(charter.quorum * size)
    return tr.gettext(
        "Quorum: %(share)s of the electorate, %(needed)s of %(members)s, must vote"
        " (abstaining counts).",
        share=share,
        needed=needed,
        members=counted(size, "member", tr),
    )


def _consensus_test(test: Mapping[str, Any], tr: Translator) -> str:
    values = {"option": test["option"], "fraction": test["fraction"]}
    whole = test["base"] == "eligible"
    if test["op"] == ">=":
        if whole:
            return tr.gettext("%(option)s at least %(fraction)s of the electorate", **values)
        return tr.gettext("%(option)s at least %(fraction)s of all votes", **values)
    if whole:
        return tr.gettext("%(option)s at most %(fraction)s of the electorate", **values)
    return tr.gettext("%(option)s at most %(fraction)s of all votes", **values)


def _wanted(charter: Charter, tr: Translator) -> str:
    comparison = charter.comparison
    if comparison.kind == "majority":
        return tr.gettext("more than half")
    fraction = fraction_str(comparison.fraction)
    if comparison.kind == "at_least":
        return tr.gettext("at least %(fraction)s", fraction=fraction)
    return tr.gettext("more than %(fraction)s", fraction=fraction)


def threshold_text(
    method: str, spec: Mapping[str, Any], charter: Charter, tr: Translator = ENGLISH
) -> str:
    if method == "consent@1":
        return tr.gettext("Passes when the quorum is met and nobody objects.")
    if method == "advice@1":
        return tr.gettext("Counts only: the proposer writes the outcome.")
    if method == "consensus@1":
        tests = spec.get("tests") or [
            {"option": "agree", "op": ">=", "fraction": "3/4", "base": "cast_incl_abstain"},
            {"option": "block", "op": "<=", "fraction": "0", "base": "cast_incl_abstain"},
        ]
        parts = "; ".join(_consensus_test(test, tr) for test in tests)
        return tr.gettext("Passes when the quorum is met and %(tests)s.", tests=parts)
    if method == "proposal@1":
        base = tr.gettext(BASES[charter.threshold_base])
        text = tr.gettext(
            "Passes with %(wanted)s of %(base)s voting yes.", wanted=_wanted(charter, tr), base=base
        )
        if spec.get("allow_block", True):
            text += " " + tr.gettext("A single block stops it.")
        return text
    if method == "meeting@1":
        return tr.gettext(
            "The slot with the most yes answers wins, then the most if-need-be answers;"
            " equal best slots are a tie."
        )
    if method == "budget@1":
        return tr.gettext(
            "Projects are funded by approvals (then lower cost) while they fit in the budget"
            " of %(budget)s; the equal-shares outcome is shown beside it.",
            budget=spec.get("budget"),
        )
    winners = spec.get("seats" if method == "stv@1" else "winners", 1)
    return tr.ngettext(
        "%(num)s winner; equal results at the cut are a tie.",
        "%(num)s winners; equal results at the cut are a tie.",
        int(winners),
    )


def _option_counts(page: ProposalPage) -> list[tuple[str, object]]:
    """Options in the method's order; abstentions, invalid ballots and classes set apart."""
    return [(str(k), v) for k, v in (page.counts or {}).items() if k not in SET_APART]


def _winners(result: Mapping[str, Any] | None) -> list[str]:
    if result is None:
        return []
    detail = result.get("detail") or {}
    return [str(w) for w in detail.get("winners", [])]


def page_context(page: ProposalPage, tr: Translator = ENGLISH) -> dict[str, Any]:
    record = page.record
    proposal = record.proposal
    counts = _option_counts(page) if page.counts is not None else []
    chart = bar_chart(tr.gettext("Votes per option"), counts) if counts else None
    context: dict[str, Any] = {
        "page": page,
        "proposal": proposal,
        "record": record,
        "state": proposal.state.value,
        "word": words_in(tr),
        "method_label": method_name(proposal.method, tr),
        "paragraphs": proposal_text.paragraphs(record.body),
        "closes_at": rfc3339(proposal.closes_at) if proposal.closes_at else None,
        "closed_at": rfc3339(proposal.closed_at) if proposal.closed_at else None,
        "quorum_text": quorum_text(proposal.charter, page.electorate_size, tr),
        "threshold_text": threshold_text(proposal.method, proposal.spec, proposal.charter, tr),
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
    page: ProposalPage,
    choice: Any = None,
    posted_for: str | None = None,
    tr: Translator = ENGLISH,
) -> dict[str, Any]:
    """The ballot form (None when the reader cannot vote here), pre-filled; and one form per
    grantor whose proxy the reader holds (`proxy_forms`). `posted_for` is the grantor a
    refused ballot was for: `choice` pre-fills her form instead of the reader's own."""
    voter = page.voter
    if not page.accepting or voter is None:
        return {"ballot": None, "proxy_forms": []}
    try:
        form = ballot_form(page.record.proposal.method, page.record.proposal.spec, tr)
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
    tr = await page_translator(request)
    ballots = ballot_context(page, extra.pop("choice", None), extra.get("posted_for"), tr)
    context = {**page_context(page, tr), **ballots, **extra}
    context.setdefault("errors", {})
    context.setdefault("posted_for", None)
    return await render(request, "proposals/page.html", context, status=status)


async def results_page(request: Request) -> Response:
    page = await load_page(node_of(request), request.path_params["slug"], await reader_of(request))
    if page is None or page.record.proposal.opened_at is None:
        return error_response(404, "not_found", "no such proposal")
    tr = await page_translator(request)
    context = page_context(page, tr)
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
            "budget": _budget(detail, tr),
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


def _budget(detail: Mapping[str, Any], tr: Translator) -> dict[str, Any] | None:
    """budget@1: the greedy steps as a table, and the equal-shares purchases beside them."""
    if detail.get("method") != "budget@1":
        return None
    shares = detail["equal_shares"]
    bought = {p["project"]: p for p in shares["purchases"]}
    rows = [
        {
            **step,
            "outcome": tr.gettext(STEP_OUTCOMES.get(step["outcome"], step["outcome"])),
            "equal_shares": tr.gettext("yes") if step["project"] in bought else tr.gettext("no"),
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
    method_names = method_namer(await page_translator(request))
    context = {
        "listing": listing,
        "past_offset": offset,
        "method_name": method_names,
        "word": words_in(await page_translator(request)),
    }
    return await render(request, "proposals/list.html", context)


routes = [
    Route("/proposals", proposals_list, methods=["GET"]),
    Route("/proposals/{slug}/results", results_page, methods=["GET"]),
]
