"""`/admin/classes`: the co-op's member classes with their policies and member counts; add one.

A new class joins the membership principle (a new version), with the policy chosen here: open
to applications or not, admitted by an admin or by a members' vote, shares required, votes.
"""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from coopfed.governance.membership import MAX_SHARES_REQUIRED, AdmissionMode, ClassPolicy
from coopfed.services.errors import ServiceError
from coopfed.services.member_classes import CLASS_NAME, add_class, class_summaries
from coopfed.web.csrf import csrf_protected
from coopfed.web.sessions import require_admin
from coopfed.web.state import node_of
from coopfed.web.templating import render
from coopfed.web.translate import ENGLISH, N_, Translator, page_translator

NAME_HINT = N_("Lowercase letters, digits, _ and -, starting with a letter (at most 40).")


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip()[:200] if isinstance(value, str) else ""


async def _page(
    request: Request,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    *,
    status: int = 200,
) -> Response:
    context = {
        "classes": await class_summaries(node_of(request)),
        "values": values or {"open": "true", "votes": "true", "shares_required": "1"},
        "errors": errors or {},
        "admissions": [mode.value for mode in AdmissionMode],
        "name_hint": (await page_translator(request)).gettext(NAME_HINT),
        "max_shares": MAX_SHARES_REQUIRED,
    }
    return await render(request, "admin/classes.html", context, status=status)


async def classes_page(request: Request) -> Response:
    await require_admin(request)
    return await _page(request)


def read_class_form(
    form: FormData, tr: Translator = ENGLISH
) -> tuple[dict[str, str], dict[str, str]]:
    values = {
        key: _text(form, key) for key in ("name", "admission", "shares_required", "open", "votes")
    }
    errors: dict[str, str] = {}
    if not CLASS_NAME.fullmatch(values["name"]):
        errors["name"] = tr.gettext(NAME_HINT)
    if values["admission"] not in {mode.value for mode in AdmissionMode}:
        errors["admission"] = tr.gettext("Choose admin or vote.")
    shares = values["shares_required"]
    if not shares.isdigit() or int(shares) > MAX_SHARES_REQUIRED:
        errors["shares_required"] = tr.gettext(
            "A whole number from 0 to %(most)s.", most=MAX_SHARES_REQUIRED
        )
    return values, errors


@csrf_protected
async def add(request: Request, form: FormData) -> Response:
    await require_admin(request)
    values, errors = read_class_form(form, (await page_translator(request)))
    if errors:
        return await _page(request, values, errors, status=400)
    policy = ClassPolicy(
        values["name"],
        open_to_applications=values["open"] == "true",
        admission=AdmissionMode(values["admission"]),
        shares_required=int(values["shares_required"]),
        votes=values["votes"] == "true",
    )
    try:
        await add_class(node_of(request), policy)
    except ServiceError as error:
        return await _page(request, values, {"name": str(error).capitalize() + "."}, status=409)
    return RedirectResponse("/admin/classes", status_code=303)


routes = [
    Route("/admin/classes", classes_page, methods=["GET"]),
    Route("/admin/classes", add, methods=["POST"]),
]
