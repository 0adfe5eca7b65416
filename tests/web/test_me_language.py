"""/me's "Language" section (issue #16): the member's choice of language for the site and their
e-mails. Once chosen it comes before the browser's Accept-Language on every page; "default"
forgets it; a value the select does not offer is refused (400). Someone who is no member has
no section and their browser decides."""

from __future__ import annotations

import httpx
import pytest

from coopfed.node import Node
from coopfed.services.languages import choice_of_account
from coopfed.services.members import add_member
from tests.web.conftest import HTML, form_token, sign_in

pytestmark = pytest.mark.usefixtures("accounts")
ENGLISH = {**HTML, "Accept-Language": "en"}


async def test_french_chosen_on_me_wins_over_an_english_browser(
    node: Node, client: httpx.AsyncClient
) -> None:
    await add_member(node, local_username="bea")
    await sign_in(client, "bea")
    page = await client.get("/me", headers=ENGLISH)
    assert page.headers["content-language"] == "en"
    assert '<h2 id="section-language">Language</h2>' in page.text
    assert '<option value="default" selected>Default of the co-op</option>' in page.text
    assert '<option value="fr" lang="fr">Français</option>' in page.text
    form = {"csrf_token": form_token(page), "language": "fr"}
    saved = await client.post("/me/language", data=form, headers=ENGLISH)
    assert saved.status_code == 200 and saved.headers["content-language"] == "fr"
    assert '<html lang="fr">' in saved.text and "Votre page" in saved.text
    assert "Enregistré : le site et les courriels" in saved.text
    assert '<option value="fr" lang="fr" selected>Français</option>' in saved.text
    assert await choice_of_account(node, "bea") == "fr"
    again = await client.get("/proposals", headers=ENGLISH)  # every page, not only /me
    assert again.headers["content-language"] == "fr"
    assert "private" in again.headers["cache-control"]  # a signed-in page: never shared


async def test_default_forgets_the_choice_and_the_browser_decides_again(
    node: Node, client: httpx.AsyncClient
) -> None:
    await add_member(node, local_username="bea")
    await sign_in(client, "bea")
    page = await client.get("/me", headers=ENGLISH)
    await client.post(
        "/me/language", data={"csrf_token": form_token(page), "language": "fr"}, headers=ENGLISH
    )
    page = await client.get("/me", headers=ENGLISH)
    form = {"csrf_token": form_token(page), "language": "default"}
    saved = await client.post("/me/language", data=form, headers=ENGLISH)
    assert saved.status_code == 200 and saved.headers["content-language"] == "en"
    assert await choice_of_account(node, "bea") == "default"
    french = await client.get("/me", headers={**HTML, "Accept-Language": "fr"})
    assert french.headers["content-language"] == "fr"


async def test_an_unoffered_language_is_refused_and_a_non_member_has_no_section(
    node: Node, client: httpx.AsyncClient
) -> None:
    await add_member(node, local_username="bea")
    await sign_in(client, "bea")
    page = await client.get("/me", headers=ENGLISH)
    form = {"csrf_token": form_token(page), "language": "de"}
    refused = await client.post("/me/language", data=form, headers=ENGLISH)
    assert refused.status_code == 400 and "Choose one of the languages offered." in refused.text
    assert await choice_of_account(node, "bea") == "default"
    forged = await client.post("/me/language", data={"language": "fr"}, headers=ENGLISH)
    assert forged.status_code == 403  # no CSRF token
    client.cookies.clear()
    await sign_in(client, "ada")  # an admin account that is no member
    page = await client.get("/me", headers=ENGLISH)
    assert "section-language" not in page.text
    form = {"csrf_token": form_token(page), "language": "fr"}
    assert (await client.post("/me/language", data=form, headers=ENGLISH)).status_code == 404
