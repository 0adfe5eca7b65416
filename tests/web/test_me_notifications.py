"""/me's "Notifications" section: the member's current choice (the default until they
choose), a CSRF-protected form that stores it, and refusals with the reason (400)."""

from __future__ import annotations

import httpx
import pytest

from coopfed.node import Node
from coopfed.services.members import add_member
from coopfed.services.notifications import Channel, Frequency, notification_settings
from coopfed.store import members as member_store
from tests.web.conftest import HTML, form_token, sign_in

pytestmark = pytest.mark.usefixtures("accounts")


async def _bea_with_address(node: Node) -> None:
    record = await add_member(node, local_username="bea")
    async with node.engine.begin() as conn:
        await member_store.set_email(conn, record.row_id, "bea@example.org")


async def test_the_section_shows_the_default_and_saves_a_choice(
    node: Node, client: httpx.AsyncClient
) -> None:
    await _bea_with_address(node)
    await sign_in(client, "bea")
    page = await client.get("/me", headers=HTML)
    assert '<h2 id="section-notifications">Notifications</h2>' in page.text
    assert "<code>bea@example.org</code>" in page.text and "this is the default" in page.text
    assert 'id="notify-channel-email" name="channel" value="email" checked' in page.text
    assert 'id="notify-frequency-at_once" name="frequency" value="at_once" checked' in page.text
    form = {"csrf_token": form_token(page), "channel": "email", "frequency": "daily"}
    saved = await client.post("/me/notifications", data=form, headers=HTML)
    assert saved.status_code == 200 and "Saved: you hear from the co-op once a day" in saved.text
    assert 'value="daily" checked' in saved.text
    settings = await notification_settings(node, "bea")
    assert settings is not None and settings.preference.chosen
    assert (settings.preference.channel, settings.preference.frequency) == (
        Channel.EMAIL,
        Frequency.DAILY,
    )


async def test_a_channel_that_reaches_nobody_is_refused_with_the_reason(
    node: Node, client: httpx.AsyncClient
) -> None:
    await _bea_with_address(node)
    await sign_in(client, "bea")
    page = await client.get("/me", headers=HTML)
    form = {"csrf_token": form_token(page), "channel": "dm", "frequency": "at_once"}
    refused = await client.post("/me/notifications", data=form, headers=HTML)
    assert refused.status_code == 400 and "no fediverse account is linked" in refused.text
    junk = {"csrf_token": form_token(page), "channel": "x" * 5000, "frequency": ""}
    bad = await client.post("/me/notifications", data=junk, headers=HTML)
    assert bad.status_code == 400 and "choose e-mail" in bad.text
    settings = await notification_settings(node, "bea")
    assert settings is not None and not settings.preference.chosen


async def test_the_form_needs_the_csrf_token_and_a_membership(
    node: Node, client: httpx.AsyncClient
) -> None:
    await sign_in(client, "bea")  # an account, not a member
    page = await client.get("/me", headers=HTML)
    assert "section-notifications" not in page.text
    forged = await client.post(
        "/me/notifications", data={"channel": "none", "frequency": "at_once"}, headers=HTML
    )
    assert forged.status_code == 403
    form = {"csrf_token": form_token(page), "channel": "none", "frequency": "at_once"}
    answer = await client.post("/me/notifications", data=form, headers=HTML)
    assert answer.status_code == 404 and "you are not a member" in answer.text
