"""CQC files uploaded on the web page are imported by the background worker, with progress."""

import datetime as dt
import json
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mqis.jobs import runner
from mqis.jobs.models import WorkerHeartbeat
from mqis.registry import import_jobs
from mqis.registry.importer import import_cqc_file
from mqis.registry.models import CqcImportJob, ImportRun, Location, Provider
from mqis.registry.tasks import run_cqc_import, start_import

from .conftest import ASC_SAMPLE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("data_dir")]
NOT_A_CQC_FILE = (
    "This file is not a text (CSV) file, an Excel .xlsx workbook or JSON, so MQIS cannot "
)


def _start(user: User, data: bytes | None = None, name: str = ASC_SAMPLE.name, **options: bool) -> CqcImportJob:
    upload = SimpleUploadedFile(name, ASC_SAMPLE.read_bytes() if data is None else data, "text/csv")
    return start_import(upload, user=user, dry_run=options.get("dry_run", False), partial=options.get("partial", False))


def _progress_file(job: CqcImportJob) -> dict[str, object]:
    return json.loads(import_jobs.progress_path(job).read_text())


def _registry() -> list[dict[str, object]]:
    return [*Location.objects.order_by("pk").values(), *Provider.objects.order_by("pk").values(),
            *ImportRun.objects.order_by("pk").values("pk", "summary")]


def _url(job: CqcImportJob, progress: bool = False) -> str:
    return f"/admin-tools/import-cqc/jobs/{job.uuid}/" + ("progress.json" if progress else "")


@pytest.mark.django_db(transaction=True)
def test_it_imports_the_sample_in_the_worker_and_records_the_report(mqis_admin: User, data_dir: Path) -> None:
    job = _start(mqis_admin)
    assert job.status == "queued" and Path(job.stored_path).parent == data_dir / "uploads"

    runner.run("test-worker", once=True)

    job.refresh_from_db()
    assert job.status == "finished" and job.error == ""
    assert job.started_at is not None and job.finished_at is not None and job.started_at <= job.finished_at
    assert job.report is not None
    assert (job.report["created"], job.report["changed"], job.report["unchanged"], job.report["gone"]) == (400, 0, 0, 0)
    assert job.report["locations_in_file"] == job.report["rows_read"] == 400
    assert job.report["message"] == "400 new, 0 changed and 0 gone."
    assert Location.objects.count() == 400
    assert ImportRun.objects.get().user == mqis_admin
    assert DBTaskResult.objects.get(pk=job.task_id).status == "SUCCESSFUL"


def test_it_writes_progress_that_ends_at_the_total(mqis_admin: User) -> None:
    job = _start(mqis_admin)
    assert import_jobs.read_progress(job) == import_jobs.Progress(0, 0, "Waiting for the background worker")
    run_cqc_import.call(job.pk)
    assert _progress_file(job) == {"done": 400, "total": 400, "stage": "Finished"}
    job.refresh_from_db()
    assert import_jobs.read_progress(job).label == "400 of 400 locations (100%)"


def test_its_progress_file_goes_from_0_to_the_total_at_most_every_quarter_second(tmp_path: Path) -> None:
    now = [100.0]
    path = tmp_path / "jobs" / "job.json"
    progress = import_jobs.ProgressFile(path, clock=lambda: now[0])

    progress.write(0, 0, "Reading the file")
    assert json.loads(path.read_text()) == {"done": 0, "total": 0, "stage": "Reading the file"}
    now[0] = 100.1
    progress.update(500, 1500)  # a tenth of a second later: not written
    assert json.loads(path.read_text())["done"] == 0
    now[0] = 100.3
    progress.update(1000, 1500)
    assert json.loads(path.read_text()) == {"done": 1000, "total": 1500,
                                            "stage": "Checking locations against the registry"}
    now[0] = 100.31
    progress.update(1500, 1500)  # the last call is always written
    assert json.loads(path.read_text()) == {"done": 1500, "total": 1500, "stage": "Saving the changes"}
    assert [p.name for p in path.parent.iterdir()] == ["job.json"]  # no temporary file left


def test_it_removes_the_uploaded_file_once_imported(mqis_admin: User, data_dir: Path) -> None:
    job = _start(mqis_admin)
    assert Path(job.stored_path).read_bytes() == ASC_SAMPLE.read_bytes()
    run_cqc_import.call(job.pk)
    job.refresh_from_db()
    assert job.stored_path == "" and list((data_dir / "uploads").iterdir()) == []


def test_a_garbage_file_fails_with_a_clear_message_and_changes_nothing(mqis_admin: User, data_dir: Path) -> None:
    import_cqc_file(ASC_SAMPLE, file_name=ASC_SAMPLE.name)
    before = _registry()
    job = _start(mqis_admin, b"\x00\x01\x02" * 100, "photo.jpg")

    assert run_cqc_import.call(job.pk) == "failed"

    job.refresh_from_db()
    assert job.status == "failed" and job.report is None and job.finished_at is not None
    assert job.error.startswith(NOT_A_CQC_FILE)
    assert _registry() == before
    assert list((data_dir / "uploads").iterdir()) == []


def test_it_imports_again_after_a_worker_died_part_way(mqis_admin: User) -> None:
    job = _start(mqis_admin)
    CqcImportJob.objects.filter(pk=job.pk).update(status="running", started_at=timezone.now())
    run_cqc_import.call(job.pk)  # the requeued task
    job.refresh_from_db()
    assert job.status == "finished" and job.report is not None and job.report["created"] == 400


def test_a_finished_job_run_again_does_nothing(mqis_admin: User) -> None:
    job = _start(mqis_admin)
    run_cqc_import.call(job.pk)
    assert run_cqc_import.call(job.pk) == "finished"
    assert ImportRun.objects.count() == 1


def test_the_progress_endpoint_returns_numbers(client: Client, mqis_admin: User) -> None:
    client.force_login(mqis_admin)
    job = _start(mqis_admin)
    assert client.get(_url(job, progress=True)).json() == {
        "status": "queued", "status_label": "Waiting to start", "finished": False, "done": 0, "total": 0,
        "percent": 0, "stage": "Waiting for the background worker",
        "label": "The import starts as soon as the background worker picks it up.", "no_worker": False,
    }

    CqcImportJob.objects.filter(pk=job.pk).update(status="running")
    import_jobs.ProgressFile(import_jobs.progress_path(job)).write(12_000, 48_000, "Checking locations")
    body = client.get(_url(job, progress=True)).json()
    assert (body["status_label"], body["done"], body["total"], body["percent"]) == ("Importing", 12000, 48000, 25)
    assert body["label"] == "12,000 of 48,000 locations (25%)"

    run_cqc_import.call(job.pk)
    body = client.get(_url(job, progress=True)).json()
    assert (body["finished"], body["done"], body["total"], body["percent"]) == (True, 400, 400, 100)


def test_the_job_page_shows_a_progress_bar_while_importing(client: Client, mqis_admin: User) -> None:
    client.force_login(mqis_admin)
    job = _start(mqis_admin)
    CqcImportJob.objects.filter(pk=job.pk).update(status="running")
    import_jobs.ProgressFile(import_jobs.progress_path(job)).write(12_000, 48_000, "Checking locations")
    html = client.get(_url(job)).content.decode()
    assert '<progress class="mqis-progress" id="import-progress" max="48000" value="12000">25%</progress>' in html
    assert '<p class="govuk-body" id="import-count">12,000 of 48,000 locations (25%)</p>' in html
    assert 'aria-live="polite"' in html
    assert f'<a class="govuk-link" href="{_url(job)}">Refresh</a>' in html
    assert "http-equiv" not in html  # no meta refresh


def test_the_job_page_shows_the_report_when_finished(client: Client, mqis_admin: User) -> None:
    client.force_login(mqis_admin)
    job = _start(mqis_admin)
    run_cqc_import.call(job.pk)
    html = client.get(_url(job)).content.decode()
    assert "Imported cqc_asc_locations_sample.csv" in html and "400 new, 0 changed and 0 gone." in html
    assert "<progress" not in html and "import-progress-section" not in html  # nothing left to poll


def test_the_job_page_shows_a_failure_in_an_error_summary(client: Client, mqis_admin: User) -> None:
    client.force_login(mqis_admin)
    job = _start(mqis_admin, b"\x00\x01\x02" * 100, "photo.jpg")
    run_cqc_import.call(job.pk)
    response = client.get(_url(job))
    html = response.content.decode()
    assert "<title>Error: photo.jpg" in html
    assert 'class="govuk-error-summary"' in html
    assert f'<li id="import-error">{NOT_A_CQC_FILE}' in html


def test_it_says_when_no_worker_is_running(client: Client, mqis_admin: User) -> None:
    client.force_login(mqis_admin)
    job = _start(mqis_admin)
    shown = '<div class="govuk-warning-text" id="import-no-worker">'
    assert shown not in client.get(_url(job)).content.decode()  # just queued: give the worker time

    CqcImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(seconds=31))
    html = client.get(_url(job)).content.decode()
    assert shown in html and "No background worker is running. Start one with <code>mqis worker</code>." in html
    assert client.get(_url(job, progress=True)).json()["no_worker"] is True

    now = timezone.now()
    WorkerHeartbeat.objects.create(worker_id="w1", host="h", pid=1, started_at=now, seen_at=now)
    assert shown not in client.get(_url(job)).content.decode()


def test_it_shows_a_job_the_worker_gave_up_on_as_failed(client: Client, mqis_admin: User) -> None:
    client.force_login(mqis_admin)
    job = _start(mqis_admin)
    CqcImportJob.objects.filter(pk=job.pk).update(status="running")
    DBTaskResult.objects.filter(pk=job.task_id).update(status="FAILED")
    html = client.get(_url(job)).content.decode()
    assert "Nothing was imported: the background worker stopped before it had imported this file." in html
    assert client.get(_url(job, progress=True)).json()["finished"] is True


def test_only_administrators_see_import_jobs(client: Client, mqis_admin: User, council_officer: User) -> None:
    job = _start(mqis_admin)
    assert client.get(_url(job)).status_code == 302  # anonymous: sent to sign in
    client.force_login(council_officer)
    assert client.get(_url(job)).status_code == 403
    assert client.get(_url(job, progress=True)).status_code == 403
    assert client.get("/admin-tools/import-cqc/jobs/00000000-0000-4000-8000-000000000000/").status_code == 403
    client.force_login(mqis_admin)
    assert client.get(_url(job)).status_code == 200
    assert client.get("/admin-tools/import-cqc/jobs/00000000-0000-4000-8000-000000000000/").status_code == 404
