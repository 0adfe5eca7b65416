"""A proposal's discussion on the site: members comment, text is escaped, remote HTML is
sanitised, non-members' replies are shown apart, and GET /comments/{id} serves the Note."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from coopfed.federation.mapping.comments import RemoteReply, ReplyEdit
from coopfed.node import Node
from coopfed.services import comments, members
from tests.support.governance import open_yes_no, use_clock
from tests.web.conftest import HTML, form_token, sign_in

pytestmark = pytest.mark.usefixtures("accounts")
AS_JSON = {"Accept": "application/activity+json"}


async def _comment(client: httpx.AsyncClient, slug: str, text: str) -> httpx.Response:
    page = await client.get(f"/proposals/{slug}", headers=HTML)
    form = {"csrf_token": form_token(page), "comment": text}
    return await client.post(f"/proposals/{slug}/comments", data=form, headers=HTML)


def _discussion(page: httpx.Response) -> str:
    return page.text.split('id="discussion"', 1)[1].split("</section>", 1)[0]


async def _reply(node: Node, record_uri: str, author: str, html: str) -> None:
    reply = RemoteReply(author, f"{author}/statuses/1", record_uri, html, "text", None)
    async with node.engine.begin() as conn:
        await comments.receive_reply(conn, node.uris, reply, datetime.now(UTC))


async def test_a_member_comments_and_the_text_is_escaped_in_paragraphs(
    node: Node, client: httpx.AsyncClient
) -> None:
    use_clock(node)
    await members.add_member(node, local_username="bea")
    record = await open_yes_no(node)
    await sign_in(client, "bea")
    posted = await _comment(client, record.slug, "<script>alert(1)</script>\r\n\r\nSecond")
    assert posted.status_code == 303 and posted.headers["location"].endswith("#discussion")
    thread = _discussion(await client.get(f"/proposals/{record.slug}", headers=HTML))
    assert "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p><p>Second</p>" in thread
    assert "<strong>bea</strong>" in thread and "<script>" not in thread


async def test_an_empty_comment_is_refused_next_to_the_field(
    node: Node, client: httpx.AsyncClient
) -> None:
    use_clock(node)
    await members.add_member(node, local_username="bea")
    record = await open_yes_no(node)
    await sign_in(client, "bea")
    refused = await _comment(client, record.slug, "   ")
    assert refused.status_code == 400
    assert 'id="field-comment-error">a comment needs some text' in refused.text
    assert await comments.thread_of_admin(node, record.slug) == []


async def test_someone_signed_in_but_not_a_member_cannot_comment(
    node: Node, client: httpx.AsyncClient
) -> None:
    use_clock(node)
    await members.add_member(node, local_username="bea")
    record = await open_yes_no(node)
    await sign_in(client, "ada")  # an admin account, not a member
    refused = await _comment(client, record.slug, "hello")
    assert refused.status_code in (400, 403)
    assert await comments.thread_of_admin(node, record.slug) == []


async def test_remote_html_is_sanitised_and_followers_are_shown_apart(
    node: Node, client: httpx.AsyncClient
) -> None:
    use_clock(node)
    await members.add_member(node, local_username="bea")
    record = await open_yes_no(node)
    await _reply(node, record.uri, "https://social.example/users/fred",
                 '<p>Red!<script>alert(1)</script><img src=x onerror="alert(2)"></p>')  # fmt: skip
    thread = _discussion(await client.get(f"/proposals/{record.slug}", headers=HTML))
    assert "From followers" in thread and "Red!" in thread
    assert "<script>" not in thread and "onerror" not in thread
    assert "No comments yet." in thread  # fred's reply is not a member's comment


async def test_the_comment_note_is_served_to_readers_of_its_proposal_only(
    node: Node, client: httpx.AsyncClient
) -> None:
    use_clock(node)
    await members.add_member(node, local_username="bea")
    public = await open_yes_no(node)
    private = await open_yes_no(node, visibility="members")
    shown = await comments.post_comment(node, public.slug, "bea", "Seen by all")
    hidden = await comments.post_comment(node, private.slug, "bea", "Members only")
    note = await client.get(shown.uri.removeprefix(node.uris.base), headers=AS_JSON)
    assert note.status_code == 200
    body = note.json()
    assert body["type"] == "Note" and body["id"] == shown.uri
    assert body["attributedTo"] == node.uris.actor("bea") and body["inReplyTo"] == public.uri
    missing = await client.get(hidden.uri.removeprefix(node.uris.base), headers=AS_JSON)
    assert missing.status_code == 404
    assert (await client.get("/comments/nope", headers=AS_JSON)).status_code == 404


async def test_an_edited_reply_shows_its_new_text_and_says_edited(
    node: Node, client: httpx.AsyncClient
) -> None:
    use_clock(node)
    alice = "https://social.example/users/alice"
    await members.add_member(node, alice)
    record = await open_yes_no(node)
    await _reply(node, record.uri, alice, "<p>Blue</p>")
    edit = ReplyEdit(alice, f"{alice}/statuses/1", "<p>Green</p>", "Green", None)
    async with node.engine.begin() as conn:
        await comments.receive_edit(conn, node.uris, edit, datetime.now(UTC))
    thread = _discussion(await client.get(f"/proposals/{record.slug}", headers=HTML))
    assert "Green" in thread and "Blue" not in thread  # the history is for admins only
    assert 'class="edited">edited <time' in thread
