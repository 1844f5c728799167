"""The sign-in page in a real browser: MQIS's own identity, GOV.UK styles, no a11y faults."""

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect


@pytest.mark.django_db
def test_sign_in_page_renders_accessibly(
    live_server: Any, page: Any, axe_check: Any, screenshot_dir: Path
) -> None:
    response = page.goto(f"{live_server.url}/sign-in/")
    assert response is not None and response.ok

    assert page.get_by_role("heading", name="Sign in", level=1).is_visible()
    assert page.locator(".govuk-header").get_by_text("MQIS", exact=True).is_visible()
    assert page.title() == "Sign in – MQIS"

    # The stylesheet is MQIS's build of GOV.UK Frontend: Arial, never GDS Transport.
    body_font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "arial" in body_font.lower()
    fonts_used = page.evaluate(
        "[...new Set([...document.querySelectorAll('*')]"
        ".map(e => getComputedStyle(e).fontFamily))]"
    )
    assert not [f for f in fonts_used if "GDS Transport" in f]
    # GOV.UK Frontend's JavaScript loaded and ran (initAll marks the body).
    assert page.evaluate("document.body.classList.contains('govuk-frontend-supported')")
    # No crown or GOV.UK logo.
    crown = page.locator(".govuk-logo, .govuk-header__logotype, svg[aria-label='GOV.UK']")
    assert crown.count() == 0

    assert axe_check() == []

    page.screenshot(path=str(screenshot_dir / "sign-in.png"), full_page=True)


@pytest.mark.django_db
def test_sign_in_errors_are_summarised_and_linked(
    live_server: Any, page: Any, axe_check: Any, screenshot_dir: Path
) -> None:
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Username").fill("nobody")
    page.get_by_label("Password", exact=True).fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("The username or password is not right")
    assert page.title().startswith("Error: ")
    # GOV.UK Frontend moves focus to the summary; its links move focus to the field.
    expect(summary).to_be_focused()
    summary.get_by_role("link").first.click()
    expect(page.locator("#id_username")).to_be_focused()

    assert axe_check() == []
    page.screenshot(path=str(screenshot_dir / "sign-in-error.png"), full_page=True)


@pytest.mark.django_db
def test_sign_in_page_fits_a_phone(live_server: Any, browser: Any, axe_check: Any) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740})
    try:
        phone = context.new_page()
        phone.goto(f"{live_server.url}/sign-in/")
        overflow = phone.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
        assert axe_check(phone) == []
    finally:
        context.close()
