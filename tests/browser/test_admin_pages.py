"""Admin pages in real headless Chromium: the charter form (an error next to its field, then a
new version) and member classes, by keyboard-reachable labels only."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import ADMIN, ADMIN_PASSWORD, ServedNode, screenshot
from tests.browser.test_site import sign_in


def test_an_admin_saves_a_new_charter_version(page: Page, served_node: ServedNode) -> None:
    sign_in(page, ADMIN, ADMIN_PASSWORD)
    page.goto("/admin")
    page.get_by_role("link", name="Voting charter").click()
    expect(page.get_by_role("heading", level=2, name="Version 1 (current)")).to_be_visible()
    page.get_by_label("Quorum").fill("3/2")
    page.get_by_label("Who accepts an alliance offered to the co-op").select_option("vote")
    page.get_by_role("button", name="Save as version 2").click()
    error = page.locator("#field-quorum-error")
    expect(error).to_contain_text("between 0 and 1")
    expect(page.get_by_label("Quorum")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "admin-charter-error")
    page.get_by_label("Quorum").fill("1/3")
    page.get_by_role("button", name="Save as version 2").click()
    expect(page.get_by_role("status")).to_have_text("Saved: the charter is now version 2.")
    expect(page.get_by_label("Quorum")).to_have_value("1/3")
    expect(page.get_by_label("Who accepts an alliance offered to the co-op")).to_have_value("vote")
    # Weighted classes and proxies from labelled fields, no JSON typed (issue 16).
    page.get_by_label("How classes combine: mode").select_option("class_weighted")
    page.get_by_label("Share of member").fill("1")
    page.get_by_label("Members may vote by proxy").check()
    page.get_by_label("Proxies one member may hold at once").fill("3")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Save as version 3").click()
    expect(page.get_by_role("status")).to_have_text("Saved: the charter is now version 3.")
    # After the save: a full-page screenshot resizes the viewport and back, and a click right
    # after it could land while the page was still settling (the press went nowhere).
    screenshot(page, "admin-charter-classes")
    expect(page.get_by_label("How classes combine: mode")).to_have_value("class_weighted")
    expect(page.get_by_label("Share of member")).to_have_value("1")
    expect(page.get_by_label("Proxies one member may hold at once")).to_have_value("3")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, overflow  # fits a 1280-px screen


def test_an_admin_adds_a_member_class(page: Page, served_node: ServedNode) -> None:
    sign_in(page, ADMIN, ADMIN_PASSWORD)
    page.goto("/admin")
    page.get_by_role("link", name="Member classes").click()
    page.get_by_label("Name").fill("bakers")
    page.get_by_label("Admission").select_option("vote")
    page.get_by_label("Open to applications").uncheck()
    page.get_by_role("button", name="Add the class").click()
    row = page.locator("tr", has=page.get_by_role("rowheader", name="bakers", exact=True))
    expect(row.locator("td")).to_have_text(["no", "by a members' vote", "1", "yes", "0", "0"])
    screenshot(page, "admin-classes")


def test_the_classes_table_fits_a_1280_px_screen(page: Page, served_node: ServedNode) -> None:
    """Issue #16: on a 1280-px laptop the table scrolled sideways; now it fits, page and box."""
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, ADMIN, ADMIN_PASSWORD)
    page.goto("/admin/classes")
    table_box = page.locator(".table-scroll")
    overflow = table_box.evaluate("box => box.scrollWidth - box.clientWidth")
    page_overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    screenshot(page, "admin-classes-1280")
    assert (overflow, page_overflow) == (0, 0)
