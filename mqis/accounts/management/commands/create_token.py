"""`mqis create-token USERNAME`: issue an API token and print it, once."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mqis.accounts.models import ApiToken, Membership


class Command(BaseCommand):
    help = (
        "Issue an API bearer token for a user and print it once. MQIS stores only its hash, "
        "so it cannot be shown again; the token sees exactly what the user may see."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="the user the token acts as")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user called '{username}'.")
        if not user.is_active:
            raise CommandError(f"The user '{username}' is deactivated; reactivate them first.")
        if not Membership.objects.filter(user=user).exists():
            self.stderr.write(f"Warning: '{username}' has no role yet, so the token will see "
                              "nothing until they are given one.")
        _, raw = ApiToken.issue(user)
        # The token alone on stdout, so `TOKEN=$(mqis create-token alice)` works.
        self.stderr.write(f"API token for {username} (shown once; keep it secret):")
        self.stdout.write(raw)
