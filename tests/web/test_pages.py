"""The front page, the personal page and the admin area, as browsers and scripts see them."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import httpx
import pytest

from coopfed.governance.membership import AdmissionMode, ClassPolicy, default_principle
from coopfed.node import Node
from coopfed.services.membership_principle import set_principle
from coopfed.web import me
from coopfed.web.sessions import Viewer
from tests.web.conftest import HTML, sign_in


async def test_front_page_names_the_coop_and_how_to_follow(client: httpx.AsyncClient) -> None:
    page = await client.get("/", headers=HTML)
    assert page.status_code == 200
    assert "<h1>Test Co-op</h1>" in page.text
    assert "A co-op for tests." in page.text
    assert "<code>@testcoop@coop.test</code>" in page.text
    assert 'href="http://coop.test/@testcoop"' in page.text
    assert 'href="/sign-in"' in page.text
    assert "set-cookie" not in page.headers  # no form, no CSRF cookie: cacheable


async def test_pages_are_accessible_by_structure(client: httpx.AsyncClient) -> None:
    for path in ("/", "/sign-in"):
        text = (await client.get(path, headers=HTML)).text
        assert '<html lang="en">' in text
        assert '<a class="skip-link" href="#main">' in text
        assert '<main id="main"' in text and '<nav class="site-nav" aria-label="Site">' in text
        assert 'name="viewport"' in text
    sign_in_page = (await client.get("/sign-in", headers=HTML)).text
    assert '<label for="field-username">' in sign_in_page
    assert '<label for="field-password">' in sign_in_page


async def test_front_page_carries_no_inline_script_or_style(client: httpx.AsyncClient) -> None:
    text = (await client.get("/", headers=HTML)).text
    assert "<script" not in text and "<style" not in text and "style=" not in text
    css = await client.get("/static/site.css")
    assert css.status_code == 200 and ":focus-visible" in css.text


@pytest.mark.usefixtures("accounts")
async def test_me_shows_the_member(client: httpx.AsyncClient) -> None:
    await sign_in(client, "bea")
    page = await client.get("/me", headers=HTML)
    assert page.status_code == 200
    assert "<dd>bea</dd>" in page.text and "<code>@bea@coop.test</code>" in page.text
    # An account with no member record (and no application) is not called a member (issue 15).
    assert "<dt>Role</dt><dd>No membership</dd>" in page.text
    assert 'href="/admin"' not in page.text
    assert page.headers["cache-control"] == "private, no-store"


@pytest.mark.usefixtures("accounts")
async def test_me_shows_admins_their_role_and_the_admin_link(client: httpx.AsyncClient) -> None:
    await sign_in(client, "ada")
    page = await client.get("/me", headers=HTML)
    assert "Admin of Test Co-op" in page.text and 'href="/admin"' in page.text


async def test_me_sends_strangers_to_sign_in(client: httpx.AsyncClient) -> None:
    response = await client.get("/me", headers=HTML)
    assert response.status_code == 303 and response.headers["location"] == "/sign-in?next=%2Fme"


@pytest.mark.usefixtures("accounts")
async def test_personal_sections_plug_in(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def membership(node: Node, viewer: Viewer) -> me.PersonalSection | None:
        return me.PersonalSection("membership", "Your membership", "not_found.html")

    async def nothing(node: Node, viewer: Viewer) -> me.PersonalSection | None:
        return None

    monkeypatch.setattr(me, "SECTIONS", [membership, nothing])
    await sign_in(client, "bea")
    page = await client.get("/me", headers=HTML)
    assert '<h2 id="section-membership">Your membership</h2>' in page.text


@pytest.mark.usefixtures("accounts")
async def test_admin_area_is_for_admins(client: httpx.AsyncClient) -> None:
    await sign_in(client, "bea")
    refused = await client.get("/admin", headers=HTML)
    assert refused.status_code == 403 and "for the co-op&#39;s admins" in refused.text


@pytest.mark.usefixtures("accounts")
async def test_admin_area_lists_accounts_and_queues(client: httpx.AsyncClient) -> None:
    await sign_in(client, "ada")
    page = await client.get("/admin", headers=HTML)
    assert page.status_code == 200
    assert "<tr><td>ada</td><td>yes</td></tr>" in page.text
    assert "<tr><td>bea</td><td>no</td></tr>" in page.text
    assert "<td>Deliveries</td>" in page.text and "<td>Inbox</td>" in page.text


@pytest.mark.usefixtures("accounts")
async def test_admin_page_title_is_its_name_and_equivocations_appear_once(
    client: httpx.AsyncClient,
) -> None:
    # Regression: the Equivocations section was once pasted into the title block too, so the
    # page's <title> held a whole table and the section showed twice.
    await sign_in(client, "ada")
    page = await client.get("/admin", headers=HTML)
    assert "<title>Admin · Test Co-op" in page.text
    assert page.text.count('<h2 id="equivocations-heading">') == 1


async def test_front_page_shows_the_membership_principle_and_how_to_apply(
    node: Node, client: httpx.AsyncClient
) -> None:
    principle = default_principle(["member", "worker", "investor"], "member")
    classes = (
        ClassPolicy("worker", admission=AdmissionMode.VOTE, shares_required=2,
                    nominal_value=Decimal("50")),
        ClassPolicy("member"),
        ClassPolicy("investor", open_to_applications=False, votes=False),
    )  # fmt: skip
    await set_principle(node, replace(principle, classes=classes))
    page = await client.get("/", headers=HTML)
    assert page.status_code == 200
    section = page.text.split('id="join-heading"', 1)[1].split("</section>", 1)[0]
    assert "member</a>" not in section and "(usual)" in section
    assert section.index(">member") < section.index(">worker")  # the usual class first
    assert "vote (7 days)" in section and "2 of 50 EUR each" in section
    assert "investor" not in section  # closed to applications
    assert 'href="/apply"' in section and "<code>@testcoop@coop.test</code>" in section
    closed = tuple(replace(policy, open_to_applications=False) for policy in classes)
    await set_principle(node, replace(principle, classes=closed))
    page = await client.get("/", headers=HTML)
    assert "The co-op takes no applications at the moment." in page.text
