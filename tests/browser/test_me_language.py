"""/me's "Language" form in real headless Chromium against a real `coopfed serve` (issue 16):
a member whose browser asks for English chooses Français, and the site answers in French from
then on; choosing the co-op's default gives the browser's language back."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import ADMIN, ADMIN_PASSWORD, ServedNode, screenshot
from tests.browser.test_site import sign_in
from tests.support.processes import coopfed


def test_a_member_reads_the_site_in_the_language_they_chose(
    page: Page, served_node: ServedNode
) -> None:
    added = coopfed("member", "add", "--local", ADMIN, cwd=served_node.home)
    assert added.returncode == 0, added.stderr
    page.set_extra_http_headers({"Accept-Language": "en"})
    sign_in(page, ADMIN, ADMIN_PASSWORD)
    page.goto("/me")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_label("Language of the site and of your e-mails").select_option("fr")
    page.get_by_role("button", name="Use this language").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre page")
    expect(page.get_by_label("Langue du site et de vos courriels")).to_have_value("fr")
    page.goto("/proposals")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    screenshot(page, "me-language")
    page.goto("/me")
    page.get_by_label("Langue du site et de vos courriels").select_option("default")
    page.get_by_role("button", name="Utiliser cette langue").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
