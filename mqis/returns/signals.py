"""Signals other apps listen to, so returns need not know who reacts to them."""

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.dispatch import Signal

# Sent inside the saving transaction after returns changed: location_ids, channel, now.
returns_stored = Signal()

_batch = threading.local()


def stored(sender: type, location_ids: set[int], channel: str, now: dt.datetime) -> None:
    """Announce saved returns: at once, or at the end of the enclosing `one_announcement()`."""
    pending = getattr(_batch, "pending", None)
    if pending is None:
        returns_stored.send(sender, location_ids=location_ids, channel=channel, now=now)
        return
    pending["location_ids"] |= location_ids
    pending.update(sender=sender, channel=channel, now=now)


@contextmanager
def one_announcement() -> Iterator[None]:
    """Saves in chunks (a bulk upload) announce once, for every location, when all are stored.

    Use inside the transaction, so listeners (alerts, risk) still run before it commits.
    """
    if getattr(_batch, "pending", None) is not None:
        yield  # already batching
        return
    _batch.pending = {"location_ids": set()}
    try:
        yield
        pending = _batch.pending
    finally:
        _batch.pending = None
    if pending["location_ids"]:
        returns_stored.send(pending["sender"], location_ids=pending["location_ids"],
                            channel=pending["channel"], now=pending["now"])
