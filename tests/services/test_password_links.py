"""One-time password links (`services.password_links`) and account changes
(`services.accounts`): invitations, resets, single use, expiry, sessions ended, admin rights;
on both databases."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from coopfed.i18n import moment_text
from coopfed.node import Node
from coopfed.services import accounts, members, password_links
from coopfed.services.accounts import AccountError, create_local_account, password_matches
from coopfed.services.errors import NotFound, ServiceError
from coopfed.services.password_links import LinkRefused, LinkState, Purpose
from coopfed.store import actors as actor_store
from coopfed.store.tables import account_tokens, outgoing_mail

LINK = re.compile(r"http://coop\.test/password/([A-Za-z0-9_-]{43})")
PASSWORD = "erin's first password"


class Clock:
    def __init__(self, node: Node) -> None:
        self.now = node.now()

    def __call__(self) -> datetime:
        return self.now


async def mails(node: Node) -> list[tuple[str, str, str, str]]:
    """(to, kind, subject, text) of every queued message, oldest first."""
    query = select(
        outgoing_mail.c.to_address,
        outgoing_mail.c.kind,
        outgoing_mail.c.subject,
        outgoing_mail.c.text_body,
    ).order_by(outgoing_mail.c.id)
    async with node.engine.connect() as conn:
        return [tuple(row) for row in (await conn.execute(query)).all()]  # type: ignore[misc]


async def last_link(node: Node) -> str:
    found = LINK.search((await mails(node))[-1][3])
    assert found, "the message has no password link"
    return found.group(1)


async def account(node: Node, username: str) -> actor_store.Account | None:
    async with node.engine.connect() as conn:
        return await actor_store.get_account(conn, username)


async def test_adding_erin_with_an_address_invites_her_and_the_link_makes_her_account(
    node: Node,
) -> None:
    record = await members.add_member(node, local_username="erin", email=" Erin@Example.ORG ")
    assert record.email == "erin@example.org"
    [(to, kind, subject, text)] = await mails(node)
    assert (to, kind, subject) == ("erin@example.org", "invitation", "You are invited to sign in")
    assert "username: erin" in text and "works once" in text
    secret = await last_link(node)
    async with node.engine.connect() as conn:
        hashes = (await conn.execute(select(account_tokens.c.token_hash))).scalars().all()
    assert hashes == [password_links.token_hash(secret)]  # the secret itself is not stored
    assert await account(node, "erin") is None

    check = await password_links.check_link(node, secret)
    assert (check.state, check.purpose, check.username) == (LinkState.VALID, Purpose.INVITE, "erin")
    made = await password_links.redeem_link(node, secret, PASSWORD)
    assert made.username == "erin" and not made.is_admin
    assert password_matches(made.password_hash, PASSWORD)
    assert (await password_links.check_link(node, secret)).state is LinkState.USED
    with pytest.raises(LinkRefused) as refused:
        await password_links.redeem_link(node, secret, "another password here")
    assert refused.value.state is LinkState.USED
    after = await account(node, "erin")
    assert after is not None and password_matches(after.password_hash, PASSWORD)


async def test_a_bad_or_taken_address_adds_nobody(node: Node) -> None:
    with pytest.raises(ServiceError, match="not an e-mail address"):
        await members.add_member(node, local_username="erin", email="erin at example")
    await members.add_member(node, local_username="finn", email="shared@example.org")
    with pytest.raises(ServiceError, match="already the address of member"):
        await members.add_member(node, local_username="erin", email="SHARED@example.org")
    with pytest.raises(NotFound):
        await members.find_member(node, "erin")
    assert [to for to, *_ in await mails(node)] == ["shared@example.org"]


async def test_a_new_invitation_expires_the_earlier_link(node: Node) -> None:
    await members.add_member(node, local_username="erin", email="erin@example.org")
    first = await last_link(node)
    invitation = await members.invite_member(node, "erin", email="erin@new.example")
    assert invitation.email == "erin@new.example"
    second = await last_link(node)
    assert (await mails(node))[-1][0] == "erin@new.example"
    assert (await password_links.check_link(node, first)).state is LinkState.EXPIRED
    with pytest.raises(LinkRefused, match="expired"):
        await password_links.redeem_link(node, first, PASSWORD)
    await password_links.redeem_link(node, second, PASSWORD)


async def test_invitation_refusals(node: Node) -> None:
    await members.add_member(node, local_username="erin")
    with pytest.raises(ServiceError, match="no e-mail address"):
        await members.invite_member(node, "erin")
    await members.add_member(node, "https://social.example/users/bob", email="bob@example.org")
    with pytest.raises(ServiceError, match="on another server"):
        await members.invite_member(node, "https://social.example/users/bob")
    with pytest.raises(NotFound):
        await members.invite_member(node, "nobody")
    assert [kind for _, kind, *_ in await mails(node)] == []


async def test_links_expire_invite_after_a_week_and_reset_after_an_hour(node: Node) -> None:
    clock = Clock(node)
    node.clock = clock
    await members.add_member(node, local_username="erin", email="erin@example.org")
    invite = await last_link(node)
    clock.now += timedelta(days=7, seconds=1)
    assert (await password_links.check_link(node, invite)).state is LinkState.EXPIRED
    await members.invite_member(node, "erin")
    await password_links.redeem_link(node, await last_link(node), PASSWORD)

    await password_links.request_reset(node, "erin@example.org")
    reset = await last_link(node)
    clock.now += timedelta(minutes=59)
    assert (await password_links.check_link(node, reset)).purpose is Purpose.RESET
    clock.now += timedelta(minutes=2)
    with pytest.raises(LinkRefused) as refused:
        await password_links.redeem_link(node, reset, "a new password now")
    assert refused.value.state is LinkState.EXPIRED


async def test_a_reset_sets_a_new_password_and_ends_every_session(node: Node) -> None:
    await members.add_member(node, local_username="erin", email="erin@example.org")
    await password_links.redeem_link(node, await last_link(node), PASSWORD)
    before = await account(node, "erin")
    assert before is not None
    await password_links.request_reset(node, "ERIN@example.org")
    to, kind, subject, text = (await mails(node))[-1]
    assert (to, kind, subject) == ("erin@example.org", "reset", "Reset your password")
    assert "ignore this e-mail" in text
    reset = await last_link(node)
    changed = await password_links.redeem_link(node, reset, "a brand new password")
    assert changed.session_generation == before.session_generation + 1
    assert password_matches(changed.password_hash, "a brand new password")
    assert not password_matches(changed.password_hash, PASSWORD)
    assert (await password_links.check_link(node, reset)).state is LinkState.USED


async def test_invitation_and_reset_are_in_the_members_language(node: Node) -> None:
    """Issue 16: erin chose French (the co-op writes English by default): her invitation and
    her reset are in French, the link's expiry with French day and month names; finn, who chose
    nothing, gets the co-op's English."""
    erin = await members.add_member(node, local_username="erin")
    await members.set_language(node, erin.member_id, "fr")
    invitation = await members.invite_member(node, "erin", email="erin@example.org")
    [(_, kind, subject, text)] = await mails(node)
    assert (kind, subject) == ("invitation", "Vous êtes invité·e à vous connecter")
    assert text.startswith("Bonjour erin,\n\nVous êtes sociétaire de Test Co-op.")
    until = moment_text(invitation.expires_at, node.settings.coop.time_zone, "fr")
    assert f"Le lien ne sert qu'une fois, jusqu'au {until}." in text
    assert "Choisissez votre mot de passe ici :\nhttp://coop.test/password/" in text
    await password_links.request_reset(node, "erin@example.org")
    _, kind, subject, text = (await mails(node))[-1]
    assert (kind, subject) == ("reset", "Réinitialiser votre mot de passe")
    assert "ignorez ce courriel" in text
    await members.add_member(node, local_username="finn", email="finn@example.org")
    _, kind, subject, text = (await mails(node))[-1]
    assert (kind, subject) == ("invitation", "You are invited to sign in")
    assert "The link works once, until" in text


async def test_a_reset_for_an_unknown_or_remote_address_sends_nothing(node: Node) -> None:
    await members.add_member(node, "https://social.example/users/bob", email="bob@example.org")
    for address in ("nobody@example.org", "bob@example.org", "not an address", ""):
        await password_links.request_reset(node, address)
    assert await mails(node) == []
    async with node.engine.connect() as conn:
        count = (await conn.execute(select(func.count()).select_from(account_tokens))).scalar()
    assert count == 0


async def test_redeeming_refuses_a_short_password_and_leaves_the_link_usable(node: Node) -> None:
    await members.add_member(node, local_username="erin", email="erin@example.org")
    secret = await last_link(node)
    with pytest.raises(ServiceError, match="at least 10 characters"):
        await password_links.redeem_link(node, secret, "short")
    with pytest.raises(LinkRefused) as refused:
        await password_links.redeem_link(node, "x" * 43, PASSWORD)
    assert refused.value.state is LinkState.UNKNOWN
    assert (await password_links.check_link(node, secret)).state is LinkState.VALID


async def test_redeeming_one_link_expires_the_members_other_links(node: Node) -> None:
    await members.add_member(node, local_username="erin", email="erin@example.org")
    invite = await last_link(node)
    await password_links.request_reset(node, "erin@example.org")
    reset = await last_link(node)
    await password_links.redeem_link(node, reset, PASSWORD)
    assert (await password_links.check_link(node, invite)).state is LinkState.EXPIRED


async def test_a_member_who_left_gets_no_link(node: Node) -> None:
    from coopfed.governance.members import MemberStatus
    from coopfed.services.member_lifecycle import end_membership

    record = await members.add_member(node, local_username="erin", email="erin@example.org")
    secret = await last_link(node)
    await end_membership(node, record.member_id, MemberStatus.LEFT, reason="moved", decided_by="")
    assert (await password_links.check_link(node, secret)).state is LinkState.EXPIRED
    with pytest.raises(LinkRefused):
        await password_links.redeem_link(node, secret, PASSWORD)
    await password_links.request_reset(node, "erin@example.org")
    with pytest.raises(ServiceError, match="has left"):
        await members.invite_member(node, "erin")
    assert len(await mails(node)) == 1


async def test_change_password_needs_the_current_one_and_ends_sessions(node: Node) -> None:
    async with node.engine.begin() as conn:
        made = await create_local_account(
            conn, username="bea", password=PASSWORD, is_admin=False, now=node.now()
        )
    with pytest.raises(AccountError, match="current password"):
        await accounts.change_password(node, made.id, "wrong password", "a new password ok")
    with pytest.raises(AccountError, match="at least"):
        await accounts.change_password(node, made.id, PASSWORD, "short")
    changed = await accounts.change_password(node, made.id, PASSWORD, "a new password ok")
    assert changed.session_generation == made.session_generation + 1
    assert password_matches(changed.password_hash, "a new password ok")


async def test_admin_rights_granted_and_revoked_but_never_from_the_last_admin(node: Node) -> None:
    async with node.engine.begin() as conn:
        for username, is_admin in (("ada", True), ("bea", False)):
            await create_local_account(
                conn, username=username, password=PASSWORD, is_admin=is_admin, now=node.now()
            )
    with pytest.raises(ServiceError, match="only admin"):
        await accounts.set_admin(node, "ada", False)
    assert (await accounts.set_admin(node, "bea", True)).is_admin
    assert not (await accounts.set_admin(node, "ada", False)).is_admin
    with pytest.raises(NotFound):
        await accounts.set_admin(node, "nobody", True)
    await members.add_member(node, local_username="erin")
    with pytest.raises(ServiceError, match="no account yet"):
        await accounts.set_admin(node, "erin", True)


async def test_only_an_admin_may_adopt_a_members_actor(node: Node) -> None:
    await members.add_member(node, local_username="erin")
    async with node.engine.begin() as conn:
        with pytest.raises(AccountError, match="already taken"):  # what /apply does
            await create_local_account(
                conn, username="erin", password=PASSWORD, is_admin=False, now=node.now()
            )
    async with node.engine.begin() as conn:
        adopted = await create_local_account(
            conn, username="erin", password=PASSWORD, is_admin=True, now=node.now(),
            adopt_person=True,
        )  # fmt: skip
    assert adopted.is_admin
    async with node.engine.begin() as conn:
        for name in ("erin", "testcoop"):  # an account, and the co-op actor: real clashes
            with pytest.raises(AccountError, match="already taken"):
                await create_local_account(
                    conn, username=name, password=PASSWORD, is_admin=True, now=node.now(),
                    adopt_person=True,
                )  # fmt: skip


async def test_a_sent_invitation_keeps_no_link_in_the_mail_queue(node: Node) -> None:
    from coopfed.services import mail

    await members.add_member(node, local_username="erin", email="erin@example.org")
    secret = await last_link(node)
    assert await mail.send_due_mail(node) == 1  # no SMTP host: written as an .eml file
    [(_, kind, _, text)] = await mails(node)
    assert kind == "invitation" and secret not in text and "removed once sent" in text
    [written] = mail.written_files(node.settings)
    assert secret in written.read_text()  # the demo's file is the message itself
    await password_links.redeem_link(node, secret, PASSWORD)
