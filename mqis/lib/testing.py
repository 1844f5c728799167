"""A small, fixed market for tests: two councils in one region, three providers, four personas."""

from dataclasses import dataclass

from django.contrib.auth.models import User

from mqis.accounts.models import Membership, Role
from mqis.registry.models import Council, Location, Provider, Region

PASSWORD = "correct-horse-battery-staple"


@dataclass
class Market:
    region: Region
    other_region: Region
    manchester: Council
    salford: Council
    leeds: Council
    acme: Provider
    bolt: Provider
    home_a: Location
    home_b: Location
    agency: Location
    rival_home: Location
    far_home: Location
    provider_user: User
    rival_user: User
    council_user: User
    other_council_user: User
    region_user: User
    admin_user: User


def _user(username: str, role: str, **org: object) -> User:
    user = User.objects.create_user(username, f"{username}@example.org", PASSWORD)
    Membership.objects.create(user=user, role=role, **org)
    return user


def build_market() -> Market:
    nw = Region.objects.create(code="E12000002", name="North West")
    yh = Region.objects.create(code="E12000003", name="Yorkshire and The Humber")
    manchester = Council.objects.create(gss_code="E08000003", name="Manchester", region=nw)
    salford = Council.objects.create(gss_code="E08000006", name="Salford", region=nw)
    leeds = Council.objects.create(gss_code="E08000035", name="Leeds", region=yh)
    acme = Provider.objects.create(cqc_provider_id="1-100", name="Acme Care Ltd")
    bolt = Provider.objects.create(cqc_provider_id="1-200", name="Bolt Homes Ltd")
    far = Provider.objects.create(cqc_provider_id="1-300", name="Far Away Care")

    def home(cid: str, name: str, provider: Provider, council: Council, beds: int) -> Location:
        return Location.objects.create(
            cqc_location_id=cid, name=name, provider=provider, council=council, care_home=True,
            beds=beds, service_types=["Care home service with nursing"], postcode="M1 1AA",
        )

    home_a = home("1-101", "Oak House", acme, manchester, 48)
    home_b = home("1-102", "Elm Lodge", acme, salford, 30)
    agency = Location.objects.create(
        cqc_location_id="1-103", name="Acme Homecare Manchester", provider=acme,
        council=manchester, care_home=False, service_types=["Homecare agencies"],
    )
    rival_home = home("1-201", "Birch Court", bolt, manchester, 60)
    far_home = home("1-301", "Moor View", far, leeds, 40)
    return Market(
        region=nw, other_region=yh, manchester=manchester, salford=salford, leeds=leeds,
        acme=acme, bolt=bolt, home_a=home_a, home_b=home_b, agency=agency,
        rival_home=rival_home, far_home=far_home,
        provider_user=_user("acme.manager", Role.PROVIDER, provider=acme),
        rival_user=_user("bolt.manager", Role.PROVIDER, provider=bolt),
        council_user=_user("manchester.officer", Role.COUNCIL, council=manchester),
        other_council_user=_user("leeds.officer", Role.COUNCIL, council=leeds),
        region_user=_user("nw.analyst", Role.REGION, region=nw),
        admin_user=_user("admin.user", Role.ADMIN),
    )


def care_home_values(**changes: object) -> dict[str, object]:
    """A valid care home return, as a form or a CSV would send it."""
    values: dict[str, object] = {
        "beds_total": "48", "beds_occupied": "40", "beds_closed": "2", "beds_vacant": "6",
        "admissions_status": "open", "care_workers_headcount": "30", "care_workers_absent": "3",
        "outbreak_status": "none",
        **{f"ppe_days_{k}": "14" for k in ("masks", "gloves", "aprons", "eye", "hand_hygiene")},
    }
    values.update(changes)
    return values
