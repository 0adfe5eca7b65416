"""Issue 15's acceptance flow in real headless Chromium against a real `coopfed serve` whose
worker sends mail to a real SMTP server on 127.0.0.1 (aiosmtpd, `tests/support/smtp.py`):

`coopfed member add --local erin --email …` → the invitation arrives at the SMTP server → its
link sets a password in the browser → erin signs in and votes on an open proposal. Then the
reset: "Forgot your password?" → the mail → the new password works, the old one and the used
link are refused, and the session signed in before has ended.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import ADMIN, ADMIN_PASSWORD, ServedNode, screenshot
from tests.browser.test_site import sign_in
from tests.support.processes import coopfed, free_port, running
from tests.support.smtp import SmtpServer

ERIN = "erin"
ADDRESS = "erin@example.org"
FIRST = "erin's first password"
SECOND = "erin's second password"
LINK = re.compile(r"http://127\.0\.0\.1:\d+/password/[A-Za-z0-9_-]{43}")


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def slugs() -> dict[str, str]:
    return {}


# Replaces the conftest's node for this module (`page` and `context` follow): this one mails
# through the test's SMTP server, and has erin invited and a proposal open before it serves.
@pytest.fixture(scope="module")
def served_node(
    browser: Browser,
    tmp_path_factory: pytest.TempPathFactory,
    smtp: SmtpServer,
    slugs: dict[str, str],
) -> Iterator[ServedNode]:
    home = tmp_path_factory.mktemp("invitation-node")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    name, handle = "Mail Co-op", "mailcoop"
    init = coopfed("init", "--url", base, "--name", name, "--handle", handle, cwd=home)
    assert init.returncode == 0, init.stderr
    admin = coopfed("admin", "create", ADMIN, cwd=home, stdin=ADMIN_PASSWORD + "\n")
    assert admin.returncode == 0, admin.stderr
    added = coopfed("member", "add", "--local", ERIN, "--email", ADDRESS, "--json", cwd=home)
    assert added.returncode == 0, added.stderr
    view = json.loads(added.stdout)
    assert view["email"] == ADDRESS and view["invited"] is True
    opened = coopfed(
        "proposal", "create", "--title", "Buy a cargo bike", "--method", "proposal",
        "--duration", "3d", "--open", "--json", cwd=home,
    )  # fmt: skip
    assert opened.returncode == 0, opened.stderr
    slugs["yes_no"] = json.loads(opened.stdout)["slug"]
    env = {
        "COOPFED_EMAIL__SMTP_HOST": "127.0.0.1",
        "COOPFED_EMAIL__SMTP_PORT": str(smtp.port),
        "COOPFED_EMAIL__SMTP_SECURITY": "none",
        "COOPFED_EMAIL__FROM_ADDRESS": "office@mail-coop.test",
    }
    log = home / "serve.log"
    with running("serve", cwd=home, log=log, env=env, health_url=f"{base}/healthz"):
        yield ServedNode(base=base, name=name, handle=handle, home=home)


def link_in(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    found = LINK.search(body.get_content())
    assert found, body.get_content()
    return found.group(0)


def set_password(page: Page, link: str, password: str) -> None:
    page.goto(link)
    page.get_by_label("New password", exact=True).fill(password)
    page.get_by_label("New password again").fill(password)
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password is set")


def test_erin_follows_her_invitation_sets_a_password_signs_in_and_votes(
    page: Page, smtp: SmtpServer, slugs: dict[str, str]
) -> None:
    # Erin is also told the proposal opened (notifications): pick the invitation by subject.
    invitation, recipients = smtp.inbox.wait_for_subject(
        "[Mail Co-op] You are invited to sign in", timeout=30
    )
    assert recipients == [ADDRESS]
    link = link_in(invitation)

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Set your password")
    expect(page.locator("main")).to_contain_text("Username: erin")
    page.get_by_label("New password", exact=True).fill(FIRST)
    page.get_by_label("New password again").fill("not the same at all")
    page.get_by_role("button", name="Set password").click()
    expect(page.locator("#field-password-error")).to_contain_text("The two passwords differ")
    screenshot(page, "password-set-error")
    set_password(page, link, FIRST)

    sign_in(page, ERIN, FIRST)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your page")
    page.goto("/proposals")
    page.get_by_role("link", name="Buy a cargo bike").click()
    page.get_by_label("yes", exact=True).check()
    page.get_by_role("button", name="Vote", exact=True).click()
    expect(page.locator("#vote-outcome")).to_contain_text("Your ballot counts.")
    yes_row = page.locator("table.counts tr", has=page.get_by_role("rowheader", name="yes"))
    expect(yes_row.locator("td")).to_have_text("1")

    # The link worked once.
    response = page.goto(link)
    assert response is not None and response.status == 410
    expect(page.get_by_role("alert")).to_contain_text("already used")


def test_erin_resets_her_password_by_mail(
    browser: Browser, page: Page, served_node: ServedNode, smtp: SmtpServer
) -> None:
    earlier = browser.new_context(base_url=served_node.base)  # a browser signed in before
    try:
        old_tab = earlier.new_page()
        sign_in(old_tab, ERIN, FIRST)
        expect(old_tab.get_by_role("heading", level=1)).to_have_text("Your page")

        page.goto("/sign-in")
        page.get_by_role("link", name="Forgot your password?").click()
        page.get_by_label("E-mail address").fill("Erin@Example.org")
        page.get_by_role("button", name="Send me a link").click()
        expect(page.get_by_role("status")).to_contain_text("is on its way")
        reset, recipients = smtp.inbox.wait_for_subject(
            "[Mail Co-op] Reset your password", timeout=30
        )
        assert recipients == [ADDRESS]
        link = link_in(reset)

        page.goto(link)
        expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
        set_password(page, link, SECOND)
        screenshot(page, "password-set")
        sign_in(page, ERIN, FIRST)
        expect(page.locator("#field-password-error")).to_contain_text("not right")
        sign_in(page, ERIN, SECOND)
        expect(page.get_by_role("heading", level=1)).to_have_text("Your page")

        response = page.goto(link)
        assert response is not None and response.status == 410
        expect(page.get_by_role("alert")).to_contain_text("already used")

        old_tab.goto("/me")
        expect(old_tab.get_by_role("heading", level=1)).to_have_text("Sign in")
    finally:
        earlier.close()
