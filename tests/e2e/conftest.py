"""Headless Chromium (Debian's, installed by scripts/system-deps.sh) driven by
Playwright against pytest-django's live server."""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("PERFEVAL_CHROMIUM") or shutil.which("chromium") or ""
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # This machine has no network: background fetches would only fail slowly.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM:
        pytest.fail("Chromium is missing: run `make test` (scripts/system-deps.sh).")
    # Playwright's sync API runs an event loop in this thread; the ORM calls of
    # the test itself are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    contexts = []

    def make(username: str, password: str):
        context = browser.new_context(
            base_url=live_server.url, locale="zh-CN", accept_downloads=True
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto("/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    yield make
    for context in contexts:
        context.close()
