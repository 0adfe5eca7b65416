"""The co-op's site in real headless Chromium: front page, sign-in, /me, CSRF, keyboard use."""

from __future__ import annotations

import re

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import ADMIN, ADMIN_PASSWORD, PHONE, ServedNode, screenshot


def sign_in(page: Page, username: str, password: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_front_page_renders_on_a_phone(page: Page, served_node: ServedNode) -> None:
    page.set_viewport_size(PHONE)
    response = page.goto("/")
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text(served_node.name)
    handle = f"@{served_node.handle}@{served_node.base.removeprefix('http://')}"
    expect(page.locator("main code").first).to_have_text(handle)
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()
    # Readable on a phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # The stylesheet applied despite the strict CSP (no inline styles anywhere).
    assert page.evaluate("getComputedStyle(document.body).maxWidth") != "none"
    screenshot(page, "front-page-phone")


def test_wrong_password_shows_the_error_next_to_the_field(page: Page) -> None:
    sign_in(page, ADMIN, "not the password at all")
    error = page.locator("#field-password-error")
    expect(error).to_have_text("The username or password is not right.")
    password = page.get_by_label("Password")
    expect(password).to_have_attribute("aria-describedby", "field-password-error")
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Username")).to_have_value(ADMIN)
    field_box, error_box = password.bounding_box(), error.bounding_box()
    assert field_box is not None and error_box is not None
    assert 0 <= error_box["y"] - (field_box["y"] + field_box["height"]) < 40  # right under it
    screenshot(page, "sign-in-wrong-password")


def test_signing_in_shows_the_member_page(page: Page) -> None:
    sign_in(page, ADMIN, ADMIN_PASSWORD)
    expect(page).to_have_url(re.compile(r"/me$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your page")
    expect(page.locator("dl.facts")).to_contain_text(ADMIN)
    expect(page.locator("dl.facts")).to_contain_text("Admin of Browser Co-op")
    screenshot(page, "me")
    page.get_by_role("link", name="Admin").click()
    expect(page.locator("#accounts-heading + table")).to_contain_text(ADMIN)
    screenshot(page, "admin")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()


def test_a_form_without_its_csrf_token_is_refused(context: BrowserContext) -> None:
    page = context.new_page()  # this one expects a 403 in the console
    page.goto("/sign-in")
    page.locator("input[name=csrf_token]").evaluate("field => field.remove()")
    page.get_by_label("Username").fill(ADMIN)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    with page.expect_response(re.compile(r"/sign-in$")) as answer:
        page.get_by_role("button", name="Sign in").click()
    assert answer.value.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed")
    expect(page.locator("main")).to_contain_text("did not come from this site")
    screenshot(page, "csrf-refused")
    page.goto("/me")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=%2Fme$"))  # not signed in


def test_sign_in_works_from_the_keyboard(page: Page) -> None:
    page.goto("/sign-in")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to content")
    page.keyboard.press("Enter")  # the skip link moves focus to the main content
    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "field-username":
            break
    focused = page.locator(":focus")
    expect(focused).to_have_attribute("id", "field-username")
    outline = focused.evaluate("field => getComputedStyle(field).outlineStyle")
    assert outline not in ("", "none"), "focused fields must show a focus ring"
    page.keyboard.type(ADMIN)
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_attribute("id", "field-password")
    page.keyboard.type(ADMIN_PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/me$"))
    expect(page.locator("dl.facts")).to_contain_text(ADMIN)
