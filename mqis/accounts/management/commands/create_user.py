"""`mqis create-user USERNAME --role ROLE --org CODE [--email E]`: add a user with a role."""

import getpass
import os
import sys
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email
from django.db import transaction

from mqis.accounts.models import Membership, Role
from mqis.registry.models import Council, Provider, Region

PASSWORD_VARIABLE = "MQIS_NEW_USER_PASSWORD"
ROLES = ", ".join(f"'{r}'" for r in Role.values)


def organisation(role: str, code: str) -> dict[str, Any]:
    """The membership's organisation for a role and code, or a CommandError saying what is wrong."""
    code = code.strip()
    if role == Role.ADMIN:
        if code:
            raise CommandError("An administrator has no organisation: leave out --org.")
        return {}
    if role == Role.PROVIDER:
        if not code:
            raise CommandError("A provider manager needs --org: the CQC provider ID, "
                               "e.g. 1-101641521.")
        provider = Provider.objects.filter(cqc_provider_id=code).first()
        if provider is None:
            raise CommandError(f"There is no provider with CQC provider ID '{code}'. Import the "
                               "CQC file that lists it first (mqis import-cqc FILE).")
        return {"provider": provider}
    if role == Role.COUNCIL:
        if not code:
            raise CommandError("A council user needs --org: the council's ONS GSS code, "
                               "e.g. E08000003 for Manchester.")
        council = Council.objects.filter(gss_code=code.upper()).first()
        if council is None:
            named = Council.objects.filter(name__iexact=code).first()
            hint = f" Did you mean {named.gss_code} ({named.name})?" if named else (
                " Council codes look like E08000003 (Manchester).")
            raise CommandError(f"There is no council with GSS code '{code}'.{hint}")
        return {"council": council}
    if not code:
        raise CommandError("A regional analyst needs --org: the region's ONS code, "
                           "e.g. E12000002 for the North West.")
    region = Region.objects.filter(code=code.upper()).first()
    if region is None:
        known = ", ".join(f"{r.code} ({r.name})" for r in Region.objects.order_by("code"))
        raise CommandError(f"There is no region with code '{code}'."
                           + (f" Regions: {known}." if known else " No regions are loaded yet."))
    return {"region": region}


class Command(BaseCommand):
    help = (
        "Add a user with a role and the organisation that scopes what they see. The password "
        f"is read from {PASSWORD_VARIABLE} or asked for."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, help=f"one of {ROLES}")
        parser.add_argument("--org", default="",
                            help="CQC provider ID (provider), council GSS code (council) or "
                                 "region code (region); none for admin")
        parser.add_argument("--email", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        username, role = options["username"].strip(), options["role"].strip().lower()
        User = get_user_model()
        if not username:
            raise CommandError("The username must not be blank.")
        if role not in Role.values:
            raise CommandError(f"Unknown role '{options['role']}': use one of {ROLES}.")
        if User.objects.filter(username=username).exists():
            raise CommandError(f"A user called '{username}' already exists.")
        email = options["email"].strip()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                raise CommandError(f"'{email}' is not an e-mail address.") from None
        org = organisation(role, options["org"])
        password = os.environ.get(PASSWORD_VARIABLE) or self.ask_password()
        try:
            validate_password(password, User(username=username, email=email))
        except ValidationError as exc:
            raise CommandError("The password is not acceptable: " + " ".join(exc.messages)) from None
        admin = role == Role.ADMIN
        with transaction.atomic():
            user = User.objects.create_user(username, email, password, is_staff=admin,
                                            is_superuser=admin)
            membership = Membership.objects.create(user=user, role=role, **org)
        where = next(iter(org.values()), None)
        scope = f" for {where}" if where is not None else ""
        self.stdout.write(f"Created {username}: {membership.get_role_display()}{scope}.")

    def ask_password(self) -> str:
        if not sys.stdin.isatty():
            raise CommandError(f"Set {PASSWORD_VARIABLE}, or run this in a terminal to be asked "
                               "for the password.")
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("The two passwords do not match.")
        return first
