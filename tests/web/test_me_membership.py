"""/me's "Your membership" section and the data export download."""

from __future__ import annotations

import json

import httpx
import pytest

from coopfed.node import Node
from coopfed.services.members import add_member
from tests.web.conftest import HTML, sign_in

pytestmark = pytest.mark.usefixtures("accounts")


async def test_member_sees_class_shares_and_downloads_the_export(
    node: Node, client: httpx.AsyncClient
) -> None:
    record = await add_member(node, local_username="bea", member_class="member", shares=3)
    await sign_in(client, "bea")
    page = await client.get("/me", headers=HTML)
    assert page.status_code == 200
    assert '<h2 id="section-membership">Your membership</h2>' in page.text
    assert f"<code>{record.member_id}</code>" in page.text
    assert "<dt>Shares</dt><dd>3</dd>" in page.text and "<dd>active</dd>" in page.text
    assert 'href="/me/export.json"' in page.text
    download = await client.get("/me/export.json")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("application/json")
    assert download.headers["content-disposition"] == (
        'attachment; filename="bea-membership-export.json"'
    )
    assert download.headers["cache-control"] == "private, no-store"
    document = json.loads(download.text)
    assert document["format"] == "coopfed.member-export@1"
    assert document["member"]["id"] == record.member_id
    assert document["member"]["actor"] == node.uris.actor("bea")
    assert document["member"]["shares"] == 3
    assert "password" not in download.text


async def test_an_account_without_membership_has_no_section_nor_export(
    client: httpx.AsyncClient,
) -> None:
    await sign_in(client, "bea")
    page = await client.get("/me", headers=HTML)
    assert "Your membership" not in page.text and "/me/export.json" not in page.text
    assert (await client.get("/me/export.json")).status_code == 404


async def test_the_export_needs_sign_in(node: Node, client: httpx.AsyncClient) -> None:
    await add_member(node, local_username="bea")
    answer = await client.get("/me/export.json", headers=HTML)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/sign-in")
