"""Proposal pages in a browser's eyes (in-process, both databases): lists, a proposal's page,
results with rounds, visibility, hidden results, escaping."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest

from coopfed.governance.charter import Charter
from coopfed.node import Node
from coopfed.services import members, proposals
from coopfed.services.votes import cast_vote
from coopfed.store import ballots as ballot_store
from coopfed.store import remote_actors as remote_store
from coopfed.store.remote_actors import RemoteActor
from tests.support.governance import add_locals, open_yes_no, use_clock
from tests.web.conftest import HTML, sign_in

pytestmark = pytest.mark.usefixtures("accounts")
XSS = '<img src=x onerror="alert(1)">'
REMOTE = "https://social.example/users/mallory"


async def _bea_member(node: Node) -> None:
    await members.add_member(node, local_username="bea")


async def test_list_shows_open_first_then_past_and_hides_members_only(
    node: Node, client: httpx.AsyncClient
) -> None:
    use_clock(node)
    await _bea_member(node)
    decided = await open_yes_no(node, title="Old question")
    await proposals.close_proposal(node, decided.slug, closed_by="admin")
    await open_yes_no(node, title="Members matter", visibility="members")
    await open_yes_no(node, title="Public matter")
    draft = proposals.ProposalDraft("Quiet draft", "proposal", duration=timedelta(days=1))
    await proposals.create_proposal(node, draft)

    anonymous = (await client.get("/proposals", headers=HTML)).text
    assert "Public matter" in anonymous and "Old question" in anonymous
    assert "Members matter" not in anonymous and "Quiet draft" not in anonymous
    assert anonymous.index("Public matter") < anonymous.index("Old question")  # open first
    assert f'href="/proposals/{decided.slug}/results"' in anonymous

    await sign_in(client, "bea")
    member = (await client.get("/proposals", headers=HTML)).text
    assert "Members matter" in member and "Quiet draft" not in member


async def test_admins_see_drafts(node: Node, client: httpx.AsyncClient) -> None:
    draft = proposals.ProposalDraft("Quiet draft", "proposal", duration=timedelta(days=1))
    record = await proposals.create_proposal(node, draft)
    assert (await client.get(f"/proposals/{record.slug}", headers=HTML)).status_code == 404
    await sign_in(client, "ada")
    assert "Quiet draft" in (await client.get("/proposals", headers=HTML)).text
    page = await client.get(f"/proposals/{record.slug}", headers=HTML)
    assert page.status_code == 200 and "Open for voting" in page.text


async def test_proposal_page_shows_rules_counts_chart_and_log_head(
    node: Node, client: httpx.AsyncClient
) -> None:
    use_clock(node)
    alice, bob, _carol = await add_locals(node, "alice", "bob", "carol")
    record = await open_yes_no(node, body="First paragraph.\n\nSecond one.", quorum="1/2")
    await cast_vote(node, record.slug, alice.actor_uri, "yes")
    last = await cast_vote(node, record.slug, bob.actor_uri, "no")
    page = await client.get(f"/proposals/{record.slug}", headers=HTML)
    assert page.status_code == 200
    text = page.text
    assert '<h1 id="proposal-title">Buy a cargo bike</h1>' in text
    assert "<p>First paragraph.</p>" in text and "<p>Second one.</p>" in text
    assert "Yes / no (with block)" in text and "3 members (frozen when it opened)" in text
    assert "Quorum: 1/2 of the electorate, 2 of 3 members, must vote" in text
    assert "more than half of the yes and no votes voting yes" in text
    assert '<svg class="bar-chart"' in text and text.count('<rect class="bar') == 3
    assert '<th scope="row">yes</th><td>1</td>' in text
    assert f'<code class="log-head">{last.receipt}</code>' in text
    assert "<script" not in text and "style=" not in text
    assert 'href="/sign-in?next=/proposals/' in text  # strangers are told how to vote


async def test_unknown_and_hidden_proposals_are_404(node: Node, client: httpx.AsyncClient) -> None:
    use_clock(node)
    await _bea_member(node)
    hidden = await open_yes_no(node, visibility="members")
    missing = await client.get("/proposals/nosuchthing", headers=HTML)
    assert missing.status_code == 404 and "Traceback" not in missing.text
    assert (await client.get(f"/proposals/{hidden.slug}", headers=HTML)).status_code == 404
    assert (await client.get(f"/proposals/{hidden.slug}/results", headers=HTML)).status_code == 404
    await sign_in(client, "bea")
    assert (await client.get(f"/proposals/{hidden.slug}", headers=HTML)).status_code == 200


async def test_the_activitypub_branch_still_serves_the_question(
    node: Node, client: httpx.AsyncClient
) -> None:
    use_clock(node)
    record = await open_yes_no(node)
    answer = await client.get(
        f"/proposals/{record.slug}", headers={"Accept": "application/activity+json"}
    )
    assert answer.status_code == 200 and answer.json()["type"] == "Question"
    hidden = await open_yes_no(node, visibility="members")
    unsigned = await client.get(
        f"/proposals/{hidden.slug}", headers={"Accept": "application/activity+json"}
    )
    assert unsigned.status_code == 404


async def test_hidden_results_show_counts_only_at_close(
    node: Node, client: httpx.AsyncClient
) -> None:
    use_clock(node)
    (alice,) = await add_locals(node, "alice")
    await proposals.set_charter(node, Charter(hidden_results=True))
    record = await open_yes_no(node)
    await cast_vote(node, record.slug, alice.actor_uri, "yes")
    open_page = (await client.get(f"/proposals/{record.slug}", headers=HTML)).text
    assert "hides the counts until voting closes" in open_page and "<svg" not in open_page
    await proposals.close_proposal(node, record.slug, closed_by="admin")
    closed_page = (await client.get(f"/proposals/{record.slug}", headers=HTML)).text
    assert "<svg" in closed_page and '<th scope="row">yes</th><td>1</td>' in closed_page
    assert "passed" in closed_page


async def test_irv_results_page_shows_rounds_as_a_table(
    node: Node, client: httpx.AsyncClient
) -> None:
    use_clock(node)
    voters = await add_locals(node, *(f"v{i}" for i in range(9)))
    record = await open_yes_no(node, title="Pick a name", method="irv", options=["A", "B", "C"])
    ballots = [["A", "B", "C"]] * 4 + [["B", "C", "A"]] * 3 + [["C", "B", "A"]] * 2
    for voter, ranking in zip(voters, ballots, strict=True):
        assert (await cast_vote(node, record.slug, voter.actor_uri, ranking)).stored
    early = (await client.get(f"/proposals/{record.slug}/results", headers=HTML)).text
    assert "Not decided yet" in early
    await proposals.close_proposal(node, record.slug, closed_by="admin")
    page = await client.get(f"/proposals/{record.slug}/results", headers=HTML)
    text = page.text
    assert page.status_code == 200
    assert '<th scope="col">Round 1</th><th scope="col">Round 2</th>' in text
    assert '<tr><th scope="row">B</th><td>3</td><td>5</td></tr>' in text
    assert "Winner: <strong>B</strong>" in text
    assert "Inputs hash" in text and "style=" not in text


async def test_stv_results_show_stages(node: Node, client: httpx.AsyncClient) -> None:
    use_clock(node)
    voters = await add_locals(node, *(f"v{i}" for i in range(11)))
    record = await open_yes_no(
        node, title="Board", method="stv", options=["A", "B", "C"], spec={"seats": 2}
    )
    ballots = [["A", "B"]] * 6 + [["B"]] * 3 + [["C", "B"]] * 2
    for voter, ranking in zip(voters, ballots, strict=True):
        await cast_vote(node, record.slug, voter.actor_uri, ranking)
    await proposals.close_proposal(node, record.slug, closed_by="admin")
    text = (await client.get(f"/proposals/{record.slug}/results", headers=HTML)).text
    assert "Quota: 4 votes." in text and "4.99998" in text and "surplus A at 0.33333" in text
    assert "Winners: <strong>A, B</strong>" in text


async def test_xss_in_a_remote_author_name_and_in_the_body_is_escaped(
    node: Node, client: httpx.AsyncClient
) -> None:
    use_clock(node)
    async with node.engine.begin() as conn:
        await remote_store.upsert(
            conn,
            RemoteActor(
                uri=REMOTE,
                host="social.example",
                type="Person",
                preferred_username="mallory",
                display_name=XSS + "\u202eevil",
                inbox=REMOTE + "/inbox",
                shared_inbox=None,
                key_id=None,
                public_key_pem=None,
                document="{}",
            ),
            now=node.now(),
        )
    await members.add_member(node, REMOTE)
    record = await open_yes_no(node, author=REMOTE, body=f"Look {XSS} <script>x()</script>")
    text = (await client.get(f"/proposals/{record.slug}", headers=HTML)).text
    assert "<img" not in text and "<script>" not in text
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in text
    assert "(@mallory@social.example)" in text  # a remote actor always shows its host
    assert "\u202e" not in text


async def test_me_lists_ballots_with_receipts(node: Node, client: httpx.AsyncClient) -> None:
    use_clock(node)
    await _bea_member(node)
    record = await open_yes_no(node)
    outcome = await cast_vote(node, record.slug, node.uris.actor("bea"), "yes")
    await sign_in(client, "bea")
    page = (await client.get("/me", headers=HTML)).text
    assert '<h2 id="section-ballots">Your ballots</h2>' in page
    assert f'<code class="receipt">{outcome.receipt}</code>' in page
    assert f'href="/proposals/{record.slug}"' in page


async def test_me_has_no_ballot_section_for_non_members(client: httpx.AsyncClient) -> None:
    await sign_in(client, "ada")
    assert "section-ballots" not in (await client.get("/me", headers=HTML)).text


async def test_the_log_on_the_page_is_the_stored_log(node: Node, client: httpx.AsyncClient) -> None:
    use_clock(node)
    (alice,) = await add_locals(node, "alice")
    record = await open_yes_no(node)
    await cast_vote(node, record.slug, alice.actor_uri, "yes")
    async with node.engine.connect() as conn:
        log = await ballot_store.load_log(conn, record.row_id, record.uri)
    text = (await client.get(f"/proposals/{record.slug}", headers=HTML)).text
    assert re.search(r"Ballot log: 1 entry, head <code class=\"log-head\">(\w+)</code>", text)
    assert log.head_hash in text


async def test_schulze_results_show_the_matrix_and_strongest_paths_not_a_chart(
    node: Node, client: httpx.AsyncClient
) -> None:
    use_clock(node)
    voters = await add_locals(node, *(f"v{i}" for i in range(7)))
    record = await open_yes_no(node, title="Tree", method="schulze", options=["A", "B", "C"])
    # A cycle A>B (5:2), B>C (5:2), C>A (4:3): A wins on the strongest paths (5 > 4).
    ballots = [["A", "B", "C"]] * 3 + [["B", "C", "A"]] * 2 + [["C", "A", "B"]] * 2
    for voter, ranking in zip(voters, ballots, strict=True):
        assert (await cast_vote(node, record.slug, voter.actor_uri, ranking)).stored
    await proposals.close_proposal(node, record.slug, closed_by="admin")
    page = await client.get(f"/proposals/{record.slug}/results", headers=HTML)
    text = page.text
    assert page.status_code == 200
    head_to_head, strongest = text.split("Strongest paths", 1)
    rows = re.compile(r'<tr><th scope="row">(\w)</th>((?:<td>[^<]*</td>)+)</tr>')

    def table(html: str) -> dict[str, list[str]]:
        return {m[1]: re.findall(r"<td>([^<]*)</td>", m[2]) for m in rows.finditer(html)}

    assert table(head_to_head.split("Head to head", 1)[1]) == {
        "A": ["–", "5", "3"],
        "B": ["2", "–", "5"],
        "C": ["4", "2", "–"],
    }
    assert table(strongest) == {"A": ["–", "5", "5"], "B": ["4", "–", "5"], "C": ["4", "4", "–"]}
    assert "Winner: <strong>A</strong>" in text
    assert "<svg" not in text and "Counts per option" not in text


async def test_meeting_results_show_the_grid(node: Node, client: httpx.AsyncClient) -> None:
    use_clock(node)
    voters = await add_locals(node, "v0", "v1", "v2")
    record = await open_yes_no(node, title="When", method="meeting", options=["Mon", "Tue", "Wed"])
    answers = [
        {"Mon": "yes", "Tue": "yes", "Wed": "no"},
        {"Mon": "no", "Tue": "if_need_be", "Wed": "yes"},
        {"Mon": "yes", "Tue": "yes"},
    ]  # docs/governance.md example 15.2
    for voter, choice in zip(voters, answers, strict=True):
        assert (await cast_vote(node, record.slug, voter.actor_uri, choice)).stored
    page = (await client.get(f"/proposals/{record.slug}", headers=HTML)).text
    assert "most yes answers wins" in page
    await proposals.close_proposal(node, record.slug, closed_by="admin")
    text = (await client.get(f"/proposals/{record.slug}/results", headers=HTML)).text
    assert '<th scope="col">If need be</th>' in text
    rows = re.findall(
        r'<tr><td>(\d)</td><th scope="row">(\w+)</th><td>(\d)</td><td>(\d)</td>', text
    )
    assert rows == [("1", "Tue", "2", "1"), ("2", "Mon", "2", "0"), ("3", "Wed", "1", "0")]
    assert "Winner: <strong>Tue</strong>" in text


async def test_budget_results_show_the_table_and_equal_shares(
    node: Node, client: httpx.AsyncClient
) -> None:
    use_clock(node)
    voters = await add_locals(node, *(f"v{i}" for i in range(10)))
    spec = {"costs": {"A": 40, "B": 30, "C": 40}, "budget": 100}
    record = await open_yes_no(
        node, title="Fund", method="budget", options=["A", "B", "C"], spec=spec
    )
    choices = [["A", "B"]] * 6 + [["C"]] * 4  # docs/governance.md example 16.2
    for voter, choice in zip(voters, choices, strict=True):
        assert (await cast_vote(node, record.slug, voter.actor_uri, choice)).stored
    await proposals.close_proposal(node, record.slug, closed_by="admin")
    text = (await client.get(f"/proposals/{record.slug}/results", headers=HTML)).text
    assert "Budget 100; the selection spends 70." in text
    assert '<tr><th scope="row">B</th><td>6</td><td>30</td><td>selected</td><td>70</td>' in text
    assert '<tr><th scope="row">C</th><td>4</td><td>40</td><td>skipped</td><td>30</td>' in text
    assert "yes (at most 10/1 a voter)" in text
    assert "it funds B, C, spending 70" in text
    assert "Winners: <strong>B, A</strong>" in text
