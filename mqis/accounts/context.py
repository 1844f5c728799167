from django.http import HttpRequest

from mqis.accounts.scope import membership


def role(request: HttpRequest) -> dict[str, object]:
    m = membership(request.user)
    return {"membership": m, "user_role": m.role if m else None}
