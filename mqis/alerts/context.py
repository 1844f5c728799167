from django.http import HttpRequest

from mqis.accounts.scope import membership


def inbox(request: HttpRequest) -> dict[str, object]:
    """The count of new alerts shown in the menu, counted only when a page uses it."""
    if membership(request.user) is None:
        return {}
    from mqis.alerts.views import new_alert_count

    return {"new_alert_count": lambda: new_alert_count(request.user)}
