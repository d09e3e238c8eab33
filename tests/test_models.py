"""Integrity kept by the database itself, on SQLite and PostgreSQL alike."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError, StatementError

from eventapp.extensions import db
from eventapp.models import AgendaItem, AgendaRole, Event, Person, Registration, RoleKind, Room

from .factories import START, add_role, make_event, make_item, make_person, make_registration


def test_event_slug_is_unique(app):
    with app.app_context():
        make_event(slug="forum")
        db.session.commit()
        make_event(slug="forum")
        with pytest.raises(IntegrityError):
            db.session.commit()


def test_registration_email_is_unique_per_event_whatever_the_case(app):
    with app.app_context():
        event, other = make_event(), make_event()
        make_registration(event, email="Jose.Nunez@Example.org")
        make_registration(other, email="jose.nunez@example.org")  # another event: fine
        db.session.commit()
        make_registration(event, email="JOSE.NUNEZ@EXAMPLE.ORG")
        with pytest.raises(IntegrityError):
            db.session.commit()


def test_unicode_case_is_folded_too(app):
    with app.app_context():
        event = make_event()
        make_registration(event, email="ÉLODIE@exemple.fr")
        db.session.commit()
        make_registration(event, email="élodie@exemple.fr")
        with pytest.raises(IntegrityError):
            db.session.commit()


def test_database_refuses_a_key_that_was_not_folded(app):
    """Even SQL written around the model cannot store a duplicate in upper case."""
    with app.app_context():
        event = make_event()
        db.session.commit()
        with pytest.raises(IntegrityError):
            db.session.execute(
                text(
                    "INSERT INTO registration (event_id, given_name, family_name, badge_name, email,"  # noqa: E501
                    " email_key, organisation, job_title, country, category, status, token, language,"  # noqa: E501
                    " created_at, updated_at) VALUES (:e, 'A', 'B', '', 'A@X.ORG', 'A@X.ORG', '', '',"  # noqa: E501
                    " '', 'participant', 'confirmed', 'tok', 'en', :now, :now)"
                ),
                {"e": event.id, "now": datetime(2030, 1, 1)},
            )


def test_registrations_without_address_may_coexist(app):
    """Walk-ins and anonymised registrations have no e-mail."""
    with app.app_context():
        event = make_event()
        make_registration(event, email=None)
        make_registration(event, email=None)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 2


@pytest.mark.parametrize("factory", ["event", "item"])
def test_end_must_come_after_start(app, factory):
    with app.app_context():
        if factory == "event":
            make_event(starts_at=START, ends_at=START)
        else:
            event = make_event()
            db.session.commit()
            make_item(event, starts_at=START, ends_at=START - timedelta(minutes=5))
        with pytest.raises(IntegrityError):
            db.session.commit()


def test_enum_columns_refuse_unknown_values(app):
    with app.app_context():
        make_item(make_event())
        db.session.commit()
        with pytest.raises(IntegrityError):
            db.session.execute(text("UPDATE agenda_item SET kind = 'party'"))


def test_times_come_back_as_aware_utc(app):
    with app.app_context():
        brussels_morning = datetime.fromisoformat("2024-03-12T08:30:00+01:00")
        event = make_event(
            starts_at=brussels_morning, ends_at=brussels_morning + timedelta(hours=9)
        )
        db.session.commit()
        event_id = event.id
        db.session.expunge_all()
        stored = db.session.get(Event, event_id)
        assert stored.starts_at.tzinfo is not None
        assert stored.starts_at == datetime(2024, 3, 12, 7, 30, tzinfo=UTC)
        assert stored.local(stored.starts_at).strftime("%H:%M") == "08:30"


def test_naive_datetimes_are_refused(app):
    with app.app_context():
        make_event(starts_at=datetime(2030, 1, 1, 9), ends_at=datetime(2030, 1, 1, 17))
        with pytest.raises(StatementError, match="naive datetime"):
            db.session.commit()


def test_deleting_an_event_removes_everything_that_belongs_to_it(app):
    with app.app_context():
        event = make_event()
        keep = make_event()
        room = make_room_for(event)
        person = make_person(event)
        item = make_item(event, room=room)
        add_role(item, person, RoleKind.PANELLIST)
        make_registration(event, person=person)
        make_registration(keep)
        db.session.commit()
        # Delete in SQL, as an administrator's script would: the database cascades.
        db.session.execute(Event.__table__.delete().where(Event.id == event.id))
        db.session.commit()
        for model in (Room, Person, AgendaItem, AgendaRole):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0, model
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 1


def test_deleting_a_room_keeps_its_items_unplaced(app):
    with app.app_context():
        event = make_event()
        room = make_room_for(event)
        item = make_item(event, room=room)
        db.session.commit()
        db.session.execute(Room.__table__.delete().where(Room.id == room.id))
        db.session.commit()
        db.session.refresh(item)
        assert item.room_id is None


def test_deleting_a_speaker_keeps_their_registration(app):
    with app.app_context():
        event = make_event()
        person = make_person(event)
        add_role(make_item(event), person, RoleKind.SPEAKER)
        registration = make_registration(event, person=person)
        db.session.commit()
        db.session.execute(Person.__table__.delete().where(Person.id == person.id))
        db.session.commit()
        db.session.refresh(registration)
        assert registration.person_id is None
        assert db.session.scalar(select(func.count()).select_from(AgendaRole)) == 0


def test_same_person_cannot_hold_the_same_role_twice_in_one_item(app):
    with app.app_context():
        event = make_event()
        person = make_person(event)
        item = make_item(event)
        add_role(item, person, RoleKind.PANELLIST)
        add_role(item, person, RoleKind.PANELLIST, 1)
        with pytest.raises(IntegrityError):
            db.session.commit()


def test_registration_tokens_are_long_random_and_unique(app):
    with app.app_context():
        event = make_event()
        tokens = {make_registration(event).token for _ in range(50)}
        db.session.commit()
    assert len(tokens) == 50
    assert all(len(token) >= 43 for token in tokens)  # 256 bits in URL-safe base64


def make_room_for(event):
    room = Room(event=event, name="Plenary")
    db.session.add(room)
    return room
