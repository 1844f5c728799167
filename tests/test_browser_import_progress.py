"""An administrator uploads a CQC file and watches the background worker import it, in Chromium."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import expect

from mqis.accounts.models import Membership, Role
from mqis.jobs.tests.test_worker import start_worker, stop
from mqis.lib.testing import PASSWORD
from mqis.registry import import_jobs
from mqis.registry.models import CqcImportJob
from mqis.registry.reference import load_reference_councils
from mqis.registry.tasks import run_cqc_import, start_import
from mqis.registry.tests.conftest import ASC_SAMPLE

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def admin():
    load_reference_councils()
    user = User.objects.create_user("ada.admin", password=PASSWORD)
    Membership.objects.create(user=user, role=Role.ADMIN)
    return user


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/sign-in/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def screenshots(page, screenshot_dir, name: str) -> None:
    page.screenshot(path=str(screenshot_dir / f"{name}-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(screenshot_dir / f"{name}-phone.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def test_it_shows_a_long_import_part_way_through(admin, data_dir, page, live_server, axe_check, screenshot_dir):
    job = CqcImportJob.objects.create(user=admin, file_name="HSCA_Active_Locations.csv", status="running")
    import_jobs.ProgressFile(import_jobs.progress_path(job)).write(12_000, 48_000, import_jobs.CHECKING)
    sign_in(page, live_server, "ada.admin")
    page.goto(f"{live_server.url}/admin-tools/import-cqc/jobs/{job.uuid}/")

    bar = page.get_by_role("progressbar", name="Checking locations against the registry")
    expect(bar).to_have_attribute("value", "12000")
    expect(page.locator("#import-count")).to_have_text("12,000 of 48,000 locations (25%)")
    expect(page.get_by_role("link", name="Refresh")).to_be_hidden()  # the script keeps the page up to date
    page.wait_for_timeout(1500)  # a poll or two
    expect(bar).to_have_attribute("value", "12000")
    assert axe_check() == []
    screenshots(page, screenshot_dir, "import-progress-running")


def test_it_imports_an_upload_in_the_worker_and_shows_the_report(
    admin, data_dir, page, live_server, axe_check, screenshot_dir
):
    sign_in(page, live_server, "ada.admin")
    page.goto(f"{live_server.url}/admin-tools/import-cqc/")
    page.set_input_files("#id_file", str(ASC_SAMPLE))
    page.get_by_role("button", name="Import file").click()

    job = CqcImportJob.objects.get()
    expect(page).to_have_url(f"{live_server.url}/admin-tools/import-cqc/jobs/{job.uuid}/")
    expect(page.locator("h1")).to_have_text("cqc_asc_locations_sample.csv")
    expect(page.locator("#import-status")).to_have_text("Waiting to start")
    expect(page.get_by_role("progressbar", name="Waiting for the background worker")).to_be_visible()
    assert axe_check() == []
    screenshots(page, screenshot_dir, "import-progress-queued")

    worker = start_worker(MQIS_DATA_DIR=str(data_dir))
    try:
        # The page notices the end by itself and shows the report: no one presses refresh.
        expect(page.locator("#import-report")).to_contain_text("400 new, 0 changed and 0 gone.", timeout=30_000)
    finally:
        stop(worker)  # SIGKILL: a SIGTERM that lands while the worker runs a task is swallowed
    expect(page.locator("#import-status")).to_have_text("Finished")
    expect(page.get_by_role("progressbar")).to_have_count(0)
    assert page.get_by_role("row", name="New locations 400").is_visible()
    assert axe_check() == []
    screenshots(page, screenshot_dir, "import-progress-finished")
    assert list((data_dir / "uploads").iterdir()) == []


def test_it_shows_a_failed_import_and_lists_recent_imports(
    admin, data_dir, page, live_server, axe_check, screenshot_dir
):
    upload = SimpleUploadedFile("photo.jpg", b"\x00\x01\x02" * 100)
    job = start_import(upload, user=admin, dry_run=False, partial=False)
    run_cqc_import.call(job.pk)
    sign_in(page, live_server, "ada.admin")
    page.goto(f"{live_server.url}/admin-tools/import-cqc/jobs/{job.uuid}/")

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("This file is not a text (CSV) file, an Excel .xlsx workbook or JSON")
    expect(page).to_have_title(re.compile("^Error: photo.jpg"))
    assert axe_check() == []
    screenshots(page, screenshot_dir, "import-progress-failed")

    page.get_by_role("link", name="Upload a corrected file").click()
    row = page.get_by_role("row", name=re.compile("photo.jpg"))
    expect(row).to_contain_text("Failed")
    assert axe_check() == []
    screenshots(page, screenshot_dir, "import-upload-recent")


def test_it_says_so_when_no_worker_picks_the_import_up(admin, data_dir, page, live_server, axe_check, screenshot_dir):
    job = CqcImportJob.objects.create(user=admin, file_name="cqc_directory.csv")
    CqcImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(seconds=28))
    sign_in(page, live_server, "ada.admin")
    page.goto(f"{live_server.url}/admin-tools/import-cqc/jobs/{job.uuid}/")
    warning = page.get_by_text("No background worker is running. Start one with mqis worker.")
    expect(warning).to_be_hidden()
    expect(warning).to_be_visible(timeout=8_000)  # the page's next polls, after 30 seconds' wait
    expect(page.locator("#import-announce")).to_have_text("No background worker is running.")
    assert axe_check() == []
    screenshots(page, screenshot_dir, "import-progress-no-worker")
