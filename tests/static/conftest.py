"""Fixtures of the web app's browser tests: the live server and Debian's Chromium."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator

import pytest
from browser_support import CHROMIUM, CONTEXT_OPTIONS, LiveServer, browser_args, chromium_missing


@pytest.fixture(scope="session")
def playwright() -> Iterator[Any]:
    """Playwright driving /usr/bin/chromium; under CI a browser that cannot start fails."""
    problem = chromium_missing()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    """The app on loopback with the demo branch (real clock, its own SQLite file)."""
    server = LiveServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def launch(playwright: Any) -> Iterator[Any]:
    """``launch(video=None, profile=None)`` -> a phone-sized browser context (360×640,
    zh-CN); a ``profile`` folder makes it persistent (the same phone reopened)."""
    opened: list[Any] = []

    def make(video: Path | None = None, profile: Path | None = None) -> Any:
        options = dict(CONTEXT_OPTIONS)
        if profile:
            ctx = playwright.chromium.launch_persistent_context(
                str(profile), executable_path=CHROMIUM, args=browser_args(video), **options)
            opened.append(ctx)
            return ctx
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=browser_args(video))
        opened.append(browser)
        return browser.new_context(**options)

    yield make
    for thing in reversed(opened):
        try:
            thing.close()
        except Exception:  # noqa: BLE001 - a context a test crashed on purpose
            pass
