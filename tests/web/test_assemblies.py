"""`/assemblies` and `/assemblies/{id}`: the Event by content negotiation, the page with its
agenda and results, admins recording attendance, the minutes as downloads."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from coopfed.node import Node
from coopfed.services import assemblies, proposals
from coopfed.services.assemblies import AssemblyDraft
from coopfed.services.votes import cast_vote
from tests.support.governance import add_locals, open_yes_no, use_clock
from tests.web.conftest import HTML, form_token, sign_in

pytestmark = pytest.mark.usefixtures("accounts")
AS_JSON = {"Accept": "application/activity+json"}
STARTS = datetime(2030, 6, 20, 18, 0, tzinfo=UTC)


async def _assembly(node: Node, visibility: str = "public") -> str:
    draft = AssemblyDraft(title="AGM 2030", starts_at=STARTS, place="Town hall",
                          quorum="1/2", visibility=visibility)  # fmt: skip
    return (await assemblies.create_assembly(node, draft)).record.slug


async def test_the_event_and_the_page_of_a_public_assembly(
    node: Node, client: httpx.AsyncClient
) -> None:
    use_clock(node)
    bea, _ = await add_locals(node, "bea", "cy")
    decided = await open_yes_no(node, title="Approve the accounts")
    await cast_vote(node, decided.slug, bea.actor_uri, "yes")
    closed = await proposals.close_proposal(node, decided.slug, closed_by="test")
    hidden = await open_yes_no(node, title="Pay rise", visibility="members")
    slug = await _assembly(node)
    for proposal in (decided, hidden):
        await assemblies.add_to_agenda(node, slug, proposal.slug)

    event = await client.get(f"/assemblies/{slug}", headers=AS_JSON)
    assert event.status_code == 200 and event.headers["content-type"].startswith(
        "application/activity+json"
    )
    body = event.json()
    assert body["type"] == "Event" and body["id"] == f"http://coop.test/assemblies/{slug}"
    assert body["agenda"] == [decided.uri]

    page = await client.get(f"/assemblies/{slug}", headers=HTML)
    assert page.status_code == 200
    assert "Approve the accounts" in page.text and "Pay rise" not in page.text
    assert "1 more item on the agenda, not shown to you." in page.text
    assert closed.proposal.result_hash is not None and closed.proposal.result_hash in page.text
    assert "the quorum is not met" in page.text
    assert "Record attendance" not in page.text and "minutes.md" not in page.text
    listing = await client.get("/assemblies", headers=HTML)
    assert f'href="/assemblies/{slug}"' in listing.text
    assert (await client.get(f"/assemblies/{slug}/minutes.md")).status_code == 404


async def test_a_members_only_assembly_is_nobody_elses(
    node: Node, client: httpx.AsyncClient
) -> None:
    await add_locals(node, "bea")
    slug = await _assembly(node, "members")
    assert (await client.get(f"/assemblies/{slug}", headers=AS_JSON)).status_code == 404
    assert (await client.get(f"/assemblies/{slug}", headers=HTML)).status_code == 404
    assert f"/assemblies/{slug}" not in (await client.get("/assemblies", headers=HTML)).text
    assert (await client.get("/assemblies/nope", headers=AS_JSON)).status_code == 404
    await sign_in(client, "bea")
    page = await client.get(f"/assemblies/{slug}", headers=HTML)
    assert page.status_code == 200 and "AGM 2030" in page.text


async def test_admins_record_attendance_and_download_the_minutes(
    node: Node, client: httpx.AsyncClient
) -> None:
    use_clock(node)
    await add_locals(node, "bea", "cy")
    slug = await _assembly(node)
    await sign_in(client, "ada")
    page = await client.get(f"/assemblies/{slug}", headers=HTML)
    form = {"csrf_token": form_token(page), "member": "bea"}
    answer = await client.post(f"/assemblies/{slug}/attend", data=form, headers=HTML)
    assert answer.status_code == 303
    shown = await client.get(f"/assemblies/{slug}", headers=HTML)
    assert '<ul id="attendees"><li>bea</li></ul>' in shown.text
    assert "the quorum is met" in shown.text  # 1 of 2 eligible, 1/2 needs 1

    unknown = await client.post(
        f"/assemblies/{slug}/attend",
        data={"csrf_token": form_token(shown), "member": "nobody"},
        headers=HTML,
    )
    assert unknown.status_code == 400 and "no member &#39;nobody&#39;" in unknown.text
    markdown = await client.get(f"/assemblies/{slug}/minutes.md")
    assert markdown.status_code == 200 and "Attended (1): bea." in markdown.text
    pdf = await client.get(f"/assemblies/{slug}/minutes.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert pdf.headers["content-type"] == "application/pdf"
    assert (await client.get(f"/assemblies/{slug}/minutes.doc")).status_code == 404


async def test_only_admins_record_attendance(node: Node, client: httpx.AsyncClient) -> None:
    await add_locals(node, "bea")
    slug = await _assembly(node)
    await sign_in(client, "bea")
    page = await client.get(f"/assemblies/{slug}", headers=HTML)
    assert "Record attendance" not in page.text and "minutes.md" in page.text
    form = {"csrf_token": form_token(page), "member": "bea"}
    answer = await client.post(f"/assemblies/{slug}/attend", data=form, headers=HTML)
    assert answer.status_code == 403
    detail = await assemblies.assembly_detail(node, slug)
    assert detail.attendees == ()


async def test_admins_add_proposals_to_the_agenda_from_the_page(
    node: Node, client: httpx.AsyncClient
) -> None:
    use_clock(node)
    await add_locals(node, "bea")
    first = await open_yes_no(node, title="Approve the accounts")
    withdrawn = await open_yes_no(node, title="Withdrawn one")
    await proposals.withdraw_proposal(node, withdrawn.slug, by="test")
    slug = await _assembly(node)
    await sign_in(client, "ada")
    page = await client.get(f"/assemblies/{slug}", headers=HTML)
    assert f'<option value="{first.slug}">Approve the accounts</option>' in page.text
    assert withdrawn.slug not in page.text  # a withdrawn proposal is never offered
    form = {"csrf_token": form_token(page), "proposal": first.slug}
    added = await client.post(f"/assemblies/{slug}/agenda", data=form, headers=HTML)
    assert added.status_code == 303
    shown = await client.get(f"/assemblies/{slug}", headers=HTML)
    assert f'<a href="/proposals/{first.slug}">Approve the accounts</a>' in shown.text
    assert "Add to the agenda" not in shown.text  # nothing left to add
    again = await client.post(f"/assemblies/{slug}/agenda", data=form, headers=HTML)
    assert again.status_code == 400 and "already on this agenda" in again.text
    detail = await assemblies.assembly_detail(node, slug)
    assert [item.slug for item in detail.items] == [first.slug]


async def test_admins_call_an_assembly_from_the_site(node: Node, client: httpx.AsyncClient) -> None:
    use_clock(node)
    assert (await client.get("/assemblies/new", headers=HTML)).status_code in (302, 303)
    await sign_in(client, "ada")
    listing = await client.get("/assemblies", headers=HTML)
    assert 'href="/assemblies/new"' in listing.text
    page = await client.get("/assemblies/new", headers=HTML)
    token = form_token(page)
    base = {
        "csrf_token": token,
        "title": "AGM",
        "starts": "2030-06-20T18:00",
        "visibility": "public",
    }
    both = await client.post("/assemblies/new", data={**base, "place": "Hall",
                             "link": "https://meet.example/x"}, headers=HTML)  # fmt: skip
    assert both.status_code == 400 and "either a place or a video link" in both.text
    bad = await client.post("/assemblies/new", data={**base, "starts": "soon", "place": "Hall"},
                            headers=HTML)  # fmt: skip
    assert bad.status_code == 400 and 'id="field-starts-error">Give the date' in bad.text
    quorum = await client.post("/assemblies/new", data={**base, "place": "Hall",
                               "quorum": "most"}, headers=HTML)  # fmt: skip
    assert quorum.status_code == 400 and 'id="field-quorum-error"' in quorum.text
    assert await assemblies.list_assemblies(node) == []
    made = await client.post("/assemblies/new", data={**base, "place": "Hall", "quorum": "50%"},
                             headers=HTML)  # fmt: skip
    assert made.status_code == 303
    [record] = await assemblies.list_assemblies(node)
    assert made.headers["location"] == f"/assemblies/{record.slug}"
    assert record.starts_at == STARTS and record.quorum == "50%"  # the co-op's zone: UTC here


async def test_members_cannot_call_an_assembly(node: Node, client: httpx.AsyncClient) -> None:
    await sign_in(client, "bea")
    assert (await client.get("/assemblies/new", headers=HTML)).status_code == 403
    token = form_token(await client.get("/me", headers=HTML))  # a page with a form
    form = {"csrf_token": token, "title": "AGM", "starts": "2030-06-20T18:00", "place": "Hall"}
    assert (await client.post("/assemblies/new", data=form, headers=HTML)).status_code == 403
    assert await assemblies.list_assemblies(node) == []
