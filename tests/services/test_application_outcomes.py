"""Telling an applicant the outcome (`services.application_outcomes`): a web applicant's e-mail
reaches a real SMTP server on 127.0.0.1 — the reason when rejected, the sign-in link when
admitted, on every decision path — queued in the decision's own transaction; addresses are
checked before anything is stored."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import func, select

from coopfed.governance.membership import AdmissionMode, ClassPolicy, MembershipPrinciple
from coopfed.node import Node
from coopfed.services import admission_votes, mail, members, membership, proposals, votes
from coopfed.services.accounts import create_local_account
from coopfed.services.addresses import normalise_email
from coopfed.services.errors import ServiceError
from coopfed.services.membership import ApplicationRequest, ApplyStatus, receive_application
from coopfed.services.membership_principle import set_principle
from coopfed.settings import Settings
from coopfed.store import members as member_store
from coopfed.store import membership as membership_store
from coopfed.store.tables import outbox_activities, outgoing_mail
from tests.conftest import TEST_BASE_URL, make_settings
from tests.support.smtp import SmtpServer

PASSWORD = "correct horse battery"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def settings(database_url: str, tmp_path: Path, smtp: SmtpServer) -> Settings:
    """The `node` fixture's settings, sending mail to the test's SMTP server."""
    return make_settings(
        database_url,
        tmp_path,
        email={
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp.port,
            "smtp_security": "none",
            "from_address": "office@coop.test",
        },
    )


async def web_applicant(
    node: Node, username: str, email: str | None, language: str | None = None
) -> None:
    """What `/apply` does: the account and the application in one transaction."""
    request = ApplicationRequest(
        actor_uri=node.uris.actor(username), handle=username, source="web", email=email,
        language=language,
    )  # fmt: skip
    async with node.engine.begin() as conn:
        await create_local_account(
            conn, username=username, password=PASSWORD, is_admin=False, now=node.now()
        )
        outcome = await receive_application(conn, node.uris, request, node.now())
    assert outcome.status is ApplyStatus.RECEIVED, outcome


async def delivered(node: Node, smtp: SmtpServer, count: int = 1) -> list[EmailMessage]:
    assert await mail.send_due_mail(node) == count
    return smtp.inbox.wait_for(count)


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def html_of(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())


async def queued_mail(node: Node) -> int:
    async with node.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(outgoing_mail))).one()[0])


async def test_a_rejected_web_applicant_receives_the_reason_by_email(
    node: Node, smtp: SmtpServer
) -> None:
    await web_applicant(node, "cleo", "cleo@example.org")
    assert await queued_mail(node) == 0  # nothing until a decision
    reason = "We admit drivers <only> for now, see https://elsewhere.example/rules."
    await membership.reject_applicant(node, "cleo", reason=reason)
    [message] = await delivered(node, smtp)
    assert smtp.inbox.recipients == [["cleo@example.org"]]
    assert message["Subject"] == "[Test Co-op] Your application was not accepted"
    assert f"The reason given: {reason}" in text_of(message)
    html = html_of(message)
    assert "We admit drivers &lt;only&gt; for now" in html  # escaped, not markup
    assert 'href="https://elsewhere' not in html  # only the node's own links are links
    assert f'<a href="{TEST_BASE_URL}/me">' in html
    async with node.engine.connect() as conn:
        kinds = (await conn.execute(select(outgoing_mail.c.kind))).scalars().all()
        creates = (
            await conn.execute(select(func.count()).where(outbox_activities.c.type == "Create"))
        ).scalar_one()
    assert kinds == ["application_outcome"]
    assert creates == 0  # a web applicant is a local account: no note on the wire


async def test_an_applicant_who_applied_in_french_is_told_in_french(
    node: Node, smtp: SmtpServer
) -> None:
    """Issue 16: the applicant has no member row: the language their /apply page was in is kept
    on the application, and the outcome (either way) is written in it."""
    await web_applicant(node, "cleo", "cleo@example.org", language="fr")
    await web_applicant(node, "dan", "dan@example.org", language="fr")
    await membership.reject_applicant(node, "cleo", reason="Complet pour cette année.")
    await membership.admit_applicant(node, "dan")
    rejected, admitted = await delivered(node, smtp, 2)
    assert rejected["Subject"] == "[Test Co-op] Votre candidature n'a pas été acceptée"
    assert "Le motif donné : Complet pour cette année." in text_of(rejected)
    assert admitted["Subject"] == "[Test Co-op] Votre candidature a été acceptée"
    text = text_of(admitted)
    assert "Bienvenue à Test Co-op : votre candidature a été acceptée" in text
    assert "vous êtes désormais sociétaire (member)" in text
    assert f"{TEST_BASE_URL}/sign-in" in text.splitlines()
    assert f'<a href="{TEST_BASE_URL}/me">' in html_of(admitted)  # links still made


async def test_an_admitted_web_applicant_receives_the_sign_in_link(
    node: Node, smtp: SmtpServer
) -> None:
    await web_applicant(node, "dan", "dan@example.org")
    await membership.admit_applicant(node, "dan")
    [message] = await delivered(node, smtp)
    assert message["Subject"] == "[Test Co-op] Your application was accepted"
    text = text_of(message)
    assert "you are now a member (member)" in text
    assert f"{TEST_BASE_URL}/sign-in" in text.splitlines()  # a line of its own: clickable
    assert "username dan" in text
    assert f'<a href="{TEST_BASE_URL}/sign-in">' in html_of(message)
    assert f"{TEST_BASE_URL}/proposals" in text


@pytest.mark.parametrize(("ballot", "subject"), [("yes", "accepted"), ("no", "not accepted")])
async def test_the_members_vote_tells_the_web_applicant_too(
    node: Node, smtp: SmtpServer, ballot: str, subject: str
) -> None:
    principle = MembershipPrinciple(
        (ClassPolicy("member", admission=AdmissionMode.VOTE),), "member"
    )
    await set_principle(node, principle)
    voter = "https://social.example/users/v"
    await members.add_member(node, voter, member_class="member")
    await web_applicant(node, "erin", "erin@example.org")
    assert await admission_votes.process_admissions(node) == 1
    (proposal,) = await proposals.list_proposals(node)
    assert (await votes.cast_vote(node, proposal.slug, voter, ballot)).status.value == "counted"
    await proposals.close_proposal(node, proposal.slug, closed_by="admin")
    assert await admission_votes.process_admissions(node) == 1
    [message] = await delivered(node, smtp)
    assert message["Subject"] == f"[Test Co-op] Your application was {subject}"
    if ballot == "no":
        assert "the members' vote on your application ended: rejected" in text_of(message)


async def test_a_failed_decision_queues_no_mail(node: Node, smtp: SmtpServer) -> None:
    await web_applicant(node, "fay", "fay@example.org")
    with pytest.raises(ServiceError):
        await membership.admit_applicant(node, "fay", member_class="no-such-class")
    assert await queued_mail(node) == 0
    await membership.reject_applicant(node, "fay", reason="not now")
    with pytest.raises(ServiceError, match="no application waiting"):
        await membership.reject_applicant(node, "fay", reason="twice")
    assert await queued_mail(node) == 1  # settled once, told once


async def test_without_an_address_nothing_is_mailed_and_the_state_is_kept(
    node: Node, smtp: SmtpServer
) -> None:
    await web_applicant(node, "gus", None)
    await membership.reject_applicant(node, "gus", reason="no shares left")
    assert await queued_mail(node) == 0
    async with node.engine.connect() as conn:
        latest = await membership_store.latest_application_of(conn, node.uris.actor("gus"))
    assert latest is not None and latest.email is None
    assert (latest.state.value, latest.reason) == ("rejected", "no shares left")


async def test_the_address_is_stored_with_the_application(node: Node, smtp: SmtpServer) -> None:
    await web_applicant(node, "hal", "hal@example.org")
    [application] = await membership.list_applications(node)
    assert application.email == "hal@example.org"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Cleo@Example.ORG", "cleo@example.org"),
        ("  first.last+coop@sub.example.co.uk ", "first.last+coop@sub.example.co.uk"),
        ("ana@bücher.example", "ana@xn--bcher-kva.example"),
        ("o'neil@example.org.", "o'neil@example.org"),
    ],
)
def test_addresses_are_normalised(typed: str, stored: str) -> None:
    assert normalise_email(typed) == stored


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("cleo", "one @ between a name and a domain"),
        ("@example.org", "one @ between a name and a domain"),
        ("cleo@", "one @ between a name and a domain"),
        ("cleo@localhost", "is not a domain name"),
        ("cleo@-bad-.example", "is not a domain name"),
        ("cleo@exa_mple.org", "is not a domain name"),
        ("cl eo@example.org", "no spaces or line breaks"),
        ("cleo@example.org\r\nBcc: x@evil.example", "no spaces or line breaks"),
        ('"cleo"@example.org', "the part before the @"),
        ("cleo..x@example.org", "the part before the @"),
        ("a@b@example.org", "the part before the @"),
        ("x" * 65 + "@example.org", "the part before the @"),
        ("x@" + "a" * 60 + "." + ("b" * 60 + ".") * 4 + "org", "at most 254 characters"),
    ],
)
def test_bad_addresses_are_refused_with_the_reason(typed: str, reason: str) -> None:
    with pytest.raises(ServiceError, match=reason):
        normalise_email(typed)


async def test_the_address_becomes_the_members_unless_another_member_holds_it(
    node: Node, smtp: SmtpServer
) -> None:
    await web_applicant(node, "ivy", "ivy@example.org")
    await web_applicant(node, "jon", "shared@example.org")
    first = await members.add_member(node, "https://a.example/users/k")
    async with node.engine.begin() as conn:
        await member_store.set_email(conn, first.row_id, "shared@example.org")
    ivy = await membership.admit_applicant(node, "ivy")
    jon = await membership.admit_applicant(node, "jon")  # the clash does not undo it
    assert ivy.email == "ivy@example.org" and jon.email is None
    assert len(await delivered(node, smtp, 2)) == 2  # both told, at the address they gave
