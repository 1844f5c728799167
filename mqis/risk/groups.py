"""Provider groups: a provider's CQC brand, or the provider itself when it has none."""

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from mqis.registry.models import Location


def group_key(brand_id: str | None, provider_id: int) -> str:
    return f"brand:{brand_id}" if brand_id else f"provider:{provider_id}"


def group_sizes(keys: Iterable[str] | None = None) -> dict[str, int]:
    """Registered (not deregistered) locations per group: of these groups, or all when None."""
    rows = Location.objects.filter(deregistered=False)
    if keys is not None:
        wanted = set(keys)
        brands = [k.removeprefix("brand:") for k in wanted if k.startswith("brand:")]
        providers = [int(k.removeprefix("provider:")) for k in wanted if k.startswith("provider:")]
        rows = rows.filter(Q(provider__brand_id__in=brands) | Q(provider_id__in=providers))
    sizes: dict[str, int] = defaultdict(int)
    for row in rows.values("provider_id", "provider__brand_id").annotate(n=Count("id")).order_by():
        sizes[group_key(row["provider__brand_id"], row["provider_id"])] += row["n"]
    return dict(sizes)


def bed_holders(locations: QuerySet[Location]) -> list[dict[str, Any]]:
    """Registered beds of the active care homes among these, per council and provider: one query."""
    return list(
        locations.filter(deregistered=False, dormant=False, care_home=True, beds__gt=0)
        .values("council_id", "provider_id", "provider__name", "provider__brand_id", "provider__brand_name")
        .annotate(beds=Sum("beds"), homes=Count("id")).order_by()
    )
