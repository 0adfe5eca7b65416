"""Notifications (`services.notifications`): one per eligible member by their preference, by
e-mail (the mail queue) or direct message (the outbox), at once or in a daily digest; the
reminder only to those who have not voted; the result to all; admins told what waits."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select

from coopfed.governance.charter import Charter
from coopfed.governance.members import MemberStatus
from coopfed.i18n import moment_text
from coopfed.node import Node
from coopfed.services import mail, members, notifications, proposals
from coopfed.services.account_links import issue_code, redeem_code
from coopfed.services.accounts import create_local_account
from coopfed.services.errors import ServiceError
from coopfed.services.membership import ApplicationRequest, apply_for_membership
from coopfed.services.notifications import Channel, Frequency, send_due_notifications
from coopfed.services.setup import create_node_actors
from coopfed.services.votes import cast_vote
from coopfed.store import alliances as alliance_store
from coopfed.store import joint as joint_store
from coopfed.store import mail as mail_store
from coopfed.store import members as member_store
from coopfed.store.alliances import AllianceState
from coopfed.store.members import MemberRecord
from coopfed.store.tables import outbox_activities, outgoing_mail
from coopfed.worker import Worker
from tests.conftest import make_settings
from tests.support.governance import Clock, add_locals, open_yes_no, use_clock
from tests.support.smtp import SmtpServer

PHONE = "https://social.example/users/bob"  # linked to bob
REMOTE = "https://remote.example/users/erin"  # a remote member
ALLY = "https://other.example/actors/coop"


@dataclass(frozen=True)
class Coop:
    clock: Clock
    alice: MemberRecord  # e-mail (default: has an address)
    bob: MemberRecord  # direct message (default: no address, a linked account)
    carol: MemberRecord  # e-mail, but her address used an unsubscribe link
    dave: MemberRecord  # nothing: no address, no fediverse account
    erin: MemberRecord  # remote member: direct message to her own actor
    frank: MemberRecord  # has an address, chose none


async def _set_email(node: Node, record: MemberRecord, address: str) -> None:
    async with node.engine.begin() as conn:
        await member_store.set_email(conn, record.row_id, address)


async def coop(node: Node) -> Coop:
    clock = use_clock(node)
    alice, bob, carol, dave, frank = await add_locals(
        node, "alice", "bob", "carol", "dave", "frank"
    )
    erin = await members.add_member(node, REMOTE)
    await _set_email(node, alice, "alice@example.org")
    await _set_email(node, carol, "carol@example.org")
    await _set_email(node, frank, "frank@example.org")
    issued = await issue_code(node, "bob")
    async with node.engine.begin() as conn:
        assert (await redeem_code(conn, PHONE, issued.code, node.now())).linked
        await mail_store.opt_out(conn, "Carol@Example.org", node.now())
    await notifications.choose_preference(node, "frank", "none", "at_once")
    return Coop(clock, alice, bob, carol, dave, erin, frank)


async def mails(node: Node) -> list[tuple[str, str, str]]:
    """(to, kind, subject) of every queued message, in order."""
    async with node.engine.connect() as conn:
        c = outgoing_mail.c
        rows = (await conn.execute(select(c.to_address, c.kind, c.subject).order_by(c.id))).all()
    return [(row.to_address, row.kind, row.subject) for row in rows]


async def dms(node: Node) -> list[dict[str, object]]:
    """Every notification Create{Note} in the co-op's outbox, in order."""
    async with node.engine.connect() as conn:
        rows = (
            (await conn.execute(select(outbox_activities.c.body).order_by(outbox_activities.c.id)))
            .scalars()
            .all()
        )
    found = [json.loads(row) for row in rows]
    return [a for a in found if "/activities/notification-" in a["id"]]


def plain_text(path: Path) -> str:
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def recipients(activities: list[dict[str, object]]) -> list[str]:
    return sorted(str(a["to"][0]) for a in activities)  # type: ignore[index]


async def test_defaults_follow_what_the_member_has(node: Node) -> None:
    found = await coop(node)
    expected = {
        "alice": Channel.EMAIL,
        "bob": Channel.DM,
        "carol": Channel.EMAIL,
        "dave": Channel.NONE,
        "frank": Channel.NONE,
    }
    for name, channel in expected.items():
        settings = await notifications.notification_settings(node, name)
        assert settings is not None and settings.preference.channel is channel, name
        assert settings.preference.frequency is Frequency.AT_ONCE
    carol = await notifications.notification_settings(node, "carol")
    assert carol is not None and carol.email_opted_out and not carol.preference.chosen
    async with node.engine.connect() as conn:
        erin = await notifications.preference_in(conn, node.uris, found.erin)
        assert erin.channel is Channel.DM
        assert await notifications.dm_targets(conn, node.uris, found.erin) == (REMOTE,)
        assert await notifications.dm_targets(conn, node.uris, found.bob) == (PHONE,)
    assert await notifications.notification_settings(node, "nobody") is None


async def test_opening_tells_each_eligible_member_once_by_their_preference(node: Node) -> None:
    await coop(node)
    record = await open_yes_no(node)
    assert await send_due_notifications(node) == 1
    assert await mails(node) == [
        ("alice@example.org", "notification", "New proposal: Buy a cargo bike")
    ]
    notes = await dms(node)
    assert recipients(notes) == [REMOTE, PHONE]
    for note in notes:
        content = str(note["object"]["content"])  # type: ignore[index]
        assert record.uri in content and "Why you get this: you are in its electorate" in content
        assert note["cc"] == [] and note["object"]["tag"] == [  # type: ignore[index]
            {"type": "Mention", "href": note["to"][0]}  # type: ignore[index]
        ]
    # Told once: another round (or another worker) finds nothing new.
    assert await send_due_notifications(node) == 0
    assert len(await mails(node)) == 1 and len(await dms(node)) == 2


async def test_a_mail_says_why_and_links_to_the_page(node: Node) -> None:
    await coop(node)
    record = await open_yes_no(node)
    await send_due_notifications(node)
    assert await mail.send_due_mail(node) == 1
    [path] = mail.written_files(node.settings)
    text = plain_text(path)
    assert record.uri in text
    assert "You get this because you are in its electorate: you may vote on it." in text
    assert "http://coop.test/me" in text and "List-Unsubscribe" in path.read_text()


async def test_the_electorate_decides_who_is_told(node: Node) -> None:
    found = await coop(node)
    async with node.engine.begin() as conn:
        await member_store.update_status(
            conn, found.bob.row_id, MemberStatus.SUSPENDED, left_at=None
        )
    await proposals.set_charter(node, Charter(eligible_classes=frozenset({"member"})))
    await open_yes_no(node)
    await send_due_notifications(node)
    assert recipients(await dms(node)) == [REMOTE]  # suspended bob is not told


async def test_the_reminder_goes_once_and_only_to_those_who_have_not_voted(node: Node) -> None:
    found = await coop(node)
    record = await open_yes_no(node)  # closes in 3 days; the charter reminds 24 h before
    await send_due_notifications(node)
    await cast_vote(node, record.slug, found.alice.actor_uri, "yes")
    await cast_vote(node, record.slug, PHONE, "no")  # bob, from his linked account
    found.clock.advance(days=1, hours=23)  # 25 h left
    assert await send_due_notifications(node) == 0
    found.clock.advance(hours=2)  # 23 h left
    assert await send_due_notifications(node) == 1
    reminders = [m for m in await mails(node) if m[2].startswith("Voting closes soon")]
    assert reminders == []  # alice voted; carol opted out; dave has no channel
    notes = [n for n in await dms(node) if "have not voted" in str(n["object"]["content"])]  # type: ignore[index]
    assert recipients(notes) == [REMOTE]  # bob voted, erin did not
    found.clock.advance(hours=1)
    assert await send_due_notifications(node) == 0


async def test_a_reminder_can_be_off_and_a_short_vote_gets_none(node: Node) -> None:
    found = await coop(node)
    await proposals.set_charter(node, Charter(reminder_before_seconds=0))
    await open_yes_no(node, title="No reminder")
    await proposals.set_charter(node, Charter())
    await open_yes_no(node, title="Short", duration=timedelta(hours=12))
    await send_due_notifications(node)
    found.clock.advance(days=2, hours=12)
    await send_due_notifications(node)
    texts = [str(n["object"]["content"]) for n in await dms(node)]  # type: ignore[index]
    assert not [text for text in texts if "have not voted" in text]


async def test_the_result_goes_to_every_eligible_member(node: Node) -> None:
    found = await coop(node)
    record = await open_yes_no(node, title="Paint the door")
    await cast_vote(node, record.slug, found.alice.actor_uri, "yes")
    found.clock.advance(days=3)
    assert await proposals.close_due_proposals(node) == 1
    await send_due_notifications(node)
    results = [m for m in await mails(node) if m[2].startswith("Result:")]
    assert results == [("alice@example.org", "notification", "Result: Paint the door — passed")]
    notes = [n for n in await dms(node) if "has closed" in str(n["object"]["content"])]  # type: ignore[index]
    assert recipients(notes) == [REMOTE, PHONE]
    assert await send_due_notifications(node) == 0


async def test_a_daily_digest_collects_a_days_notifications_in_one_mail(node: Node) -> None:
    found = await coop(node)
    await notifications.choose_preference(node, "alice", "email", "daily")
    await notifications.choose_preference(node, "bob", "dm", "daily")
    found.clock.now = found.clock.now.replace(hour=6)  # before the digest hour
    await open_yes_no(node, title="First")
    await open_yes_no(node, title="Second")
    await send_due_notifications(node)
    assert [m for m in await mails(node) if m[0] == "alice@example.org"] == []
    found.clock.advance(hours=1)  # 07:00 UTC
    assert await notifications.send_due_digests(node) == 2  # alice's and bob's
    assert await notifications.send_due_digests(node) == 0  # one a day
    [digest] = [m for m in await mails(node) if m[0] == "alice@example.org"]
    assert digest == ("alice@example.org", "digest", "Daily digest: 2 notifications")
    [bobs] = [n for n in await dms(node) if n["to"] == [PHONE]]
    content = str(bobs["object"]["content"])  # type: ignore[index]
    assert "Test Co-op: daily digest" in content and "“First”" in content and "“Second”" in content
    assert await mail.send_due_mail(node) >= 1
    [text] = [plain_text(p) for p in mail.written_files(node.settings) if "alice" in p.read_text()]
    assert "“First”" in text and "“Second”" in text
    await open_yes_no(node, title="Third")
    await send_due_notifications(node)
    assert await notifications.send_due_digests(node) == 0  # today's went: tomorrow
    found.clock.advance(days=1)
    assert await notifications.send_due_digests(node) == 2
    alice = [m for m in await mails(node) if m[0] == "alice@example.org"]
    assert alice[-1][2] == "Daily digest: 1 notification"


async def test_choosing_on_me_is_checked_against_what_the_member_has(node: Node) -> None:
    await coop(node)
    with pytest.raises(ServiceError, match="no e-mail address"):
        await notifications.choose_preference(node, "bob", "both", "at_once")
    with pytest.raises(ServiceError, match="no fediverse account"):
        await notifications.choose_preference(node, "alice", "dm", "at_once")
    with pytest.raises(ServiceError, match="choose e-mail"):
        await notifications.choose_preference(node, "alice", "pigeon", "at_once")
    with pytest.raises(ServiceError, match="daily"):
        await notifications.choose_preference(node, "alice", "email", "weekly")
    chosen = await notifications.choose_preference(node, "carol", "email", "daily")
    assert chosen.preference.chosen and chosen.preference.frequency is Frequency.DAILY
    assert not chosen.email_opted_out  # choosing e-mail on /me is asking for it again


async def test_admins_hear_of_applications_offers_and_joint_proposals(node: Node) -> None:
    clock = use_clock(node)
    async with node.engine.begin() as conn:
        await create_local_account(
            conn, username="ada", password="a long password 1", is_admin=True, now=clock.now
        )
    ada = await members.add_member(node, local_username="ada")
    await add_locals(node, "alice")
    await _set_email(node, ada, "ada@example.org")
    await apply_for_membership(
        node, ApplicationRequest("https://a.example/users/ann", "ann@a.example")
    )
    async with node.engine.begin() as conn:
        coop_actor = await members.coop_actor(conn)
        await alliance_store.save(
            conn, coop_id=coop_actor.id, remote_uri=ALLY, direction="incoming",
            state=AllianceState.OFFERED, offer_id=f"{ALLY}/offers/1", now=clock.now,
        )  # fmt: skip
        await joint_store.insert_joint(
            conn, uri="https://host.example/joint/1", project_uri="https://host.example/actors/p",
            hosted=False, title="Share a van", body="", method="proposal@1", spec={},
            charter={}, opened_at=clock.now, closes_at=clock.now + timedelta(days=3), now=clock.now,
        )  # fmt: skip
    assert await send_due_notifications(node) == 3
    subjects = sorted(m[2] for m in await mails(node))
    assert subjects == [
        "Alliance offer from https://other.example/actors/coop",
        "Application waiting: ann@a.example",
        "Joint proposal: Share a van",
    ]
    assert {m[0] for m in await mails(node)} == {"ada@example.org"}  # alice is no admin
    assert await send_due_notifications(node) == 0


async def test_an_smtp_server_down_for_a_minute_loses_no_notification(
    database_url: str, tmp_path: Path
) -> None:
    """The real SMTP server (aiosmtpd) is down when a proposal opens and comes back a minute
    later; the worker's rounds go on every 10 s by the test's clock: each member's notification
    arrives after it returns, exactly once."""
    server = SmtpServer()  # its port is chosen, nothing listens yet
    settings = make_settings(
        database_url,
        tmp_path,
        email={
            "smtp_host": "127.0.0.1",
            "smtp_port": server.port,
            "smtp_security": "none",
            "from_address": "office@coop.test",
            "retry_base_seconds": 10.0,
        },
    )
    node = Node.from_settings(settings)
    try:
        async with node.engine.begin() as conn:
            await create_node_actors(
                conn, handle="testcoop", name="Test Co-op", summary="", now=node.now()
            )
        clock = use_clock(node)
        people = await add_locals(node, "alice", "bob", "carol")
        for record in people:
            await _set_email(node, record, f"{record.handle}@example.org")
        await open_yes_no(node)
        worker = Worker(node)
        started = clock.now
        while clock.now - started < timedelta(minutes=3):
            if clock.now - started >= timedelta(minutes=1) and not server.running:
                server.start()
            await worker.run_once()
            clock.advance(seconds=10)
        arrived = server.inbox.wait_for(3)
        assert sorted(rcpt for [rcpt] in server.inbox.recipients) == [
            "alice@example.org",
            "bob@example.org",
            "carol@example.org",
        ]
        assert {str(m["Subject"]) for m in arrived} == {
            "[Test Co-op] New proposal: Buy a cargo bike"
        }
        async with node.engine.connect() as conn:
            rows = (await conn.execute(select(outgoing_mail))).all()
        assert [(row.state, row.attempts > 1) for row in rows] == [("done", True)] * 3
        clock.advance(hours=3)
        await worker.run_once()
        assert len(server.inbox.messages) == 3  # once
    finally:
        server.stop()
        await node.close()


async def test_two_workers_racing_tell_each_member_once(node: Node) -> None:
    await coop(node)
    await open_yes_no(node)
    told = await asyncio.gather(send_due_notifications(node), send_due_notifications(node))
    assert sorted(told) == [0, 1]  # the event row is unique: the second finds it told
    assert len(await mails(node)) == 1 and len(await dms(node)) == 2


async def test_each_member_is_told_in_their_language_through_a_real_smtp_server(
    database_url: str, tmp_path: Path
) -> None:
    """Issue 16: alice chose French, bob English, carol nothing (so the co-op's `coop.language`,
    French here); the mails as the real SMTP server (aiosmtpd) receives them. Bob's direct
    message to his linked account is in English, the note's own words too."""
    server = SmtpServer()
    server.start()
    settings = make_settings(
        database_url,
        tmp_path,
        coop={"language": "fr", "time_zone": "Europe/Paris"},
        email={
            "smtp_host": "127.0.0.1",
            "smtp_port": server.port,
            "smtp_security": "none",
            "from_address": "office@coop.test",
        },
    )
    node = Node.from_settings(settings)
    try:
        async with node.engine.begin() as conn:
            await create_node_actors(
                conn, handle="testcoop", name="Test Co-op", summary="", now=node.now()
            )
        use_clock(node)
        alice, bob, carol = await add_locals(node, "alice", "bob", "carol")
        for record in (alice, bob, carol):
            await _set_email(node, record, f"{record.handle}@example.org")
        await members.set_language(node, "alice", "fr")
        await members.set_language(node, "bob", "en")
        issued = await issue_code(node, "bob")
        async with node.engine.begin() as conn:
            assert (await redeem_code(conn, PHONE, issued.code, node.now())).linked
        await notifications.choose_preference(node, "bob", "both", "at_once")
        record = await open_yes_no(node)
        assert record.proposal.closes_at is not None
        closes = moment_text(record.proposal.closes_at, "Europe/Paris", "fr")
        assert await send_due_notifications(node) == 1
        assert await mail.send_due_mail(node) == 3
        arrived = server.inbox.wait_for(3)
        by_rcpt = {str(m["To"]): m for m in arrived}
        french = "[Test Co-op] Nouvelle proposition : Buy a cargo bike"
        assert str(by_rcpt["alice@example.org"]["Subject"]) == french
        assert str(by_rcpt["carol@example.org"]["Subject"]) == french  # the co-op's default
        assert str(by_rcpt["bob@example.org"]["Subject"]) == (
            "[Test Co-op] New proposal: Buy a cargo bike"
        )
        alice_text = by_rcpt["alice@example.org"].get_body(("plain",))
        assert alice_text is not None
        body = str(alice_text.get_content())
        assert f"« Buy a cargo bike » est ouverte au vote jusqu'au {closes}." in body
        assert closes.endswith(("CET", "CEST"))  # the co-op's zone, babel's French names
        assert "Vous recevez ce message parce que vous faites partie" in body
        [note] = await dms(node)
        content = str(note["object"]["content"])  # type: ignore[index]
        assert "is open for voting until" in content and "Why you get this:" in content
    finally:
        server.stop()
        await node.close()


async def test_a_french_digest_is_worded_in_french(database_url: str, tmp_path: Path) -> None:
    node = Node.from_settings(make_settings(database_url, tmp_path, coop={"language": "fr"}))
    try:
        async with node.engine.begin() as conn:
            await create_node_actors(
                conn, handle="testcoop", name="Test Co-op", summary="", now=node.now()
            )
        clock = use_clock(node)
        [alice] = await add_locals(node, "alice")
        await _set_email(node, alice, "alice@example.org")
        await notifications.choose_preference(node, "alice", "email", "daily")
        clock.now = clock.now.replace(hour=6)
        await open_yes_no(node, title="Premier")
        await open_yes_no(node, title="Second")
        await send_due_notifications(node)
        clock.advance(hours=1)
        assert await notifications.send_due_digests(node) == 1
        assert [m[2] for m in await mails(node)] == ["Résumé du jour : 2 notifications"]
    finally:
        await node.close()
