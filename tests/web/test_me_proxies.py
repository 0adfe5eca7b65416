"""/me's "Proxies" section: granting with the charter's reasons shown, revoking; the forms need
the CSRF token; no section where the charter has no proxies."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from coopfed.governance.charter import Charter
from coopfed.governance.proxies import ProxyPolicy
from coopfed.node import Node
from coopfed.services import assemblies, members, proposals
from coopfed.services.assemblies import AssemblyDraft
from coopfed.services.proxies import grant_proxy, list_proxies
from tests.support.governance import add_locals, use_clock
from tests.web.conftest import HTML, form_token, sign_in

pytestmark = pytest.mark.usefixtures("accounts")


async def _post(client: httpx.AsyncClient, action: str, **fields: str) -> httpx.Response:
    page = await client.get("/me", headers=HTML)
    assert page.status_code == 200
    form = {"csrf_token": form_token(page), **fields}
    return await client.post(f"/me/proxies/{action}", data=form, headers=HTML)


async def test_a_member_grants_and_revokes_a_proxy_on_me(
    node: Node, client: httpx.AsyncClient
) -> None:
    use_clock(node)
    await members.add_member(node, local_username="bea")
    await add_locals(node, "bob", "carol", "dan")
    await proposals.set_charter(node, Charter(proxies=ProxyPolicy(allowed=True, cap_per_holder=2)))
    held = await grant_proxy(node, "carol", "bea")
    await sign_in(client, "bea")
    page = await client.get("/me", headers=HTML)
    assert 'id="section-proxies"' in page.text and "at most 2 proxies" in page.text
    assert "Proxies you hold" in page.text and "Give it back" in page.text
    back = await _post(client, "revoke", proxy=str(held.stored.row_id))
    assert back.status_code == 200 and "carol no longer votes" not in back.text
    assert "bea no longer votes for carol" in back.text
    granted = await _post(client, "grant", holder="bob", until="2030-03-31")
    assert granted.status_code == 200 and "bob may now vote for you." in granted.text
    assert "Proxies you gave" in granted.text
    (view,) = await list_proxies(node, "bea", active_only=True)
    assert view.grant.holder == (await members.find_member(node, "bob"))[0].member_id
    revoked = await _post(client, "revoke", proxy=str(view.stored.row_id))
    assert revoked.status_code == 200 and "bob no longer votes for bea" in revoked.text
    assert await list_proxies(node, "bea", active_only=True) == []


async def test_refusals_are_shown_with_their_reason(node: Node, client: httpx.AsyncClient) -> None:
    use_clock(node)
    await members.add_member(node, local_username="bea")
    await add_locals(node, "bob", "carol", "dan")
    await proposals.set_charter(node, Charter(proxies=ProxyPolicy(allowed=True, cap_per_holder=2)))
    await grant_proxy(node, "carol", "bob")
    await grant_proxy(node, "dan", "bob")
    await sign_in(client, "bea")
    at_cap = await _post(client, "grant", holder="bob")
    assert at_cap.status_code == 409
    assert "bob already holds 2 proxies, the charter&#39;s cap per holder" in at_cap.text
    assert 'value="bob"' in at_cap.text
    unknown = await _post(client, "grant", holder="zed")
    assert unknown.status_code == 404 and "no member &#39;zed&#39;" in unknown.text
    bad_day = await _post(client, "grant", holder="carol", until="someday")
    assert bad_day.status_code == 400 and "not a date" in bad_day.text
    others = await list_proxies(node, "carol")
    not_hers = await _post(client, "revoke", proxy=str(others[0].stored.row_id))
    assert not_hers.status_code == 404
    no_token = await client.post("/me/proxies/grant", data={"holder": "carol"}, headers=HTML)
    assert no_token.status_code == 403
    assert await list_proxies(node, "bea") == []


async def test_no_section_where_the_charter_has_no_proxies(
    node: Node, client: httpx.AsyncClient
) -> None:
    use_clock(node)
    await members.add_member(node, local_username="bea")
    await sign_in(client, "bea")
    page = await client.get("/me", headers=HTML)
    assert page.status_code == 200 and 'id="section-proxies"' not in page.text


async def test_a_member_gives_her_proxy_for_an_upcoming_assembly(
    node: Node, client: httpx.AsyncClient
) -> None:
    clock = use_clock(node)
    await members.add_member(node, local_username="bea")
    await add_locals(node, "bob")
    await proposals.set_charter(node, Charter(proxies=ProxyPolicy(allowed=True, cap_per_holder=2)))
    soon = clock.now + timedelta(days=3)
    upcoming = await assemblies.create_assembly(
        node, AssemblyDraft(title="Spring AGM", starts_at=soon, place="Hall")
    )
    await assemblies.create_assembly(
        node,
        AssemblyDraft(title="Last year", starts_at=clock.now - timedelta(days=300), place="Hall"),
    )
    await sign_in(client, "bea")
    page = await client.get("/me", headers=HTML)
    assert f'<option value="{upcoming.record.slug}">Spring AGM' in page.text
    assert "Last year" not in page.text  # over: not offered
    both = await _post(
        client, "grant", holder="bob", assembly=upcoming.record.slug, proposal="anything"
    )
    assert both.status_code == 409 and "one proposal or for one assembly, not both" in both.text
    granted = await _post(client, "grant", holder="bob", assembly=upcoming.record.slug)
    assert granted.status_code == 200 and "bob may now vote for you." in granted.text
    assert f'for <a href="{upcoming.record.uri}">an assembly\'s agenda</a>' in granted.text
    (view,) = await list_proxies(node, "bea", active_only=True)
    assert view.grant.assembly_id == upcoming.record.uri
