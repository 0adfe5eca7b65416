"""Proposals and voting in real headless Chromium against a real `coopfed serve`: an admin
creates and opens a yes/no and a ranked (IRV) proposal, a member votes on both, sees the counts
change and their receipts; screenshots of the proposal page and the results page."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import (
    ADMIN,
    ADMIN_PASSWORD,
    ARTIFACTS,
    PHONE,
    WRITTEN,
    ServedNode,
    screenshot,
)
from tests.browser.test_site import sign_in
from tests.support.processes import coopfed, free_port, running

MEMBER, MEMBER_PASSWORD = "bea", "a long member password"
# A member account made the way the membership work will make it: an account, then a member.
_MAKE_ACCOUNT = f"""
import asyncio
from coopfed.node import Node
from coopfed.services.accounts import create_local_account
from coopfed.settings import load_settings

async def main():
    node = Node.from_settings(load_settings())
    async with node.engine.begin() as conn:
        await create_local_account(conn, username={MEMBER!r}, password={MEMBER_PASSWORD!r},
                                   is_admin=False, now=node.now())
    await node.close()

asyncio.run(main())
"""


@pytest.fixture(scope="module")
def served_node(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedNode]:
    """The conftest's node, plus a member who can sign in."""
    home = tmp_path_factory.mktemp("voting-node")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    name, handle = "Voting Co-op", "votingcoop"
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
        yield ServedNode(base=base, name=name, handle=handle)


@pytest.fixture(scope="module")
def slugs() -> dict[str, str]:
    """Proposals the admin created, by kind, for the tests after it (they run in order)."""
    return {}


def _slug(page: Page) -> str:
    found = re.search(r"/proposals/([a-z0-9]+)$", page.url)
    assert found, page.url
    return found.group(1)


def test_admin_creates_and_opens_two_proposals(page: Page, slugs: dict[str, str]) -> None:
    sign_in(page, ADMIN, ADMIN_PASSWORD)
    page.goto("/proposals/new")
    page.get_by_label("Title").fill("")
    page.get_by_role("button", name="Create the proposal").click()
    expect(page.locator("#field-title-error")).to_have_text("A proposal needs a title.")

    page.get_by_label("Title").fill("Buy a cargo bike")
    page.get_by_label("What is proposed").fill("For deliveries.\n\nIt costs 3,000 EUR.")
    page.get_by_label("How it is decided").select_option("proposal@1")
    page.get_by_label("Voting time").fill("3d")
    page.get_by_role("button", name="Create the proposal").click()
    expect(page.locator(".status-line .badge").first).to_have_text("draft")
    page.get_by_role("button", name="Open for voting").click()
    expect(page.locator(".status-line .badge").first).to_have_text("open")
    slugs["yes_no"] = _slug(page)

    page.goto("/proposals/new")
    page.get_by_label("Title").fill("Name the shop")
    page.get_by_label("How it is decided").select_option("irv@1")
    page.get_by_label("Options", exact=True).fill("Ash\nBirch\nCedar")
    page.get_by_label("Voting time").fill("2d")
    page.get_by_label("Open for voting now").check()
    page.get_by_role("button", name="Create the proposal").click()
    expect(page.locator(".status-line .badge").first).to_have_text("open")
    slugs["irv"] = _slug(page)


def _member_page(browser: Browser, served_node: ServedNode) -> tuple[BrowserContext, Page]:
    member_context = browser.new_context(base_url=served_node.base)
    member_page = member_context.new_page()
    sign_in(member_page, MEMBER, MEMBER_PASSWORD)
    expect(member_page).to_have_url(re.compile(r"/me$"))
    return member_context, member_page


def test_member_votes_yes_and_sees_count_and_receipt(
    browser: Browser, served_node: ServedNode, slugs: dict[str, str]
) -> None:
    member_context, page = _member_page(browser, served_node)
    try:
        page.goto("/proposals")
        page.get_by_role("link", name="Buy a cargo bike").click()
        yes_row = page.locator("table.counts tr", has=page.get_by_role("rowheader", name="yes"))
        expect(yes_row.locator("td")).to_have_text("0")
        page.get_by_label("yes", exact=True).check()
        page.get_by_role("button", name="Vote", exact=True).click()
        expect(page.locator("#vote-outcome")).to_contain_text("Your ballot counts.")
        receipt = page.locator("#vote-receipt").inner_text()
        assert re.fullmatch(r"[0-9a-f]{64}", receipt)
        expect(yes_row.locator("td")).to_have_text("1")
        expect(page.locator("svg.bar-chart rect.bar-leading")).to_have_count(1)
        page.set_viewport_size(PHONE)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "proposal-page")
        page.goto("/me")
        expect(page.locator("#section-ballots")).to_have_text("Your ballots")
        expect(page.locator("table.ballots")).to_contain_text(receipt)
    finally:
        member_context.close()


def test_member_ranks_choices_without_javascript(
    browser: Browser, served_node: ServedNode, slugs: dict[str, str]
) -> None:
    member_context, page = _member_page(browser, served_node)
    try:
        page.goto(f"/proposals/{slugs['irv']}")
        page.get_by_label("1st choice").select_option(label="Birch")
        page.get_by_label("2nd choice").select_option(label="Ash")
        page.get_by_role("button", name="Vote", exact=True).click()
        expect(page.locator("#vote-outcome")).to_contain_text("Your ballot counts.")
        birch = page.locator("table.counts tr", has=page.get_by_role("rowheader", name="Birch"))
        expect(birch.locator("td")).to_have_text("1")
        expect(page.get_by_label("1st choice")).to_have_value("1")  # the ballot, pre-filled
        # Changing the vote while the charter allows it.
        page.get_by_label("1st choice").select_option(label="Cedar")
        page.get_by_role("button", name="Change my vote").click()
        expect(page.locator("#vote-outcome")).to_contain_text("replaces your earlier one")
        expect(birch.locator("td")).to_have_text("0")
    finally:
        member_context.close()


def test_admin_closes_and_the_results_show_rounds(page: Page, slugs: dict[str, str]) -> None:
    sign_in(page, ADMIN, ADMIN_PASSWORD)
    page.goto(f"/proposals/{slugs['irv']}")
    page.get_by_role("button", name="Close now and decide").click()
    expect(page.get_by_text("This cannot be undone.")).to_be_visible()  # the confirmation step
    page.get_by_role("button", name="Close now and decide").click()
    expect(page.locator(".status-line .badge").first).to_have_text("decided")
    page.get_by_role("link", name="Full results").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Results: Name the shop")
    expect(page.locator("table.rounds")).to_contain_text("Round 1")
    expect(page.get_by_text("Winner: Cedar")).to_be_visible()
    screenshot(page, "results-page")
    page.goto("/admin/deliveries")
    expect(page.get_by_role("heading", level=1)).to_have_text("Deliveries")


# Through `browser`, it skips with the browser tests' reason where there is no Chromium. It runs
# after the tests above in the same process: -n 0, or xdist's load scheduling, which hands each
# worker consecutive tests and gives tests/browser/ (first in the collection) to the first one.
@pytest.mark.usefixtures("browser")
def test_artifacts_were_written() -> None:
    for name in ("proposal-page", "results-page"):
        assert name in WRITTEN, f"{name}.png was not written by this run's browser tests"
        assert (ARTIFACTS / f"{name}.png").stat().st_size > 1000
