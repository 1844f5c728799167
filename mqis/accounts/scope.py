"""The one place that decides what a user may see and do.

Every view, API operation, upload, export and query asks this module; nothing else
filters by role.
"""

from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from mqis.accounts.models import Membership, Role
from mqis.registry.models import Council, Location, Provider, Region

if TYPE_CHECKING:
    from mqis.alerts.models import Alert

AnyUser = AbstractBaseUser | AnonymousUser


def membership(user: AnyUser) -> Membership | None:
    if not user.is_authenticated:
        return None
    try:
        return user.membership  # type: ignore[attr-defined]  # reverse one-to-one, not in the stubs
    except Membership.DoesNotExist:
        return None


def _org(pk: int | None) -> int:
    """The organisation id of a membership; the database constraint guarantees it is set."""
    if pk is None:
        raise ValueError("This membership has no organisation for its role")
    return pk


def role_of(user: AnyUser) -> str | None:
    m = membership(user)
    return m.role if m else None


def visible_locations(user: AnyUser) -> QuerySet[Location]:
    """Locations whose data the user may see."""
    m = membership(user)
    qs = Location.objects.all()
    if m is None:
        return qs.none()
    if m.role == Role.ADMIN:
        return qs
    if m.role == Role.REGION:
        return qs.filter(council__region_id=_org(m.region_id))
    if m.role == Role.COUNCIL:
        return qs.filter(council_id=_org(m.council_id))
    if m.role == Role.PROVIDER:
        return qs.filter(provider_id=_org(m.provider_id))
    return qs.none()


def submittable_locations(user: AnyUser) -> QuerySet[Location]:
    """Locations the user may submit returns for: providers their own, admins any."""
    m = membership(user)
    if m is None:
        return Location.objects.none()
    if m.role == Role.PROVIDER:
        return Location.objects.filter(provider_id=_org(m.provider_id), deregistered=False)
    if m.role == Role.ADMIN:
        return Location.objects.filter(deregistered=False)
    return Location.objects.none()


def visible_councils(user: AnyUser) -> QuerySet[Council]:
    """Councils whose aggregated dashboards the user may open."""
    m = membership(user)
    if m is None:
        return Council.objects.none()
    if m.role == Role.ADMIN:
        return Council.objects.all()
    if m.role == Role.REGION:
        return Council.objects.filter(region_id=_org(m.region_id))
    if m.role == Role.COUNCIL:
        return Council.objects.filter(pk=_org(m.council_id))
    return Council.objects.none()


def visible_regions(user: AnyUser) -> QuerySet[Region]:
    m = membership(user)
    if m is None:
        return Region.objects.none()
    if m.role == Role.ADMIN:
        return Region.objects.all()
    if m.role == Role.REGION:
        return Region.objects.filter(pk=_org(m.region_id))
    return Region.objects.none()


def area_councils(user: AnyUser) -> QuerySet[Council]:
    """Councils whose aggregated figures a provider user may see beside its own.

    Those where its provider has an active location; none for any other role. Only
    aggregates of these councils are shown to it, never another provider's figures.
    """
    m = membership(user)
    if m is None or m.role != Role.PROVIDER:
        return Council.objects.none()
    return Council.objects.filter(
        locations__provider_id=_org(m.provider_id), locations__deregistered=False
    ).distinct()


def visible_providers(user: AnyUser) -> QuerySet[Provider]:
    return Provider.objects.filter(locations__in=visible_locations(user)).distinct()


def can_see_location(user: AnyUser, location: Location) -> bool:
    return visible_locations(user).filter(pk=location.pk).exists()


def can_submit_for(user: AnyUser, location: Location) -> bool:
    return submittable_locations(user).filter(pk=location.pk).exists()


def is_admin(user: AnyUser) -> bool:
    return role_of(user) == Role.ADMIN


def visible_alerts(user: AnyUser) -> "QuerySet[Alert]":
    """Alerts about the locations the user may see; everyone in scope may act on them."""
    from mqis.alerts.models import Alert

    return Alert.objects.filter(location__in=visible_locations(user))

