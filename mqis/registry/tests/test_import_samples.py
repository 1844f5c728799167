"""Importing CQC's real sample files: exact counts, quirks handled, re-imports idempotent."""

import csv
import datetime as dt

import pytest

from mqis.registry.importer import NO_CHANGES, import_cqc_file
from mqis.registry.models import ImportRun, Location, Provider

from .conftest import ASC_SAMPLE, DIRECTORY_SAMPLE

NORTH_WEST = "E12000002"

pytestmark = pytest.mark.django_db


def _rows(path):
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_it_imports_the_asc_locations_sample_with_exact_counts(councils: None) -> None:
    rows = _rows(ASC_SAMPLE)
    report = import_cqc_file(ASC_SAMPLE, file_name=ASC_SAMPLE.name)

    assert report.file_kind == "asc_locations"
    assert report.rows_read == len(rows) == 400
    assert report.created == report.locations_in_file == 400
    assert report.changed == report.unchanged == report.gone == 0
    assert report.skipped == {}
    assert report.unresolved_authorities == {}
    assert Location.objects.count() == len({r["Location ID"] for r in rows}) == 400
    assert Provider.objects.count() == len({r["Provider ID"] for r in rows}) == 277
    care_homes = sum("Care home" in r["Service Types"] for r in rows)
    assert report.care_homes == Location.objects.filter(care_home=True).count() == care_homes == 217
    dormant = sum(r["Dormant"] == "Y" for r in rows)
    assert report.dormant == Location.objects.filter(dormant=True).count() == dormant == 29
    assert Location.objects.filter(council__isnull=True).count() == 0
    north_west = sum(r["Location ADASS Region"].startswith("North West") for r in rows)
    assert Location.objects.filter(council__region__code=NORTH_WEST).count() == north_west == 35
    # Supported living with beds recorded is still not a care home.
    assert Location.objects.filter(beds__gt=0).count() == 219
    run = ImportRun.objects.get()
    assert (run.file_kind, run.rows, run.created, run.changed, run.gone) == (
        "asc_locations",
        400,
        400,
        0,
        0,
    )


def test_it_imports_the_directory_sample_with_exact_counts(councils: None) -> None:
    rows = _rows(DIRECTORY_SAMPLE)
    location_rows = [r for r in rows if r["CQC Location ID (for office use only)"]]
    provider_rows = [r for r in rows if "/provider/" in r["URL"]]
    report = import_cqc_file(DIRECTORY_SAMPLE, file_name=DIRECTORY_SAMPLE.name)

    assert report.file_kind == "care_directory"
    assert report.file_format == "CQC care directory (18 columns)"
    assert report.rows_read == len(rows) == 500
    assert len(provider_rows) == 170 and len(location_rows) == 330
    assert report.created == report.locations_in_file == Location.objects.count() == 329
    assert report.skipped_total == 171
    assert report.skipped == {
        "Provider rows (the care directory lists each provider as well as its locations)": 170,
        "Location ID repeated in the file (first row kept, service types and specialisms merged)": 1,
    }
    providers = {r["CQC Provider ID (for office use only)"] for r in location_rows}
    assert Provider.objects.count() == len(providers) == 291
    assert report.care_homes == Location.objects.filter(care_home=True).count() == 15
    assert report.dormant == Location.objects.filter(dormant=True).count() == 0
    assert Location.objects.filter(council__region__code=NORTH_WEST).count() == 44
    # One location has no local authority: kept, with no council, and reported.
    assert report.unresolved_authorities == {"(blank)": 1}
    orphan = Location.objects.get(council__isnull=True)
    assert orphan.cqc_location_id == "1-18444035696" and orphan.local_authority_name == ""


def test_it_handles_the_asc_samples_quirks(councils: None) -> None:
    import_cqc_file(ASC_SAMPLE, file_name=ASC_SAMPLE.name)

    # "Requires Improvement" and "Requires improvement" become one rating.
    assert not Location.objects.filter(rating_overall="Requires Improvement").exists()
    assert Location.objects.filter(rating_overall="Requires improvement").count() == 27
    assert Location.objects.filter(rating_well_led="Requires improvement").count() == 40
    assert Location.objects.filter(rating_overall="").count() == 119

    # Leading spaces go; both date formats are read (the extract's slashed dates are m/d/Y).
    ability = Location.objects.get(cqc_location_id="1-21268168552")
    assert ability.name == "AbilityAvenue Care"
    assert ability.registered_on == dt.date(2025, 1, 2)  # "2025-01-02"
    assert ability.rating_published == dt.date(2025, 1, 2)  # "1/2/2025 12:00:00 AM"
    assert ability.dormant is True and ability.beds == 0 and ability.care_home is False
    assert ability.service_types == ["Supported living service"]
    assert ability.specialisms == [
        "Caring for adults under 65 yrs",
        "Learning Disabilities or autistic spectrum disorder",
        "Mental health conditions",
        "Physical disabilities",
    ]
    assert ability.region_name == "South West"
    assert ability.council is not None and ability.council.gss_code == "E06000059"  # Dorset
    asp = Location.objects.get(cqc_location_id="1-22940471514")
    assert asp.name == "ASP Healthcare Services Ltd"
    assert asp.rating_published == dt.date(2025, 6, 26)  # "6/26/2025 12:00:00 AM"
    # Trailing spaces in company numbers go; a brand of " " is no brand.
    assert asp.provider.companies_house_number == "15756430"
    assert not Provider.objects.filter(brand_name=" ").exists()
    # Comma-joined service types become lists.
    both = ["Domiciliary care service", "Supported living service"]
    assert sum(loc.service_types == both for loc in Location.objects.all()) == 41
    # Cumbria's successor councils map to Cumbria (2020 boundaries).
    assert Location.objects.filter(council__gss_code="E10000006").count() == 3


def test_it_handles_the_directory_samples_quirks(councils: None) -> None:
    import_cqc_file(DIRECTORY_SAMPLE, file_name=DIRECTORY_SAMPLE.name)

    # Trailing tabs in names go.
    assert not Location.objects.filter(name__endswith="\t").exists()
    assert Location.objects.filter(name="Bupa Dental Care Dalston").exists()
    # Lists are split on CQC's separator only; repeated service types are listed once.
    locations = list(Location.objects.all())
    items = {item for loc in locations for item in loc.specialisms + loc.service_types}
    assert all(item == item.strip() and item for item in items)
    assert "Sensory impairments" in items and "Caring for children (0 - 18yrs)" in items
    assert not any(len(set(loc.service_types)) != len(loc.service_types) for loc in locations)
    assert sum(loc.service_types == ["Doctors/GPs"] for loc in locations) == 84
    # The repeated location keeps its first row, with both rows' specialisms.
    inn = Location.objects.get(cqc_location_id="1-19666812212")
    assert inn.specialisms == [
        "Caring for adults under 65 yrs",
        "Caring for adults over 65 yrs",
        "Learning disabilities",
    ]
    # Address lines are joined; ISO timestamps are dates.
    asp = Location.objects.get(cqc_location_id="1-22940471514")
    assert asp.address == "5 Tainmor Close, Longlevens, Gloucester"
    assert asp.postcode == "GL2 0XE"
    assert asp.care_home is False and asp.service_types == ["Homecare agencies"]
    dated = Location.objects.get(cqc_location_id="1-2310061252")
    assert dated.rating_published == dt.date(2023, 5, 3)
    # The directory's "Bristol, City of" is the ONS name.
    bristol = Location.objects.filter(local_authority_name="Bristol, City of")
    assert set(bristol.values_list("council__gss_code", flat=True)) == {"E06000023"}
    assert bristol.count() == 2


@pytest.mark.parametrize("sample", [ASC_SAMPLE, DIRECTORY_SAMPLE], ids=["asc", "directory"])
def test_it_changes_nothing_when_the_same_file_is_imported_again(councils: None, sample) -> None:
    import_cqc_file(sample, file_name=sample.name)
    before = list(Location.objects.order_by("pk").values())
    again = import_cqc_file(sample, file_name=sample.name)

    assert (again.created, again.changed, again.gone) == (0, 0, 0)
    assert again.unchanged == again.locations_in_file
    assert again.providers_created == again.providers_changed == 0
    assert again.message == NO_CHANGES
    assert again.changes == []
    assert list(Location.objects.order_by("pk").values()) == before
    assert ImportRun.objects.count() == 2


def test_it_does_not_mark_locations_from_another_kind_of_file_as_gone(councils: None) -> None:
    import_cqc_file(ASC_SAMPLE, file_name=ASC_SAMPLE.name)
    report = import_cqc_file(DIRECTORY_SAMPLE, file_name=DIRECTORY_SAMPLE.name)

    assert report.gone == 0
    assert report.created == 316 and report.changed == 13  # 13 locations are in both files
    assert Location.objects.count() == 716
    assert not Location.objects.filter(deregistered=True).exists()
