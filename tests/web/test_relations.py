"""`/allies` and `/projects`: public lists, remote names escaped with their host."""

from __future__ import annotations

import httpx
import pytest

from coopfed.node import Node
from coopfed.services.members import add_member
from tests.web.conftest import HTML, sign_in
from tests.web.relations_support import ALLY, OFFERING, store_allies, store_projects

pytestmark = pytest.mark.usefixtures("accounts")


async def test_allies_lists_active_alliances_escaped_with_their_host(
    node: Node, client: httpx.AsyncClient
) -> None:
    await store_allies(node)
    page = await client.get("/allies", headers=HTML)
    assert page.status_code == 200
    assert "@bakery@other.example" in page.text and f'href="{ALLY}"' in page.text
    assert "<script>" not in page.text and "<img" not in page.text
    assert "&lt;script&gt;" in page.text
    assert OFFERING not in page.text  # only an offer, not an alliance yet
    home = await client.get("/", headers=HTML)
    assert 'href="/allies"' in home.text and 'href="/projects"' in home.text


async def test_allies_without_any(node: Node, client: httpx.AsyncClient) -> None:
    page = await client.get("/allies", headers=HTML)
    assert page.status_code == 200 and "No alliances yet." in page.text


async def test_projects_show_rule_members_and_joint_proposals_to_members(
    node: Node, client: httpx.AsyncClient
) -> None:
    await store_projects(node)
    page = await client.get("/projects", headers=HTML)
    assert page.status_code == 200
    assert "Garden &lt;i&gt;co-op&lt;/i&gt;" in page.text
    assert "more than 2/3 of the co-ops" in page.text
    assert "Test Co-op (this co-op)" in page.text and "@bakery@other.example" in page.text
    assert "<script>" not in page.text and "&lt;script&gt;" in page.text
    # An invitation not accepted yet is not a project we take part in.
    assert "Ovens" not in page.text
    # Joint proposals are members' business.
    assert "greenhouse" not in page.text and "sign in" in page.text
    await add_member(node, local_username="bea")
    await sign_in(client, "bea")
    member_view = await client.get("/projects", headers=HTML)
    assert "Buy a &lt;b&gt;greenhouse&lt;/b&gt;" in member_view.text
    assert "badge state-open" in member_view.text


async def test_projects_without_any(node: Node, client: httpx.AsyncClient) -> None:
    page = await client.get("/projects", headers=HTML)
    assert page.status_code == 200 and "No project is hosted here." in page.text
