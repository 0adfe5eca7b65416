"""Voting from the site: every form kind through `cast_vote`, outcomes, receipts, refusals."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from coopfed.governance.charter import Charter
from coopfed.node import Node
from coopfed.services import members, proposals
from coopfed.store import ballots as ballot_store
from coopfed.store.proposals import ProposalRecord
from tests.support.governance import add_locals, open_yes_no, use_clock
from tests.web.conftest import HTML, form_token, sign_in

pytestmark = pytest.mark.usefixtures("accounts")


async def _member_signed_in(node: Node, client: httpx.AsyncClient) -> None:
    use_clock(node)
    await members.add_member(node, local_username="bea")
    await sign_in(client, "bea")


async def _vote(
    client: httpx.AsyncClient, record: ProposalRecord, fields: dict[str, Any]
) -> httpx.Response:
    page = await client.get(f"/proposals/{record.slug}", headers=HTML)
    assert page.status_code == 200
    form = {"csrf_token": form_token(page), "action": "vote", **fields}
    return await client.post(f"/proposals/{record.slug}/vote", data=form, headers=HTML)


async def _stored_choices(node: Node, record: ProposalRecord) -> list[Any]:
    async with node.engine.connect() as conn:
        log = await ballot_store.load_log(conn, record.row_id, record.uri)
    return [entry.ballot.choice for entry in log]


async def test_yes_no_vote_counts_then_is_replaced(node: Node, client: httpx.AsyncClient) -> None:
    await _member_signed_in(node, client)
    record = await open_yes_no(node)
    first = await _vote(client, record, {"choice": "0"})  # yes
    assert first.status_code == 200
    assert "Your ballot counts." in first.text
    receipt = re.search(r'id="vote-receipt">(\w{64})<', first.text)
    assert receipt is not None
    assert '<th scope="row">yes</th><td>1</td>' in first.text
    second = await _vote(client, record, {"choice": "1"})  # no
    assert "Your new ballot replaces your earlier one." in second.text
    assert '<th scope="row">yes</th><td>0</td>' in second.text
    assert '<th scope="row">no</th><td>1</td>' in second.text
    async with node.engine.connect() as conn:
        log = await ballot_store.load_log(conn, record.row_id, record.uri)
    assert log[0].entry_hash == receipt.group(1) and [e.ballot.choice for e in log] == [
        "yes",
        "no",
    ]
    assert 'value="1" checked' in second.text  # the form shows the current ballot


async def test_abstaining(node: Node, client: httpx.AsyncClient) -> None:
    await _member_signed_in(node, client)
    record = await open_yes_no(node)
    answer = await _vote(client, record, {"action": "abstain"})
    assert "Your ballot counts." in answer.text
    assert '<th scope="row">Abstained</th><td>1</td>' in answer.text
    assert await _stored_choices(node, record) == [None]


async def test_ranked_vote_by_rank_selects(node: Node, client: httpx.AsyncClient) -> None:
    await _member_signed_in(node, client)
    record = await open_yes_no(node, method="irv", options=["Ash", "Birch", "Cedar"])
    page = (await client.get(f"/proposals/{record.slug}", headers=HTML)).text
    assert '<label for="field-rank-1">1st choice</label>' in page
    assert '<label for="field-rank-3">3rd choice</label>' in page
    answer = await _vote(client, record, {"rank-1": "2", "rank-2": "0", "rank-3": ""})
    assert "Your ballot counts." in answer.text
    assert await _stored_choices(node, record) == [["Cedar", "Ash"]]


async def test_ranked_vote_errors_are_next_to_the_rank(
    node: Node, client: httpx.AsyncClient
) -> None:
    await _member_signed_in(node, client)
    record = await open_yes_no(node, method="schulze", options=["Ash", "Birch", "Cedar"])
    answer = await _vote(client, record, {"rank-1": "0", "rank-2": "0"})
    assert answer.status_code == 400
    assert (
        '<p class="error" id="field-rank-2-error">Ash is already ranked higher.</p>' in answer.text
    )
    gap = await _vote(client, record, {"rank-1": "", "rank-2": "1"})
    assert 'id="field-rank-1-error">Fill the ranks in order' in gap.text
    assert await _stored_choices(node, record) == []


def _selected_by_rank(page: str) -> dict[str, str]:
    """Each rank's select on the page and the option it shows selected."""
    found: dict[str, str] = {}
    for name, body in re.findall(r'<select[^>]*name="(rank-\d)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="\d+" selected>([^<]+)</option>', body)
        if chosen:
            found[name] = chosen.group(1)
    return found


async def test_a_refused_ranking_comes_back_as_the_member_left_it(
    node: Node, client: httpx.AsyncClient
) -> None:
    """Regression (issue #16): a ranking refused for one repeated option came back empty, so
    the member had to rank every option again."""
    await _member_signed_in(node, client)
    record = await open_yes_no(node, method="irv", options=["Ash", "Birch", "Cedar", "Dogwood"])
    answer = await _vote(client, record, {"rank-1": "2", "rank-2": "0", "rank-3": "2"})
    assert answer.status_code == 400 and "Cedar is already ranked higher." in answer.text
    assert _selected_by_rank(answer.text) == {"rank-1": "Cedar", "rank-2": "Ash", "rank-3": "Cedar"}
    gap = await _vote(client, record, {"rank-1": "1", "rank-3": "3"})
    assert _selected_by_rank(gap.text) == {"rank-1": "Birch", "rank-3": "Dogwood"}
    assert await _stored_choices(node, record) == []


@pytest.mark.parametrize(
    ("method", "options", "spec", "fields", "stored"),
    [
        ("approval", ["A", "B", "C"], {"max_choices": 2}, {"option": ["2", "0"]}, ["A", "C"]),
        ("score", ["A", "B"], {}, {"points-0": "5", "points-1": "2"}, {"A": 5, "B": 2}),
        ("dots", ["A", "B"], {"dots": 4}, {"points-0": "3", "points-1": "1"}, {"A": 3, "B": 1}),
        ("borda", ["A", "B", "C"], {}, {"rank-1": "1", "rank-2": "2"}, ["B", "C"]),
        ("stv", ["A", "B", "C"], {"seats": 2}, {"rank-1": "0"}, ["A"]),
        ("consensus", [], {}, {"choice": "0"}, "agree"),
        ("advice", [], {}, {"choice": "1"}, "disagree"),
        (
            "meeting",
            ["Mon", "Tue", "Wed"],
            {},
            {"slot-0": "yes", "slot-2": "if_need_be"},
            {"Mon": "yes", "Wed": "if_need_be"},
        ),
        ("budget", ["A", "B"], {"costs": {"A": 5, "B": 7}, "budget": 10}, {"option": "1"}, ["B"]),
    ],
)
async def test_every_method_votes_through_the_site(
    node: Node,
    client: httpx.AsyncClient,
    method: str,
    options: list[str],
    spec: dict[str, Any],
    fields: dict[str, Any],
    stored: Any,
) -> None:
    await _member_signed_in(node, client)
    record = await open_yes_no(node, method=method, options=options, spec=spec)
    answer = await _vote(client, record, fields)
    assert "Your ballot counts." in answer.text, answer.text
    assert await _stored_choices(node, record) == [stored]


async def test_engine_refusals_of_a_choice_show_at_the_ballot(
    node: Node, client: httpx.AsyncClient
) -> None:
    await _member_signed_in(node, client)
    record = await open_yes_no(node, method="dots", options=["A", "B"], spec={"dots": 4})
    answer = await _vote(client, record, {"points-0": "3", "points-1": "3"})
    assert answer.status_code == 400
    assert 'id="field-ballot-error"' in answer.text and "not counted" in answer.text
    assert 'value="3"' in answer.text  # what they typed is still there
    assert await _stored_choices(node, record) == []


async def test_consent_objection_needs_a_reason(node: Node, client: httpx.AsyncClient) -> None:
    await _member_signed_in(node, client)
    record = await open_yes_no(node, method="consent")
    missing = await _vote(client, record, {"choice": "1"})
    assert missing.status_code == 400 and 'id="field-reason-error"' in missing.text
    given = await _vote(client, record, {"choice": "1", "reason": "Too costly now"})
    assert "Your ballot counts." in given.text
    async with node.engine.connect() as conn:
        log = await ballot_store.load_log(conn, record.row_id, record.uri)
    assert log[0].ballot.choice == "objection" and log[0].ballot.reason == "Too costly now"


async def test_members_outside_the_electorate_are_told_why(
    node: Node, client: httpx.AsyncClient
) -> None:
    use_clock(node)
    await add_locals(node, "alice")
    record = await open_yes_no(node)
    await members.add_member(node, local_username="bea")  # joined after it opened
    await sign_in(client, "bea")
    page = (await client.get(f"/proposals/{record.slug}", headers=HTML)).text
    assert "not in this proposal's electorate" in page and "Your ballot" not in page
    form = {"csrf_token": form_token(await client.get("/proposals", headers=HTML))}
    answer = await client.post(
        f"/proposals/{record.slug}/vote", data={**form, "choice": "0"}, headers=HTML
    )
    assert answer.status_code == 403 and "Your vote was not counted" in answer.text


async def test_a_charter_without_changes_keeps_the_first_ballot(
    node: Node, client: httpx.AsyncClient
) -> None:
    await _member_signed_in(node, client)
    await proposals.set_charter(node, Charter(ballots_may_change=False))
    record = await open_yes_no(node)
    await _vote(client, record, {"choice": "0"})
    page = await client.get(f"/proposals/{record.slug}", headers=HTML)
    assert "does not allow changing a ballot" in page.text
    form = {"csrf_token": form_token(page), "choice": "1"}
    answer = await client.post(f"/proposals/{record.slug}/vote", data=form, headers=HTML)
    assert answer.status_code == 409 and "does not allow changing a ballot" in answer.text
    assert await _stored_choices(node, record) == ["yes"]


async def test_voting_needs_a_csrf_token_and_a_session(
    node: Node, client: httpx.AsyncClient
) -> None:
    use_clock(node)
    record = await open_yes_no(node)
    stranger = await client.post(
        f"/proposals/{record.slug}/vote", data={"choice": "0"}, headers=HTML
    )
    assert stranger.status_code == 403
    await members.add_member(node, local_username="bea")
    await sign_in(client, "bea")
    forged = await client.post(
        f"/proposals/{record.slug}/vote",
        data={"choice": "0", "csrf_token": "x" * 43},
        headers=HTML,
    )
    assert forged.status_code == 403 and await _stored_choices(node, record) == []
