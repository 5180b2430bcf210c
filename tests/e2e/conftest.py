"""Browser tests: a real `kefu serve` (uvicorn, its own process) on a fresh SQLite file, driven
through Debian's Chromium by Playwright. A failing test leaves a screenshot of every open page in
test-artifacts/."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    expect,
    sync_playwright,
)

from tests.e2e.seed import Shop, seed

CHROMIUM = os.environ.get("KEFU_CHROMIUM", "/usr/bin/chromium")  # Debian's package
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
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
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
START_TIMEOUT_S = 120  # a loaded machine imports slowly; the loop ends as soon as it answers


# Two shared cores can be slow: waits are for events, with room to spare (never a fixed sleep).
expect.set_options(timeout=15_000)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, base: str, shop: Shop) -> None:
        self.base = base
        self.shop = shop

    def login(self, email: str) -> str:
        res = httpx.post(
            f"{self.base}/api/v1/auth/login",
            json={"workspace": self.shop.workspace, "email": email, "password": self.shop.password},
        )
        res.raise_for_status()
        return str(res.json()["token"])


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium; without it the browser tests are skipped here and fail in CI."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="package")
def server(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`kefu serve` on a free port with a freshly seeded database; stopped at the end."""
    tmp = tmp_path_factory.mktemp("e2e")
    url = f"sqlite:///{tmp}/kefu.db"
    shop = seed(url)
    port = _free_port()
    env = {**os.environ, "KEFU_DATABASE_URL": url, "KEFU_DATA_DIR": str(tmp / "data")}
    env.pop("KEFU_REDIS_URL", None)  # one process: in-process realtime
    log = (tmp / "server.log").open("wb")
    proc = subprocess.Popen(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "kefu.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:  # readiness: the health check answers (bounded, not a guess at a duration)
        if proc.poll() is not None:
            raise RuntimeError(f"kefu serve exited: {(tmp / 'server.log').read_text()[-3000:]}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(
                f"kefu serve did not start: {(tmp / 'server.log').read_text()[-3000:]}"
            )
        time.sleep(0.1)
    try:
        yield Server(base, shop)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        if os.environ.get("KEFU_E2E_LOG"):
            shutil.copy(tmp / "server.log", os.environ["KEFU_E2E_LOG"])


@pytest.fixture(scope="package")
def browser(chromium: str) -> Iterator[Browser]:
    # Package scope: Playwright's sync API keeps an event loop running on this thread while it
    # is open, and later tests call asyncio.run(); it must be closed when the browser tests end.
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


class Pages:
    """New browser contexts (each its own storage: one per person) for the running test."""

    def __init__(self, browser: Browser, server: Server) -> None:
        self.browser = browser
        self.server = server
        self.contexts: list[BrowserContext] = []

    def new(self, *, viewport: dict[str, int] = DESKTOP, **options: Any) -> Page:
        ctx = self.browser.new_context(viewport=viewport, locale="zh-CN", **options)  # type: ignore[arg-type]
        ctx.set_default_timeout(15_000)
        self.contexts.append(ctx)
        page = ctx.new_page()
        page.errors = []  # type: ignore[attr-defined]
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))  # type: ignore[attr-defined]
        return page

    def staff(self, email: str, path: str, *, lang: str = "zh-CN") -> Page:
        """A signed-in staff page: the token goes where the login page puts it."""
        token = self.server.login(email)
        page = self.new()
        page.goto(f"{self.server.base}/login?lang={lang}")
        page.evaluate("t => sessionStorage.setItem('kefu.token', t)", token)
        page.goto(f"{self.server.base}{path}")
        return page

    def all_pages(self) -> list[Page]:
        return [p for c in self.contexts for p in c.pages]


@pytest.fixture
def pages(browser: Browser, server: Server, request: pytest.FixtureRequest) -> Iterator[Pages]:
    made = Pages(browser, server)
    yield made
    report = getattr(request.node, "rep_call", None)
    # On failure, or always with KEFU_E2E_SCREENSHOTS=1 (to look at the pages).
    if (report is not None and report.failed) or os.environ.get("KEFU_E2E_SCREENSHOTS"):
        ARTIFACTS.mkdir(exist_ok=True)
        for i, page in enumerate(made.all_pages()):
            name = f"{request.node.name}-{i}.png".replace("/", "_")
            try:
                page.screenshot(path=str(ARTIFACTS / name), full_page=True)
            except Exception as exc:  # noqa: BLE001 - a screenshot must not hide the failure
                print(f"screenshot {name} failed: {exc}")  # noqa: T201
    for ctx in made.contexts:
        ctx.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the test item, so fixtures can see whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
