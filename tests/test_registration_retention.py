"""Retention: an event's registrations are anonymised once its retention period (days
after its end, set on the event's settings page) has passed, by a daily task; the event
and its change log say when and how many; running it again changes nothing."""

from datetime import timedelta

from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import ChangeLogEntry, Event, Registration, User, UserRole
from eventapp.models.types import utcnow
from eventapp.registration import retention, tasks

from .factories import make_event, make_registration


def ended(days_ago: int, retention_days: int | None, **kw) -> Event:
    starts = utcnow() - timedelta(days=days_ago, hours=9)
    return make_event(
        starts_at=starts, ends_at=starts + timedelta(hours=9), retention_days=retention_days, **kw
    )


def people(event: Event, n: int = 3) -> list[int]:
    registrations = [
        make_registration(event, given_name="Гульнара", family_name=f"Абдыкадырова {i}")
        for i in range(n)
    ]
    db.session.flush()
    return [r.id for r in registrations]


def test_the_daily_task_anonymises_only_the_events_whose_period_has_passed(app):
    with app.app_context():
        due = ended(40, 30, slug="past-retention")
        not_yet = ended(10, 30, slug="within-retention")
        kept = ended(400, None, slug="kept")
        due_ids, not_yet_ids, kept_ids = people(due), people(not_yet), people(kept)
        db.session.commit()

        tasks.anonymise_expired_registrations.call_local()

        db.session.expire_all()
        for ids, erased in ((due_ids, True), (not_yet_ids, False), (kept_ids, False)):
            for registration_id in ids:
                registration = db.session.get(Registration, registration_id)
                assert (registration.anonymised_at is not None) is erased
                assert (registration.email is None) is erased
                assert (registration.given_name == "") is erased
        due = db.session.get(Event, due.id)
        assert due.anonymised_count == 3 and due.anonymised_at is not None
        assert db.session.get(Event, not_yet.id).anonymised_at is None
        [entry] = db.session.scalars(
            select(ChangeLogEntry).where(
                ChangeLogEntry.event_id == due.id, ChangeLogEntry.action == "anonymise"
            )
        )
        assert "3 registrations" in entry.summary and entry.user_id is None
        first = due.anonymised_at

        # Idempotent: nothing left to erase, nothing recorded again.
        assert retention.anonymise_due() == []
        tasks.anonymise_expired_registrations.call_local()
        db.session.expire_all()
        assert db.session.get(Event, due.id).anonymised_at == first
        assert (
            len(
                db.session.scalars(
                    select(ChangeLogEntry).where(ChangeLogEntry.action == "anonymise")
                ).all()
            )
            == 1
        )

        # Someone added by hand after the period has passed goes at the next run.
        late = make_registration(db.session.get(Event, due.id))
        db.session.commit()
        assert [(d.event_slug, d.registrations) for d in retention.anonymise_due()] == [
            ("past-retention", 1)
        ]
        assert db.session.get(Event, due.id).anonymised_count == 4
        assert db.session.get(Registration, late.id).email is None


def test_the_period_is_set_on_the_settings_page(app, client, organiser):
    with app.app_context():
        event = ended(5, None, slug="forum", title="Forum")
        event.managers.append(
            db.session.scalar(select(User).where(User.role == UserRole.ORGANISER))
        )
        db.session.commit()
    url = "/manage/events/forum/settings"
    page = client.get(url).text
    # A fieldset of its own, last in the form.
    fieldset = page.split('<fieldset id="retention">')[1].split("</fieldset>")[0]
    assert 'name="retention_days"' in fieldset and 'value=""' in fieldset
    assert page.index('id="retention"') > page.index('name="published"')
    form = {
        "title": "Forum",
        "slug": "forum",
        "timezone": "Europe/Brussels",
        "starts_at": page.split('name="starts_at"')[1].split('value="')[1].split('"')[0],
        "ends_at": page.split('name="ends_at"')[1].split('value="')[1].split('"')[0],
        "capacity": "100",
        "programme_size": "A5",
        "published": "y",
    }
    bad = organiser.post(url, {**form, "retention_days": "-1"})
    assert bad.status_code == 422
    fieldset = bad.text.split('<fieldset id="retention">')[1].split("</fieldset>")[0]
    assert 'aria-invalid="true"' in fieldset and "between 0 and 3650" in fieldset
    assert organiser.post(url, {**form, "retention_days": "30"}).status_code == 302
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == "forum"))
        assert event.retention_days == 30
        entry = db.session.scalars(
            select(ChangeLogEntry).where(ChangeLogEntry.action == "update")
        ).one()
        assert entry.changes["retention_days"] == [None, 30]
    page = client.get(url).text
    assert "The registrations will be anonymised on" in page
    # Empty again: kept.
    assert organiser.post(url, {**form, "retention_days": ""}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Event.retention_days).where(Event.slug == "forum")) is None
