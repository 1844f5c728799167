"""The demo's sign-ins: one person for each role, all with the same printed password."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from mqis.accounts.models import Membership, Role
from mqis.registry.models import Council, Provider, Region

DEMO_PASSWORD = "demo-password-2026"


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    org: str  # region code, council GSS code or group key in mqis.demo.market.GROUPS


DEMO_USERS = [
    DemoUser("admin", "Sam", "Okafor", Role.ADMIN, ""),
    DemoUser("nw.analyst", "Priya", "Shah", Role.REGION, "E12000002"),
    DemoUser("manchester.officer", "Tom", "Walsh", Role.COUNCIL, "E08000003"),
    DemoUser("liverpool.officer", "Aisha", "Mensah", Role.COUNCIL, "E08000012"),
    DemoUser("provider.manager", "Joanne", "Hughes", Role.PROVIDER, "medlock"),
    DemoUser("homecare.manager", "Mark", "Doyle", Role.PROVIDER, "carepoint"),
]


@dataclass(frozen=True)
class SignIn:
    username: str
    role: str
    organisation: str


def create_demo_users(region: Region, councils: dict[str, Council],
                      providers: dict[str, Provider]) -> list[str]:
    """Create the demo users with their memberships. Returns the usernames created.

    A username that already exists is left exactly as it is (its password too).
    """
    User = get_user_model()
    existing = set(User.objects.filter(username__in=[u.username for u in DEMO_USERS])
                   .values_list("username", flat=True))
    # One hash for all: the password is the same and printed anyway, and hashing is slow.
    password = make_password(DEMO_PASSWORD)
    created = []
    for spec in DEMO_USERS:
        if spec.username in existing:
            continue
        is_admin = spec.role == Role.ADMIN
        user = User.objects.create(
            username=spec.username, first_name=spec.first_name, last_name=spec.last_name,
            email=f"{spec.username}@demo.mqis.invalid", password=password,
            is_staff=is_admin, is_superuser=is_admin,
        )
        Membership.objects.create(
            user=user, role=spec.role,
            region=region if spec.role == Role.REGION else None,
            council=councils[spec.org] if spec.role == Role.COUNCIL else None,
            provider=providers[spec.org] if spec.role == Role.PROVIDER else None,
        )
        created.append(spec.username)
    return created


def demo_sign_ins() -> list[SignIn]:
    """The demo users as they are in the database now, for printing."""
    User = get_user_model()
    found = User.objects.filter(username__in=[d.username for d in DEMO_USERS]).select_related(
        "membership__region", "membership__council", "membership__provider")
    users = {u.username: u for u in found}
    out = []
    for spec in DEMO_USERS:
        user = users.get(spec.username)
        membership = getattr(user, "membership", None) if user else None
        if membership is None:
            continue
        org = membership.region or membership.council or membership.provider
        out.append(SignIn(spec.username, membership.get_role_display(), str(org) if org else "All"))
    return out


def sign_in_table(sign_ins: list[SignIn], password: str = DEMO_PASSWORD) -> list[str]:
    """The demo sign-ins as lines of a plain-text table."""
    if not sign_ins:
        return ["There are no demo sign-ins in this database."]
    rows = [("Username", "Role", "Organisation")] + [
        (s.username, s.role, s.organisation) for s in sign_ins]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [f"Demo sign-ins (password for all: {password}):"]
    for n, row in enumerate(rows):
        lines.append("  " + "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if n == 0:
            lines.append("  " + "  ".join("-" * w for w in widths))
    return lines
