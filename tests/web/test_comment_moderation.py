"""Moderating a thread on the site: admins hide, remove (after a confirmation), release and
unhide comments from the proposal or discussion page; members report a comment;
`/admin/reports` lists open reports of both with Hide / Remove / Dismiss."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from coopfed.federation.mapping.comments import RemoteReply
from coopfed.governance.charter import Charter, NonMemberReplies
from coopfed.node import Node
from coopfed.services import comment_moderation as moderation
from coopfed.services import comments, discussions, members, proposals
from coopfed.store.comments import ThreadKind
from coopfed.store.proposals import ProposalRecord
from tests.support.governance import open_yes_no, use_clock
from tests.web.conftest import HTML, form_token, sign_in

pytestmark = pytest.mark.usefixtures("accounts")
FRED = "https://social.example/users/fred"


def _discussion(page: httpx.Response) -> str:
    return page.text.split('id="discussion"', 1)[1].split("</section>", 1)[0]


async def _post(client: httpx.AsyncClient, slug: str, action: str, **fields: str) -> httpx.Response:
    page = await client.get(f"/proposals/{slug}", headers=HTML)
    form = {"csrf_token": form_token(page), **fields}
    return await client.post(f"/proposals/{slug}/comments/{action}", data=form, headers=HTML)


async def _with_comment(node: Node) -> tuple[ProposalRecord, str]:
    use_clock(node)
    await members.add_member(node, local_username="bea")
    record = await open_yes_no(node)
    posted = await comments.post_comment(node, record.slug, "bea", "Paint it pink")
    return record, posted.uri


async def _state(node: Node, slug: str) -> list[tuple[str, str | None]]:
    thread = await comments.thread_of_admin(node, slug)
    return [(e.comment.state.value, e.comment.moderation_reason) for e in thread]


async def test_an_admin_hides_a_comment_with_a_reason_and_it_leaves_the_page(
    node: Node, client: httpx.AsyncClient
) -> None:
    record, uri = await _with_comment(node)
    await sign_in(client, "ada")
    page = _discussion(await client.get(f"/proposals/{record.slug}", headers=HTML))
    assert "/comments/hide" in page and "/comments/remove" in page
    hidden = await _post(client, record.slug, "hide", comment=uri, reason="off topic")
    assert hidden.status_code == 303 and hidden.headers["location"].endswith("#discussion")
    assert await _state(node, record.slug) == [("hidden", "off topic")]
    assert "Paint it pink" not in _discussion(
        await client.get(f"/proposals/{record.slug}", headers=HTML)
    )
    again = await _post(client, record.slug, "hide", comment=uri)
    assert again.status_code == 409 and "hidden already" in again.text


async def test_removing_asks_first_and_acts_only_when_confirmed(
    node: Node, client: httpx.AsyncClient
) -> None:
    record, uri = await _with_comment(node)
    await sign_in(client, "ada")
    asked = await _post(client, record.slug, "remove", comment=uri)
    assert asked.status_code == 200 and "Remove this comment?" in asked.text
    assert 'name="confirm" value="yes"' in asked.text and f'value="{uri}"' in asked.text
    assert await _state(node, record.slug) == [("shown", None)]  # nothing happened yet
    form = {"csrf_token": form_token(asked), "comment": uri, "confirm": "yes"}
    done = await client.post(f"/proposals/{record.slug}/comments/remove", data=form, headers=HTML)
    assert done.status_code == 303
    assert await _state(node, record.slug) == [("removed", None)]


async def test_members_get_no_admin_buttons_and_their_posts_are_refused(
    node: Node, client: httpx.AsyncClient
) -> None:
    record, uri = await _with_comment(node)
    await sign_in(client, "bea")
    page = _discussion(await client.get(f"/proposals/{record.slug}", headers=HTML))
    assert "/comments/hide" not in page and "/comments/report" in page
    refused = await _post(client, record.slug, "hide", comment=uri)
    assert refused.status_code == 403
    assert await _state(node, record.slug) == [("shown", None)]


async def test_unknown_comment_is_a_404_not_a_500(node: Node, client: httpx.AsyncClient) -> None:
    record, _ = await _with_comment(node)
    await sign_in(client, "ada")
    missing = await _post(client, record.slug, "hide", comment="https://nope.example/1")
    assert missing.status_code == 404
    assert (await _post(client, record.slug, "release", comment="")).status_code == 404


async def test_an_admin_sees_held_replies_and_releases_one(
    node: Node, client: httpx.AsyncClient
) -> None:
    use_clock(node)
    await proposals.set_charter(node, Charter(non_member_replies=NonMemberReplies.HELD))
    record = await open_yes_no(node)
    reply = RemoteReply(FRED, f"{FRED}/statuses/1", record.uri, "<p>Let me in</p>", "x", None)
    async with node.engine.begin() as conn:
        await comments.receive_reply(conn, node.uris, reply, datetime.now(UTC))
    anonymous = _discussion(await client.get(f"/proposals/{record.slug}", headers=HTML))
    assert "Let me in" not in anonymous and "Held for an admin" not in anonymous
    await sign_in(client, "ada")
    page = _discussion(await client.get(f"/proposals/{record.slug}", headers=HTML))
    assert "Held for an admin" in page and "Let me in" in page and "/comments/release" in page
    released = await _post(client, record.slug, "release", comment=reply.note_id)
    assert released.status_code == 303
    assert await _state(node, record.slug) == [("from_followers", None)]
    page = _discussion(await client.get(f"/proposals/{record.slug}", headers=HTML))
    assert "From followers" in page and "Held for an admin" not in page


async def test_a_member_reports_a_comment_once_with_a_reason(
    node: Node, client: httpx.AsyncClient
) -> None:
    record, uri = await _with_comment(node)
    await sign_in(client, "bea")
    empty = await _post(client, record.slug, "report", comment=uri, reason="  ")
    assert empty.status_code == 400 and "say what is wrong" in empty.text
    sent = await _post(client, record.slug, "report", comment=uri, reason="It is spam")
    assert sent.status_code == 200 and "admins will look at this comment" in sent.text
    twice = await _post(client, record.slug, "report", comment=uri, reason="Really")
    assert twice.status_code == 400 and "reported this comment already" in twice.text
    (view,) = await moderation.reports_of_proposal(node, record.slug)
    assert (view.report.reporter_uri, view.report.reason, view.report.source.value) == (
        node.uris.actor("bea"),
        "It is spam",
        "site",
    )
    missing = await _post(client, record.slug, "report", comment="https://x.example/1", reason="a")
    assert missing.status_code == 404


async def test_the_reports_page_lists_open_reports_and_closes_them(
    node: Node, client: httpx.AsyncClient
) -> None:
    record, uri = await _with_comment(node)
    await moderation.report_comment(node, record.slug, uri, "bea", "Spam <b>here</b>")
    await sign_in(client, "ada")
    overview = await client.get("/admin", headers=HTML)
    assert "1 open report" in overview.text and "/admin/reports" in overview.text
    page = await client.get("/admin/reports", headers=HTML)
    assert page.status_code == 200 and "Paint it pink" in page.text
    assert "Spam &lt;b&gt;here&lt;/b&gt;" in page.text  # escaped
    (view,) = await moderation.reports_of_proposal(node, record.slug)
    form = {"csrf_token": form_token(page), "proposal": record.slug}
    dismissed = await client.post(
        f"/admin/reports/{view.report.row_id}/dismiss", data=form, headers=HTML
    )
    assert dismissed.status_code == 303 and dismissed.headers["location"] == "/admin/reports"
    assert await moderation.reports_of_proposal(node, record.slug) == []
    assert "No open reports." in (await client.get("/admin/reports", headers=HTML)).text
    again = await client.post(
        f"/admin/reports/{view.report.row_id}/dismiss", data=form, headers=HTML
    )
    assert again.status_code == 409
    bogus = await client.post("/admin/reports/x1/dismiss", data=form, headers=HTML)
    assert bogus.status_code == 404


async def test_hiding_from_the_reports_page_actions_the_report_and_returns_there(
    node: Node, client: httpx.AsyncClient
) -> None:
    record, uri = await _with_comment(node)
    await moderation.report_comment(node, record.slug, uri, "bea", "Rude")
    await sign_in(client, "ada")
    page = await client.get("/admin/reports", headers=HTML)
    form = {"csrf_token": form_token(page), "comment": uri, "back": "reports", "reason": "rude"}
    hidden = await client.post(f"/proposals/{record.slug}/comments/hide", data=form, headers=HTML)
    assert hidden.status_code == 303 and hidden.headers["location"] == "/admin/reports"
    (view,) = await moderation.reports_of_proposal(node, record.slug, include_closed=True)
    assert view.report.state.value == "actioned"
    assert view.report.closed_by == node.uris.actor("ada")


async def test_an_admin_unhides_a_hidden_comment_from_the_proposal_page(
    node: Node, client: httpx.AsyncClient
) -> None:
    record, uri = await _with_comment(node)
    await moderation.hide_comment(node, record.slug, uri, by="cli:test", reason="by mistake")
    anonymous = _discussion(await client.get(f"/proposals/{record.slug}", headers=HTML))
    assert "Paint it pink" not in anonymous and "/comments/unhide" not in anonymous
    await sign_in(client, "bea")
    member = _discussion(await client.get(f"/proposals/{record.slug}", headers=HTML))
    assert "Paint it pink" not in member and "/comments/unhide" not in member
    assert (await _post(client, record.slug, "unhide", comment=uri)).status_code == 403
    await _sign_out(client)
    await sign_in(client, "ada")
    page = await client.get(f"/proposals/{record.slug}", headers=HTML)
    assert "Paint it pink" not in _discussion(page)  # apart from the thread the readers read
    hidden = _hidden(page)
    assert "Paint it pink" in hidden and "Reason: by mistake" in hidden
    assert "/comments/unhide" in hidden
    back = await _post(client, record.slug, "unhide", comment=uri)
    assert back.status_code == 303 and back.headers["location"].endswith("#discussion")
    assert await _state(node, record.slug) == [("shown", None)]
    again = await _post(client, record.slug, "unhide", comment=uri)
    assert again.status_code == 409 and "not hidden" in again.text
    missing = await _post(client, record.slug, "unhide", comment="https://nope.example/1")
    assert missing.status_code == 404


async def _sign_out(client: httpx.AsyncClient) -> None:
    token = form_token(await client.get("/me", headers=HTML))
    assert (await client.post("/sign-out", data={"csrf_token": token}, headers=HTML)).is_redirect


def _hidden(page: httpx.Response) -> str:
    """The admins' section of hidden comments, after the thread."""
    return page.text.split('id="hidden-comments"', 1)[1].split("</section>", 1)[0]


async def _discussion_comment(node: Node) -> tuple[str, str]:
    use_clock(node)
    await members.add_member(node, local_username="bea")
    record = await discussions.start_discussion(node, "bea", "Logo", "Green or blue?")
    posted = await discussions.post_comment(node, record.public_id, "bea", "Paint it pink")
    return record.public_id, posted.uri


def _comments(page: httpx.Response) -> str:
    return page.text.split('id="comments"', 1)[1].split("</section>", 1)[0]


async def _post_discussion(
    client: httpx.AsyncClient, public_id: str, action: str, **fields: str
) -> httpx.Response:
    page = await client.get(f"/discussions/{public_id}", headers=HTML)
    form = {"csrf_token": form_token(page), **fields}
    path = f"/discussions/{public_id}/comments/{action}"
    return await client.post(path, data=form, headers=HTML)


async def _discussion_state(node: Node, public_id: str) -> list[str]:
    thread = await comments.thread_with_history(node, public_id, ThreadKind.DISCUSSION)
    return [entry.comment.state.value for entry, _ in thread]


async def test_an_admin_hides_and_unhides_a_discussion_comment_with_the_same_buttons(
    node: Node, client: httpx.AsyncClient
) -> None:
    public_id, uri = await _discussion_comment(node)
    await sign_in(client, "ada")
    page = _comments(await client.get(f"/discussions/{public_id}", headers=HTML))
    assert f"/discussions/{public_id}/comments/hide" in page
    assert f"/discussions/{public_id}/comments/remove" in page
    hidden = await _post_discussion(client, public_id, "hide", comment=uri, reason="off topic")
    assert hidden.status_code == 303 and hidden.headers["location"].endswith("#comments")
    assert await _discussion_state(node, public_id) == ["hidden"]
    page = await client.get(f"/discussions/{public_id}", headers=HTML)
    assert "Paint it pink" not in _comments(page)
    hidden = _hidden(page)
    assert "Reason: off topic" in hidden and f"/discussions/{public_id}/comments/unhide" in hidden
    twice = await _post_discussion(client, public_id, "hide", comment=uri)
    assert twice.status_code == 409 and "hidden already" in twice.text
    back = await _post_discussion(client, public_id, "unhide", comment=uri)
    assert back.status_code == 303
    assert await _discussion_state(node, public_id) == ["shown"]
    asked = await _post_discussion(client, public_id, "remove", comment=uri)
    assert asked.status_code == 200 and "Remove this comment?" in asked.text
    assert await _discussion_state(node, public_id) == ["shown"]  # not before it is confirmed
    token = form_token(await client.get(f"/discussions/{public_id}", headers=HTML))
    form = {"csrf_token": token, "comment": uri}
    missing = await client.post("/discussions/nope/comments/hide", data=form, headers=HTML)
    assert missing.status_code == 404


async def test_a_member_reports_a_discussion_comment_and_the_admin_dismisses_it(
    node: Node, client: httpx.AsyncClient
) -> None:
    public_id, uri = await _discussion_comment(node)
    await sign_in(client, "bea")
    page = _comments(await client.get(f"/discussions/{public_id}", headers=HTML))
    assert "/comments/report" in page and "/comments/hide" not in page
    assert (await _post_discussion(client, public_id, "hide", comment=uri)).status_code == 403
    sent = await _post_discussion(client, public_id, "report", comment=uri, reason="It is spam")
    assert sent.status_code == 200 and "admins will look at this comment" in sent.text
    await _sign_out(client)
    await sign_in(client, "ada")
    reports = await client.get("/admin/reports", headers=HTML)
    assert f'href="/discussions/{public_id}#comments"' in reports.text
    assert f'action="/discussions/{public_id}/comments/hide"' in reports.text
    (view,) = await moderation.reports_of_thread(node, ThreadKind.DISCUSSION, public_id)
    form = {"csrf_token": form_token(reports), "discussion": public_id}
    dismissed = await client.post(
        f"/admin/reports/{view.report.row_id}/dismiss", data=form, headers=HTML
    )
    assert dismissed.status_code == 303
    assert await moderation.reports_of_thread(node, ThreadKind.DISCUSSION, public_id) == []
