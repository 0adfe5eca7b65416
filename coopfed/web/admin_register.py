"""`/admin/members/{id}`: one member of the register and every change an admin makes to it.

Suspend, reinstate, record a leave, expel, change class, issue / transfer / redeem shares,
grant or revoke admin rights, (re)send a local member's invitation to set a password, each
through the service the CLI's `coopfed member ...` (or `coopfed admin grant|revoke`, `coopfed
member invite`) command calls. What cannot be undone (a leave, an expulsion, a
redemption), and a change of admin rights, first answers with a confirmation page repeating
what will happen; only its form, carrying `confirm=yes`, makes the change. A reason is asked
for wherever the CLI asks for `--reason`. Bad input answers 400 and a refusal by the service
409, both with the member page and the message next to the form; the service's transaction
means nothing is half-written.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from coopfed.governance.members import MemberStatus
from coopfed.node import Node
from coopfed.services import shares
from coopfed.services.accounts import local_username, set_admin
from coopfed.services.errors import NotFound, ServiceError
from coopfed.services.member_classes import change_member_class, reinstate_member
from coopfed.services.member_lifecycle import end_membership
from coopfed.services.members import GONE, find_member, invite_member, list_members
from coopfed.services.membership_principle import principle_of
from coopfed.store import actors as actor_store
from coopfed.web.admin_members import MAX_REASON, person_label
from coopfed.web.csrf import csrf_protected
from coopfed.web.sessions import require_admin
from coopfed.web.state import node_of
from coopfed.web.templating import render
from coopfed.web.translate import ENGLISH, N_, Translator, page_translator

MAX_COUNT = 1_000_000
IRREVERSIBLE = frozenset({"leave", "expel", "redeem"})
ADMIN_RIGHTS = {"grant-admin": True, "revoke-admin": False}
CONFIRMED = IRREVERSIBLE | ADMIN_RIGHTS.keys()  # asked again on a confirmation page
# Which actions need a reason (as the CLI's --reason is required) and which take a count.
REASON_REQUIRED = frozenset({"suspend", "expel", "issue", "redeem"})
COUNTED = frozenset({"issue", "transfer", "redeem"})
ACTIONS = frozenset({"suspend", "reinstate", "leave", "expel", "class", "issue", "transfer",
                     "redeem", "grant-admin", "revoke-admin", "invite"})  # fmt: skip
ENDINGS = {"suspend": MemberStatus.SUSPENDED, "leave": MemberStatus.LEFT,
           "expel": MemberStatus.EXPELLED}  # fmt: skip


class BadInput(Exception):
    """A form field the change cannot be made with; the message is shown next to the form."""


@dataclass(frozen=True)
class Change:
    """One submitted form, checked: what the service is called with."""

    action: str
    reason: str = ""
    count: int = 0
    member_class: str = ""
    target: str = ""
    email: str = ""

    def fields(self) -> dict[str, str]:
        """What the confirmation form posts again (with `confirm=yes`)."""
        values = {"reason": self.reason, "count": str(self.count) if self.count else ""}
        values |= {"member_class": self.member_class, "target": self.target}
        return {key: value for key, value in values.items() if value}


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def parse_change(action: str, form: FormData, tr: Translator = ENGLISH) -> Change:
    reason = _text(form, "reason")
    if action in REASON_REQUIRED and not reason:
        raise BadInput(tr.gettext("Give the reason that will be recorded."))
    if len(reason) > MAX_REASON:
        raise BadInput(tr.gettext("The reason is at most %(most)s characters.", most=MAX_REASON))
    count = 0
    if action in COUNTED:
        raw = _text(form, "count")
        if not raw.isdecimal() or not 1 <= int(raw) <= MAX_COUNT:
            raise BadInput(
                tr.gettext(
                    "Give the number of shares: a whole number from 1 to %(most)s.", most=MAX_COUNT
                )
            )
        count = int(raw)
    member_class = _text(form, "member_class")
    if action == "class" and not member_class:
        raise BadInput(tr.gettext("Choose the class."))
    target = _text(form, "target")
    if action == "transfer" and not target:
        raise BadInput(tr.gettext("Choose the member who receives the shares."))
    email = _text(form, "email") if action == "invite" else ""
    return Change(action, reason, count, member_class, target, email)


async def _member_username(node: Node, member_id: str) -> str:
    record, _events = await find_member(node, member_id)
    username = local_username(node.uris, record.actor_uri)
    if username is None:
        raise ServiceError(N_("admin rights are for local members: this one signs in elsewhere"))
    return username


async def _apply(node: Node, member_id: str, change: Change, decided_by: str) -> None:
    action = change.action
    if action in ADMIN_RIGHTS:
        await set_admin(node, await _member_username(node, member_id), ADMIN_RIGHTS[action])
    elif action == "invite":
        await invite_member(node, member_id, email=change.email or None)
    elif action in ENDINGS:
        await end_membership(
            node, member_id, ENDINGS[action], reason=change.reason, decided_by=decided_by
        )
    elif action == "reinstate":
        await reinstate_member(node, member_id, decided_by=decided_by, reason=change.reason)
    elif action == "class":
        await change_member_class(
            node, member_id, change.member_class, decided_by=decided_by, reason=change.reason
        )
    elif action == "issue":
        await shares.issue_shares(node, member_id, change.count, reason=change.reason)
    elif action == "redeem":
        await shares.redeem_shares(node, member_id, change.count, reason=change.reason)
    else:
        assert action == "transfer"
        if change.target == member_id:
            raise ServiceError(N_("a transfer needs two different members"))
        await shares.transfer_shares(node, member_id, change.target, change.count)


@dataclass(frozen=True)
class Party:
    """Another member shares may go to, as the transfer form lists them."""

    member_id: str
    who: str


def _forms_shown(
    status: MemberStatus, shares_held: int, has_parties: bool, is_admin: bool | None, local: bool
) -> set[str]:
    """The actions whose form the member page shows (mirrors admin/member.html; `is_admin` is
    None without a local account): an error about any other action is shown as a notice above
    the page instead."""
    if status in GONE:
        return set()
    shown = {"leave", "expel", "class"}
    if is_admin is not None:
        shown.add("revoke-admin" if is_admin else "grant-admin")
    if local:
        shown.add("invite")
    shown |= {"suspend", "issue"} if status is MemberStatus.ACTIVE else {"reinstate"}
    if status is MemberStatus.ACTIVE and has_parties:
        shown.add("transfer")
    if shares_held > 0:
        shown.add("redeem")
    return shown


async def _member_page(
    request: Request,
    member_id: str,
    errors: dict[str, str] | None = None,
    *,
    status: int = 200,
    values: dict[str, str] | None = None,
) -> Response:
    node = node_of(request)
    try:
        record, events = await find_member(node, member_id)
    except NotFound:
        raise HTTPException(404, N_("No member has this id.")) from None
    ledger = await shares.member_ledger(node, member_id)
    everyone = await list_members(node)
    others = [r for r in everyone if r.member.is_active and r.row_id != record.row_id]
    username = local_username(node.uris, record.actor_uri)
    async with node.engine.connect() as conn:
        account = await actor_store.get_account(conn, username) if username else None
        who = await person_label(conn, node, record.actor_uri, record.handle)
        parties = [
            Party(r.member_id, await person_label(conn, node, r.actor_uri, r.handle))
            for r in others
        ]
    errors = errors or {}
    is_admin = None if account is None else account.is_admin
    local = username is not None
    shown = _forms_shown(record.member.status, record.member.shares, bool(parties), is_admin, local)
    in_ledger = sum(
        line.movement.count * (1 if line.movement.target == record.member_id else -1)
        for line in ledger
    )
    context = {
        "record": record,
        "who": who,
        "outside_ledger": max(record.member.shares - in_ledger, 0),
        "notices": [message for action, message in errors.items() if action not in shown],
        "events": list(reversed(events)),  # newest first
        "ledger": ledger,
        "parties": parties,
        "class_names": (await principle_of(node)).principle.class_names,
        "errors": errors,
        "values": values or {},
        "gone": record.member.status in GONE,
        "local": local,
        "account": account,
        "invited": request.query_params.get("invited") == "1",
    }
    return await render(request, "admin/member.html", context, status=status)


async def member_page(request: Request) -> Response:
    await require_admin(request)
    return await _member_page(request, request.path_params["member_id"])


@csrf_protected
async def member_action(request: Request, form: FormData) -> Response:
    viewer = await require_admin(request)
    node = node_of(request)
    member_id = request.path_params["member_id"]
    action = request.path_params["action"]
    if action not in ACTIONS:
        raise HTTPException(404, N_("No such change to a member."))
    try:
        change = parse_change(action, form, (await page_translator(request)))
    except BadInput as error:
        submitted = {key: _text(form, key) for key in ("reason", "count", "email")}
        return await _member_page(
            request, member_id, {action: str(error)}, status=400, values=submitted
        )
    if action in CONFIRMED and _text(form, "confirm") != "yes":
        return await _confirmation(request, member_id, change)
    try:
        await _apply(node, member_id, change, node.uris.actor(viewer.username))
    except ServiceError as error:  # NotFound included: another admin's change came first
        # This module's own refusals are catalogue messages; the services' stay as they are.
        message = (await page_translator(request)).gettext(str(error))
        return await _member_page(
            request, member_id, {action: message[:1].upper() + message[1:] + "."}, status=409
        )
    done = "?invited=1" if action == "invite" else ""
    return RedirectResponse(f"/admin/members/{member_id}{done}", status_code=303)


async def _confirmation(request: Request, member_id: str, change: Change) -> Response:
    """The second step of an irreversible change: what will happen, and one button to do it."""
    node = node_of(request)
    try:
        record, _events = await find_member(node, member_id)
    except NotFound:
        raise HTTPException(404, N_("No member has this id.")) from None
    tr = await page_translator(request)
    if record.member.status in GONE:
        status = record.member.status.value
        gone = tr.gettext("Member %(id)s is already %(status)s.", id=member_id, status=status)
        return await _member_page(request, member_id, {change.action: gone}, status=409)
    held = record.member.shares
    if change.action == "redeem" and change.count > held:
        # Asked before the confirmation, which would only end in the same refusal.
        too_many = tr.gettext(
            "Member %(id)s holds %(held)s share(s); cannot redeem %(count)s.",
            id=member_id,
            held=held,
            count=change.count,
        )
        return await _member_page(request, member_id, {"redeem": too_many}, status=409)
    async with node.engine.connect() as conn:
        who = await person_label(conn, node, record.actor_uri, record.handle)
    context = {"record": record, "who": who, "change": change, "fields": change.fields()}
    return await render(request, "admin/member_confirm.html", context)


routes = [
    Route("/admin/members/{member_id}", member_page, methods=["GET"]),
    Route("/admin/members/{member_id}/{action}", member_action, methods=["POST"]),
]
