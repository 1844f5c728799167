"""Fixtures for the registry tests: reference councils, sample files and personas."""

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from mqis.accounts.models import Membership, Role
from mqis.registry.models import Council, CqcImportJob
from mqis.registry.reference import load_reference_councils
from mqis.registry.tasks import run_cqc_import

FIXTURES = Path(__file__).resolve().parent / "fixtures"
# Real CQC samples (OGL v3.0), copied from the project's shared data; see fixtures/cqc/README.md.
SAMPLES = Path(__file__).resolve().parent / "fixtures" / "cqc"
ASC_SAMPLE = SAMPLES / "cqc_asc_locations_sample.csv"
DIRECTORY_SAMPLE = SAMPLES / "cqc_directory_sample.csv"
GEOJSON = Path(__file__).resolve().parents[2] / "registry" / "data" / "geo" / "nw_councils_2020.geojson"


@pytest.fixture
def councils(db: None) -> None:
    load_reference_councils()


@pytest.fixture
def mqis_admin(councils: None) -> User:
    user = User.objects.create_user("ada.admin", password="a-long-test-password")
    Membership.objects.create(user=user, role=Role.ADMIN)
    return user


@pytest.fixture
def council_officer(councils: None) -> User:
    user = User.objects.create_user("manchester.officer", password="a-long-test-password")
    Membership.objects.create(user=user, role=Role.COUNCIL, council=Council.objects.get(gss_code="E08000003"))
    return user


@pytest.fixture
def data_dir(settings: Any, tmp_path: Path) -> Path:
    """A data directory of the test's own, for uploads waiting to be imported and progress files."""
    settings.DATA_DIR = tmp_path
    return tmp_path


def run_queued_import(job: CqcImportJob) -> None:
    """Run the job's queued task here, as the worker would (the worker itself needs a
    test with transaction=True: it closes the database connection between jobs)."""
    queued = DBTaskResult.objects.get(pk=job.task_id)
    assert queued.status == TaskResultStatus.READY and queued.args_kwargs["args"] == [job.pk]
    run_cqc_import.call(job.pk)
