"""The upload page at /admin-tools/import-cqc/: administrators only; the worker imports the file."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from mqis.registry.models import CqcImportJob, ImportRun, Location

from .conftest import ASC_SAMPLE, run_queued_import

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("data_dir")]
URL = "/admin-tools/import-cqc/"


def _upload(data: bytes | None = None, name: str = "cqc_asc_locations_sample.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ASC_SAMPLE.read_bytes() if data is None else data, "text/csv")


def test_it_is_named_import_cqc() -> None:
    assert reverse("import_cqc") == URL


def test_it_sends_anonymous_visitors_to_sign_in(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_forbids_a_council_officer(client: Client, council_officer: User) -> None:
    client.force_login(council_officer)
    assert client.get(URL).status_code == 403
    response = client.post(URL, {"file": _upload()})
    assert response.status_code == 403
    assert Location.objects.count() == 0


def test_it_forbids_a_user_with_no_role(client: Client, councils: None) -> None:
    client.force_login(User.objects.create_user("nobody"))
    assert client.get(URL).status_code == 403


def test_it_shows_the_upload_form_to_an_administrator(client: Client, mqis_admin: User) -> None:
    client.force_login(mqis_admin)
    html = client.get(URL).content.decode()
    assert '<h1 class="govuk-heading-l">Import a CQC file</h1>' in html
    assert 'class="govuk-file-upload"' in html and 'enctype="multipart/form-data"' in html
    assert 'class="govuk-checkboxes__input" id="id_dry_run"' in html
    assert 'class="govuk-button"' in html


def _import(client: Client, data: dict[str, Any]) -> str:
    """Upload on the page, let the worker import it, and return the job page it leads to."""
    response = client.post(URL, data)
    job = CqcImportJob.objects.latest("pk")
    assert response.status_code == 302
    assert response["Location"] == reverse("import_cqc_job", args=[job.uuid])
    run_queued_import(job)
    return client.get(response["Location"]).content.decode()


def test_it_lets_an_administrator_import_a_file(client: Client, mqis_admin: User) -> None:
    client.force_login(mqis_admin)
    html = _import(client, {"file": _upload()})
    assert "Imported cqc_asc_locations_sample.csv" in html
    assert "400 new, 0 changed and 0 gone." in html
    assert 'class="govuk-table"' in html
    assert Location.objects.count() == 400
    run = ImportRun.objects.get()
    assert run.user == mqis_admin and run.file_name == "cqc_asc_locations_sample.csv"

    again = _import(client, {"file": _upload()})
    assert "No changes: every location in the file matches the registry." in again


def test_it_runs_a_dry_run_from_the_page(client: Client, mqis_admin: User) -> None:
    client.force_login(mqis_admin)
    html = _import(client, {"file": _upload(), "dry_run": "on"})
    assert "Dry run of cqc_asc_locations_sample.csv" in html
    assert "Dry run: nothing was saved. 400 new, 0 changed and 0 gone." in html
    assert Location.objects.count() == 0 and ImportRun.objects.count() == 0


def test_it_shows_problems_in_an_error_summary(client: Client, mqis_admin: User) -> None:
    client.force_login(mqis_admin)
    html = _import(client, {"file": _upload(b"\x00\x01\x02" * 100, "photo.jpg")})
    assert 'class="govuk-error-summary"' in html
    assert '<li id="import-error">This file is not a text (CSV) file' in html
    assert Location.objects.count() == 0

    html = client.post(URL, {}).content.decode()
    assert '<a href="#id_file">Select a CQC file to import</a>' in html
    assert "govuk-file-upload--error" in html


def test_it_lists_recent_imports_with_links_to_them(client: Client, mqis_admin: User) -> None:
    client.force_login(mqis_admin)
    _import(client, {"file": _upload()})
    job = CqcImportJob.objects.get()
    html = client.get(URL).content.decode()
    assert f'href="/admin-tools/import-cqc/jobs/{job.uuid}/">cqc_asc_locations_sample.csv</a>' in html
    assert '<strong class="govuk-tag govuk-tag--green">Finished</strong>' in html


def test_it_refuses_a_file_over_the_upload_limit(client: Client, mqis_admin: User, settings: Any) -> None:
    settings.MQIS_MAX_UPLOAD_MB = 1
    client.force_login(mqis_admin)
    html = client.post(URL, {"file": _upload(ASC_SAMPLE.read_bytes() * 5)}).content.decode()
    assert "The file must be smaller than 1 MB" in html
    assert CqcImportJob.objects.count() == 0 and Location.objects.count() == 0
