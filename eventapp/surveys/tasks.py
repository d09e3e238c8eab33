"""The survey's background work: the reminder, when due."""

from __future__ import annotations

from eventapp.queue.tasks import periodic_task
from eventapp.surveys import sending


@periodic_task(minute="*/5")
def send_survey_reminders() -> None:
    """Every five minutes: the surveys' reminders that are due (each goes once)."""
    sending.send_due_reminders()
