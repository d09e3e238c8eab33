"""Sending the survey's link to the people who came, and the one reminder.

The invitation goes once, by the organisers' button, to every checked-in person with an
address; the reminder goes once, `reminder_days` after it, to those of them who have not
answered, from the periodic task (tasks.py). Both are e-mails of the outbox (kinds
"survey" and "survey_reminder", in each person's language), and each is claimed by one
UPDATE of its time column, so two clicks or two schedulers send it once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import ngettext
from sqlalchemy import select, update

from eventapp.core.changelog import record
from eventapp.extensions import db
from eventapp.mail.outbox import queue_mail
from eventapp.models import Registration, Survey, SurveyStatus
from eventapp.models.types import utcnow
from eventapp.surveys.services import answered_ids


def recipients(survey: Survey) -> list[Registration]:
    """The people the survey is sent to: checked in, with an address, not erased."""
    return list(
        db.session.scalars(
            select(Registration)
            .where(
                Registration.event_id == survey.event_id,
                Registration.checked_in_at.is_not(None),
                Registration.email.is_not(None),
                Registration.anonymised_at.is_(None),
            )
            .order_by(Registration.id)
        )
    )


def _claim(survey: Survey, column, now: datetime, *conditions) -> bool:
    """Set `column` to now if it is empty (one UPDATE): whether this call won."""
    claimed = db.session.execute(
        update(Survey)
        .where(Survey.id == survey.id, column.is_(None), *conditions)
        .values({column: now})
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    db.session.refresh(survey)
    return True


def send_invitations(survey: Survey, now: datetime | None = None) -> int | None:
    """Queue the survey's link to every recipient (flushed, not committed): how many;
    None when it was sent before, the survey is not open or nobody is checked in yet
    (the one invitation is kept for when they are)."""
    now = now or utcnow()
    people = recipients(survey)
    if not people or not _claim(survey, Survey.sent_at, now, Survey.status == SurveyStatus.OPEN):
        return None
    sent = sum(queue_mail(person, "survey") is not None for person in people)
    record(
        survey.event,
        "survey",
        survey.id,
        "send",
        ngettext(
            "Survey sent to %(num)d person checked in",
            "Survey sent to %(num)d people checked in",
            sent,
        ),
    )
    return sent


def reminder_due_at(survey: Survey) -> datetime | None:
    """When the reminder goes, or None when there is none (or no invitation yet)."""
    if survey.reminder_days is None or survey.sent_at is None:
        return None
    return survey.sent_at + timedelta(days=survey.reminder_days)


def send_due_reminders(now: datetime | None = None) -> dict[int, int]:
    """Remind, once, the recipients who have not answered the open surveys whose reminder
    is due: {survey id: people reminded}. Commits each survey's reminder."""
    now = now or utcnow()
    candidates = db.session.scalars(
        select(Survey).where(
            Survey.status == SurveyStatus.OPEN,
            Survey.reminder_days.is_not(None),
            Survey.sent_at.is_not(None),
            Survey.reminder_sent_at.is_(None),
        )
    ).all()
    done = {}
    for survey in candidates:
        due = reminder_due_at(survey)
        if due is None or due > now:
            continue
        if not _claim(survey, Survey.reminder_sent_at, now):
            db.session.rollback()
            continue
        answered = answered_ids(survey)
        done[survey.id] = sum(
            queue_mail(person, "survey_reminder") is not None
            for person in recipients(survey)
            if person.id not in answered
        )
        db.session.commit()
    return done
