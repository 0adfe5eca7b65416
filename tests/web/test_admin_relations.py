"""`/admin/alliances` and `/admin/projects`: accept, end, offer errors, CSRF, admins only."""

from __future__ import annotations

import httpx
import pytest

from coopfed.node import Node
from coopfed.services import alliances, project_membership
from tests.web.conftest import HTML, form_token, post_form, sign_in
from tests.web.relations_support import ALLY, OFFERING, PROJECT, store_allies, store_projects

pytestmark = pytest.mark.usefixtures("accounts")


async def _states(node: Node) -> dict[str, str]:
    return {a.remote_actor_uri: a.state for a in await alliances.list_alliances(node)}


async def test_alliances_page_lists_offers_escaped_and_accepts_one(
    node: Node, client: httpx.AsyncClient
) -> None:
    await store_allies(node)
    await sign_in(client, "ada")
    page = await client.get("/admin/alliances", headers=HTML)
    assert page.status_code == 200
    assert "@bakery@other.example" in page.text and "@mill@third.example" in page.text
    assert "<script>" not in page.text and "<b>Mill" not in page.text
    assert 'action="/admin/alliances/accept"' in page.text
    assert 'href="/admin/alliances"' in (await client.get("/admin", headers=HTML)).text
    accepted = await post_form(client, "/admin/alliances", "accept", coop=OFFERING)
    assert accepted.status_code == 303, accepted.text
    assert (await _states(node))[OFFERING] == "active"
    again = await post_form(client, "/admin/alliances", "accept", coop=OFFERING)
    assert again.status_code == 409 and "Traceback" not in again.text
    assert 'class="error" id="alliance-' in again.text and "No alliance offer from" in again.text


async def test_ending_an_alliance(node: Node, client: httpx.AsyncClient) -> None:
    await store_allies(node)
    await sign_in(client, "ada")
    ended = await post_form(client, "/admin/alliances", "end", coop=ALLY)
    assert ended.status_code == 303
    assert (await _states(node))[ALLY] == "ended"


async def test_an_offer_refused_is_told_next_to_the_field(
    node: Node, client: httpx.AsyncClient
) -> None:
    await sign_in(client, "ada")
    empty = await post_form(client, "/admin/alliances", "offer", coop=" ")
    assert empty.status_code == 400
    assert '<p class="error" id="field-coop-error">Give the co-op' in empty.text
    ourselves = await post_form(client, "/admin/alliances", "offer", coop="testcoop@coop.test")
    assert ourselves.status_code == 409 and "Traceback" not in ourselves.text
    assert '<p class="error" id="field-coop-error">A co-op cannot ally with itself' in (
        ourselves.text
    )
    assert 'value="testcoop@coop.test"' in ourselves.text
    assert await alliances.list_alliances(node) == []


async def test_projects_page_and_accepting_an_invitation(
    node: Node, client: httpx.AsyncClient
) -> None:
    await store_projects(node)
    await sign_in(client, "ada")
    page = await client.get("/admin/projects", headers=HTML)
    assert page.status_code == 200
    assert "&lt;script&gt;Ovens&lt;/script&gt;" in page.text and "<script>" not in page.text
    assert "weights: &lt;b&gt;equal&lt;/b&gt;" in page.text
    assert "Buy a &lt;b&gt;greenhouse&lt;/b&gt;" in page.text
    assert "@bakery@other.example" in page.text
    accepted = await post_form(client, "/admin/projects", "accept", project=PROJECT)
    assert accepted.status_code == 303, accepted.text
    states = {m.project_uri: m.state for m in await project_membership.invitations(node)}
    assert states[PROJECT] == "joined"
    again = await post_form(client, "/admin/projects", "accept", project=PROJECT)
    assert again.status_code == 409 and "No invitation to" in again.text


async def test_forms_need_csrf_and_pages_need_an_admin(
    node: Node, client: httpx.AsyncClient
) -> None:
    await store_allies(node)
    await sign_in(client, "ada")
    for action in ("offer", "accept", "end"):
        answer = await client.post(
            f"/admin/alliances/{action}", data={"coop": OFFERING}, headers=HTML
        )
        assert answer.status_code == 403
    refused = await client.post("/admin/projects/accept", data={"project": PROJECT}, headers=HTML)
    assert refused.status_code == 403
    assert (await _states(node))[OFFERING] == "offered"
    token = form_token(await client.get("/me", headers=HTML))
    await client.post("/sign-out", data={"csrf_token": token}, headers=HTML)
    for path in ("/admin/alliances", "/admin/projects"):
        assert (await client.get(path, headers=HTML)).status_code == 303
    await sign_in(client, "bea")
    for path in ("/admin/alliances", "/admin/projects"):
        assert (await client.get(path, headers=HTML)).status_code == 403
    token = form_token(await client.get("/me", headers=HTML))
    form = {"csrf_token": token, "coop": OFFERING}
    assert (
        await client.post("/admin/alliances/accept", data=form, headers=HTML)
    ).status_code == 403
    assert (await _states(node))[OFFERING] == "offered"
