"""A discussion becomes a decision, in real headless Chromium against a real `coopfed serve`:
a member starts a discussion and comments, the admin turns it into a draft proposal, edits and
opens it, the member votes, the admin closes it now, and the member (its proposer) writes the
outcome statement, shown on the proposal page."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import ADMIN, ADMIN_PASSWORD, ServedNode, screenshot
from tests.browser.test_proposals import _MAKE_ACCOUNT, MEMBER, MEMBER_PASSWORD
from tests.browser.test_site import sign_in
from tests.support.processes import coopfed, free_port, running


@pytest.fixture(scope="module")
def served_node(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedNode]:
    """The conftest's node, plus a member who can sign in."""
    home = tmp_path_factory.mktemp("discussion-node")
    base = f"http://127.0.0.1:{free_port()}"
    name, handle = "Talking Co-op", "talkingcoop"
    init = coopfed("init", "--url", base, "--name", name, "--handle", handle, cwd=home)
    assert init.returncode == 0, init.stderr
    admin = coopfed("admin", "create", ADMIN, cwd=home, stdin=ADMIN_PASSWORD + "\n")
    assert admin.returncode == 0, admin.stderr
    account = subprocess.run(
        [sys.executable, "-c", _MAKE_ACCOUNT], cwd=home, capture_output=True, text=True, check=False
    )
    assert account.returncode == 0, account.stderr
    member = coopfed("member", "add", "--local", MEMBER, cwd=home)
    assert member.returncode == 0, member.stderr
    with running("serve", cwd=home, log=home / "serve.log", health_url=f"{base}/healthz"):
        yield ServedNode(base=base, name=name, handle=handle, home=home)


def _member_page(browser: Browser, served_node: ServedNode) -> tuple[BrowserContext, Page]:
    member_context = browser.new_context(base_url=served_node.base)
    member_page = member_context.new_page()
    sign_in(member_page, MEMBER, MEMBER_PASSWORD)
    expect(member_page).to_have_url(re.compile(r"/me$"))
    return member_context, member_page


def test_a_discussion_becomes_a_proposal_is_decided_and_gets_an_outcome(
    browser: Browser, served_node: ServedNode, page: Page
) -> None:
    member_context, member = _member_page(browser, served_node)
    try:
        member.goto("/discussions")
        member.get_by_role("link", name="Start a discussion").click()
        member.get_by_label("Title").fill("A four-day week?")
        member.get_by_label("What you want to discuss").fill("Could we?\n\nLet us talk first.")
        member.get_by_role("button", name="Start the discussion").click()
        expect(member.get_by_role("heading", level=1)).to_have_text("A four-day week?")
        member.get_by_label("Your comment").fill("Fridays off <b>please</b>.")
        member.get_by_role("button", name="Comment").click()
        expect(member.locator("ol.comments")).to_contain_text("Fridays off <b>please</b>.")
        expect(member.get_by_role("button", name="Make a draft proposal")).to_have_count(0)
        discussion_url = member.url.split("#")[0]

        sign_in(page, ADMIN, ADMIN_PASSWORD)
        page.goto(discussion_url)
        page.get_by_role("button", name="Make a draft proposal").click()
        expect(page.locator(".status-line .badge").first).to_have_text("draft")
        expect(page.locator("#from-discussion")).to_have_text("A four-day week?")
        page.get_by_label("Draft title").fill("Try a four-day week")
        page.get_by_label("Draft text").fill("For three months, from May.")
        page.get_by_role("button", name="Save the draft").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Try a four-day week")
        proposal_url = page.url

        member.goto(discussion_url)  # the draft is still discussed in the thread
        expect(member.locator("#became-proposal")).to_contain_text("Try a four-day week")
        expect(member.get_by_label("Your comment")).to_be_visible()

        page.get_by_role("button", name="Open for voting").click()
        expect(page.locator(".status-line .badge").first).to_have_text("open")
        member.goto(proposal_url)
        member.get_by_label("yes", exact=True).check()
        member.get_by_role("button", name="Vote", exact=True).click()
        expect(member.locator("#vote-outcome")).to_contain_text("Your ballot counts.")

        page.reload()
        page.get_by_role("button", name="Close now and decide").click()
        page.get_by_role("button", name="Close now and decide").click()  # the confirmation
        expect(page.locator(".status-line .badge").first).to_have_text("decided")

        member.goto(proposal_url)
        member.get_by_label("Outcome statement").fill("We start on 1 May.\n\nThanks, all.")
        member.get_by_role("button", name="Publish the outcome").click()
        outcome = member.locator("#outcome")
        expect(outcome).to_contain_text("We start on 1 May.")
        expect(outcome.locator("p")).to_have_count(3)  # two paragraphs and when it was written
        expect(member.get_by_role("button", name="Publish the outcome")).to_have_count(0)
        screenshot(member, "proposal-outcome")

        page.reload()
        expect(page.locator("#outcome")).to_contain_text("Thanks, all.")
        member.goto(discussion_url)
        expect(member.locator("#became-proposal")).to_contain_text("the discussion continues there")
    finally:
        member_context.close()
