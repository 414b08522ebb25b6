"""Headless Debian Chromium driven by Playwright, and a stand-in bot for what the real one never says.

The browser tests need /usr/bin/chromium (.ci/run installs it) and the widget bundle that
`make widget` builds; without either they fail with a message saying so.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from widget_standin import StandInBot

from bot.settings import PROJECT_ROOT
from rasa_addons.channels.widget import BUNDLE

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--disable-sync",
    "--no-first-run",
]


# Module scope: the sync API keeps an event loop running in this thread while it is open,
# which would break asyncio.run() in the tests that come after the browser tests.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests drive Debian's Chromium (apt-get install chromium)"
        )
    if not BUNDLE.exists():
        pytest.fail(f"{BUNDLE.relative_to(PROJECT_ROOT)} is missing: run `make widget` (make test does)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(60_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def stand_in_bot() -> Iterator[StandInBot]:
    bot = StandInBot()
    bot.start()
    yield bot
    bot.stop()
