"""The member register in real headless Chromium against a real `coopfed serve`: an admin
suspends then reinstates a member, expels another through the confirmation page, and downloads
the register as CSV, which parses back (header row, UTF-8, one row per member)."""

from __future__ import annotations

import csv
import io
import json

from playwright.sync_api import Page, expect

from tests.browser.conftest import ADMIN, ADMIN_PASSWORD, ServedNode, screenshot
from tests.browser.test_site import sign_in
from tests.support.processes import coopfed


def _add_member(served_node: ServedNode, username: str) -> str:
    assert served_node.home is not None
    added = coopfed("member", "add", "--local", username, "--json", cwd=served_node.home)
    assert added.returncode == 0, added.stderr
    return str(json.loads(added.stdout)["id"])


def _manage(page: Page, username: str) -> None:
    page.goto("/admin/members")
    row = page.locator("tr", has=page.get_by_role("cell", name=username, exact=True))
    row.get_by_role("link", name=f"Manage {username}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Member: {username}")


def test_an_admin_suspends_reinstates_expels_and_downloads_the_register(
    page: Page, served_node: ServedNode
) -> None:
    carol = _add_member(served_node, "carol")
    dave = _add_member(served_node, "dave")
    sign_in(page, ADMIN, ADMIN_PASSWORD)

    _manage(page, "carol")
    page.get_by_label("Reason for suspending").fill("Dues unpaid, 2026")
    page.get_by_role("button", name="Suspend").click()
    expect(page.locator("#member-status")).to_have_text("suspended")
    page.get_by_label("Reason for reinstating (optional)").fill("Paid in full")
    page.get_by_role("button", name="Reinstate").click()
    expect(page.locator("#member-status")).to_have_text("active")
    history = page.locator("section", has=page.get_by_role("heading", name="History"))
    expect(history.locator("tbody tr").first).to_contain_text("reason: Paid in full")
    screenshot(page, "admin-member")

    _manage(page, "dave")
    page.get_by_label("Reason for expelling").fill("Broke the code of conduct")
    page.get_by_role("button", name="Expel…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Expel dave?")
    expect(page.get_by_text("This cannot be undone.")).to_be_visible()
    screenshot(page, "admin-expel-confirmation")
    page.get_by_role("button", name="Yes, expel dave").click()
    expect(page.locator("#member-status")).to_have_text("expelled")
    expect(page.get_by_role("button", name="Expel…")).to_have_count(0)

    page.goto("/admin/members")
    with page.expect_download() as waiting:
        page.get_by_role("link", name="register (CSV)").click()
    download = waiting.value
    assert download.suggested_filename == "members.csv"
    path = download.path()
    text = path.read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0][:2] == ["id", "name"] and rows[0][7] == "status"
    by_id = {row[0]: row for row in rows[1:]}
    assert by_id[carol][1] == "carol" and by_id[carol][7] == "active"
    assert by_id[dave][1] == "dave" and by_id[dave][7] == "expelled" and by_id[dave][9] != ""
