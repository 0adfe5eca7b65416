"""`/apply`: the public application form (account + application in one unit, field errors)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from coopfed.federation.delivery import DeliveryRun
from coopfed.federation.delivery_http import DeliveryClients
from coopfed.governance.membership import ClassPolicy, MembershipPrinciple
from coopfed.node import Node
from coopfed.services.membership import list_applications, reject_applicant
from coopfed.services.membership_principle import set_principle
from coopfed.services.recipients import resolve_pending_recipients
from coopfed.settings import Settings
from coopfed.store import actors as actor_store
from coopfed.store.tables import outbox_activities, outgoing_mail
from tests.conftest import make_settings
from tests.support.fediverse import FediverseServer
from tests.web.conftest import HTML, PASSWORD, form_token, post_form, sign_in

pytestmark = pytest.mark.usefixtures("accounts")
FEDIVERSE_HOST = "127.0.0.6"


async def _apply(client: httpx.AsyncClient, **fields: str) -> httpx.Response:
    page = await client.get("/apply", headers=HTML)
    assert page.status_code == 200
    form = {"csrf_token": form_token(page), "password": PASSWORD, **fields}
    return await client.post("/apply", data=form, headers=HTML)


async def _account(node: Node, username: str) -> actor_store.Account | None:
    async with node.engine.connect() as conn:
        return await actor_store.get_account(conn, username)


async def test_front_page_links_to_the_form(client: httpx.AsyncClient) -> None:
    front = await client.get("/", headers=HTML)
    assert 'href="/apply"' in front.text
    page = await client.get("/apply", headers=HTML)
    assert '<label for="field-username">' in page.text
    assert '<label for="field-member_class">' in page.text
    assert '<option value="member" selected>' in page.text
    assert 'autocomplete="new-password"' in page.text


async def test_applying_creates_an_account_and_an_application(
    node: Node, client: httpx.AsyncClient
) -> None:
    answer = await _apply(client, username="Cleo", member_class="member", message="Hi <b>all</b>")
    assert answer.status_code == 200, answer.text
    assert "Application received" in answer.text and "an admin will decide" in answer.text
    account = await _account(node, "cleo")  # usernames are lower case
    assert account is not None and not account.is_admin
    [application] = await list_applications(node)
    assert application.actor_uri == node.uris.actor("cleo")
    assert application.source == "web" and application.requested_class == "member"
    assert application.message == "Hi <b>all</b>"
    await sign_in(client, "cleo")  # the password works; /me has no membership yet
    me = await client.get("/me", headers=HTML)
    assert me.status_code == 200 and "Your membership" not in me.text


async def test_the_application_keeps_the_language_its_page_was_in(
    node: Node, client: httpx.AsyncClient
) -> None:
    """Issue 16: the outcome is told in the language the applicant read the form in."""
    page = await client.get("/apply", headers={**HTML, "Accept-Language": "fr-CA"})
    assert page.headers["content-language"] == "fr"
    form = {"csrf_token": form_token(page), "password": PASSWORD, "username": "zoe"}
    answer = await client.post(
        "/apply", data={**form, "member_class": "member"},
        headers={**HTML, "Accept-Language": "fr-CA"},
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    await _apply(client, username="yann", member_class="member")  # no Accept-Language
    languages = {a.handle: a.language for a in await list_applications(node)}
    assert languages == {"zoe": "fr", "yann": "en"}  # the co-op's default, coop.language


async def test_field_errors_are_shown_next_to_their_fields(
    node: Node, client: httpx.AsyncClient
) -> None:
    answer = await _apply(
        client, username="no spaces!", password="short", member_class="nope", message="x" * 2001
    )
    assert answer.status_code == 400 and "Traceback" not in answer.text
    assert '<p class="error" id="field-username-error">1 to 30 characters' in answer.text
    assert 'id="field-password-error">The password must have at least 10' in answer.text
    assert 'id="field-member_class-error">Choose one of the classes' in answer.text
    assert 'id="field-message-error">At most 2000 characters.' in answer.text
    assert 'value="no spaces!"' in answer.text  # what was typed stays (but not the password)
    assert 'value="short"' not in answer.text
    assert await list_applications(node) == []


async def test_a_taken_username_is_refused_next_to_the_field(
    node: Node, client: httpx.AsyncClient
) -> None:
    answer = await _apply(client, username="ada", member_class="member")
    assert answer.status_code == 400
    assert 'id="field-username-error">The username &#39;ada&#39; is already taken.' in answer.text
    account = await _account(node, "ada")
    assert account is not None and account.is_admin  # untouched
    assert await list_applications(node) == []


async def test_a_class_closed_to_applications_is_not_offered_nor_accepted(
    node: Node, client: httpx.AsyncClient
) -> None:
    closed = ClassPolicy("investor", open_to_applications=False)
    await set_principle(node, MembershipPrinciple((ClassPolicy("member"), closed), "member"))
    page = await client.get("/apply", headers=HTML)
    assert 'value="investor"' not in page.text
    answer = await _apply(client, username="ivan", member_class="investor")
    assert answer.status_code == 400 and 'id="field-member_class-error"' in answer.text
    assert await _account(node, "ivan") is None  # no account without its application


async def test_no_open_class_means_no_form(node: Node, client: httpx.AsyncClient) -> None:
    closed = ClassPolicy("member", open_to_applications=False)
    await set_principle(node, MembershipPrinciple((closed,), "member"))
    page = await client.get("/apply", headers=HTML)
    assert "not taking applications" in page.text and 'action="/apply"' not in page.text


async def test_applying_without_the_csrf_token_is_refused(
    node: Node, client: httpx.AsyncClient
) -> None:
    await client.get("/apply", headers=HTML)
    form = {"username": "mallory", "password": PASSWORD, "member_class": "member"}
    answer = await client.post("/apply", data=form, headers=HTML)
    assert answer.status_code == 403
    assert await _account(node, "mallory") is None


async def test_a_bad_email_address_is_refused_with_the_reason_and_the_form_kept(
    node: Node, client: httpx.AsyncClient
) -> None:
    answer = await _apply(
        client, username="cleo", member_class="member", email="cleo@Example", message="Hi"
    )
    assert answer.status_code == 400 and "Traceback" not in answer.text
    assert (
        'id="field-email-error">&#39;Example&#39; is not a domain name: give an address like'
        in answer.text
    )
    assert 'value="cleo@Example"' in answer.text and 'value="cleo"' in answer.text
    assert ">Hi</textarea>" in answer.text
    assert await _account(node, "cleo") is None and await list_applications(node) == []


async def test_the_address_is_kept_and_the_applicant_hears_the_reason_and_reads_it_on_me(
    node: Node, client: httpx.AsyncClient
) -> None:
    answer = await _apply(client, username="cleo", member_class="member", email="Cleo@Example.org")
    assert answer.status_code == 200
    assert "We will write to <strong>cleo@example.org</strong>" in answer.text
    [application] = await list_applications(node)
    assert application.email == "cleo@example.org"
    await sign_in(client, "cleo")
    me = await client.get("/me", headers=HTML)
    assert '<dd id="application-state">Waiting for an admin&#39;s decision</dd>' in me.text
    assert "<dt>Role</dt><dd>Applicant</dd>" in me.text

    client.cookies.clear()
    await sign_in(client, "ada")  # an admin rejects it on the web
    form = {
        "applicant": node.uris.actor("cleo"),
        "reason": "We take <b>bakers</b>.",
        "confirm": "yes",
    }
    rejected = await post_form(client, "/admin/applications", "reject", **form)
    assert rejected.status_code == 303
    async with node.engine.connect() as conn:
        sent = (await conn.execute(select(outgoing_mail))).mappings().one()
    assert (sent["to_address"], sent["kind"]) == ("cleo@example.org", "application_outcome")
    assert "The reason given: We take <b>bakers</b>." in sent["text_body"]

    client.cookies.clear()
    await sign_in(client, "cleo")
    me = await client.get("/me", headers=HTML)
    assert '<dd id="application-state">Not accepted</dd>' in me.text
    assert '<dd id="application-reason">We take &lt;b&gt;bakers&lt;/b&gt;.</dd>' in me.text
    assert "<dt>Role</dt><dd>Applicant</dd>" in me.text and "Your membership" not in me.text


async def test_an_admitted_web_applicant_reads_admitted_on_me(
    node: Node, client: httpx.AsyncClient
) -> None:
    await _apply(client, username="dan", member_class="member")
    await sign_in(client, "ada")
    form = {"applicant": node.uris.actor("dan"), "member_class": "member"}
    assert (await post_form(client, "/admin/applications", "admit", **form)).status_code == 303
    async with node.engine.connect() as conn:  # no address given: nothing to mail
        assert (await conn.execute(select(outgoing_mail))).first() is None
    client.cookies.clear()
    await sign_in(client, "dan")
    me = await client.get("/me", headers=HTML)
    assert '<dd id="application-state">Admitted</dd>' in me.text
    assert "<dt>Role</dt><dd>Member</dd>" in me.text and "Your membership" in me.text


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Test settings whose fetcher may reach the test fediverse server (FEDIVERSE_HOST)."""
    allowed = {"allow_private_addresses": [FEDIVERSE_HOST]}
    return make_settings(database_url, tmp_path, federation=allowed)


@pytest.fixture(scope="module")
def fediverse() -> Iterator[FediverseServer]:
    with FediverseServer(host=FEDIVERSE_HOST, actors_names=("fern",)) as server:
        yield server


async def test_a_fediverse_handle_instead_is_resolved_and_told_the_outcome_by_a_note(
    node: Node, client: httpx.AsyncClient, fediverse: FediverseServer
) -> None:
    fern = fediverse.actor("fern")
    handle = f"@fern@{fediverse.netloc}"
    answer = await _apply(client, username="fern", member_class="member", fediverse=handle)
    assert answer.status_code == 200, answer.text
    assert f"a private message to <strong>{handle}</strong>" in answer.text
    [application] = await list_applications(node)
    assert application.contact_actor == fern.uri and application.email is None
    await reject_applicant(node, "fern", reason="We are full this year.")
    async with node.engine.connect() as conn:
        (body,) = (
            await conn.execute(
                select(outbox_activities.c.body).where(outbox_activities.c.type == "Create")
            )
        ).scalars()
    note = json.loads(body)["object"]
    assert note["to"] == [fern.uri] and note["tag"] == [{"type": "Mention", "href": fern.uri}]
    assert "The reason given: We are full this year." in note["content"]
    assert "http://coop.test/me" in note["content"]
    # The inbox is learnt when the note goes out (the `recipients` job), not when applying.
    assert await resolve_pending_recipients(node) == 1
    async with DeliveryClients(node.settings) as clients:
        await DeliveryRun(node, clients, run_seconds=5.0).run()
    fediverse.wait_for(
        lambda posts: any(post.json.get("id") == f"{note['id']}/activity" for post in posts)
    )


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("fern", "Give a fediverse account like @name@social.example."),
        ("@nobody@{netloc}", "Cannot resolve @nobody@{netloc}"),
        ("@someone@coop.test", "That is an account on this site"),
    ],
)
async def test_a_handle_that_does_not_resolve_is_refused_with_the_reason(
    node: Node, client: httpx.AsyncClient, fediverse: FediverseServer, typed: str, reason: str
) -> None:
    handle = typed.format(netloc=fediverse.netloc)
    answer = await _apply(client, username="fern", member_class="member", fediverse=handle)
    assert answer.status_code == 400 and "Traceback" not in answer.text
    assert f'id="field-fediverse-error">{reason.format(netloc=fediverse.netloc)}' in answer.text
    assert f'value="{handle}"' in answer.text
    assert await _account(node, "fern") is None and await list_applications(node) == []
