"""Background work of organisers' messages: queuing a message's copies batch by batch,
sending scheduled messages and automatic reminders when due, and the test to oneself."""

from __future__ import annotations

import logging

from flask_babel import force_locale
from flask_babel import gettext as _

from eventapp.extensions import db
from eventapp.mail import organiser_messages, reminders
from eventapp.mail.delivery import deliver
from eventapp.mail.messages import compose, organiser_message
from eventapp.models import OrganiserMessage, Registration
from eventapp.queue.tasks import periodic_task, task

log = logging.getLogger(__name__)


# Retried when the database fails: a batch is one committed step and skips anyone who
# has a copy, so running it again is safe.
@task(retries=3, retry_delay=5)
def send_batch(message_id: int) -> None:
    """Queue the next batch of a message's copies, and enqueue the next batch if any."""
    if organiser_messages.queue_batch(message_id):
        send_batch(message_id)


@periodic_task(minute="*")
def send_due() -> None:
    """Every minute: scheduled messages and reminders whose time has come, and messages
    whose task was lost (sending, with no batch for a while)."""
    ids = organiser_messages.claim_due() + reminders.claim_due()
    for message_id in dict.fromkeys(ids + organiser_messages.stalled()):
        send_batch(message_id)


@task(retries=2, retry_delay=30)
def send_test(message_id: int, registration_id: int, address: str, locale: str) -> None:
    """The message as `registration` would get it, to an organiser's own address, its
    subject marked as a test (in the organiser's language)."""
    message = db.session.get(OrganiserMessage, message_id)
    registration = db.session.get(Registration, registration_id)
    if message is None or registration is None or not message.versions:
        return
    written = organiser_message(registration, message)
    with force_locale(locale):
        subject = _("[Test] %(subject)s", subject=written.subject)
    deliver(compose(subject, address, written.text, written.html, (), written.inline))
