"""Reference data: the ONS regions and the councils with adult social care responsibility.

`data/councils.csv` lists the 151 English councils with adult social care responsibility,
with ONS GSS codes as at 2020 (the vintage of the North West boundary map that ships with
MQIS). CQC's files use current council names, so `data/council_aliases.csv` maps names
such as "Cumberland" and "Westmorland and Furness" (Cumbria until 2023) or "Bristol"
("Bristol, City of") to a 2020 council.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from mqis.registry.models import Council, Region

DATA_DIR = Path(__file__).resolve().parent / "data"
COUNCILS_CSV = DATA_DIR / "councils.csv"
ALIASES_CSV = DATA_DIR / "council_aliases.csv"

_PREFIXES = (
    "london borough of ",
    "royal borough of ",
    "metropolitan borough of ",
    "borough of ",
    "the ",
)
_SUFFIXES = (
    " metropolitan borough council",
    " borough council",
    " county council",
    " city council",
    " district council",
    " council",
)


def normalise_name(name: str) -> str:
    """A council name reduced to a key: case, spacing, '&', dots and dashes don't matter."""
    s = (name or "").casefold().replace("&", " and ")
    s = re.sub(r"[.'\u2019]", "", s)
    s = re.sub(r"[^a-z0-9]+", " ", s).strip()
    for prefix in _PREFIXES:
        if s.startswith(prefix):
            s = s[len(prefix) :]
    for suffix in _SUFFIXES:
        if s.endswith(suffix) and len(s) > len(suffix):
            s = s[: -len(suffix)]
            break
    return s


def _loose_variants(key: str) -> list[str]:
    """Second-chance keys: without a leading 'city of'/'county of' or a trailing 'city'."""
    out = []
    for prefix in ("city of ", "county of "):
        if key.startswith(prefix):
            out.append(key[len(prefix) :])
    for suffix in (" city of", " county of", " city"):
        if key.endswith(suffix):
            out.append(key[: -len(suffix)])
    return out


@dataclass(frozen=True)
class ReferenceCouncil:
    region_code: str
    region_name: str
    gss_code: str
    name: str


def reference_councils() -> list[ReferenceCouncil]:
    with COUNCILS_CSV.open(encoding="utf-8", newline="") as f:
        return [
            ReferenceCouncil(
                region_code=row["region_code"].strip(),
                region_name=row["region_name"].strip(),
                gss_code=row["gss_code"].strip(),
                name=row["council_name"].strip(),
            )
            for row in csv.DictReader(f)
        ]


def reference_aliases() -> dict[str, str]:
    """alias key -> GSS code."""
    with ALIASES_CSV.open(encoding="utf-8", newline="") as f:
        return {normalise_name(row["alias"]): row["gss_code"].strip() for row in csv.DictReader(f)}


@transaction.atomic
def load_reference_councils() -> dict[str, int]:
    """Create or update the regions and councils from the reference CSV. Idempotent.

    Councils are matched by GSS code; nothing is deleted. Returns counts of what changed.
    """
    counts = {
        "regions_created": 0,
        "regions_updated": 0,
        "councils_created": 0,
        "councils_updated": 0,
    }
    refs = reference_councils()
    regions: dict[str, Region] = {r.code: r for r in Region.objects.all()}
    for code, name in dict.fromkeys((r.region_code, r.region_name) for r in refs):
        region = regions.get(code)
        if region is None:
            regions[code] = Region.objects.create(code=code, name=name)
            counts["regions_created"] += 1
        elif region.name != name:
            region.name = name
            region.save(update_fields=["name"])
            counts["regions_updated"] += 1
    councils: dict[str, Council] = {c.gss_code: c for c in Council.objects.all()}
    for ref in refs:
        region = regions[ref.region_code]
        council = councils.get(ref.gss_code)
        if council is None:
            Council.objects.create(gss_code=ref.gss_code, name=ref.name, region=region)
            counts["councils_created"] += 1
        elif council.name != ref.name or council.region_id != region.pk:
            council.name = ref.name
            council.region = region
            council.save(update_fields=["name", "region"])
            counts["councils_updated"] += 1
    return counts


class CouncilResolver:
    """Resolves the local authority names used in CQC files to councils.

    Built once (two queries) and then used for every row of an import.
    """

    def __init__(self) -> None:
        self._by_key: dict[str, Council] = {}
        by_code: dict[str, Council] = {}
        for council in Council.objects.select_related("region"):
            by_code[council.gss_code.upper()] = council
            self._by_key[normalise_name(council.name)] = council
        for key, code in reference_aliases().items():
            aliased = by_code.get(code.upper())
            if aliased is not None:
                self._by_key.setdefault(key, aliased)
        self._by_code = by_code
        self._cache: dict[str, Council | None] = {}

    def resolve(self, name: str | None) -> Council | None:
        raw = (name or "").strip()
        if not raw:
            return None
        if raw in self._cache:
            return self._cache[raw]
        council = self._by_code.get(raw.upper())
        key = normalise_name(raw)
        if council is None:
            council = self._by_key.get(key)
        if council is None:
            for variant in _loose_variants(key):
                council = self._by_key.get(variant)
                if council is not None:
                    break
        self._cache[raw] = council
        return council


def resolve_council(name: str | None) -> Council | None:
    """The council a CQC 'Local authority' value names, or None. Case and spacing don't matter."""
    return CouncilResolver().resolve(name)
