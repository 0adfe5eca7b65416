"""`/admin/charter`: the current version, saving the next one, field errors, CSRF, admins only."""

from __future__ import annotations

import re
from fractions import Fraction

import httpx
import pytest

from coopfed.governance.charter import Charter, charter_to_dict
from coopfed.governance.result import DecisionStatus
from coopfed.node import Node
from coopfed.services import proposals
from coopfed.services.charters import charter_state
from coopfed.services.votes import cast_vote
from coopfed.web.admin_charter import charter_fields
from tests.support.governance import add_locals, open_yes_no, use_clock
from tests.web.conftest import HTML, form_token, sign_in

pytestmark = pytest.mark.usefixtures("accounts")


def _form_of(page: httpx.Response, **changes: str) -> dict[str, str]:
    """What a browser would send back: every field as the page shows it, plus `changes`."""
    form: dict[str, str] = {"csrf_token": form_token(page)}
    for field in charter_fields(Charter()):
        if field.kind == "bool":
            checked = re.search(
                rf'name="{field.key}" type="checkbox" value="true" checked', page.text
            )
            if checked:
                form[field.key] = "true"
        elif field.kind == "choice":
            chosen = re.search(
                rf'name="{field.key}".*?<option value="([^"]+)" selected', page.text, re.S
            )
            assert chosen, field.key
            form[field.key] = chosen.group(1)
        elif field.kind == "class_mode":
            chosen = re.search(
                r'name="class_mode".*?<option value="([^"]+)" selected', page.text, re.S
            )
            assert chosen, field.key
            form[field.key] = chosen.group(1)
            for name, value in re.findall(
                r'name="(class_mode\.\w+\.\w+)" type="text" size="6" value="([^"]*)"', page.text
            ):
                form[name] = value
            for name in re.findall(
                r'name="(class_mode\.[\w.]+)" type="checkbox" value="true" checked', page.text
            ):
                form[name] = "true"
        elif field.kind == "json":
            found = re.search(rf'name="{field.key}" rows="4"[^>]*>([^<]*)</textarea>', page.text)
            assert found, field.key
            form[field.key] = found.group(1).replace("&#34;", '"').replace("&quot;", '"')
        else:
            value = re.search(
                rf'name="{field.key}" type="(?:text|number)"[^>]* value="([^"]*)"', page.text
            )
            assert value, field.key
            form[field.key] = value.group(1)
    form.update(changes)
    for key, sent in list(form.items()):
        if sent == "<unchecked>":
            del form[key]
    return form


async def _charter_page(client: httpx.AsyncClient) -> httpx.Response:
    page = await client.get("/admin/charter", headers=HTML)
    assert page.status_code == 200
    return page


async def test_the_page_shows_version_hash_and_a_field_for_every_setting(
    node: Node, client: httpx.AsyncClient
) -> None:
    await sign_in(client, "ada")
    page = await _charter_page(client)
    record = (await charter_state(node)).record
    assert "Version 1 (current)" in page.text and record.hash in page.text
    # Built from the charter's JSON form: a setting added to the charter gets its field.
    for field in charter_fields(Charter()):
        assert f'name="{field.key}"' in page.text, field.key
        assert f'<label for="field-{field.key}">' in page.text, field.key
    assert {f.setting for f in charter_fields(Charter())} == set(charter_to_dict(Charter()))
    # No setting is edited as raw JSON (issue 16): parts get their own labelled fields.
    assert "<textarea" not in page.text
    assert '<label for="field-proxies.cap_per_holder">' in page.text
    assert 'name="class_mode.shares.member"' in page.text
    assert '<option value="admins">admins</option>' in page.text
    # The settings for alliances and linked joint proposals are choices of their values.
    assert '<option value="vote">vote</option>' in page.text
    assert '<option value="confirm">confirm</option>' in page.text
    assert 'href="/admin/charter"' in (await client.get("/admin", headers=HTML)).text


async def test_saving_stores_a_new_version_and_open_proposals_keep_theirs(
    node: Node, client: httpx.AsyncClient
) -> None:
    use_clock(node)
    alice, bob, _carl = await add_locals(node, "alice", "bob", "carl")
    opened = await open_yes_no(node)
    await cast_vote(node, opened.slug, alice.actor_uri, "yes")
    await sign_in(client, "ada")
    form = _form_of(
        await _charter_page(client),
        quorum="100%",
        who_may_propose="admins",
        ballots_may_change="<unchecked>",
        alliances="vote",
        joint_proposals="confirm",
    )
    saved = await client.post("/admin/charter", data=form, headers=HTML)
    assert saved.status_code == 303 and saved.headers["location"] == "/admin/charter?saved=2"
    shown = await client.get(saved.headers["location"], headers=HTML)
    assert "the charter is now version 2" in shown.text and "Version 2 (current)" in shown.text
    current = (await charter_state(node)).record
    assert current.version == 2 and current.charter.quorum == 1
    assert current.charter.ballots_may_change is False
    assert current.charter.who_may_propose.value == "admins"
    assert current.charter.alliances.value == "vote"
    assert current.charter.joint_proposals.value == "confirm"
    # The open proposal still counts under version 1 (no quorum): one yes of three passes.
    tally = await proposals.tally_proposal(node, opened.slug)
    assert tally.record.charter_version == 1 and tally.record.proposal.charter.quorum is None
    await cast_vote(node, opened.slug, bob.actor_uri, "yes")
    ada = node.uris.actor("ada")
    closed = await proposals.close_proposal(node, opened.slug, closed_by=ada)
    assert closed.proposal.status is DecisionStatus.PASSED  # 2 of 3 voted: 100% would fail
    later = await open_yes_no(node, title="Paint the bike")
    assert later.charter_version == 2 and later.proposal.charter.quorum == 1


async def test_an_unchanged_charter_stores_no_new_version(
    node: Node, client: httpx.AsyncClient
) -> None:
    await sign_in(client, "ada")
    form = _form_of(await _charter_page(client))
    saved = await client.post("/admin/charter", data=form, headers=HTML)
    assert saved.status_code == 303 and saved.headers["location"] == "/admin/charter?saved=1"
    assert (await charter_state(node)).record.version == 1


async def test_errors_are_shown_next_to_their_field_and_nothing_is_saved(
    node: Node, client: httpx.AsyncClient
) -> None:
    await sign_in(client, "ada")
    page = await _charter_page(client)
    form = _form_of(
        page,
        quorum="3/2",
        comparison="most",
        eligible_classes="member, emperor",
        **{"proxies.cap_per_holder": "two"},
    )
    answer = await client.post("/admin/charter", data=form, headers=HTML)
    assert answer.status_code == 400 and "Traceback" not in answer.text
    errors = dict(
        re.findall(r'<p class="error" id="field-([\w.]+)-error">([^<]*)</p>', answer.text)
    )
    assert set(errors) == {"quorum", "comparison", "proxies.allowed"}, errors
    assert "between 0 and 1" in errors["quorum"]
    assert "A whole number." in errors["proxies.allowed"]  # told at the setting's first field
    assert 'name="quorum" type="text" value="3/2" aria-invalid="true"' in answer.text
    # Parse errors first; once they parse, unknown classes are told next to their field.
    form = _form_of(page, eligible_classes="member, emperor")
    answer = await client.post("/admin/charter", data=form, headers=HTML)
    assert answer.status_code == 400
    assert '<p class="error" id="field-eligible_classes-error">Unknown classes: emperor.' in (
        answer.text
    )
    # Weighted classes are a mode and a share per class, not JSON; a bad sum is told there
    # and the shares typed come back as typed.
    weighted = {"class_mode": "class_weighted", "class_mode.shares.member": "1/3"}
    answer = await client.post("/admin/charter", data=_form_of(page, **weighted), headers=HTML)
    assert answer.status_code == 400
    assert '<p class="error" id="field-class_mode-error">' in answer.text
    assert "sum to exactly 1" in answer.text
    assert 'name="class_mode.shares.member" type="text" size="6" value="1/3"' in answer.text
    assert (await charter_state(node)).record.version == 1


async def test_saving_without_csrf_is_refused(node: Node, client: httpx.AsyncClient) -> None:
    await sign_in(client, "ada")
    form = _form_of(await _charter_page(client), quorum="1/2")
    del form["csrf_token"]
    answer = await client.post("/admin/charter", data=form, headers=HTML)
    assert answer.status_code == 403
    assert (await charter_state(node)).record.version == 1


async def test_the_charter_is_for_admins_only(node: Node, client: httpx.AsyncClient) -> None:
    anonymous = await client.get("/admin/charter", headers=HTML)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/sign-in")
    await sign_in(client, "bea")
    assert (await client.get("/admin/charter", headers=HTML)).status_code == 403
    token = form_token(await client.get("/me", headers=HTML))
    form = {"csrf_token": token, "quorum": "1/2"}
    assert (await client.post("/admin/charter", data=form, headers=HTML)).status_code == 403
    assert (await charter_state(node)).record.version == 1


async def test_weighted_and_concurrent_classes_are_saved_from_labelled_fields(
    node: Node, client: httpx.AsyncClient
) -> None:
    await sign_in(client, "ada")
    page = await _charter_page(client)
    weighted = {"class_mode": "class_weighted", "class_mode.shares.member": "1"}
    form = _form_of(page, **weighted, **{"class_mode.caps.member": "1/2"})
    saved = await client.post("/admin/charter", data=form, headers=HTML)
    assert saved.status_code == 303, saved.text
    rules = (await charter_state(node)).record.charter.class_rules
    assert rules.mode.value == "class_weighted" and rules.share_map == {"member": 1}
    assert rules.cap_map == {"member": Fraction(1, 2)}
    # Switching mode drops the other mode's parts instead of refusing them as stale.
    page = await _charter_page(client)
    concurrent = {"class_mode": "concurrent", "class_mode.classes.member": "true"}
    form = _form_of(page, **concurrent, **{"class_mode.pooled": "true"})
    saved = await client.post("/admin/charter", data=form, headers=HTML)
    assert saved.status_code == 303, saved.text
    rules = (await charter_state(node)).record.charter.class_rules
    assert (rules.mode.value, rules.classes, rules.pooled) == ("concurrent", ("member",), True)
    assert rules.share_map == {}
    shown = await _charter_page(client)
    assert 'name="class_mode.classes.member" type="checkbox" value="true" checked' in shown.text
    assert (
        'id="field-class_mode-pooled" name="class_mode.pooled" type="checkbox" value="true" checked'
        in shown.text
    )
    # Proxies from their labelled fields.
    form = _form_of(shown, **{"proxies.allowed": "true", "proxies.cap_per_holder": "3"})
    saved = await client.post("/admin/charter", data=form, headers=HTML)
    assert saved.status_code == 303, saved.text
    proxies = (await charter_state(node)).record.charter.proxies
    assert (proxies.allowed, proxies.cap_per_holder) == (True, 3)
