"""Saving the checked rows of a bulk file: in one transaction, all or nothing.

The plain way (`store_checked`) saves after the whole file is checked, in the caller's
thread and transaction: on SQLite, for dry runs and partial imports, and whenever the
caller already holds a transaction (which must then hold the save too).

Otherwise, on PostgreSQL, a `Writer` saves the rows *while the rest of the file is still
being checked*: a thread with its own connection saves each checked chunk, in one
transaction, and the database server inserts the rows and checks their references on its
own core while this process checks the next chunk. Of a 100,000-row upload's 18 seconds,
8 were this process waiting for the server; now most of that wait overlaps the checking.
The transaction commits only when the whole file has been checked and is clean; otherwise
it is rolled back, so a rejected file still changes nothing.

Two threads share Python's interpreter lock (GIL). The writer gives it up at every call
into the database driver and then waits for the checking thread to hand it back, by
default after 5 ms: with thousands of such calls the writer would spend most of its time
waiting. While a writer runs, the switch interval is 0.5 ms.
"""

import datetime as dt
import queue
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django.db import connection, connections, transaction

from mqis.lib.bulk import batched
from mqis.returns.bulk_rows import PeriodFinder
from mqis.returns.services import Prepared, SaveSummary, Submission, prepare, store, write
from mqis.returns.signals import one_announcement

STORE_CHUNK = 2000  # returns per call to `store`, and per chunk handed to a writer
QUEUED_CHUNKS = 8  # at most this many chunks wait for a writer (memory stays bounded)
SWITCH_INTERVAL = 0.0005  # seconds; Python's default is 0.005


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, summary: SaveSummary) -> None:
        self.created += summary.created
        self.updated += summary.updated
        self.unchanged += summary.unchanged


def store_checked(submissions: list[Submission], periods: PeriodFinder, *, user: Any, channel: str,
                  now: dt.datetime, counts: Counts) -> None:
    """Store checked rows, creating their periods as needed. Call inside a transaction."""
    for sub in submissions:
        sub.period = periods.saved(sub.period)
    for chunk in batched(submissions, STORE_CHUNK):
        counts.add(store(chunk, user=user, channel=channel, now=now))


def saves_while_checking() -> bool:
    """Whether to save in a writer thread as the file is checked: on PostgreSQL, unless the
    caller holds a transaction (which must then hold the save, so it stays in its thread)."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


class _Abandoned(Exception):
    """Raised inside the writer's transaction to roll it back."""


_COMMIT, _ABANDON = object(), object()
_switching = threading.Lock()
_writers = 0
_default_interval = sys.getswitchinterval()


def _writer_started() -> None:
    global _writers, _default_interval
    with _switching:
        if _writers == 0:
            _default_interval = sys.getswitchinterval()
            sys.setswitchinterval(min(_default_interval, SWITCH_INTERVAL))
        _writers += 1


def _writer_stopped() -> None:
    global _writers
    with _switching:
        _writers -= 1
        if _writers == 0:
            sys.setswitchinterval(_default_interval)


class Writer:
    """Saves checked rows in a thread of its own, with its own connection, in one transaction.

    Call `add` with each chunk of checked rows, then `finish` exactly once (also on
    failure). This thread works out and encodes the rows (`services.prepare`); the writer
    only writes them (`services.write`), then has the server check their references to
    other tables at once rather than at the commit, so that it does so while this thread
    prepares the next chunk.
    """

    def __init__(self, periods: PeriodFinder, *, user: Any, channel: str, now: dt.datetime) -> None:
        self.counts = Counts()
        self._periods = periods
        self._prepare: Callable[[list[Submission]], Prepared] = lambda subs: prepare(
            subs, user=user, channel=channel, now=now)
        self._queue: queue.Queue[object] = queue.Queue(maxsize=QUEUED_CHUNKS)
        self._error: BaseException | None = None
        self._done = False
        _writer_started()
        self._thread = threading.Thread(target=self._run, name="mqis-bulk-writer", daemon=True)
        self._thread.start()

    def add(self, submissions: list[Submission]) -> None:
        for chunk in batched(submissions, STORE_CHUNK):
            if self._error is not None:
                return
            self._queue.put(self._prepare(chunk))

    def finish(self, *, commit: bool) -> None:
        """Commit (or roll back) once every chunk added is saved; raise what the save raised."""
        if self._done:
            return
        self._done = True
        self._queue.put(_COMMIT if commit else _ABANDON)
        self._thread.join()
        _writer_stopped()
        if self._error is not None and commit:
            raise self._error

    def _write(self, prepared: Prepared) -> None:
        prepared.new_keys = [(location_id, self._periods.saved(period))
                             for location_id, period in prepared.new_keys]
        self.counts.add(write(prepared))
        with connection.cursor() as cursor:  # this thread's connection
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    def _run(self) -> None:
        try:
            with transaction.atomic(), one_announcement():
                while (item := self._queue.get()) is not _COMMIT:
                    if item is _ABANDON:
                        raise _Abandoned
                    self._write(cast(Prepared, item))
        except _Abandoned:
            pass
        except BaseException as exc:  # handed to the checking thread by finish()
            self._error = exc
            self._drain()
        finally:
            connections.close_all()  # this thread's own connection

    def _drain(self) -> None:
        """After a failed save, take what the checking thread still adds, until it finishes."""
        while self._queue.get() not in (_COMMIT, _ABANDON):
            pass
