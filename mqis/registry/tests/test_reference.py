"""Reference data: regions, councils (ONS codes as at 2020) and the names CQC uses."""

import csv
import json
import re
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command

from mqis.registry.models import Council, Region
from mqis.registry.reference import (
    load_reference_councils,
    reference_aliases,
    reference_councils,
    resolve_council,
)

from .conftest import ASC_SAMPLE, DIRECTORY_SAMPLE, GEOJSON

EXPECTED_PER_REGION = {
    "E12000001": 12,  # North East
    "E12000002": 23,  # North West
    "E12000003": 15,  # Yorkshire and The Humber
    "E12000004": 9,  # East Midlands (Northamptonshire one council in 2020)
    "E12000005": 14,  # West Midlands
    "E12000006": 11,  # East of England
    "E12000007": 33,  # London (32 boroughs and the City)
    "E12000008": 19,  # South East
    "E12000009": 15,  # South West
}


def test_it_lists_151_councils_with_well_formed_unique_codes() -> None:
    refs = reference_councils()
    assert len(refs) == 151
    assert len({r.gss_code for r in refs}) == 151
    assert len({r.name for r in refs}) == 151
    assert all(re.fullmatch(r"E(06|08|09|10)\d{6}", r.gss_code) for r in refs)
    assert Counter(r.region_code for r in refs) == EXPECTED_PER_REGION
    prefixes = Counter(r.gss_code[:3] for r in refs)
    assert prefixes == {"E06": 57, "E08": 36, "E09": 33, "E10": 25}
    # Codes retired before 2020 are not used.
    retired = {"E06000028", "E06000029", "E06000048", "E08000020", "E10000002", "E10000009"}
    assert not retired & {r.gss_code for r in refs}


def test_it_matches_the_north_west_map_exactly() -> None:
    features = json.loads(GEOJSON.read_text())["features"]
    on_map = {(f["properties"]["code"], f["properties"]["name"]) for f in features}
    north_west = {(r.gss_code, r.name) for r in reference_councils() if r.region_code == "E12000002"}
    assert north_west == on_map
    assert len(on_map) == 23


def test_it_points_every_alias_at_a_listed_council() -> None:
    codes = {r.gss_code for r in reference_councils()}
    assert set(reference_aliases().values()) <= codes


@pytest.mark.django_db
def test_it_loads_regions_and_councils_idempotently() -> None:
    first = load_reference_councils()
    assert first == {
        "regions_created": 9,
        "regions_updated": 0,
        "councils_created": 151,
        "councils_updated": 0,
    }
    Council.objects.filter(gss_code="E08000003").update(name="Manchester City")
    second = load_reference_councils()
    assert second["councils_created"] == 0 and second["councils_updated"] == 1
    assert Region.objects.count() == 9 and Council.objects.count() == 151
    manchester = Council.objects.get(gss_code="E08000003")
    assert manchester.name == "Manchester" and manchester.region.code == "E12000002"
    assert Council.objects.get(gss_code="E10000006").name == "Cumbria"


@pytest.mark.django_db
def test_it_load_councils_command_reports_what_it_did() -> None:
    out = StringIO()
    call_command("load_councils", stdout=out)
    assert "Councils: 151 created, 0 updated." in out.getvalue()
    out = StringIO()
    call_command("load_councils", stdout=out)
    assert "Councils: 0 created, 0 updated." in out.getvalue()


@pytest.mark.parametrize(
    ("name", "gss_code"),
    [
        ("Manchester", "E08000003"),
        ("  manchester ", "E08000003"),
        ("MANCHESTER", "E08000003"),
        ("Cumberland", "E10000006"),
        ("Westmorland and Furness", "E10000006"),
        ("Westmorland & Furness", "E10000006"),
        ("North Yorkshire", "E10000023"),
        ("Bristol", "E06000023"),
        ("Bristol, City of", "E06000023"),
        ("City of Bristol", "E06000023"),
        ("Herefordshire", "E06000019"),
        ("Herefordshire, County of", "E06000019"),
        ("Kingston upon Hull", "E06000010"),
        ("Kingston upon Hull, City of", "E06000010"),
        ("St. Helens", "E08000013"),
        ("St Helens", "E08000013"),
        ("Telford & Wrekin", "E06000020"),
        ("Stockton on Tees", "E06000004"),
        ("Bedford Borough", "E06000055"),
        ("West Northamptonshire", "E10000021"),
        ("Bournemouth, Christchurch and Poole", "E06000058"),
        ("London Borough of Camden", "E09000007"),
        ("Wigan Council", "E08000010"),
        ("e08000003", "E08000003"),
    ],
)
def test_it_resolves_names_cqc_uses(councils: None, name: str, gss_code: str) -> None:
    council = resolve_council(name)
    assert council is not None, name
    assert council.gss_code == gss_code


@pytest.mark.parametrize("name", ["", "   ", "Atlantis", "London", "Newcastle-under-Lyme"])
def test_it_resolves_unknown_names_to_none(councils: None, name: str) -> None:
    assert resolve_council(name) is None


def test_it_resolves_every_local_authority_in_both_samples(councils: None) -> None:
    with ASC_SAMPLE.open(encoding="utf-8-sig", newline="") as f:
        names = {row["Location Local Authority"] for row in csv.DictReader(f)}
    with DIRECTORY_SAMPLE.open(encoding="utf-8-sig", newline="") as f:
        names |= {row["Local authority"] for row in csv.DictReader(f)}
    names.discard("")  # one directory location has no local authority
    assert len(names) == 148
    unresolved = sorted(n for n in names if resolve_council(n) is None)
    assert unresolved == []
