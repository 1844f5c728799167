"""Signals other apps listen to, so returns need not know who reacts to them."""

from django.dispatch import Signal

# Sent inside the saving transaction after returns changed: location_ids, channel, now.
returns_stored = Signal()
