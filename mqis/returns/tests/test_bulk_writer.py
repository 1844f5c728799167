"""Bulk upload saved while it is checked (PostgreSQL), or after (SQLite): the same outcome.

On PostgreSQL, when the caller holds no transaction, a writer thread with its own
connection saves each checked chunk while the next is checked. These tests run with real
transactions (not the usual rolled-back test transaction) so that the writer is used, and
check that a clean file is saved in full, with its audit rows, periods, alerts and risk
scores, and that an error in the last chunk, or a failure while saving, saves nothing.
"""

import datetime as dt
import sys
import threading
from typing import Any

import pytest
from django.db import IntegrityError, connection

from mqis.returns import bulk, bulk_rows, bulk_save, services
from mqis.returns.bulk import import_bulk
from mqis.returns.models import Period, Return, ReturnChange
from mqis.returns.tests.bulk_market import Market, build_market, care_home_row, csv_bytes, today
from mqis.risk.models import RiskScore

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def market() -> Market:
    return build_market()


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Check one row at a time and save one return at a time, so a four-row file has four
    chunks and the writer works while the rest is still being checked."""
    monkeypatch.setattr(bulk_rows, "CHUNK", 1)
    monkeypatch.setattr(bulk_save, "STORE_CHUNK", 1)


@pytest.fixture
def writers(monkeypatch: pytest.MonkeyPatch) -> list[bulk_save.Writer]:
    """Every writer started during the test."""
    started: list[bulk_save.Writer] = []

    class Recorded(bulk_save.Writer):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            started.append(self)

    monkeypatch.setattr(bulk, "Writer", Recorded)
    return started


def four_rows(**last_row_changes: object) -> bytes:
    this_week, last_week = today(), today() - dt.timedelta(days=7)
    return csv_bytes([
        care_home_row("1-101", last_week.isoformat()),
        care_home_row("1-102", last_week.isoformat()),
        care_home_row("1-101", this_week.isoformat(), beds_occupied="41", beds_vacant="5"),
        care_home_row("1-102", this_week.isoformat(), **last_row_changes),
    ])


def stored_counts() -> tuple[int, int, int, int]:
    return (Return.objects.count(), ReturnChange.objects.count(), Period.objects.count(),
            RiskScore.objects.count())


def no_writer_left() -> bool:
    return not any(t.name == "mqis-bulk-writer" for t in threading.enumerate())


def test_a_clean_file_is_saved_in_full_with_its_audit_rows(market: Market, small_chunks: None,
                                                           writers: list[bulk_save.Writer]):
    interval = sys.getswitchinterval()
    result = import_bulk(four_rows(), user=market.provider_user)

    assert (result.saved, result.created, result.error_count) == (True, 4, 0)
    assert result.message == "Saved 4 rows: 4 new returns."
    # The writer thread is used on PostgreSQL only; the outcome is the same on both.
    assert len(writers) == (1 if connection.vendor == "postgresql" else 0)
    oak = Return.objects.get(location=market.oak_house, period__start__lte=today(), period__end__gte=today())
    assert (oak.beds_occupied, oak.beds_vacant, oak.submitted_by, oak.channel) == (
        41, 5, market.provider_user, "upload")
    change = ReturnChange.objects.get(return_obj=oak)
    assert change.changed_by == market.provider_user
    assert change.diff["beds_occupied"] == [None, 41]
    assert Return.objects.values("period").distinct().count() == 2  # last week's and this week's
    # Announced once the rows were saved: both homes have a risk score.
    assert set(RiskScore.objects.values_list("location_id", flat=True)) == {
        market.oak_house.pk, market.elm_court.pk}
    assert sys.getswitchinterval() == interval
    assert no_writer_left()


def test_an_error_in_the_last_chunk_saves_nothing(market: Market, small_chunks: None,
                                                  writers: list[bulk_save.Writer]):
    before = stored_counts()
    result = import_bulk(four_rows(beds_occupied="52", beds_vacant="0"), user=market.provider_user)

    assert (result.saved, result.created, result.error_count) == (False, 0, 1)
    assert (result.errors[0].row, result.errors[0].column) == (5, "beds_occupied")
    assert result.message.startswith("Nothing was saved. The file has 1 error in 1 of its 4 rows.")
    assert len(writers) == (1 if connection.vendor == "postgresql" else 0)
    assert stored_counts() == before  # the rows the writer had saved were rolled back
    assert no_writer_left()


def test_a_failure_while_saving_saves_nothing_and_says_upload_again(
        market: Market, small_chunks: None, monkeypatch: pytest.MonkeyPatch):
    """Another upload saving the same returns at the same moment makes the save fail."""
    calls = []
    real_write = services.write

    def write_then_clash(prepared: services.Prepared) -> services.SaveSummary:
        calls.append(1)
        if len(calls) == 3:
            raise IntegrityError("duplicate key value violates unique constraint")
        return real_write(prepared)

    monkeypatch.setattr(services, "write", write_then_clash)  # the plain way, through store()
    monkeypatch.setattr(bulk_save, "write", write_then_clash)  # the writer thread
    interval = sys.getswitchinterval()
    before = stored_counts()
    result = import_bulk(four_rows(), user=market.provider_user)

    assert (result.saved, result.created) == (False, 0)
    assert [e.code for e in result.errors] == ["conflict"]
    assert result.message.startswith("Nothing was saved. Someone else saved returns")
    assert len(calls) == 3
    assert stored_counts() == before
    assert sys.getswitchinterval() == interval
    assert no_writer_left()
