"""`/admin/classes`: classes with policies and counts, adding one, field errors, CSRF, admins."""

from __future__ import annotations

import re

import httpx
import pytest

from coopfed.node import Node
from coopfed.services.membership_principle import principle_of
from tests.support.governance import add_locals
from tests.web.conftest import HTML, form_token, sign_in

pytestmark = pytest.mark.usefixtures("accounts")


async def _add(client: httpx.AsyncClient, **fields: str) -> httpx.Response:
    page = await client.get("/admin/classes", headers=HTML)
    assert page.status_code == 200
    form = {"csrf_token": form_token(page), "admission": "admin", "shares_required": "1", **fields}
    return await client.post("/admin/classes", data=form, headers=HTML)


async def test_classes_are_listed_with_member_counts(node: Node, client: httpx.AsyncClient) -> None:
    await add_locals(node, "alice", "bob")
    await add_locals(node, "carl", member_class="worker")
    await sign_in(client, "ada")
    page = await client.get("/admin/classes", headers=HTML)
    assert page.status_code == 200
    row = re.search(r'<th scope="row">member</th>.*?</tr>', page.text, re.S)
    assert row is not None and row.group(0).count("<td>2</td>") == 2
    worker = re.search(r'<th scope="row">worker</th>.*?</tr>', page.text, re.S)
    assert worker is not None and worker.group(0).count("<td>1</td>") >= 2
    assert '<label for="field-name">Name</label>' in page.text
    assert 'href="/admin/classes"' in (await client.get("/admin", headers=HTML)).text


async def test_adding_a_class(node: Node, client: httpx.AsyncClient) -> None:
    await sign_in(client, "ada")
    answer = await _add(client, name="bakers", admission="vote", shares_required="2", votes="true")
    assert answer.status_code == 303 and answer.headers["location"] == "/admin/classes"
    policy = (await principle_of(node)).principle.policy("bakers")
    assert policy.admission.value == "vote" and policy.shares_required == 2
    assert policy.votes and not policy.open_to_applications  # the box was left unticked
    page = await client.get("/admin/classes", headers=HTML)
    assert '<th scope="row">bakers</th>' in page.text


async def test_field_errors_are_shown_next_to_the_field(
    node: Node, client: httpx.AsyncClient
) -> None:
    await sign_in(client, "ada")
    answer = await _add(client, name="Big <b>", shares_required="-1", admission="lottery")
    assert answer.status_code == 400 and "Traceback" not in answer.text
    for field in ("name", "shares_required", "admission"):
        assert f'<p class="error" id="field-{field}-error">' in answer.text, field
    assert 'value="Big &lt;b&gt;"' in answer.text and "<b>" not in answer.text
    taken = await _add(client, name="worker")
    assert taken.status_code == 409
    assert '<p class="error" id="field-name-error">The class &#39;worker&#39; exists' in taken.text
    assert (await principle_of(node)).version == 1


async def test_without_csrf_or_as_a_member_it_is_refused(
    node: Node, client: httpx.AsyncClient
) -> None:
    await sign_in(client, "ada")
    form = {"name": "bakers", "admission": "admin", "shares_required": "1"}
    assert (await client.post("/admin/classes", data=form, headers=HTML)).status_code == 403
    await _sign_out(client)
    anonymous = await client.get("/admin/classes", headers=HTML)
    assert anonymous.status_code == 303
    await sign_in(client, "bea")
    assert (await client.get("/admin/classes", headers=HTML)).status_code == 403
    token = form_token(await client.get("/me", headers=HTML))
    refused = await client.post("/admin/classes", data={**form, "csrf_token": token}, headers=HTML)
    assert refused.status_code == 403
    assert "bakers" not in (await principle_of(node)).principle.class_names


async def _sign_out(client: httpx.AsyncClient) -> None:
    token = form_token(await client.get("/me", headers=HTML))
    answer = await client.post("/sign-out", data={"csrf_token": token}, headers=HTML)
    assert answer.status_code == 303
