"""Opening proposals from the site: the create form (admins; members where the charter lets
them), and the admins' open / close / withdraw buttons. Every POST is CSRF-protected.

Form errors are shown next to their field: the web checks what it can read (numbers, a
duration), the services check the rest and their messages are placed by what they name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from coopfed.governance.methods import REGISTRY
from coopfed.governance.methods.choice import CHOICE_METHODS
from coopfed.services import proposals as proposal_service
from coopfed.services.errors import NotFound, ServiceError
from coopfed.services.proposal_pages import propose, why_not_propose
from coopfed.services.proposals import VISIBILITIES, ProposalDraft, parse_duration
from coopfed.web.confirm import Confirmation, ask, confirmed
from coopfed.web.csrf import csrf_protected
from coopfed.web.errors import error_response
from coopfed.web.proposal_pages import method_name, proposal_page, reader_of
from coopfed.web.sessions import require_admin, require_member
from coopfed.web.state import node_of
from coopfed.web.templating import render
from coopfed.web.translate import ENGLISH, Translator, page_translator

# Optional number fields → the spec key they fill, and the methods that take it.
NUMBER_FIELDS = {
    "winners": ("winners", {"approval@1", "score@1", "dots@1", "borda@1"}),
    "seats": ("seats", {"stv@1"}),
    "min_choices": ("min_choices", {"approval@1"}),
    "max_choices": ("max_choices", {"approval@1"}),
    "min_score": ("min_score", {"score@1"}),
    "max_score": ("max_score", {"score@1"}),
    "dots": ("dots", {"dots@1"}),
    "min_ranked": ("min_ranked", {"borda@1", "irv@1", "stv@1", "schulze@1"}),
}
# Words in a service's refusal → the field it is about (first match wins).
ERROR_FIELDS = (
    ("unknown method", "method"),
    ("title", "title"),
    ("duration", "duration"),
    ("closing time", "duration"),
    ("quorum", "quorum"),
    ("comparison", "threshold"),
    ("visibility", "visibility"),
    *((name, name) for name in NUMBER_FIELDS),
    ("total budget", "budget"),
    ("cost", "options"),
    ("option", "options"),
)
MAX_OPTIONS = 50
MAX_BUDGET = 10**12


@dataclass
class ProposalForm:
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    options: list[str] = field(default_factory=list)
    spec: dict[str, Any] = field(default_factory=dict)
    tr: Translator = ENGLISH  # the errors' language


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def read_proposal_form(form: FormData, tr: Translator = ENGLISH) -> ProposalForm:
    names = ("title", "body", "method", "options", "duration", "visibility", "quorum", "threshold")
    values = {name: _text(form, name) for name in (*names, *NUMBER_FIELDS, "budget")}
    values["allow_block"] = "1" if form.get("allow_block") else ""
    values["limit_to_budget"] = "1" if form.get("limit_to_budget") else ""
    values["open_now"] = "1" if form.get("open_now") else ""
    read = ProposalForm(values, tr=tr)
    if not values["title"]:
        read.errors["title"] = tr.gettext("A proposal needs a title.")
    elif len(values["title"]) > 300:
        read.errors["title"] = tr.gettext("At most %(most)s characters.", most=300)
    method = values["method"]
    if method not in REGISTRY:
        read.errors["method"] = tr.gettext("Choose a method from the list.")
    read.options = [line.strip() for line in values["options"].splitlines() if line.strip()]
    if method in CHOICE_METHODS and len(read.options) < 2:
        read.errors["options"] = tr.gettext("Give at least two options, one per line.")
    if len(read.options) > MAX_OPTIONS:
        read.errors["options"] = tr.gettext("At most %(most)s options.", most=MAX_OPTIONS)
    try:
        parse_duration(values["duration"] or "")
    except ServiceError:
        read.errors["duration"] = tr.gettext("Write a number and a unit: 90m, 36h, 3d or 2w.")
    _read_numbers(read, method)
    if method == "budget@1":
        _read_budget(read)
    if method == "proposal@1" and not values["allow_block"]:
        read.spec["allow_block"] = False
    return read


def _read_numbers(read: ProposalForm, method: str) -> None:
    for name, (key, methods) in NUMBER_FIELDS.items():
        raw = read.values[name]
        if not raw or method not in methods:
            continue
        if not raw.isdigit() or int(raw) > 10_000:
            read.errors[name] = read.tr.gettext("Write a whole number (0 to 10000).")
            continue
        read.spec[key] = int(raw)


def _read_budget(read: ProposalForm) -> None:
    """budget@1: option lines are "Project = cost"; the total budget has its own field."""
    projects: list[str] = []
    costs: dict[str, int] = {}
    for line in read.options:
        project, sep, cost = line.rpartition("=")
        if not sep or not project.strip() or not cost.strip().isdigit() or int(cost) < 1:
            read.errors["options"] = read.tr.gettext(
                "Write each project as “name = cost”: %(line)s.", line=repr(line[:60])
            )
            return
        projects.append(project.strip())
        costs[project.strip()] = int(cost)
    read.options = projects
    read.spec["costs"] = costs
    raw = read.values["budget"]
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_BUDGET:
        read.errors["budget"] = read.tr.gettext(
            "Write the total budget as a whole number (at least 1)."
        )
        return
    read.spec["budget"] = int(raw)
    if read.values["limit_to_budget"]:
        read.spec["limit_to_budget"] = True


def error_field(message: str) -> str:
    lowered = message.lower()
    for word, name in ERROR_FIELDS:
        if word in lowered:
            return name
    return "form"


def draft_of(read: ProposalForm) -> ProposalDraft:
    values = read.values
    return ProposalDraft(
        title=values["title"],
        method=values["method"],
        body=values["body"],
        options=tuple(read.options) if values["method"] in CHOICE_METHODS else (),
        spec=read.spec,
        duration=parse_duration(values["duration"]),
        quorum=values["quorum"] or None,
        threshold=values["threshold"] or None,
        visibility=values["visibility"] or "public",
    )


async def _form_page(request: Request, read: ProposalForm, *, status: int = 200) -> Response:
    context = {
        "values": read.values,
        "errors": read.errors,
        "methods": [
            (name, method_name(name, (await page_translator(request)))) for name in REGISTRY
        ],
        "visibilities": VISIBILITIES,
    }
    return await render(request, "proposals/new.html", context, status=status)


async def new_proposal(request: Request) -> Response:
    await require_member(request)
    refusal = await why_not_propose(node_of(request), await reader_of(request))
    if refusal is not None:
        return error_response(403, "forbidden", refusal)
    defaults = {
        "method": "proposal@1",
        "duration": "7d",
        "visibility": "public",
        "allow_block": "1",
    }
    return await _form_page(request, ProposalForm(defaults))


@csrf_protected
async def create(request: Request, form: FormData) -> Response:
    await require_member(request)
    read = read_proposal_form(form, (await page_translator(request)))
    if read.errors:
        return await _form_page(request, read, status=400)
    try:
        record = await propose(
            node_of(request),
            await reader_of(request),
            draft_of(read),
            open_now=bool(read.values["open_now"]),
        )
    except ServiceError as error:
        read.errors[error_field(str(error))] = str(error)
        return await _form_page(request, read, status=400)
    return RedirectResponse(f"/proposals/{record.slug}", status_code=303)


async def _life_cycle(request: Request, action: str) -> Response:
    viewer = await require_admin(request)
    node = node_of(request)
    slug = request.path_params["slug"]
    actor = node.uris.actor(viewer.username)
    try:
        if action == "open":
            await proposal_service.open_proposal(node, slug, require_voters=True)
        elif action == "close":
            await proposal_service.close_proposal(node, slug, closed_by=actor)
        else:
            await proposal_service.withdraw_proposal(node, slug, by=actor)
    except NotFound:
        return error_response(404, "not_found", "no such proposal")
    except ServiceError as error:
        return await proposal_page(request, slug, {"admin_error": str(error)}, status=409)
    return RedirectResponse(f"/proposals/{slug}", status_code=303)


@csrf_protected
async def open_action(request: Request, form: FormData) -> Response:
    return await _life_cycle(request, "open")


@csrf_protected
async def close_action(request: Request, form: FormData) -> Response:
    if not confirmed(form):
        return await _confirm(request, "close")
    return await _life_cycle(request, "close")


@csrf_protected
async def withdraw_action(request: Request, form: FormData) -> Response:
    if not confirmed(form):
        return await _confirm(request, "withdraw")
    return await _life_cycle(request, "withdraw")


async def _confirm(request: Request, action: str) -> Response:
    """Closing early and withdrawing cannot be undone: ask once, saying what happens."""
    await require_admin(request)
    slug = request.path_params["slug"]
    try:
        record = await proposal_service.find_proposal(node_of(request), slug)
    except NotFound:
        return error_response(404, "not_found", "no such proposal")
    title = record.proposal.title
    tr = await page_translator(request)
    if action == "close":
        ask_for = Confirmation(
            heading=tr.gettext("Close “%(title)s” now?", title=title),
            explanation=tr.gettext(
                "Voting ends at once and the result is decided from the ballots cast so far;"
                " nobody can vote or change a ballot afterwards."
            ),
            button=tr.gettext("Close now and decide"),
            cancel=f"/proposals/{slug}",
        )
    else:
        ask_for = Confirmation(
            heading=tr.gettext("Withdraw “%(title)s”?", title=title),
            explanation=tr.gettext(
                "The proposal ends without a decision: no result is counted and it cannot be"
                " opened again."
            ),
            button=tr.gettext("Withdraw"),
            cancel=f"/proposals/{slug}",
        )
    return await ask(request, ask_for)


routes = [
    Route("/proposals/new", new_proposal, methods=["GET"]),
    Route("/proposals/new", create, methods=["POST"]),
    Route("/proposals/{slug}/open", open_action, methods=["POST"]),
    Route("/proposals/{slug}/close", close_action, methods=["POST"]),
    Route("/proposals/{slug}/withdraw", withdraw_action, methods=["POST"]),
]
