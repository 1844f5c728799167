"""Synthetic providers and locations that top the real CQC rows up to a full region.

Identifiers start with "SYN-" (locations `SYN-1-000123`, providers `SYN-P-00042`), which
CQC never issues, so they cannot clash with a real import.
"""

import datetime as dt
import random
from dataclasses import dataclass, field

from mqis.demo import geography as geo
from mqis.demo.names import NamePool, postcode, street_address
from mqis.registry.models import Council, Location, Provider

CARE_HOME, HOME_CARE = "care_home", "home_care"
RATINGS = [("Good", 70), ("Requires improvement", 18), ("Outstanding", 5), ("Inadequate", 2),
           ("", 5)]
GRADES = ["Inadequate", "Requires improvement", "Good", "Outstanding"]
FULL_SCALE = 1900  # synthetic locations in the full demo; group sizes below are for that


@dataclass(frozen=True)
class Group:
    """A provider running many locations; `size` is at full scale, `minimum` at any scale."""

    key: str
    name: str
    kind: str
    size: int
    minimum: int = 1
    councils: tuple[str, ...] = ()
    prefer: str = ""
    nursing: bool = False


OWN_COUNCILS = (geo.MANCHESTER, "E08000006", "E08000009", "E08000007", "E08000008", "E08000004")
CAREPOINT_COUNCILS = ("E08000001", geo.MANCHESTER, "E08000010", "E08000006", "E08000002")
GROUPS = [
    # The group `provider.manager` runs: care homes in Manchester and its neighbours.
    Group("medlock", "Medlock Vale Care Ltd", CARE_HOME, 8, 3, OWN_COUNCILS, geo.MANCHESTER),
    # The home care provider `homecare.manager` runs.
    Group("carepoint", "CarePoint Homecare Ltd", HOME_CARE, 6, 2, CAREPOINT_COUNCILS, "E08000001"),
    Group("ashdale", "Ashdale Care Group Ltd", CARE_HOME, 40),
    Group("redfern", "Redfern Living Ltd", CARE_HOME, 28, councils=tuple(geo.MERSEY_AND_CHESHIRE)),
    Group("calder", "Calder Valley Care Homes Ltd", CARE_HOME, 25,
          councils=tuple(geo.LANCASHIRE_AND_CUMBRIA)),
    Group("heatherbank", "Heatherbank Care Group Ltd", CARE_HOME, 22,
          councils=tuple(geo.GREATER_MANCHESTER)),
    Group("northlight", "Northlight Care Ltd", CARE_HOME, 16, councils=("E10000006", "E10000017")),
    Group("saltmarsh", "Saltmarsh Healthcare Ltd", CARE_HOME, 15, nursing=True),
    Group("kindred", "Kindred Care at Home Ltd", HOME_CARE, 12),
    Group("beacon", "Beacon Homecare Services Ltd", HOME_CARE, 9,
          councils=tuple(geo.MERSEY_AND_CHESHIRE)),
]


@dataclass
class Slot:
    """One synthetic location before it is named: where it is and what it is."""

    council: str
    kind: str
    nursing: bool = False
    owner: int | None = None  # index into MarketPlan.providers


@dataclass
class MarketPlan:
    providers: list[Provider] = field(default_factory=list)
    locations: list[Location] = field(default_factory=list)
    group_providers: dict[str, Provider] = field(default_factory=dict)


def _slots(rng: random.Random, total: int) -> list[Slot]:
    slots = []
    for code, count in geo.allocate(total).items():
        homes = max(1, round(count * 0.6)) if count >= 2 else count
        for i in range(count):
            kind = CARE_HOME if i < homes else HOME_CARE
            slots.append(Slot(code, kind, nursing=kind == CARE_HOME and rng.random() < 0.35))
    rng.shuffle(slots)
    return slots


def _take(slots: list[Slot], group: Group, owner: int, wanted: int) -> None:
    def fits(slot: Slot) -> bool:
        return (slot.owner is None and slot.kind == group.kind
                and (not group.councils or slot.council in group.councils)
                and (not group.nursing or slot.nursing))

    preferred = [s for s in slots if fits(s) and s.council == group.prefer]
    chosen = preferred[: max(1, wanted // 2)] if group.prefer else []
    taken = {id(s) for s in chosen}
    chosen += [s for s in slots if fits(s) and id(s) not in taken][: wanted - len(chosen)]
    for slot in chosen:
        slot.owner = owner


def _rating(rng: random.Random) -> dict[str, object]:
    overall = rng.choices([r for r, _ in RATINGS], weights=[w for _, w in RATINGS])[0]
    out: dict[str, object] = {"rating_overall": overall}
    for key in ("safe", "effective", "caring", "responsive", "well_led"):
        grade = overall
        if overall and rng.random() < 0.25:
            step = rng.choice([-1, 1])
            grade = GRADES[min(3, max(0, GRADES.index(overall) + step))]
        out[f"rating_{key}"] = grade
    if overall:
        out["rating_published"] = dt.date(2025, 10, 1) - dt.timedelta(days=rng.randint(60, 1500))
    return out


def _specialisms(rng: random.Random, kind: str) -> list[str]:
    if kind == CARE_HOME:
        chances = [("Caring for adults under 65 yrs", 0.35), ("Dementia", 0.65),
                   ("Learning disabilities", 0.08), ("Mental health conditions", 0.2),
                   ("Physical disabilities", 0.5), ("Sensory impairments", 0.3)]
    else:
        chances = [("Caring for adults under 65 yrs", 0.7), ("Dementia", 0.6),
                   ("Learning disabilities", 0.25), ("Mental health conditions", 0.3),
                   ("Physical disabilities", 0.6), ("Sensory impairments", 0.4)]
    chosen = ["Caring for adults over 65 yrs"] + [name for name, p in chances if rng.random() < p]
    return sorted(chosen)


def _phone(rng: random.Random, council: str) -> str:
    # Ofcom's ranges reserved for drama: never a real line.
    if council in geo.GREATER_MANCHESTER:
        return f"0161 496 0{rng.randint(0, 999):03d}"
    if council in geo.MERSEY_AND_CHESHIRE:
        return f"0151 496 0{rng.randint(0, 999):03d}"
    return f"01632 960{rng.randint(0, 999):03d}"


def _beds(rng: random.Random, nursing: bool) -> int:
    median = 52 if nursing else 36
    return max(10, min(120, round(rng.lognormvariate(0, 0.45) * median)))


def plan_market(rng: random.Random, total: int, councils: dict[str, Council]) -> MarketPlan:
    """Plan `total` synthetic locations across the region, with their providers."""
    plan = MarketPlan()
    names = NamePool(rng)
    slots = _slots(rng, total)
    scale = total / FULL_SCALE
    for group in GROUPS:
        index = len(plan.providers)
        provider = Provider(cqc_provider_id=f"SYN-P-{index + 1:05d}", name=group.name,
                            ownership_type="Organisation", brand_id=f"SYN-BD-{index + 1:03d}",
                            brand_name="BRAND " + group.name.removesuffix(" Ltd"),
                            is_synthetic=True)
        plan.providers.append(provider)
        plan.group_providers[group.key] = provider
        _take(slots, group, index, max(group.minimum, round(group.size * scale)))
    loose: dict[tuple[str, str], list[Slot]] = {}
    for slot in slots:
        if slot.owner is None:
            loose.setdefault((slot.council, slot.kind), []).append(slot)
    for same_place in loose.values():
        while same_place:
            # Most are single-location providers; a few run two to four in one council.
            size = rng.randint(2, 4) if rng.random() < 0.06 else 1
            chain, same_place[:] = same_place[:size], same_place[size:]
            for member in chain:
                member.owner = len(plan.providers)
            plan.providers.append(Provider(cqc_provider_id=f"SYN-P-{len(plan.providers) + 1:05d}",
                                           name="", is_synthetic=True))
    for number, slot in enumerate(sorted(slots, key=lambda s: (s.council, s.kind)), start=1):
        assert slot.owner is not None
        plan.locations.append(_location(rng, names, slot, number, councils[slot.council],
                                        plan.providers[slot.owner]))
    _name_small_providers(names, plan)
    return plan


def _location(rng: random.Random, names: NamePool, slot: Slot, number: int, council: Council,
              provider: Provider) -> Location:
    outward, town = rng.choice(geo.COUNCILS[slot.council][1])
    specialisms = _specialisms(rng, slot.kind)
    if slot.kind == CARE_HOME:
        name = names.care_home(slot.nursing, town)
        service_types = ["Nursing homes"] if slot.nursing else ["Residential homes"]
        category, beds = "Residential social care", _beds(rng, slot.nursing)
    else:
        name = _branch_name(names, provider.name, town) if provider.name else names.agency(town)
        service_types, beds = ["Homecare agencies"], 0
        category = "Community based adult social care services"
    rating = _rating(rng)
    # Unrated locations are the recently registered ones.
    if rating["rating_overall"]:
        registered = dt.date(2011, 1, 1) + dt.timedelta(days=rng.randint(0, 4800))
    else:
        registered = dt.date(2024, 10, 1) + dt.timedelta(days=rng.randint(0, 360))
    return Location(
        cqc_location_id=f"SYN-1-{number:06d}", name=name, provider=provider, council=council,
        local_authority_name=council.name, region_name="North West",
        care_home=slot.kind == CARE_HOME, service_types=service_types, specialisms=specialisms,
        primary_inspection_category=category, beds=beds,
        address=street_address(rng, town), postcode=postcode(rng, outward),
        phone=_phone(rng, slot.council),
        registered_on=registered,
        is_synthetic=True, **rating,
    )


def _branch_name(names: NamePool, group_name: str, town: str) -> str:
    brand = group_name.removesuffix(" Ltd")
    for area in ("", " North", " South", " East", " West", " Central"):
        name = f"{brand} ({town}{area})"
        if name not in names.used:
            names.used.add(name)
            return name
    return names.agency(town)


def _name_small_providers(names: NamePool, plan: MarketPlan) -> None:
    first_location: dict[int, Location] = {}
    for location in plan.locations:
        first_location.setdefault(id(location.provider), location)
    for provider in plan.providers:
        if not provider.name:
            provider.name = names.small_provider(first_location[id(provider)].name)
            is_couple = provider.name.startswith("Mr and Mrs")
            provider.ownership_type = "Partnership" if is_couple else "Organisation"
