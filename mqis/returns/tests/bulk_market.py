"""A small market and its people, shared by the bulk upload, upload page and API tests.

Two providers, three councils in two regions, and one person for each role, so every
permission test reads as "this persona may, that one may not".
"""

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from mqis.accounts.models import Membership, Role
from mqis.registry.models import Council, Location, Provider, Region

CARE_HOME_HEADER = [
    "cqc_location_id", "period", "beds_total", "beds_occupied", "beds_closed", "beds_vacant",
    "admissions_status", "care_workers_headcount", "care_workers_absent", "outbreak_status",
    "ppe_days_masks", "ppe_days_gloves", "ppe_days_aprons", "ppe_days_eye",
    "ppe_days_hand_hygiene", "support_needed",
]
HOME_CARE_VALUES = {
    "packages_delivered": "120", "hours_delivered": "1500.5", "unmet_hours": "40",
    "staff_headcount": "50", "staff_absent": "5",
    **{f"ppe_days_{k}": "10" for k in ("masks", "gloves", "aprons", "eye", "hand_hygiene")},
}


@dataclass
class Market:
    north_west: Region
    manchester: Council
    salford: Council
    leeds: Council
    oak_house: Location  # care home, provider A, Manchester
    elm_court: Location  # care home, provider A, Salford
    helping_hands: Location  # home care agency, provider A, Manchester
    birch_lodge: Location  # care home, provider B, Leeds (another region)
    provider_user: User
    other_provider_user: User
    council_user: User
    region_user: User
    admin_user: User
    no_role_user: User


def _user(username: str, **membership: Any) -> User:
    user = User.objects.create_user(username, f"{username}@example.org", "correct horse battery")
    if membership:
        Membership.objects.create(user=user, **membership)
    return user


def build_market() -> Market:
    north_west = Region.objects.create(code="E12000002", name="North West")
    yorkshire = Region.objects.create(code="E12000003", name="Yorkshire and The Humber")
    manchester = Council.objects.create(gss_code="E08000003", name="Manchester", region=north_west)
    salford = Council.objects.create(gss_code="E08000006", name="Salford", region=north_west)
    leeds = Council.objects.create(gss_code="E08000035", name="Leeds", region=yorkshire)
    acme = Provider.objects.create(cqc_provider_id="1-100", name="Acme Care Ltd")
    other = Provider.objects.create(cqc_provider_id="1-200", name="Other Care Ltd")

    def home(ident: str, name: str, provider: Provider, council: Council) -> Location:
        return Location.objects.create(
            cqc_location_id=ident, name=name, provider=provider, council=council, care_home=True,
            service_types=["Care home service with nursing"], beds=48,
        )

    return Market(
        north_west=north_west, manchester=manchester, salford=salford, leeds=leeds,
        oak_house=home("1-101", "Oak House", acme, manchester),
        elm_court=home("1-102", "Elm Court", acme, salford),
        helping_hands=Location.objects.create(
            cqc_location_id="1-103", name="Helping Hands Manchester", provider=acme,
            council=manchester, care_home=False, service_types=["Homecare agencies"],
        ),
        birch_lodge=home("1-201", "Birch Lodge", other, leeds),
        provider_user=_user("provider", role=Role.PROVIDER, provider=acme),
        other_provider_user=_user("other_provider", role=Role.PROVIDER, provider=other),
        council_user=_user("council", role=Role.COUNCIL, council=manchester),
        region_user=_user("region", role=Role.REGION, region=north_west),
        admin_user=_user("admin", role=Role.ADMIN),
        no_role_user=_user("nobody"),
    )


def today() -> dt.date:
    return timezone.localdate()


def care_home_values(**changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "beds_total": "48", "beds_occupied": "40", "beds_closed": "2", "beds_vacant": "6",
        "admissions_status": "open", "care_workers_headcount": "30", "care_workers_absent": "3",
        "outbreak_status": "none",
        **{f"ppe_days_{k}": "14" for k in ("masks", "gloves", "aprons", "eye", "hand_hygiene")},
        "support_needed": "",
    }
    values.update(changes)
    return values


def care_home_row(location: str, day: dt.date | str | None = None, **changes: object) -> list[Any]:
    values = care_home_values(**changes)
    period = day if day is not None else today().isoformat()
    return [location, period, *(values.get(key, "") for key in CARE_HOME_HEADER[2:])]


def csv_bytes(rows: list[list[Any]], header: list[str] | None = None, delimiter: str = ",",
              encoding: str = "utf-8") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header or CARE_HOME_HEADER)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)
