"""The issue's acceptance flow in real headless Chromium against a real `coopfed serve`: a
person applies on the site, an admin admits them at /admin/applications, the new member signs
in and votes on a yes/no and a ranked proposal, seeing counts change and receipts.

The proposal and voting steps are the proposal browser test's own flows, run here on a member
who came in through the application form (the conftest's node: only an admin to begin with).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import ADMIN, ADMIN_PASSWORD, PHONE, ServedNode
from tests.browser.test_proposals import MEMBER, MEMBER_PASSWORD
from tests.browser.test_proposals import (
    test_admin_creates_and_opens_two_proposals as admin_creates_two_proposals,
)
from tests.browser.test_proposals import (
    test_member_ranks_choices_without_javascript as member_ranks_choices,
)
from tests.browser.test_proposals import (
    test_member_votes_yes_and_sees_count_and_receipt as member_votes_yes,
)
from tests.browser.test_site import sign_in


@pytest.fixture(scope="module")
def slugs() -> dict[str, str]:
    return {}


def test_a_person_applies_with_field_errors_first(page: Page, served_node: ServedNode) -> None:
    page.set_viewport_size(PHONE)
    page.goto("/")
    page.get_by_role("link", name="Apply for membership").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Apply for membership")
    page.get_by_label("Username").fill("Not valid!")
    page.get_by_label("Password").fill("short")
    page.get_by_label("E-mail address").fill("bikes.example.org")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#field-username-error")).to_contain_text("lowercase letters")
    expect(page.locator("#field-password-error")).to_contain_text("at least 10 characters")
    expect(page.locator("#field-email-error")).to_contain_text("one @ between a name and")
    expect(page.get_by_label("E-mail address")).to_have_value("bikes.example.org")
    expect(page.get_by_label("Username")).to_have_attribute("aria-invalid", "true")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.get_by_label("Username").fill(MEMBER)
    page.get_by_label("Password").fill(MEMBER_PASSWORD)
    page.get_by_label("E-mail address").fill("Bikes@Example.org")
    page.get_by_label("A message to the co-op (optional)").fill("I repair bikes.")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Application received")
    expect(page.get_by_role("status")).to_contain_text("an admin will decide")
    expect(page.get_by_text("We will write to bikes@example.org")).to_be_visible()


def test_an_admin_admits_them(page: Page, served_node: ServedNode) -> None:
    sign_in(page, ADMIN, ADMIN_PASSWORD)
    page.goto("/admin")
    page.get_by_role("link", name="Applications").click()
    application = page.locator("section.application", has_text="I repair bikes.")
    expect(application.get_by_role("heading")).to_contain_text(MEMBER)
    # Rejecting without a reason is refused next to the field.
    application.get_by_role("button", name="Reject").click()
    reason_error = page.locator("section.application .error")
    expect(reason_error).to_have_text("Give the reason the applicant will be told.")
    page.locator("section.application").get_by_label("Admit as").select_option("member")
    page.locator("section.application").get_by_role("button", name="Admit").click()
    expect(page.get_by_text("No applications are waiting.")).to_be_visible()
    page.goto("/admin/members")
    row = page.locator("tr", has=page.get_by_role("cell", name=MEMBER, exact=True))
    expect(row.locator("td")).to_have_text([MEMBER, re.compile(r"\w+"), "member", "1", "active",
                                            re.compile(r"\d{4}-\d\d-\d\d"),
                                            re.compile("Change class")])  # fmt: skip
    page.goto("/admin/mail")  # the applicant is told, with the link to sign in
    told = page.locator("tr", has_text="bikes@example.org")
    expect(told).to_contain_text("Your application was accepted")


def test_the_admin_opens_a_yes_no_and_a_ranked_proposal(page: Page, slugs: dict[str, str]) -> None:
    admin_creates_two_proposals(page, slugs)


def test_the_new_member_signs_in_and_sees_their_membership(page: Page) -> None:
    sign_in(page, MEMBER, MEMBER_PASSWORD)
    expect(page).to_have_url(re.compile(r"/me$"))
    expect(page.locator("#section-membership")).to_have_text("Your membership")
    expect(page.locator("#application-state")).to_have_text("Admitted")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download everything the co-op holds about you").click()
    assert download.value.suggested_filename == f"{MEMBER}-membership-export.json"


def test_the_new_member_votes_yes_no_and_sees_count_and_receipt(
    browser: Browser, served_node: ServedNode, slugs: dict[str, str]
) -> None:
    member_votes_yes(browser, served_node, slugs)


def test_the_new_member_ranks_choices(
    browser: Browser, served_node: ServedNode, slugs: dict[str, str]
) -> None:
    member_ranks_choices(browser, served_node, slugs)
