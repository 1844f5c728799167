"""A newer file: what is new, what changed (field by field), what has gone; dry runs."""

import csv
from pathlib import Path

import pytest

from mqis.registry.importer import import_cqc_file
from mqis.registry.models import ImportRun, Location, Provider

from .conftest import ASC_SAMPLE

pytestmark = pytest.mark.django_db

NEW_ID = "1-999999999"


def _sample() -> tuple[list[str], list[list[str]]]:
    with ASC_SAMPLE.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, quoting=csv.QUOTE_ALL)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def newer_file(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """The sample a month on: one rating down, two locations gone, one new."""
    header, rows = _sample()
    col = {name: i for i, name in enumerate(header)}
    worse = next(r for r in rows if r[col["Location Latest Overall Rating"]] == "Good")
    worse[col["Location Latest Overall Rating"]] = "Requires improvement"
    gone = rows[-2:]
    new = list(rows[0])
    new[col["Location ID"]] = NEW_ID
    new[col["Location Name"]] = "Newly Registered Care"
    kept = rows[:-2] + [new]
    ids = {
        "worse": worse[col["Location ID"]],
        "gone1": gone[0][col["Location ID"]],
        "gone2": gone[1][col["Location ID"]],
    }
    return _write(tmp_path / "asc_next_month.csv", header, kept), ids


def test_it_reports_new_changed_and_gone_locations(councils: None, newer_file) -> None:
    path, ids = newer_file
    import_cqc_file(ASC_SAMPLE, file_name=ASC_SAMPLE.name)
    report = import_cqc_file(path, file_name=path.name)

    assert (report.created, report.changed, report.gone) == (1, 1, 2)
    assert report.unchanged == 397
    assert report.locations_in_file == 399
    assert report.new_locations == [{"cqc_location_id": NEW_ID, "name": "Newly Registered Care"}]
    [change] = report.changes
    assert change["cqc_location_id"] == ids["worse"]
    assert change["fields"] == [{"field": "rating_overall", "old": "Good", "new": "Requires improvement"}]
    assert report.changed_fields == {"rating_overall": 1}
    assert {g["cqc_location_id"] for g in report.gone_locations} == {ids["gone1"], ids["gone2"]}
    assert report.message == "1 new, 1 changed and 2 gone."
    # Gone locations are marked, never deleted.
    assert Location.objects.count() == 401
    gone = Location.objects.filter(deregistered=True)
    assert set(gone.values_list("cqc_location_id", flat=True)) == {ids["gone1"], ids["gone2"]}
    worse = Location.objects.get(cqc_location_id=ids["worse"])
    assert worse.rating_overall == "Requires improvement"
    run = ImportRun.objects.order_by("-pk").first()
    assert run is not None
    assert (run.created, run.changed, run.unchanged, run.gone) == (1, 1, 397, 2)
    assert run.summary["changes"][0]["fields"][0]["new"] == "Requires improvement"


def test_it_brings_back_a_location_that_reappears(councils: None, newer_file) -> None:
    path, ids = newer_file
    import_cqc_file(ASC_SAMPLE, file_name=ASC_SAMPLE.name)
    import_cqc_file(path, file_name=path.name)
    report = import_cqc_file(ASC_SAMPLE, file_name=ASC_SAMPLE.name)

    assert (report.created, report.changed, report.gone) == (0, 3, 1)
    assert report.changed_fields == {"deregistered": 2, "rating_overall": 1}
    back = next(c for c in report.changes if c["cqc_location_id"] == ids["gone1"])
    assert back["fields"] == [{"field": "deregistered", "old": "Yes", "new": "No"}]
    assert list(Location.objects.filter(deregistered=True).values_list("cqc_location_id", flat=True)) == [NEW_ID]


def test_it_never_marks_synthetic_locations_as_gone(councils: None, newer_file) -> None:
    path, ids = newer_file
    import_cqc_file(ASC_SAMPLE, file_name=ASC_SAMPLE.name)
    Location.objects.filter(cqc_location_id=ids["gone1"]).update(is_synthetic=True)
    report = import_cqc_file(path, file_name=path.name)

    assert report.gone == 1
    assert not Location.objects.get(cqc_location_id=ids["gone1"]).deregistered
    assert Location.objects.get(cqc_location_id=ids["gone2"]).deregistered


def test_it_leaves_missing_locations_alone_for_a_partial_file(councils: None, newer_file) -> None:
    path, ids = newer_file
    import_cqc_file(ASC_SAMPLE, file_name=ASC_SAMPLE.name)
    partial = import_cqc_file(path, file_name=path.name, mark_missing_as_gone=False)

    assert partial.gone == 0 and (partial.created, partial.changed) == (1, 1)
    assert any("partial file" in w for w in partial.warnings)
    assert not Location.objects.filter(deregistered=True).exists()
    # The next full extract still knows about them.
    full = import_cqc_file(path, file_name=path.name)
    assert full.gone == 2


def test_it_refuses_to_mark_most_of_the_registry_gone(councils: None, tmp_path: Path) -> None:
    header, rows = _sample()
    import_cqc_file(ASC_SAMPLE, file_name=ASC_SAMPLE.name)
    small = _write(tmp_path / "first_100.csv", header, rows[:100])
    report = import_cqc_file(small, file_name=small.name)

    assert report.gone == 0
    assert report.unchanged == 100
    assert any("300 of the 400 locations" in w and "partial" in w for w in report.warnings)
    assert not Location.objects.filter(deregistered=True).exists()


def test_it_saves_nothing_in_a_dry_run_but_reports_the_same(councils: None, newer_file) -> None:
    path, ids = newer_file
    dry = import_cqc_file(ASC_SAMPLE, file_name=ASC_SAMPLE.name, dry_run=True)
    assert dry.dry_run and dry.created == 400 and dry.care_homes == 217
    assert dry.message.startswith("Dry run: nothing was saved.")
    assert (Location.objects.count(), Provider.objects.count(), ImportRun.objects.count()) == (0, 0, 0)

    import_cqc_file(ASC_SAMPLE, file_name=ASC_SAMPLE.name)
    before = list(Location.objects.order_by("pk").values())
    dry = import_cqc_file(path, file_name=path.name, dry_run=True)
    assert (dry.created, dry.changed, dry.gone) == (1, 1, 2)
    assert list(Location.objects.order_by("pk").values()) == before
    assert ImportRun.objects.count() == 1


def test_it_loads_the_councils_itself_when_none_are_loaded(db: None) -> None:
    report = import_cqc_file(ASC_SAMPLE, file_name=ASC_SAMPLE.name)
    assert "The reference list of councils was loaded first." in report.warnings
    assert not Location.objects.filter(council__isnull=True).exists()


def test_it_reports_progress(councils: None) -> None:
    calls: list[tuple[int, int]] = []
    import_cqc_file(ASC_SAMPLE, file_name=ASC_SAMPLE.name, progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (400, 400)


def test_it_records_who_imported_the_file(mqis_admin) -> None:
    report = import_cqc_file(ASC_SAMPLE, file_name="cqc.csv", user=mqis_admin)
    run = ImportRun.objects.get(pk=report.import_run_id)
    assert run.user == mqis_admin and run.file_name == "cqc.csv" and not run.dry_run
