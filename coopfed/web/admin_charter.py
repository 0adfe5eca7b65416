"""`/admin/charter`: the current voting charter and a form that saves the next version.

The form is built from the charter's own JSON form, so a setting added to the charter appears
here without a change: true/false settings become checkboxes, enum settings a choice of their
values, objects a JSON box, everything else a text field. Errors come back next to the field.
"""

from __future__ import annotations

import enum
import json
import types
import typing
from dataclasses import dataclass, replace
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from coopfed.governance.charter import Charter, charter_to_dict
from coopfed.services.charters import (
    FORM_ERROR,
    CharterRefused,
    charter_state,
    check_charter,
    save_charter,
)
from coopfed.web.csrf import csrf_protected
from coopfed.web.sessions import require_admin
from coopfed.web.state import node_of
from coopfed.web.templating import render

MAX_VALUE = 4000

# What people read for the settings we know; a new setting shows its key until it gets a line.
LABELS: dict[str, tuple[str, str]] = {
    "eligible_classes": (
        "Classes that vote",
        "Class names separated by commas; empty: every class votes. Changing the membership "
        "principle's voting classes sets this too.",
    ),
    "quorum": ("Quorum", "Share of the electorate that must take part: 1/2 or 60%; empty: none."),
    "threshold_base": (
        "Threshold counted over",
        "cast_excl_abstain: the votes cast, abstentions left out; cast_incl_abstain: the votes "
        "cast with abstentions; eligible: the whole electorate.",
    ),
    "comparison": ("Threshold to pass", "majority, at_least:2/3 or more_than:2/3"),
    "class_mode": (
        "How classes combine",
        'JSON: {"mode": "pooled"}, {"mode": "class_weighted", "shares": {"worker": "1/2", '
        '"consumer": "1/2"}, "caps": {}} or {"mode": "concurrent", "classes": ["worker"], '
        '"pooled": true}',
    ),
    "ballots_may_change": ("Members may change their ballot while voting is open", ""),
    "author_may_vote": ("The author of a proposal may vote on it", ""),
    "who_may_propose": ("Who may open proposals", "admins only, or every member."),
    "hidden_results": ("Counts stay hidden until voting closes", ""),
    "revoke_ballot_on_leave": ("A member who leaves loses their ballots on open proposals", ""),
    "tie_break": ("Breaking a tie", "none: a tie is reported as a tie; lot: drawn by lot."),
    "alliances": (
        "Who accepts an alliance offered to the co-op",
        "admin: an admin decides; vote: the members vote on the offer.",
    ),
    "joint_proposals": (
        "Linked proposals of shared projects",
        "auto: opened at once; confirm: a draft an admin opens (one not opened before the joint "
        "proposal closes takes no part).",
    ),
    "non_member_replies": (
        "Replies from people who are not members",
        "followers: shown apart as from followers; held: until an admin releases one; "
        "hidden: kept from the page. Never counted as a member's comment.",
    ),
    "proxies": (
        "Voting by proxy",
        "allowed: members may grant a proxy (off by default); cap_per_holder: how many one "
        "member may hold; same_class: the holder must be of the grantor's class.",
    ),
}


@dataclass(frozen=True)
class CharterField:
    key: str
    kind: str  # "bool", "choice", "list", "json" or "text"
    label: str
    hint: str
    value: str  # what the input shows ("true"/"" for checkboxes)
    choices: tuple[str, ...] = ()
    nullable: bool = False


def _field_types() -> dict[str, Any]:
    return typing.get_type_hints(Charter)


def _enum_values(kind: Any) -> tuple[str, ...]:
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return tuple(str(item.value) for item in kind)
    return ()


def _nullable(kind: Any) -> bool:
    return isinstance(kind, types.UnionType) and type(None) in typing.get_args(kind)


def charter_fields(charter: Charter) -> list[CharterField]:
    """One form field per key of the charter's JSON form, in that order."""
    hints = _field_types()
    fields = []
    for key, value in charter_to_dict(charter).items():
        label, hint = LABELS.get(key, (key.replace("_", " ").capitalize(), ""))
        kind = hints.get(key)
        choices = _enum_values(kind)
        if isinstance(value, bool):
            fields.append(CharterField(key, "bool", label, hint, "true" if value else ""))
        elif choices:
            fields.append(CharterField(key, "choice", label, hint, str(value), choices))
        elif key == "eligible_classes" or isinstance(value, list):
            shown = ", ".join(value or [])
            fields.append(CharterField(key, "list", label, hint, shown, nullable=True))
        elif isinstance(value, dict):
            fields.append(CharterField(key, "json", label, hint, json.dumps(value, indent=1)))
        else:
            shown = "" if value is None else str(value)
            fields.append(CharterField(key, "text", label, hint, shown, nullable=_nullable(kind)))
    return fields


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip()[:MAX_VALUE] if isinstance(value, str) else ""


def read_charter_form(
    form: FormData, fields: list[CharterField]
) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """The proposed charter (JSON form), what to show back in each field, and parse errors."""
    proposed: dict[str, Any] = {}
    shown: dict[str, str] = {}
    errors: dict[str, str] = {}
    for field in fields:
        raw = _text(form, field.key)
        shown[field.key] = raw
        if field.kind == "bool":
            proposed[field.key] = raw == "true"
        elif field.kind == "list":
            names = [name.strip() for name in raw.split(",") if name.strip()]
            proposed[field.key] = names or None
        elif field.kind == "json":
            try:
                proposed[field.key] = json.loads(raw)
            except ValueError:
                errors[field.key] = "Not valid JSON."
        else:
            proposed[field.key] = None if field.nullable and not raw else raw
    return proposed, shown, errors


async def _page(
    request: Request,
    *,
    shown: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    state = await charter_state(node_of(request))
    fields = charter_fields(state.record.charter)
    if shown is not None:
        fields = [replace(field, value=shown.get(field.key, "")) for field in fields]
    saved = request.query_params.get("saved", "")
    context = {
        "record": state.record,
        "current": json.dumps(charter_to_dict(state.record.charter), indent=2),
        "fields": fields,
        "class_names": state.class_names,
        "errors": errors or {},
        "form_error": (errors or {}).get(FORM_ERROR),
        "saved": int(saved) if saved.isdigit() else None,
    }
    return await render(request, "admin/charter.html", context, status=status)


async def charter_page(request: Request) -> Response:
    await require_admin(request)
    return await _page(request)


@csrf_protected
async def save(request: Request, form: FormData) -> Response:
    await require_admin(request)
    node = node_of(request)
    current = (await charter_state(node)).record.charter
    proposed, shown, errors = read_charter_form(form, charter_fields(current))
    if errors:
        # Tell every field's error at once, not only those the form itself could see.
        try:
            check_charter(current, proposed)
        except CharterRefused as refused:
            errors = {**refused.errors, **errors}
        return await _page(request, shown=shown, errors=errors, status=400)
    try:
        record = await save_charter(node, proposed)
    except CharterRefused as refused:
        return await _page(request, shown=shown, errors=refused.errors, status=400)
    return RedirectResponse(f"/admin/charter?saved={record.version}", status_code=303)


routes = [
    Route("/admin/charter", charter_page, methods=["GET"]),
    Route("/admin/charter", save, methods=["POST"]),
]
