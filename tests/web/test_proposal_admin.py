"""Creating proposals from the site (field errors, who may) and the admins' life-cycle buttons;
the deliveries page."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from coopfed.governance.charter import Charter, WhoMayPropose
from coopfed.node import Node
from coopfed.services import members, proposals
from coopfed.web.proposal_admin import error_field
from tests.support.governance import open_yes_no, use_clock
from tests.web.conftest import HTML, form_token, sign_in

pytestmark = pytest.mark.usefixtures("accounts")


async def _create(client: httpx.AsyncClient, fields: dict[str, Any]) -> httpx.Response:
    page = await client.get("/proposals/new", headers=HTML)
    assert page.status_code == 200
    form = {"csrf_token": form_token(page), "visibility": "public", **fields}
    return await client.post("/proposals/new", data=form, headers=HTML)


async def _press(
    client: httpx.AsyncClient, slug: str, action: str, *, confirm: bool = True
) -> httpx.Response:
    """Press a life-cycle button; close and withdraw also press the confirmation's button."""
    page = await client.get(f"/proposals/{slug}", headers=HTML)
    form = {"csrf_token": form_token(page)}
    if confirm and action in ("close", "withdraw"):
        form["confirm"] = "yes"
    return await client.post(f"/proposals/{slug}/{action}", data=form, headers=HTML)


async def test_form_errors_are_shown_next_to_their_fields(
    node: Node, client: httpx.AsyncClient
) -> None:
    await sign_in(client, "ada")
    answer = await _create(
        client, {"title": "", "method": "irv@1", "options": "Only one", "duration": "soon"}
    )
    assert answer.status_code == 400 and "Traceback" not in answer.text
    assert '<p class="error" id="field-title-error">A proposal needs a title.</p>' in answer.text
    assert 'id="field-options-error">Give at least two options' in answer.text
    assert 'id="field-duration-error">Write a number and a unit' in answer.text
    assert 'value="soon"' in answer.text  # what was typed stays
    service = await _create(
        client, {"title": "T", "method": "proposal@1", "duration": "3d", "quorum": "lots"}
    )
    assert service.status_code == 400 and 'id="field-quorum-error"' in service.text


async def test_admin_creates_opens_closes_a_proposal(node: Node, client: httpx.AsyncClient) -> None:
    use_clock(node)
    await members.add_member(node, local_username="bea")  # opening needs someone who can vote
    await sign_in(client, "ada")
    created = await _create(
        client,
        {"title": "Pick a name", "method": "irv@1", "options": "Ash\nBirch\r\nCedar",
         "duration": "3d", "body": "Which one?"},
    )  # fmt: skip
    assert created.status_code == 303
    slug = created.headers["location"].rsplit("/", 1)[1]
    record = await proposals.find_proposal(node, slug)
    assert record.proposal.state.value == "draft" and record.options == ("Ash", "Birch", "Cedar")
    assert (await _press(client, slug, "open")).status_code == 303
    assert (await proposals.find_proposal(node, slug)).proposal.state.value == "open"
    again = await _press(client, slug, "open")
    assert again.status_code == 409 and "cannot open" in again.text
    assert (await _press(client, slug, "close")).status_code == 303
    closed = await proposals.find_proposal(node, slug)
    assert closed.proposal.state.value == "decided"
    assert closed.proposal.closed_early_by == node.uris.actor("ada")


async def test_admin_creates_a_budget_and_a_meeting(node: Node, client: httpx.AsyncClient) -> None:
    use_clock(node)
    await members.add_member(node, local_username="bea")
    await sign_in(client, "ada")
    fields = {"title": "Fund", "method": "budget@1", "duration": "3d", "budget": "100"}
    created = await _create(
        client, {**fields, "options": "Roof = 60\nBikes=50", "limit_to_budget": "1"}
    )
    assert created.status_code == 303
    record = await proposals.find_proposal(node, created.headers["location"].rsplit("/", 1)[1])
    assert record.options == ("Roof", "Bikes")
    assert record.proposal.spec == {
        "options": ["Roof", "Bikes"],
        "costs": {"Roof": 60, "Bikes": 50},
        "budget": 100,
        "limit_to_budget": True,
    }
    bad = await _create(client, {**fields, "options": "Roof\nBikes = 50"})
    assert bad.status_code == 400 and 'id="field-options-error">Write each project as' in bad.text
    no_budget = await _create(client, {**fields, "budget": "", "options": "Roof=6\nBikes=5"})
    assert no_budget.status_code == 400 and 'id="field-budget-error"' in no_budget.text
    meeting = await _create(
        client,
        {"title": "When", "method": "meeting@1", "duration": "3d", "options": "Mon\nTue"},
    )
    assert meeting.status_code == 303


async def test_admin_opens_at_once_and_withdraws(node: Node, client: httpx.AsyncClient) -> None:
    use_clock(node)
    await members.add_member(node, local_username="bea")  # opening needs someone who can vote
    await sign_in(client, "ada")
    created = await _create(
        client, {"title": "Now", "method": "proposal@1", "duration": "1d", "open_now": "1"}
    )
    slug = created.headers["location"].rsplit("/", 1)[1]
    assert (await proposals.find_proposal(node, slug)).proposal.state.value == "open"
    assert (await _press(client, slug, "withdraw")).status_code == 303
    assert (await proposals.find_proposal(node, slug)).proposal.state.value == "withdrawn"


async def test_opening_with_nobody_to_vote_is_refused_with_the_reason(
    node: Node, client: httpx.AsyncClient
) -> None:
    use_clock(node)
    await sign_in(client, "ada")
    refused = await _create(
        client, {"title": "Now", "method": "proposal@1", "duration": "1d", "open_now": "1"}
    )
    assert refused.status_code in (400, 409, 422) and "nobody can vote" in refused.text
    assert await proposals.list_proposals(node) == []


async def test_members_cannot_press_admin_buttons(node: Node, client: httpx.AsyncClient) -> None:
    use_clock(node)
    await members.add_member(node, local_username="bea")
    record = await open_yes_no(node)
    await sign_in(client, "bea")
    page = await client.get(f"/proposals/{record.slug}", headers=HTML)
    assert "Close now and decide" not in page.text
    form = {"csrf_token": form_token(page)}
    answer = await client.post(f"/proposals/{record.slug}/close", data=form, headers=HTML)
    assert answer.status_code == 403
    assert (await proposals.find_proposal(node, record.slug)).proposal.state.value == "open"


async def test_members_propose_where_the_charter_lets_them(
    node: Node, client: httpx.AsyncClient
) -> None:
    use_clock(node)
    await members.add_member(node, local_username="bea")
    await sign_in(client, "bea")
    created = await _create(
        client, {"title": "Longer hours", "method": "consent@1", "duration": "2d"}
    )
    assert created.status_code == 303
    slug = created.headers["location"].rsplit("/", 1)[1]
    record = await proposals.find_proposal(node, slug)
    assert record.proposal.state.value == "open"  # members' proposals open at once
    assert record.author_row_id is not None
    page = (await client.get(f"/proposals/{slug}", headers=HTML)).text
    assert "<dt>Proposed by</dt><dd>bea</dd>" in page
    await proposals.set_charter(node, Charter(who_may_propose=WhoMayPropose.ADMINS))
    refused = await client.get("/proposals/new", headers=HTML)
    assert refused.status_code == 403 and "only admins open proposals" in refused.text


async def test_people_who_are_not_members_cannot_propose(client: httpx.AsyncClient) -> None:
    await sign_in(client, "bea")  # an account, not a member
    refused = await client.get("/proposals/new", headers=HTML)
    assert refused.status_code == 403 and "Only members" in refused.text


async def test_deliveries_page_is_for_admins(node: Node, client: httpx.AsyncClient) -> None:
    await sign_in(client, "bea")
    assert (await client.get("/admin/deliveries", headers=HTML)).status_code == 403
    client.cookies.clear()
    await sign_in(client, "ada")
    page = await client.get("/admin/deliveries", headers=HTML)
    assert page.status_code == 200
    for state in ("Pending (0)", "Failing (0)", "Parked (0)"):
        assert state in page.text
    admin = (await client.get("/admin", headers=HTML)).text
    assert 'href="/admin/deliveries"' in admin and 'href="/proposals/new"' in admin


def test_service_refusals_find_their_field() -> None:
    assert error_field("quorum: 'x' is not a fraction") == "quorum"
    assert error_field("comparison: 'x' is not one of") == "threshold"
    assert error_field("irv@1: option names must be unique") == "options"
    assert error_field("dots@1: give the number of dots per ballot (dots ≥ 1)") == "dots"
    assert error_field("something else entirely") == "form"
    assert (
        re.match(r"unknown", "unknown method") and error_field("unknown method 'x@1'") == "method"
    )


@pytest.mark.parametrize(
    ("action", "button"), [("close", "Close now and decide"), ("withdraw", "Withdraw")]
)
async def test_irreversible_buttons_ask_first_and_change_nothing_until_confirmed(
    node: Node, client: httpx.AsyncClient, action: str, button: str
) -> None:
    use_clock(node)
    await members.add_member(node, local_username="bea")
    slug = (await open_yes_no(node)).slug
    await sign_in(client, "ada")
    asked = await _press(client, slug, action, confirm=False)
    assert asked.status_code == 200 and "This cannot be undone." in asked.text
    assert f'<button class="button danger" type="submit">{button}</button>' in asked.text
    assert 'name="confirm" value="yes"' in asked.text
    assert f'action="/proposals/{slug}/{action}"' in asked.text
    assert (await proposals.find_proposal(node, slug)).proposal.state.value == "open"
    done = await _press(client, slug, action)
    assert done.status_code == 303
    expected = "decided" if action == "close" else "withdrawn"
    assert (await proposals.find_proposal(node, slug)).proposal.state.value == expected


async def test_paragraphs_survive_the_browsers_crlf(node: Node, client: httpx.AsyncClient) -> None:
    await sign_in(client, "ada")
    body = "First line\r\nstill first.\r\n\r\nSecond.\r\n \r\nThird."
    created = await _create(
        client, {"title": "T", "method": "proposal@1", "duration": "1d", "body": body}
    )
    slug = created.headers["location"].rsplit("/", 1)[1]
    record = await proposals.find_proposal(node, slug)
    assert "\r" not in record.body  # stored as LF: the same text whatever client sent it
    page = await client.get(f"/proposals/{slug}", headers=HTML)
    article = page.text.split('id="proposal-title"', 1)[1]
    assert re.findall(r"<p>(First line\nstill first\.|Second\.|Third\.)</p>", article) == [
        "First line\nstill first.",
        "Second.",
        "Third.",
    ]
