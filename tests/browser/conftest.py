"""A real `coopfed serve` and Debian's headless Chromium, driven by Playwright's sync API.

Playwright's own browser download does not work offline, so these tests use Debian's Chromium
(packages `chromium` and `chromium-driver`; `make test` installs them when it runs as root, see
.ci/test-env) and are skipped with that reason where it is missing. Screenshots go to
tests/artifacts/ (git-ignored), kept by CI.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    ViewportSize,
    sync_playwright,
)

from tests.support.processes import coopfed, free_port, running

CHROMIUM = Path(shutil.which("chromium") or "/usr/bin/chromium")
# Why there is none, when .ci/test-env could not install it.
NO_CHROMIUM = os.environ.get("COOPFED_TEST_CHROMIUM_SKIP_REASON") or (
    "apt-get install chromium chromium-driver"
)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
# Screenshots written by this process, so a check of them cannot pass on an earlier run's files.
WRITTEN: set[str] = set()
ADMIN = "ada"
ADMIN_PASSWORD = "a long admin password"
PHONE: ViewportSize = {"width": 390, "height": 844}


@dataclass(frozen=True)
class ServedNode:
    base: str
    name: str
    handle: str
    home: Path | None = None  # the node's directory, for `coopfed` commands beside the browser


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)


# Module scope, not session: while Playwright's sync API is open it holds an asyncio loop as the
# running loop of the main thread, and every later test calling asyncio.run() would fail.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: {NO_CHROMIUM}")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def served_node(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedNode]:
    """`coopfed init`, `coopfed admin create` (password on stdin), then `coopfed serve`."""
    home = tmp_path_factory.mktemp("browser-node")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    name, handle = "Browser Co-op", "browsercoop"
    init = coopfed("init", "--url", base, "--name", name, "--handle", handle, cwd=home)
    assert init.returncode == 0, init.stderr
    admin = coopfed("admin", "create", ADMIN, cwd=home, stdin=ADMIN_PASSWORD + "\n")
    assert admin.returncode == 0, admin.stderr
    with running("serve", cwd=home, log=home / "serve.log", health_url=f"{base}/healthz"):
        yield ServedNode(base=base, name=name, handle=handle, home=home)


@pytest.fixture
def context(browser: Browser, served_node: ServedNode) -> Iterator[BrowserContext]:
    """A fresh browser profile per test (no cookies), with the node as base URL."""
    fresh = browser.new_context(base_url=served_node.base)
    yield fresh
    fresh.close()


def _is_real_error(message: ConsoleMessage) -> bool:
    # Chromium logs every 4xx document as "Failed to load resource"; tests check statuses
    # themselves. Anything else (a CSP violation, a missing script) is a real error.
    return message.type == "error" and not message.text.startswith(
        "Failed to load resource: the server responded with a status of 4"
    )


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A tab that fails the test on any console error (CSP violations show up there)."""
    opened = context.new_page()
    errors: list[str] = []

    def note(message: ConsoleMessage) -> None:
        if _is_real_error(message):
            errors.append(message.text)

    opened.on("console", note)
    yield opened
    assert errors == [], f"browser console errors: {errors}"


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    WRITTEN.add(name)
    return path
