"""Background work of visa letters: passport data erased once its retention is over."""

from eventapp.extensions import db
from eventapp.queue.tasks import periodic_task
from eventapp.travel import visa_letters


@periodic_task(minute="17", hour="3")
def erase_expired_passports() -> int:
    """Daily: erase the passport data of events ended longer ago than their retention."""
    erased = visa_letters.erase_expired()
    db.session.commit()
    return erased
