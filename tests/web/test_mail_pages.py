"""E-mail pages: RFC 8058 one-click unsubscribe and the admins' list of demo mail files."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from coopfed.node import Node
from coopfed.services import mail
from coopfed.store import mail as mail_store
from coopfed.store.tables import outgoing_mail
from tests.web.conftest import HTML, sign_in


async def queue_one(node: Node) -> str:
    async with node.engine.begin() as conn:
        await mail.queue_message(
            conn,
            to_address="erin@example.org",
            subject="Welcome",
            text_body="Hello Erin",
            html_body="<p>Hello Erin</p>",
            kind="invitation",
            now=node.now(),
        )
        return str((await conn.execute(select(outgoing_mail.c.unsubscribe_token))).scalar_one())


async def test_one_click_post_opts_the_address_out_and_get_only_asks(
    node: Node, client: httpx.AsyncClient
) -> None:
    token = await queue_one(node)
    shown = await client.get(f"/unsubscribe/{token}", headers=HTML)
    assert shown.status_code == 200 and "erin@example.org" in shown.text
    async with node.engine.connect() as conn:
        assert not await mail_store.has_opted_out(conn, "erin@example.org")  # GET changes nothing
    # What a mail provider posts (RFC 8058 section 3.2): no cookie, no CSRF token.
    posted = await client.post(
        f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"}, headers=HTML
    )
    assert posted.status_code == 200 and "no more optional e-mail" in posted.text
    async with node.engine.connect() as conn:
        assert await mail_store.has_opted_out(conn, "erin@example.org")


async def test_an_unknown_or_oversized_token_is_a_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/unsubscribe/nope", headers=HTML)).status_code == 404
    assert (await client.post("/unsubscribe/" + "x" * 500, headers=HTML)).status_code == 404


async def test_admins_see_the_demo_mail_files_and_strangers_do_not(
    node: Node, client: httpx.AsyncClient, accounts: None
) -> None:
    await queue_one(node)
    assert await mail.send_due_mail(node) == 1  # no smtp_host: written as 000001.eml
    assert (await client.get("/admin/mail", headers=HTML)).status_code != 200  # not signed in
    assert (await client.get("/admin/mail/000001.eml", headers=HTML)).status_code != 200
    await sign_in(client, "ada")
    page = await client.get("/admin/mail", headers=HTML)
    assert page.status_code == 200 and "erin@example.org" in page.text
    assert str(mail.mail_dir(node.settings)) in page.text
    eml = await client.get("/admin/mail/000001.eml", headers=HTML)
    assert eml.status_code == 200 and "Hello Erin" in eml.text
    assert (await client.get("/admin/mail/..%2Fcoopfed.db", headers=HTML)).status_code == 404
