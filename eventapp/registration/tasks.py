"""The registrations' background work: anonymising them when their retention period has
passed (retention.py), daily and whenever a worker starts."""

from __future__ import annotations

import logging

from eventapp.queue.tasks import at_start, periodic_task
from eventapp.registration.retention import anonymise_due

log = logging.getLogger(__name__)


# Every day at 02:30 UTC, a quiet hour for every event's time zone in Europe and Africa;
# and when a worker starts, so a day the workers were down is not skipped.
@at_start
@periodic_task(hour="2", minute="30")
def anonymise_expired_registrations() -> None:
    """Anonymise the registrations of the events whose retention period has passed."""
    for done in anonymise_due():
        log.info(
            "retention: %d registrations of %s anonymised", done.registrations, done.event_slug
        )
