"""The dashboard in a real browser: the app served by uvicorn on loopback (in a thread of
this process, on the test's database), driven by Debian's Chromium through Playwright.

One browser serves the whole run; each test gets a fresh context (no cookies carried over)
with a laptop-sized window. ``Dashboard`` wraps the page with what every test needs:
signing in, visiting a path, a full-page screenshot of each step under
``test-output/screenshots/<test>-<database>-<step>.png``, and the browser's errors.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from argon2 import PasswordHasher
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Playwright,
    ViewportSize,
    expect,
    sync_playwright,
)

from backorder.api.app import API_PREFIX, create_app
from backorder.db.uow import UnitOfWork
from backorder.domain.model import Role
from backorder.services import users
from tests.notify_fixtures import LOOPBACK, free_port, wait_until

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-output" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
LAPTOP: ViewportSize = {"width": 1280, "height": 900}
TABLET: ViewportSize = {"width": 820, "height": 1180}
EMAIL = "sam@example.com"
PASSWORD = "correct horse battery"
TIMEOUT_MS = 10_000
"""How long an action or an expectation waits for the page (generous: CI machines are busy)."""
expect.set_options(timeout=TIMEOUT_MS)


@dataclass(frozen=True)
class LiveServer:
    """The app on a real port; ``url`` has no trailing slash."""

    url: str
    uow: UnitOfWork

    def api(self, key: str, path: str, **params: Any) -> Any:
        """GET a JSON API path with an API key; asserts 200 and returns the body."""
        response = httpx.get(
            self.url + API_PREFIX + path,
            params=params or None,
            headers={"Authorization": f"Bearer {key}"},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def server(uow: UnitOfWork) -> Iterator[LiveServer]:
    """``create_app(uow)`` served by uvicorn in a background thread."""
    port = free_port()
    config = uvicorn.Config(create_app(uow), host=LOOPBACK, port=port, log_level="warning")
    live = uvicorn.Server(config)
    thread = threading.Thread(target=live.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    url = f"http://{LOOPBACK}:{port}"

    def answers() -> bool:
        try:
            return httpx.get(url + "/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        assert wait_until(answers, timeout=15), f"the server on port {port} did not answer"
        yield LiveServer(url, uow)
    finally:
        live.should_exit = True
        thread.join(timeout=10)
        assert not thread.is_alive(), "the server thread did not stop"


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    driver = sync_playwright().start()
    yield driver
    driver.stop()


@pytest.fixture(scope="session")
def chromium(playwright_driver: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, never a downloaded one."""
    browser = playwright_driver.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()


@dataclass
class Dashboard:
    """A browser page on the live server, signed out at first."""

    page: Page
    server: LiveServer
    name: str
    """``<test name>-<database>``: the start of every screenshot's file name."""
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    @property
    def uow(self) -> UnitOfWork:
        return self.server.uow

    def url(self, path: str) -> str:
        return self.server.url + path

    def shot(self, step: str) -> Path:
        """A full-page screenshot of what the browser shows now."""
        path = SCREENSHOTS / f"{self.name}-{step}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def visit(self, path: str, step: str, *, heading: str | None = None) -> Page:
        """Open ``path`` as if typed in the address bar, check it answered 200 (and its
        heading), and screenshot it."""
        response = self.page.goto(self.url(path))
        assert response is not None
        assert response.status == 200, f"GET {path}: {response.status}"
        if heading is not None:
            expect(self.page.locator("h1")).to_contain_text(heading)
        self.shot(step)
        return self.page

    def sign_in(self, email: str = EMAIL, password: str = PASSWORD, *, ok: bool = True) -> None:
        """Fill in and send the sign-in form of the page shown now; with ``ok``, wait
        until the page shows the user signed in."""
        form = self.page.locator("form[action='/sign-in']")
        form.get_by_label("Email").fill(email)
        form.get_by_label("Password").fill(password)
        form.get_by_role("button", name="Sign in").click()
        if ok:
            expect(self.page.locator("header.top .who")).to_contain_text(email)

    def signed_in(self) -> None:
        """Sign in from the sign-in page, and land on the overview."""
        self.visit("/sign-in", "sign-in", heading="Backorder")
        self.sign_in()
        expect(self.page).to_have_url(self.url("/"))
        expect(self.page.locator("h1")).to_contain_text("Overview")

    def figure(self, figure_id: str) -> str:
        """The number shown in a figure card (``#<id> strong``)."""
        return self.page.locator(f"#{figure_id} strong").inner_text().strip()


@pytest.fixture
def dashboard(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    chromium: Browser,
    server: LiveServer,
    database: str,
) -> Iterator[Dashboard]:
    """A fresh browser context on the live server, and a staff user to sign in as."""
    # Argon2 at its defaults takes up to seconds a hash on a busy two-core machine, and
    # these tests are about the pages, not the hashing: the user's password is hashed
    # (and so checked when signing in) with the cheapest parameters.
    monkeypatch.setattr(
        users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    users.create_user(server.uow, EMAIL, PASSWORD, role=Role.STAFF)
    context = chromium.new_context(viewport=LAPTOP)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    board = Dashboard(page, server, f"{request.node.originalname}-{database}")

    def on_console(message: ConsoleMessage) -> None:
        # Chromium asks every site for /favicon.ico on its own; the dashboard has none.
        source = message.location.get("url", "")
        if message.type == "error" and not source.endswith("/favicon.ico"):
            board.console_errors.append(f"{message.text} ({source})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: board.page_errors.append(str(error)))
    try:
        yield board
    finally:
        context.close()
    assert board.page_errors == [], f"uncaught errors in the page: {board.page_errors}"
