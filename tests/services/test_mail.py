"""E-mail (`services.mail`): queued in a transaction, sent by the worker job to a real SMTP
server on 127.0.0.1, retried after an outage, written as .eml files without an SMTP host."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import select

from coopfed.node import Node
from coopfed.services import mail
from coopfed.store.tables import outgoing_mail
from tests.conftest import make_settings
from tests.support.smtp import SmtpServer


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


class Clock:
    def __init__(self, node: Node) -> None:
        self.now = node.now()

    def __call__(self) -> datetime:
        return self.now


async def smtp_node(database_url: str, tmp_path: Path, port: int) -> Node:
    settings = make_settings(
        database_url,
        tmp_path,
        email={
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "smtp_security": "none",
            "from_address": "office@coop.test",
            "retry_base_seconds": 10.0,
        },
    )
    return Node.from_settings(settings)


@pytest.fixture
async def node_to_smtp(database_url: str, tmp_path: Path, smtp: SmtpServer) -> AsyncIterator[Node]:
    node = await smtp_node(database_url, tmp_path, smtp.port)
    yield node
    await node.close()


async def queue(node: Node, to: str = "erin@example.org", optional: bool = False) -> int | None:
    async with node.engine.begin() as conn:
        return await mail.queue_message(
            conn,
            to_address=to,
            subject="Set your password",
            text_body="Follow this link: http://coop.test/x",
            html_body="<p>Follow <a href='http://coop.test/x'>this link</a></p>",
            kind="invitation",
            now=node.now(),
            optional=optional,
        )


async def test_a_queued_message_reaches_the_smtp_server_with_both_parts_and_headers(
    node_to_smtp: Node, smtp: SmtpServer
) -> None:
    await queue(node_to_smtp)
    assert await mail.send_due_mail(node_to_smtp) == 1
    [message] = smtp.inbox.wait_for(1)
    assert smtp.inbox.recipients == [["erin@example.org"]]
    assert message["Subject"] == "[Test Co-op] Set your password"
    assert message["From"] == "Test Co-op <office@coop.test>"
    unsubscribe = str(message["List-Unsubscribe"]).strip()  # folded: the URL is long
    assert unsubscribe.startswith("<http://coop.test/unsubscribe/") and unsubscribe.endswith(">")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    assert "Follow this link" in text.get_content()
    assert unsubscribe[1:-1] in text.get_content() and unsubscribe[1:-1] in html.get_content()
    assert await mail.send_due_mail(node_to_smtp) == 0  # sent once, not again


async def test_an_smtp_outage_loses_nothing_and_sends_once_after_it(
    database_url: str, tmp_path: Path
) -> None:
    server = SmtpServer()  # its port is chosen but nothing listens yet: the server is down
    node = await smtp_node(database_url, tmp_path, server.port)
    clock = Clock(node)
    node.clock = clock
    try:
        await queue(node)
        assert await mail.send_due_mail(node) == 1  # attempt 1: connection refused
        clock.now += timedelta(seconds=5)
        assert await mail.send_due_mail(node) == 0  # waiting out its 10 s backoff
        clock.now += timedelta(seconds=6)
        assert await mail.send_due_mail(node) == 1  # attempt 2: still down
        async with node.engine.connect() as conn:
            row = (await conn.execute(select(outgoing_mail))).one()
        assert row.state == "pending" and row.attempts == 2
        assert row.last_error and "Connect" in row.last_error
        server.start()
        clock.now += timedelta(seconds=41)  # 10 s × 2²
        assert await mail.send_due_mail(node) == 1
        assert len(server.inbox.wait_for(1)) == 1
        clock.now += timedelta(hours=2)
        assert await mail.send_due_mail(node) == 0
        assert len(server.inbox.messages) == 1
        async with node.engine.connect() as conn:
            row = (await conn.execute(select(outgoing_mail))).one()
        assert row.state == "done" and row.attempts == 3 and row.last_error is None
    finally:
        server.stop()
        await node.close()


async def test_without_an_smtp_host_messages_are_written_as_eml_files(node: Node) -> None:
    mail_id = await queue(node)
    assert await mail.send_due_mail(node) == 1
    [path] = mail.written_files(node.settings)
    assert path.name == f"{mail_id:06d}.eml"
    parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert parsed["To"] == "erin@example.org"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


async def test_an_opted_out_address_gets_no_optional_mail_but_still_gets_invitations(
    node: Node,
) -> None:
    await queue(node, to="Erin@Example.org")
    async with node.engine.connect() as conn:
        token = (await conn.execute(select(outgoing_mail.c.unsubscribe_token))).scalar_one()
    async with node.engine.begin() as conn:
        assert await mail.unsubscribe(conn, token, node.now()) == "Erin@Example.org"
        assert await mail.unsubscribe(conn, "no-such-token", node.now()) is None
    assert await queue(node, to="erin@example.org", optional=True) is None
    assert await queue(node, to="erin@example.org") is not None
