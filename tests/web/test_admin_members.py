"""`/admin/applications` (admit, reject, field errors, CSRF, admins only) and `/admin/members`."""

from __future__ import annotations

import re

import httpx
import pytest

from coopfed.governance.members import MemberStatus
from coopfed.node import Node
from coopfed.services.member_lifecycle import end_membership
from coopfed.services.members import find_member
from coopfed.services.membership import ApplicationRequest, apply_for_membership, list_applications
from coopfed.store import remote_actors as remote_store
from tests.web.conftest import HTML, XSS_NAME, form_token, post_form, remote_actor, sign_in

pytestmark = pytest.mark.usefixtures("accounts")

REMOTE = "https://remote.example/users/mal"


async def _remote_applicant(node: Node) -> None:
    async with node.engine.begin() as conn:
        await remote_store.upsert(conn, remote_actor(REMOTE, XSS_NAME, "Person"), now=node.now())
    await apply_for_membership(
        node,
        ApplicationRequest(
            REMOTE, handle="acct:mal@remote.example", message="<b>let me in</b>",
            source="fediverse",
        ),
    )  # fmt: skip


async def _post(client: httpx.AsyncClient, action: str, **fields: str) -> httpx.Response:
    return await post_form(client, "/admin/applications", action, applicant=REMOTE, **fields)


async def test_applications_show_remote_people_with_their_host_escaped(
    node: Node, client: httpx.AsyncClient
) -> None:
    await _remote_applicant(node)
    await sign_in(client, "ada")
    page = await client.get("/admin/applications", headers=HTML)
    assert page.status_code == 200
    assert "@mal@remote.example" in page.text
    assert "<script>" not in page.text and "<img" not in page.text
    assert "&lt;script&gt;" in page.text
    assert "&lt;b&gt;let me in&lt;/b&gt;" in page.text
    assert 'action="/admin/applications/admit"' in page.text
    assert '<label for="reject-reason-1">' in page.text
    assert '<button class="button danger" type="submit">Reject…</button>' in page.text
    admin = await client.get("/admin", headers=HTML)
    assert 'href="/admin/applications"' in admin.text and 'href="/admin/members"' in admin.text


async def test_admit_with_a_class_then_the_member_is_listed(
    node: Node, client: httpx.AsyncClient
) -> None:
    await _remote_applicant(node)
    await sign_in(client, "ada")
    answer = await _post(client, "admit", member_class="member")
    assert answer.status_code == 303 and answer.headers["location"] == "/admin/applications"
    assert await list_applications(node) == []
    record, _events = await find_member(node, REMOTE)
    assert record.member.member_class == "member" and record.member.shares == 1
    members = await client.get("/admin/members", headers=HTML)
    assert members.status_code == 200
    assert "@mal@remote.example" in members.text and "&lt;script&gt;" in members.text
    assert "<script>" not in members.text
    row = re.search(r"<tr>\s*<td>[^\n]*remote\.example.*?</tr>", members.text, re.S)
    assert row is not None
    assert "<td>member</td>" in row.group(0) and "<td>1</td>" in row.group(0)
    assert "<td>active</td>" in row.group(0)


async def test_admitting_into_an_unknown_class_is_shown_next_to_the_choice(
    node: Node, client: httpx.AsyncClient
) -> None:
    await _remote_applicant(node)
    await sign_in(client, "ada")
    answer = await _post(client, "admit", member_class="emperor")
    assert answer.status_code == 409 and "Traceback" not in answer.text
    assert '<p class="error" id="admit-class-1-error">Unknown member class' in answer.text
    assert len(await list_applications(node)) == 1


async def test_reject_needs_a_reason_then_a_confirmation(
    node: Node, client: httpx.AsyncClient
) -> None:
    await _remote_applicant(node)
    await sign_in(client, "ada")
    answer = await _post(client, "reject", reason="  ")
    assert answer.status_code == 400
    assert 'id="reject-reason-1-error">Give the reason the applicant will be told.' in answer.text
    assert len(await list_applications(node)) == 1
    asked = await _post(client, "reject", reason="We only take bakers.")
    assert asked.status_code == 200 and "Reject this application?" in asked.text
    assert 'name="confirm" value="yes"' in asked.text and "We only take bakers." in asked.text
    assert 'class="button danger"' in asked.text
    assert len(await list_applications(node)) == 1  # asking acted on nothing
    rejected = await _post(client, "reject", reason="We only take bakers.", confirm="yes")
    assert rejected.status_code == 303
    assert await list_applications(node) == []
    [settled] = await list_applications(node, every=True)
    assert settled.state.value == "rejected" and settled.reason == "We only take bakers."
    assert settled.decided_by == node.uris.actor("ada")


async def test_settled_applications_answer_with_the_page_not_a_trace(
    node: Node, client: httpx.AsyncClient
) -> None:
    await sign_in(client, "ada")
    answer = await _post(client, "admit", member_class="member")  # nobody applied
    assert answer.status_code == 409 and "settled meanwhile" in answer.text
    assert 'class="notice"' in answer.text


async def test_admin_forms_without_csrf_are_refused(node: Node, client: httpx.AsyncClient) -> None:
    await _remote_applicant(node)
    await sign_in(client, "ada")
    for action in ("admit", "reject"):
        form = {"applicant": REMOTE, "member_class": "member", "reason": "no"}
        answer = await client.post(f"/admin/applications/{action}", data=form, headers=HTML)
        assert answer.status_code == 403
    assert len(await list_applications(node)) == 1


async def test_pages_and_forms_are_for_admins_only(node: Node, client: httpx.AsyncClient) -> None:
    await _remote_applicant(node)
    anonymous = await client.get("/admin/applications", headers=HTML)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/sign-in")
    await sign_in(client, "bea")
    for path in ("/admin/applications", "/admin/members"):
        assert (await client.get(path, headers=HTML)).status_code == 403
    token = form_token(await client.get("/me", headers=HTML))
    form = {"csrf_token": token, "applicant": REMOTE, "member_class": "member"}
    refused = await client.post("/admin/applications/admit", data=form, headers=HTML)
    assert refused.status_code == 403
    assert len(await list_applications(node)) == 1


async def _members_form(client: httpx.AsyncClient, action: str, **fields: str) -> httpx.Response:
    return await post_form(client, "/admin/members", action, **fields)


async def _admitted_by_ada(node: Node, client: httpx.AsyncClient) -> str:
    """The remote applicant, admitted by `ada` (left signed in): their member id."""
    await _remote_applicant(node)
    await sign_in(client, "ada")
    assert (await _post(client, "admit", member_class="member")).status_code == 303
    record, _events = await find_member(node, REMOTE)
    return record.member_id


async def test_an_admin_moves_a_member_to_another_class(
    node: Node, client: httpx.AsyncClient
) -> None:
    member_id = await _admitted_by_ada(node, client)
    page = await client.get("/admin/members", headers=HTML)
    assert '<label for="member-class-1">Class of ' in page.text and "&lt;script&gt;" in page.text
    moved = await _members_form(client, "class", member=member_id, member_class="worker")
    assert moved.status_code == 303 and moved.headers["location"] == "/admin/members"
    record, events = await find_member(node, REMOTE)
    assert record.member.member_class == "worker" and events[-1].kind == "class_changed"
    unknown = await _members_form(client, "class", member=member_id, member_class="emperor")
    assert unknown.status_code == 409 and "Traceback" not in unknown.text
    assert '<p class="error" id="member-class-1-error">Unknown member class' in unknown.text
    gone = await _members_form(client, "class", member="nobody", member_class="worker")
    assert gone.status_code == 409 and 'class="notice"' in gone.text


async def test_an_admin_reinstates_a_suspended_member(
    node: Node, client: httpx.AsyncClient
) -> None:
    member_id = await _admitted_by_ada(node, client)
    refused = await _members_form(client, "reinstate", member=member_id)
    assert refused.status_code == 409
    assert 'id="reinstate-1-error">Member ' in refused.text and "not suspended" in refused.text
    await end_membership(
        node, REMOTE, MemberStatus.SUSPENDED, reason="unpaid", decided_by=node.uris.actor("ada")
    )
    page = await client.get("/admin/members", headers=HTML)
    assert 'action="/admin/members/reinstate"' in page.text
    back = await _members_form(client, "reinstate", member=member_id)
    assert back.status_code == 303
    record, _events = await find_member(node, REMOTE)
    assert record.member.status is MemberStatus.ACTIVE


async def test_member_changes_need_csrf_and_an_admin(node: Node, client: httpx.AsyncClient) -> None:
    member_id = await _admitted_by_ada(node, client)
    form = {"member": member_id, "member_class": "worker"}
    for action in ("class", "reinstate"):
        answer = await client.post(f"/admin/members/{action}", data=form, headers=HTML)
        assert answer.status_code == 403
    await _sign_out(client)
    await sign_in(client, "bea")
    token = form_token(await client.get("/me", headers=HTML))
    answer = await client.post(
        "/admin/members/class", data={**form, "csrf_token": token}, headers=HTML
    )
    assert answer.status_code == 403
    record, _events = await find_member(node, REMOTE)
    assert record.member.member_class == "member"


async def _sign_out(client: httpx.AsyncClient) -> None:
    token = form_token(await client.get("/me", headers=HTML))
    answer = await client.post("/sign-out", data={"csrf_token": token}, headers=HTML)
    assert answer.status_code == 303


async def test_each_application_says_how_the_applicant_will_be_told(
    node: Node, client: httpx.AsyncClient
) -> None:
    await _remote_applicant(node)  # no Join id, no address: nothing to send to
    for username, email in (("cleo", "cleo@example.org"), ("dan", None)):
        request = ApplicationRequest(
            node.uris.actor(username), handle=username, source="web", email=email
        )
        await apply_for_membership(node, request)
    joined = ApplicationRequest(
        "https://remote.example/users/jo", handle="acct:jo@remote.example", source="fediverse",
        join_activity_id="https://remote.example/activities/1",
    )  # fmt: skip
    await apply_for_membership(node, joined)
    await sign_in(client, "ada")
    page = await client.get("/admin/applications", headers=HTML)
    told = re.findall(r'<dd class="told">([^<]*)</dd>', page.text)
    assert told == [
        "not told (no address, no Join to answer)",
        "by e-mail to cleo@example.org",
        "only on their page here (no address given)",
        "by a private note to the actor, with the Accept or Reject",
    ]
