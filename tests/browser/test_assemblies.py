"""General assemblies in real headless Chromium against a real `coopfed serve`: an admin calls
one from the site, records who attended with the page's form, and the page reads on a phone;
the minutes download carries the attendance."""

from __future__ import annotations

import json

from playwright.sync_api import Page, expect

from tests.browser.conftest import ADMIN, ADMIN_PASSWORD, PHONE, ServedNode, screenshot
from tests.browser.test_site import sign_in
from tests.support.processes import coopfed


def test_an_admin_calls_an_assembly_and_records_attendance(
    page: Page, served_node: ServedNode
) -> None:
    assert served_node.home is not None
    added = coopfed("member", "add", "--local", "erin", "--json", cwd=served_node.home)
    assert added.returncode == 0, added.stderr
    sign_in(page, ADMIN, ADMIN_PASSWORD)
    page.goto("/assemblies")
    page.get_by_role("link", name="Call an assembly").click()
    page.get_by_label("Title").fill("Spring general assembly")
    page.get_by_label("Starts").fill("2030-04-02T18:30")
    page.get_by_label("Place").fill("Community hall")
    page.get_by_label("Quorum").fill("50%")
    page.get_by_role("button", name="Call the assembly").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Spring general assembly")

    page.get_by_label("Record a member who attended").fill("erin")
    page.get_by_role("button", name="Record attendance").click()
    expect(page.locator("#attendees")).to_have_text("erin")
    expect(page.locator("#quorum-status")).to_contain_text("the quorum is met")

    page.set_viewport_size(PHONE)
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "assembly-phone")

    link = page.get_by_role("link", name="Markdown").get_attribute("href")
    assert link is not None and link.endswith("/minutes.md")
    slug = link.split("/")[2]
    minutes = page.request.get(link)
    assert minutes.status == 200 and "Attended (1): erin." in minutes.text()
    shown = coopfed("assembly", "show", slug, "--json", cwd=served_node.home)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["starts_at"].startswith("2030-04-02T")
