"""Voting by proxy from the site: one ballot form per grantor, "Same as mine", the grantor's
own ballot overriding (docs/governance.md rule 17)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from coopfed.governance.charter import Charter
from coopfed.governance.proxies import ProxyPolicy
from coopfed.node import Node
from coopfed.services import assemblies, members, proposals
from coopfed.services.assemblies import AssemblyDraft
from coopfed.services.proxies import grant_proxy
from coopfed.services.votes import cast_vote
from coopfed.store import ballots as ballot_store
from coopfed.store.proposals import ProposalRecord
from tests.support.governance import add_locals, open_yes_no, use_clock
from tests.web.conftest import HTML, form_token, sign_in

pytestmark = pytest.mark.usefixtures("accounts")


async def _post(client: httpx.AsyncClient, record: ProposalRecord, **fields: str) -> httpx.Response:
    page = await client.get(f"/proposals/{record.slug}", headers=HTML)
    assert page.status_code == 200
    form = {"csrf_token": form_token(page), **fields}
    return await client.post(f"/proposals/{record.slug}/vote", data=form, headers=HTML)


async def _log(node: Node, record: ProposalRecord) -> list[tuple[str, str | None, object]]:
    async with node.engine.connect() as conn:
        log = await ballot_store.load_log(conn, record.row_id, record.uri)
    return [(e.ballot.member_id, e.ballot.cast_by, e.ballot.choice) for e in log]


async def test_a_holder_votes_for_her_grantor_with_her_own_form_or_same_as_mine(
    node: Node, client: httpx.AsyncClient
) -> None:
    use_clock(node)
    bea = await members.add_member(node, local_username="bea")
    alice, carol = await add_locals(node, "alice", "carol")
    await proposals.set_charter(node, Charter(proxies=ProxyPolicy(allowed=True)))
    record = await open_yes_no(node)
    await grant_proxy(node, "alice", "bea", proposal=record.slug)
    await grant_proxy(node, "carol", "bea", proposal=record.slug)
    await sign_in(client, "bea")
    page = await client.get(f"/proposals/{record.slug}", headers=HTML)
    assert "For alice, by proxy" in page.text and "For carol, by proxy" in page.text
    assert 'name="on_behalf_of" value="' + alice.member_id + '"' in page.text
    assert 'id="proxy-1-choice-0"' in page.text and 'id="choice-0"' in page.text
    assert "Same as mine" not in page.text  # nothing of hers to copy yet

    for_alice = await _post(client, record, action="vote", choice="0", on_behalf_of=alice.member_id)
    assert for_alice.status_code == 200 and "Your ballot for alice counts." in for_alice.text
    own = await _post(client, record, action="vote", choice="1")
    assert "Your ballot counts." in own.text and "Same as mine for carol" in own.text
    same = await _post(client, record, action="same_as_mine", on_behalf_of=carol.member_id)
    assert same.status_code == 200 and "Your ballot for carol counts." in same.text
    assert await _log(node, record) == [
        (alice.member_id, bea.member_id, "yes"),
        (bea.member_id, None, "no"),
        (carol.member_id, bea.member_id, "no"),
    ]
    tally = await proposals.tally_proposal(node, record.slug)
    assert tally.turnout == 3
    mine = await client.get("/me", headers=HTML)
    assert "cast, for alice by proxy" in mine.text and "cast, for carol by proxy" in mine.text

    # Alice votes herself: the page then tells bea her ballot counts, and a post is refused.
    assert (await cast_vote(node, record.slug, alice.actor_uri, "no")).stored
    page = await client.get(f"/proposals/{record.slug}", headers=HTML)
    assert "alice has voted herself: her own ballot counts." in page.text
    late = await _post(client, record, action="vote", choice="0", on_behalf_of=alice.member_id)
    assert late.status_code == 409 and "alice has voted herself" in late.text


async def test_a_proxy_ballot_without_a_grant_is_refused_with_the_reason(
    node: Node, client: httpx.AsyncClient
) -> None:
    use_clock(node)
    await members.add_member(node, local_username="bea")
    (alice,) = await add_locals(node, "alice")
    await proposals.set_charter(node, Charter(proxies=ProxyPolicy(allowed=True)))
    record = await open_yes_no(node)
    await sign_in(client, "bea")
    answer = await _post(client, record, action="vote", choice="0", on_behalf_of=alice.member_id)
    assert answer.status_code == 403
    assert "bea holds no proxy of alice for this proposal" in answer.text
    too_long = await _post(client, record, action="vote", choice="0", on_behalf_of="x" * 40)
    assert too_long.status_code == 400
    assert await _log(node, record) == []


async def test_a_proxy_for_an_assembly_gives_a_form_on_its_agenda_items_only(
    node: Node, client: httpx.AsyncClient
) -> None:
    clock = use_clock(node)
    await members.add_member(node, local_username="bea")
    await add_locals(node, "alice", "carol")
    await proposals.set_charter(node, Charter(proxies=ProxyPolicy(allowed=True)))
    on_agenda = await open_yes_no(node, title="On the agenda")
    later = await open_yes_no(node, title="Added later")
    other = await open_yes_no(node, title="Never on it")
    draft = AssemblyDraft(title="AGM", starts_at=clock.now + timedelta(days=1), place="Hall")
    slug = (await assemblies.create_assembly(node, draft)).record.slug
    await assemblies.add_to_agenda(node, slug, on_agenda.slug)
    await grant_proxy(node, "alice", "carol", proposal=later.slug)  # not on the agenda yet
    await grant_proxy(node, "alice", "bea", assembly=slug)
    await assemblies.add_to_agenda(node, slug, later.slug)  # now both grants cover it
    await sign_in(client, "bea")
    page = await client.get(f"/proposals/{on_agenda.slug}", headers=HTML)
    assert page.text.count("For alice, by proxy") == 1
    for record in (later, other):  # carol's older grant votes on `later`; `other` is off it
        shown = await client.get(f"/proposals/{record.slug}", headers=HTML)
        assert shown.status_code == 200 and "For alice, by proxy" not in shown.text
