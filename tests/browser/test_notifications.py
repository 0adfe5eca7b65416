"""/me's "Notifications" form in real headless Chromium against a real `coopfed serve`: an
admin who is also a member (`coopfed member add --local ada`) sees the default, is told why a
channel that reaches nobody is refused, and saves a choice that the page then shows."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import ADMIN, ADMIN_PASSWORD, ServedNode, screenshot
from tests.browser.test_site import sign_in
from tests.support.processes import coopfed


def test_a_member_chooses_how_they_hear_from_the_co_op(page: Page, served_node: ServedNode) -> None:
    added = coopfed("member", "add", "--local", ADMIN, cwd=served_node.home)
    assert added.returncode == 0, added.stderr
    sign_in(page, ADMIN, ADMIN_PASSWORD)
    page.goto("/me")
    section = page.locator("#section-notifications").locator("xpath=..")
    expect(page.locator("#section-notifications")).to_have_text("Notifications")
    expect(section).to_contain_text("the co-op has no address for you")
    expect(page.get_by_label("Not at all")).to_be_checked()  # the default: nothing reaches her
    page.get_by_label("By e-mail").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("the co-op has no e-mail address for you")
    page.get_by_label("Not at all").check()
    page.get_by_label("In one daily digest").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved: you hear from the co-op not at all")
    page.goto("/me")
    expect(page.get_by_label("In one daily digest")).to_be_checked()
    screenshot(page, "me-notifications")
