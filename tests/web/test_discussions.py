"""Discussions on the site: a member starts one, members comment, an admin turns it into a
draft proposal (linked both ways) that can be edited until it opens; after the decision the
proposer writes the outcome statement, shown on the proposal page. Members-only discussions
are 404 to everyone else, on the site and to servers."""

from __future__ import annotations

import re

import httpx
import pytest

from coopfed.governance.charter import Charter, WhoMayPropose
from coopfed.node import Node
from coopfed.services import discussions, members, proposals
from tests.support.governance import use_clock
from tests.web.conftest import HTML, form_token, post_form, sign_in

pytestmark = pytest.mark.usefixtures("accounts")
AS_JSON = {"Accept": "application/activity+json"}


async def _start(
    client: httpx.AsyncClient, title: str, text: str, visibility: str = "public"
) -> httpx.Response:
    page = await client.get("/discussions/new", headers=HTML)
    assert page.status_code == 200
    form = {"csrf_token": form_token(page), "title": title, "text": text, "visibility": visibility}
    return await client.post("/discussions/new", data=form, headers=HTML)


def _id(response: httpx.Response) -> str:
    found = re.fullmatch(r"/discussions/([a-z0-9]+)", response.headers["location"])
    assert found, response.headers["location"]
    return found.group(1)


async def test_a_discussion_becomes_a_draft_is_decided_and_gets_an_outcome(
    node: Node, client: httpx.AsyncClient
) -> None:
    use_clock(node)
    await members.add_member(node, local_username="bea")
    await sign_in(client, "bea")
    started = await _start(client, "A four-day week?", "Why not?\r\n\r\n<b>Discuss</b>.")
    assert started.status_code == 303
    public_id = _id(started)
    listing = await client.get("/discussions", headers=HTML)
    assert "A four-day week?" in listing.text and "0 comments" in listing.text

    commented = await post_form(client, f"/discussions/{public_id}", "comments", comment="Yes!")
    assert commented.status_code == 303
    page = await client.get(f"/discussions/{public_id}", headers=HTML)
    assert "<p>&lt;b&gt;Discuss&lt;/b&gt;.</p>" in page.text and "<p>Yes!</p>" in page.text
    assert "Make a draft proposal" not in page.text  # the charter: admins only by default

    refused = await client.post(
        f"/discussions/{public_id}/propose", data={"csrf_token": form_token(page)}, headers=HTML
    )
    assert refused.status_code == 409
    assert "only admins turn a discussion into a proposal" in refused.text

    admin = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
    async with admin:
        await sign_in(admin, "ada")
        drafted = await post_form(admin, f"/discussions/{public_id}", "propose")
        assert drafted.status_code == 303
        slug = drafted.headers["location"].rsplit("/", 1)[1]
        draft = await admin.get(f"/proposals/{slug}", headers=HTML)
        assert f'href="/discussions/{public_id}" id="from-discussion"' in draft.text
        assert "Edit the draft" in draft.text and "A four-day week?" in draft.text
        edited = await post_form(
            admin, f"/proposals/{slug}", "edit", title="Try a four-day week", body="For 3 months."
        )
        assert edited.status_code == 303
        record = await proposals.find_proposal(node, slug)
        assert (record.proposal.title, record.body) == ("Try a four-day week", "For 3 months.")
        assert record.author_row_id is not None  # the starter proposes it

        back = await client.get(f"/discussions/{public_id}", headers=HTML)
        assert f'href="/proposals/{slug}"' in back.text and "field-comment" in back.text

        await proposals.open_proposal(node, slug)
        too_late = await post_form(admin, f"/proposals/{slug}", "edit", title="X", body="Y")
        assert too_late.status_code == 400 and "it is open, not draft" in too_late.text
        opened = await client.get(f"/discussions/{public_id}", headers=HTML)
        assert "the discussion continues there" in opened.text
        assert "field-comment" not in opened.text
        await proposals.close_proposal(node, slug, closed_by="test")

    decided = await client.get(f"/proposals/{slug}", headers=HTML)
    assert "Outcome statement" in decided.text  # bea proposed it
    empty = await post_form(client, f"/proposals/{slug}", "outcome", outcome="  ")
    assert empty.status_code == 400 and "an outcome statement needs some text" in empty.text
    written = await post_form(
        client, f"/proposals/{slug}", "outcome", outcome="We start in May.\r\n\r\n<i>Thanks</i>"
    )
    assert written.status_code == 303
    shown = await client.get(f"/proposals/{slug}", headers=HTML)
    outcome = shown.text.split('id="outcome"', 1)[1].split("</section>", 1)[0]
    assert "<p>We start in May.</p><p>&lt;i&gt;Thanks&lt;/i&gt;</p>" in outcome
    assert "Publish the outcome" not in shown.text  # one statement per proposal

    note = await client.get(f"/proposals/{slug}/outcome", headers=AS_JSON)
    assert note.status_code == 200
    assert note.json()["inReplyTo"] == node.uris.proposal(slug)


async def test_a_members_only_discussion_is_hidden_from_everyone_else(
    node: Node, client: httpx.AsyncClient
) -> None:
    use_clock(node)
    await members.add_member(node, local_username="bea")
    record = await discussions.start_discussion(node, "bea", "Pay", "Salaries.", "members")
    path = f"/discussions/{record.public_id}"
    assert (await client.get(path, headers=HTML)).status_code == 404
    assert (await client.get(path, headers=AS_JSON)).status_code == 404
    assert "Pay" not in (await client.get("/discussions", headers=HTML)).text
    await sign_in(client, "bea")
    assert (await client.get(f"/discussions/{record.public_id}", headers=HTML)).status_code == 200
    assert "Pay" in (await client.get("/discussions", headers=HTML)).text


async def test_a_public_discussion_is_the_groups_note_for_servers(
    node: Node, client: httpx.AsyncClient
) -> None:
    use_clock(node)
    await members.add_member(node, local_username="bea")
    record = await discussions.start_discussion(node, "bea", "Logo", "Green or blue?")
    await discussions.post_comment(node, record.public_id, "bea", "Green.")
    served = await client.get(f"/discussions/{record.public_id}", headers=AS_JSON)
    note = served.json()
    assert (note["type"], note["attributedTo"]) == ("Note", node.uris.actor("testcoop"))
    assert note["content"] == "<p><strong>Logo</strong></p><p>Green or blue?</p>"
    assert note["to"] == ["https://www.w3.org/ns/activitystreams#Public"]
    assert note["replies"]["totalItems"] == 1
    comment = await client.get(note["replies"]["items"][0], headers=AS_JSON)
    assert comment.json()["inReplyTo"] == record.uri


async def test_bad_input_is_told_next_to_its_field(node: Node, client: httpx.AsyncClient) -> None:
    use_clock(node)
    await members.add_member(node, local_username="bea")
    await sign_in(client, "bea")
    no_title = await _start(client, " ", "text")
    assert no_title.status_code == 400 and 'id="field-title-error"' in no_title.text
    bad = await _start(client, "T", "text", visibility="everyone")
    assert bad.status_code == 400 and 'id="field-visibility-error"' in bad.text
    assert await discussions.list_for(node, None, True) == []


async def test_members_turn_discussions_into_drafts_where_the_charter_says_so(
    node: Node, client: httpx.AsyncClient
) -> None:
    use_clock(node)
    await members.add_member(node, local_username="bea")
    await proposals.set_charter(node, Charter(discussion_drafts=WhoMayPropose.MEMBERS))
    record = await discussions.start_discussion(node, "bea", "Logo", "Green or blue?")
    await sign_in(client, "bea")
    drafted = await post_form(client, f"/discussions/{record.public_id}", "propose")
    assert drafted.status_code == 303 and drafted.headers["location"].startswith("/proposals/")
    again = await post_form(client, f"/discussions/{record.public_id}", "propose")
    assert again.status_code == 409 and "this discussion is already a proposal" in again.text
    assert "Make a draft proposal" not in again.text
