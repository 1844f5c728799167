"""The base layout: navigation by role, messages as banners, error pages."""

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import path

from mqis.accounts.urls import urlpatterns as account_urls


def _page(request: object) -> HttpResponse:
    return HttpResponse("")


# A URL configuration with every name the navigation links to.
urlpatterns = [
    *account_urls,
    path("provider/", _page, name="provider_home"),
    path("provider/upload/", _page, name="bulk_upload"),
    path("admin-tools/import-cqc/", _page, name="import_cqc"),
]

NAV_LINKS = ["Dashboard", "Submit a return", "Bulk upload", "Import CQC file"]
EXPECTED = {
    "provider": {"Dashboard", "Submit a return", "Bulk upload"},
    "council": {"Dashboard"},
    "region": {"Dashboard"},
    "admin": {"Dashboard", "Submit a return", "Bulk upload", "Import CQC file"},
    None: {"Dashboard"},
}


def _render(template: str, user: object, **context: object) -> str:
    request = RequestFactory().get("/somewhere/")
    request.user = user
    return render_to_string(template, {"user": user, **context}, request=request)


def _nav_links(html: str) -> set[str]:
    return {label for label in NAV_LINKS if f">{label}</a>" in html}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_navigation_shows_what_each_role_can_do(settings: Any, role: str | None) -> None:
    settings.ROOT_URLCONF = __name__
    html = _render("base.html", User(username="someone"), user_role=role)
    assert _nav_links(html) == EXPECTED[role]
    assert 'action="/sign-out/"' in html and "csrfmiddlewaretoken" in html


def test_navigation_leaves_out_pages_that_do_not_exist_yet(settings: Any) -> None:
    settings.ROOT_URLCONF = "mqis.accounts.urls"
    html = _render("base.html", User(username="someone"), user_role="admin")
    assert _nav_links(html) == {"Dashboard"}
    assert "Sign out" in html


def test_no_navigation_before_sign_in() -> None:
    html = _render("base.html", AnonymousUser(), user_role=None)
    assert _nav_links(html) == set()
    assert "Sign out" not in html
    assert "MQIS" in html and "Markets Quality and Insight System" in html


def test_messages_become_notification_banners() -> None:
    messages = [
        Message(constants.SUCCESS, "Return saved for Oak House"),
        Message(constants.INFO, "Your upload is queued"),
    ]
    html = _render("base.html", AnonymousUser(), messages=messages)
    assert "govuk-notification-banner--success" in html
    assert "Return saved for Oak House" in html and "Your upload is queued" in html
    assert 'id="mqis-message-title-1"' in html and 'id="mqis-message-title-2"' in html


def test_error_pages_render(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    forbidden = _render("403.html", AnonymousUser())
    assert "You do not have access to this page" in forbidden
    # Django renders 500.html with no request and an empty context.
    broken = render_to_string("500.html")
    assert "Sorry, there is a problem with the service" in broken
    assert "Sign out" not in broken
