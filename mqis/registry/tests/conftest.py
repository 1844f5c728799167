"""Fixtures for the registry tests: reference councils, sample files and personas."""

from pathlib import Path

import pytest
from django.contrib.auth.models import User

from mqis.accounts.models import Membership, Role
from mqis.registry.models import Council
from mqis.registry.reference import load_reference_councils

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
