"""`/admin/charter`: the current voting charter and a form that saves the next version.

The form is built from the charter's own JSON form, so a setting added to the charter appears
here without a change: true/false settings become checkboxes, enum settings a choice of their
values, a setting made of several plain values (`proxies`) one labelled field per value, and
how classes combine (`class_mode`) a choice of mode with a row per class — no admin types JSON
(issue 16). Everything else is a text field. Errors come back next to the setting's fields.
"""

from __future__ import annotations

import enum
import json
import types
import typing
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from coopfed.governance.canonical import fraction_str
from coopfed.governance.charter import Charter, ClassMode, charter_to_dict
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
from coopfed.web.translate import ENGLISH, N_, Translator, page_translator

MAX_VALUE = 4000

# What people read for the settings we know; a new setting shows its key until it gets a line.
LABELS: dict[str, tuple[str, str]] = {
    "eligible_classes": (
        N_("Classes that vote"),
        N_(
            "Class names separated by commas; empty: every class votes. Changing the membership "
            "principle's voting classes sets this too."
        ),
    ),
    "quorum": (
        N_("Quorum"),
        N_("Share of the electorate that must take part: 1/2 or 60%; empty: none."),
    ),
    "threshold_base": (
        N_("Threshold counted over"),
        N_(
            "cast_excl_abstain: the votes cast, abstentions left out; cast_incl_abstain: the votes "
            "cast with abstentions; eligible: the whole electorate."
        ),
    ),
    "comparison": (N_("Threshold to pass"), N_("majority, at_least:2/3 or more_than:2/3")),
    "class_mode": (
        N_("How classes combine"),
        N_(
            'JSON: {"mode": "pooled"}, {"mode": "class_weighted", "shares": {"worker": "1/2", '
            '"consumer": "1/2"}, "caps": {}} or {"mode": "concurrent", "classes": ["worker"], '
            '"pooled": true}'
        ),
    ),
    "ballots_may_change": (N_("Members may change their ballot while voting is open"), ""),
    "author_may_vote": (N_("The author of a proposal may vote on it"), ""),
    "who_may_propose": (N_("Who may open proposals"), N_("admins only, or every member.")),
    "hidden_results": (N_("Counts stay hidden until voting closes"), ""),
    "revoke_ballot_on_leave": (N_("A member who leaves loses their ballots on open proposals"), ""),
    "tie_break": (N_("Breaking a tie"), N_("none: a tie is reported as a tie; lot: drawn by lot.")),
    "alliances": (
        N_("Who accepts an alliance offered to the co-op"),
        N_("admin: an admin decides; vote: the members vote on the offer."),
    ),
    "joint_proposals": (
        N_("Linked proposals of shared projects"),
        N_(
            "auto: opened at once; confirm: a draft an admin opens (one not opened before the "
            "joint proposal closes takes no part)."
        ),
    ),
    "non_member_replies": (
        N_("Replies from people who are not members"),
        N_(
            "followers: shown apart as from followers; held: until an admin releases one; "
            "hidden: kept from the page. Never counted as a member's comment."
        ),
    ),
    "proxies": (
        N_("Voting by proxy"),
        N_(
            "allowed: members may grant a proxy (off by default); cap_per_holder: how many one "
            "member may hold; same_class: the holder must be of the grantor's class."
        ),
    ),
    "discussion_drafts": (
        N_("Who turns a discussion into a draft proposal"),
        N_("admins only (the default), or every member."),
    ),
    "reminder_before": (
        N_("Remind members who have not voted"),
        N_("How long before a proposal closes: 24h, 90m, 2d; off: no reminder."),
    ),
}


# The parts of a setting made of several values, as people read them.
PART_LABELS: dict[str, str] = {
    "proxies.allowed": N_("Members may vote by proxy"),
    "proxies.cap_per_holder": N_("Proxies one member may hold at once"),
    "proxies.same_class": N_("A proxy holder must be of the grantor's class"),
}
CLASS_MODE = "class_mode"


@dataclass(frozen=True)
class CharterField:
    key: str  # a charter key, or "key.part" for one value of a setting made of several
    kind: str  # "bool", "choice", "list", "int", "json" or "text"
    label: str
    hint: str
    value: str  # what the input shows ("true"/"" for checkboxes)
    choices: tuple[str, ...] = ()
    nullable: bool = False

    @property
    def setting(self) -> str:
        """The charter key this field belongs to (where its errors are told)."""
        return self.key.split(".", 1)[0]


@dataclass(frozen=True)
class ClassRow:
    """One class in the "how classes combine" table: its share and cap when weighted, and
    whether it must pass on its own when concurrent."""

    name: str
    share: str
    cap: str
    must_pass: bool


def _field_types() -> dict[str, Any]:
    return typing.get_type_hints(Charter)


def _enum_values(kind: Any) -> tuple[str, ...]:
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return tuple(str(item.value) for item in kind)
    return ()


def _nullable(kind: Any) -> bool:
    return isinstance(kind, types.UnionType) and type(None) in typing.get_args(kind)


def _plain(value: Any) -> bool:
    return isinstance(value, bool | int | str) or value is None


def _part_fields(key: str, value: dict[str, Any], tr: Translator) -> list[CharterField]:
    """A setting made of plain values (`proxies`): one field per value."""
    fields = []
    for part, inner in value.items():
        name = f"{key}.{part}"
        known = PART_LABELS.get(name)
        label = tr.gettext(known) if known else part.replace("_", " ").capitalize()
        if isinstance(inner, bool):
            fields.append(CharterField(name, "bool", label, "", "true" if inner else ""))
        elif isinstance(inner, int):
            fields.append(CharterField(name, "int", label, "", str(inner)))
        else:
            fields.append(CharterField(name, "text", label, "", "" if inner is None else inner))
    return fields


def _label_and_hint(key: str, tr: Translator) -> tuple[str, str]:
    if key not in LABELS:
        return key.replace("_", " ").capitalize(), ""
    label, hint = LABELS[key]
    return tr.gettext(label), tr.gettext(hint) if hint else ""


def charter_fields(charter: Charter, tr: Translator = ENGLISH) -> list[CharterField]:
    """One form field per key of the charter's JSON form, in that order (several for a
    setting made of several values), labelled in `tr`'s language."""
    hints = _field_types()
    fields = []
    for key, value in charter_to_dict(charter).items():
        label, hint = _label_and_hint(key, tr)
        kind = hints.get(key)
        choices = _enum_values(kind)
        if isinstance(value, bool):
            fields.append(CharterField(key, "bool", label, hint, "true" if value else ""))
        elif choices:
            fields.append(CharterField(key, "choice", label, hint, str(value), choices))
        elif key == "eligible_classes" or isinstance(value, list):
            shown = ", ".join(value or [])
            fields.append(CharterField(key, "list", label, hint, shown, nullable=True))
        elif key == CLASS_MODE and isinstance(value, dict):
            modes = tuple(mode.value for mode in ClassMode)
            mode = str(value.get("mode", "pooled"))
            fields.append(CharterField(key, "class_mode", label, hint, mode, modes))
        elif isinstance(value, dict) and all(_plain(inner) for inner in value.values()):
            fields.extend(_part_fields(key, value, tr))
        elif isinstance(value, dict):
            fields.append(CharterField(key, "json", label, hint, json.dumps(value, indent=1)))
        else:
            shown = "" if value is None else str(value)
            fields.append(CharterField(key, "text", label, hint, shown, nullable=_nullable(kind)))
    return fields


def _readable(value: Fraction) -> str:
    """1 rather than the canonical 1/1: what an admin would type."""
    return str(value.numerator) if value.denominator == 1 else fraction_str(value)


def class_rows(charter: Charter, class_names: tuple[str, ...]) -> list[ClassRow]:
    """A row per class the register defines (and any the charter names but no longer does)."""
    rules = charter.class_rules
    shares, caps = rules.share_map, rules.cap_map
    names = list(class_names)
    names += [name for name in (*shares, *rules.classes) if name not in names]
    return [
        ClassRow(
            name,
            _readable(shares[name]) if name in shares else "",
            _readable(caps[name]) if name in caps else "",
            name in rules.classes,
        )
        for name in names
    ]


def _class_mode_of(form: FormData, rows: list[ClassRow]) -> dict[str, Any]:
    """The `class_mode` object the form's mode and class rows say; parts of other modes are
    left out, so switching mode never leaves stale shares behind."""
    mode = _text(form, "class_mode")
    if mode == ClassMode.CLASS_WEIGHTED.value:
        shares = {r.name: v for r in rows if (v := _text(form, f"class_mode.shares.{r.name}"))}
        caps = {r.name: v for r in rows if (v := _text(form, f"class_mode.caps.{r.name}"))}
        return {"mode": mode, "shares": shares, "caps": caps}
    if mode == ClassMode.CONCURRENT.value:
        classes = [r.name for r in rows if _text(form, f"class_mode.classes.{r.name}") == "true"]
        return {
            "mode": mode,
            "classes": classes,
            "pooled": _text(form, "class_mode.pooled") == "true",
        }
    return {"mode": mode}


def _shown_rows(form: FormData, rows: list[ClassRow]) -> list[ClassRow]:
    return [
        ClassRow(
            r.name,
            _text(form, f"class_mode.shares.{r.name}"),
            _text(form, f"class_mode.caps.{r.name}"),
            _text(form, f"class_mode.classes.{r.name}") == "true",
        )
        for r in rows
    ]


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip()[:MAX_VALUE] if isinstance(value, str) else ""


def _read_field(
    form: FormData, field: CharterField, rows: list[ClassRow], tr: Translator
) -> tuple[Any, str | None]:
    """A field's value in the charter's JSON form, or an error to show next to it."""
    raw = _text(form, field.key)
    if field.kind == "bool":
        return raw == "true", None
    if field.kind == "list":
        return [name.strip() for name in raw.split(",") if name.strip()] or None, None
    if field.kind == "class_mode":
        return _class_mode_of(form, rows), None
    if field.kind == "int":
        return (int(raw), None) if raw.isdigit() else (raw, tr.gettext("A whole number."))
    if field.kind == "json":
        try:
            return json.loads(raw), None
        except ValueError:
            return None, tr.gettext("Not valid JSON.")
    return (None if field.nullable and not raw else raw), None


def read_charter_form(
    form: FormData,
    fields: list[CharterField],
    rows: list[ClassRow] | None = None,
    tr: Translator = ENGLISH,
) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """The proposed charter (JSON form), what to show back in each field, and parse errors
    (by charter key)."""
    proposed: dict[str, Any] = {}
    shown: dict[str, str] = {}
    errors: dict[str, str] = {}
    for field in fields:
        shown[field.key] = _text(form, field.key)
        value, error = _read_field(form, field, rows or [], tr)
        if error is not None:
            errors.setdefault(
                field.setting, f"{field.label}: {error}" if "." in field.key else error
            )
        if "." in field.key:
            proposed.setdefault(field.setting, {})[field.key.split(".", 1)[1]] = value
        else:
            proposed[field.key] = value
    return proposed, shown, errors


async def _page(
    request: Request,
    *,
    shown: dict[str, str] | None = None,
    shown_rows: list[ClassRow] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    state = await charter_state(node_of(request))
    fields = charter_fields(state.record.charter, (await page_translator(request)))
    rows = class_rows(state.record.charter, state.class_names)
    if shown is not None:
        fields = [replace(field, value=shown.get(field.key, "")) for field in fields]
    if shown_rows is not None:
        rows = shown_rows
    saved = request.query_params.get("saved", "")
    context = {
        "record": state.record,
        "current": json.dumps(charter_to_dict(state.record.charter), indent=2),
        "fields": fields,
        "class_rows": rows,
        "pooled_too": (
            state.record.charter.class_rules.pooled
            if shown is None
            else shown.get("class_mode.pooled") == "true"
        ),
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
    state = await charter_state(node)
    current = state.record.charter
    rows = class_rows(current, state.class_names)
    tr = await page_translator(request)
    proposed, shown, errors = read_charter_form(form, charter_fields(current, tr), rows, tr)
    shown["class_mode.pooled"] = _text(form, "class_mode.pooled")
    shown_rows = _shown_rows(form, rows)
    if errors:
        # Tell every field's error at once, not only those the form itself could see.
        try:
            check_charter(current, proposed)
        except CharterRefused as refused:
            errors = {**refused.errors, **errors}
        return await _page(request, shown=shown, shown_rows=shown_rows, errors=errors, status=400)
    try:
        record = await save_charter(node, proposed)
    except CharterRefused as refused:
        errors = refused.errors
        return await _page(request, shown=shown, shown_rows=shown_rows, errors=errors, status=400)
    return RedirectResponse(f"/admin/charter?saved={record.version}", status_code=303)


routes = [
    Route("/admin/charter", charter_page, methods=["GET"]),
    Route("/admin/charter", save, methods=["POST"]),
]
