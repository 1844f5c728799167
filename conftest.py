"""Fixtures shared by every test (tests/ and mqis/*/tests/).

Browser tests drive Debian's Chromium (/usr/bin/chromium, installed by scripts/setup.sh)
through Playwright's sync API; `playwright install` is never used. Any test that uses
the `browser` or `page` fixture is marked `browser`, so `-m "not browser"` leaves them out.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an asyncio event loop in the main thread; without this,
# Django refuses ORM calls made by a test (or live_server) while that loop exists.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parent
AXE_JS = ROOT / "mqis" / "static" / "vendor" / "axe" / "axe.min.js"
SCREENSHOT_DIR = ROOT / "screenshots"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# WCAG 2.0, 2.1 and 2.2 at levels A and AA: what MQIS promises (WCAG 2.2 AA).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]

Violations = list[dict[str, Any]]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if {"browser", "page"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole test session."""
    from playwright.sync_api import sync_playwright

    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup.sh (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page in its own browser context (no cookies shared between tests)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def axe_check(page: Any) -> Callable[..., Violations]:
    """Returns a function that runs axe-core on a page (by default `page`) as it is now.

    The function returns the WCAG 2.x A/AA violations, each reduced to what a person
    needs to fix it: rule id, impact, help text and the CSS targets of failing nodes.
    An accessible page gives [].
    """
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run scripts/build-assets.sh")

    def check(target: Any = None) -> Violations:
        target = target or page
        if not target.evaluate("typeof window.axe !== 'undefined'"):
            target.add_script_tag(path=str(AXE_JS))
        violations: Violations = target.evaluate(
            """async (tags) => {
                const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
                return result.violations.map(v => ({
                    id: v.id,
                    impact: v.impact,
                    help: v.help,
                    targets: v.nodes.map(n => n.target.join(" ")),
                }));
            }""",
            AXE_TAGS,
        )
        return violations

    return check


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    """Where browser tests save screenshots for people to look at (gitignored)."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR


def pytest_report_header(config: pytest.Config) -> str:
    """Say which database this run uses (scripts/test.sh runs SQLite, then PostgreSQL)."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    engine = str(db["ENGINE"]).rsplit(".", 1)[-1]
    where = f"{db.get('HOST')}:{db.get('PORT')}/{db.get('NAME')}" if db.get("HOST") else db["NAME"]
    return f"database: {engine} {where}"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # Real hashing costs ~0.3 s a user; tests create many users and check no passwords' strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    # Dashboards cache per process; a test must not see another test's pages.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
