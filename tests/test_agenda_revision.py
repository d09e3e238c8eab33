"""Every change to what the agenda shows moves Event.agenda_revision, and nothing else does:
the feeds' ETags, the calendar attachment and the programme PDF are keyed on it."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select, text

from eventapp.agenda import rooms, services, speakers
from eventapp.events import services as events
from eventapp.extensions import db
from eventapp.models import AgendaItem, Event, ItemKind, Person, RoleKind, Room, User, UserRole
from eventapp.models.revision import bump_agenda_revision
from eventapp.registration import questions
from eventapp.registration import services as registration

from .factories import add_role, make_event, make_item, make_person, make_room


def revision(event_id: int) -> int:
    """As stored, not as the session remembers it."""
    return db.session.execute(
        text("SELECT agenda_revision FROM event WHERE id = :id"), {"id": event_id}
    ).scalar_one()


@pytest.fixture
def forum(app):
    """An event with a room, two items and a panel of two, committed; yields it inside a
    request context (the services log with the signed-in user, if any)."""
    with app.test_request_context():
        event = make_event(slug="forum")
        hall = make_room(event, name="Hall")
        make_room(event, name="Foyer")
        talk = make_item(event, title="Opening talk", room=hall)
        panel = make_item(
            event,
            kind=ItemKind.PANEL,
            title="Panel",
            starts_at=event.starts_at + timedelta(hours=1),
            room=hall,
        )
        ana = make_person(event, given_name="Ana", family_name="Ruiz")
        ben = make_person(event, given_name="Ben", family_name="Okafor")
        add_role(talk, ana, RoleKind.SPEAKER)
        add_role(panel, ana, RoleKind.PANELLIST, 0)
        add_role(panel, ben, RoleKind.PANELLIST, 1)
        db.session.commit()
        yield event


def talk(event: Event) -> AgendaItem:
    return db.session.scalar(select(AgendaItem).where(AgendaItem.title == "Opening talk"))


def panel(event: Event) -> AgendaItem:
    return db.session.scalar(select(AgendaItem).where(AgendaItem.title == "Panel"))


def person(event: Event, given_name: str) -> Person:
    return db.session.scalar(select(Person).where(Person.given_name == given_name))


def hall(event: Event) -> Room:
    return db.session.scalar(select(Room).where(Room.name == "Hall"))


AGENDA_CHANGES = {
    "shift_from_here": lambda e: services.shift_from_here(talk(e), 15),
    "set_people (add)": lambda e: services.set_people(
        talk(e), RoleKind.SPEAKER, [person(e, "Ana").id, person(e, "Ben").id]
    ),
    "set_people (remove)": lambda e: services.set_people(
        panel(e), RoleKind.PANELLIST, [person(e, "Ben").id]
    ),
    "set_people (reorder)": lambda e: services.set_people(
        panel(e), RoleKind.PANELLIST, [person(e, "Ben").id, person(e, "Ana").id]
    ),
    "move_person": lambda e: services.move_person(
        panel(e), RoleKind.PANELLIST, person(e, "Ben").id, -1
    ),
    "save_item (new)": lambda e: services.save_item(
        e,
        None,
        {
            "kind": ItemKind.BREAK,
            "title": "Coffee",
            "starts_at": e.starts_at,
            "ends_at": e.starts_at + timedelta(minutes=15),
            "room_id": None,
            "description": "",
        },
    ),
    "save_item (title)": lambda e: services.save_item(e, talk(e), {"title": "Keynote"}),
    "save_item (room)": lambda e: services.save_item(e, talk(e), {"room_id": None}),
    "delete_item": lambda e: services.delete_item(panel(e)),
    "save_room (new)": lambda e: rooms.save_room(e, None, {"name": "Annex", "capacity": 20}),
    "save_room (rename)": lambda e: rooms.save_room(e, hall(e), {"name": "Great Hall"}),
    "save_room (capacity)": lambda e: rooms.save_room(e, hall(e), {"capacity": 300}),
    "delete_room": lambda e: rooms.delete_room(hall(e)),
    "save_person (new)": lambda e: speakers.save_person(e, None, {"given_name": "Chloé"}),
    "save_person (name)": lambda e: speakers.save_person(
        e, person(e, "Ana"), {"family_name": "Ruiz-Picasso"}
    ),
    "save_person (bio)": lambda e: speakers.save_person(e, person(e, "Ana"), {"bio": "Hi."}),
    "save_person (photo)": lambda e: speakers.save_person(
        e, person(e, "Ana"), {"photo": "people/ana.jpg"}
    ),
    "save_person (organisation)": lambda e: speakers.save_person(
        e, person(e, "Ana"), {"organisation": "ICMPD"}
    ),
    "delete_person": lambda e: speakers.delete_person(person(e, "Ben")),
    "find_or_create_person (new)": lambda e: speakers.find_or_create_person(e, "Dan Li"),
    "update_event (title)": lambda e: events.update_event(e, {"title": "Forum 2031"}),
    "update_event (venue)": lambda e: events.update_event(e, {"venue_name": "Congress"}),
    "update_event (time zone)": lambda e: events.update_event(e, {"timezone": "UTC"}),
    "update_event (programme size)": lambda e: events.update_event(e, {"programme_size": "A4"}),
    "edited without a service": lambda e: setattr(talk(e), "description", "Hand-edited."),
    "bump_agenda_revision": bump_agenda_revision,
}


@pytest.mark.parametrize("change", AGENDA_CHANGES.values(), ids=AGENDA_CHANGES.keys())
def test_every_agenda_change_moves_the_revision(forum, change):
    before = revision(forum.id)
    change(forum)
    db.session.commit()
    assert revision(forum.id) > before
    assert forum.agenda_revision == revision(forum.id)


def test_the_updated_at_of_the_event_stays_when_only_its_agenda_changes(forum):
    updated_at = forum.updated_at
    services.save_item(forum, talk(forum), {"title": "Keynote"})
    db.session.commit()
    assert forum.updated_at == updated_at and forum.agenda_revision == 1


def test_two_changes_in_two_sessions_both_count(app, forum):
    """The flush adds one in SQL: an edit does not write back the number it read."""
    event_id, before = forum.id, revision(forum.id)
    stale = db.session.get(Event, event_id)
    assert stale.agenda_revision == before
    with app.app_context():  # another request, meanwhile
        other = db.session.get(Event, event_id)
        rooms.save_room(other, None, {"name": "Annex"})
        db.session.commit()
    services.save_item(stale, talk(stale), {"title": "Keynote"})
    db.session.commit()
    assert revision(event_id) == before + 2


NOT_AGENDA_CHANGES = {
    "register": lambda e: registration.register(
        e, {"given_name": "Eva", "email": "eva@example.org", "privacy_consent": True}, language="en"
    ),
    "save_question": lambda e: questions.save_question(
        e, None, {"label": "T-shirt size", "kind": "short_text"}
    ),
    "update_event (seats)": lambda e: events.update_event(e, {"capacity": 250}),
    "update_event (privacy notice)": lambda e: events.update_event(
        e, {"privacy_notice": "We keep your name."}
    ),
    "update_event (moderation)": lambda e: events.update_event(e, {"moderation": True}),
    "set_managers": lambda e: events.set_managers(e, []),
    "save_person (e-mail)": lambda e: speakers.save_person(
        e, person(e, "Ana"), {"email": "ana@example.org"}
    ),
    "set_people (same order)": lambda e: services.set_people(
        panel(e), RoleKind.PANELLIST, [person(e, "Ana").id, person(e, "Ben").id]
    ),
    "shift_from_here (0 min)": lambda e: services.shift_from_here(talk(e), 0),
}


@pytest.mark.parametrize("change", NOT_AGENDA_CHANGES.values(), ids=NOT_AGENDA_CHANGES.keys())
def test_changes_the_agenda_does_not_show_keep_the_revision(forum, change):
    before, updated_at = revision(forum.id), forum.updated_at
    change(forum)
    db.session.commit()
    assert revision(forum.id) == before
    if "update_event" not in str(change.__code__.co_names):
        assert forum.updated_at == updated_at


def test_a_copied_event_starts_afresh_and_the_source_keeps_its_revision(forum):
    services.save_item(forum, talk(forum), {"title": "Keynote"})
    db.session.commit()
    before = revision(forum.id)
    copy = events.copy_event(
        forum, slug="forum-2031", title="Forum 2031", start_date=date(2031, 5, 14)
    )
    db.session.commit()
    assert revision(copy.id) == 0 and revision(forum.id) == before
    assert len(copy.agenda_items) == 2


def test_a_sign_up_keeps_the_feeds_and_an_edit_changes_them(client, forum):
    first = client.get(f"/events/{forum.slug}/schedule.xml")
    registration.register(
        forum,
        {"given_name": "Eva", "email": "eva@example.org", "privacy_consent": True},
        language="en",
    )
    again = client.get(
        f"/events/{forum.slug}/schedule.xml", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304 and again.headers["ETag"] == first.headers["ETag"]
    rooms.save_room(forum, None, {"name": "Annex"})
    db.session.commit()
    fresh = client.get(
        f"/events/{forum.slug}/schedule.xml", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert fresh.status_code == 200 and b"Annex" in fresh.data


# --- The organiser pages ----------------------------------------------------------------


@pytest.fixture
def organiser(forum, make_user, sign_in):
    """The forum's manager, signed in."""
    user_id = make_user("manager@example.org", UserRole.ORGANISER)
    forum.managers.append(db.session.get(User, user_id))
    db.session.commit()
    return sign_in("manager@example.org")


PAGES = {
    "shift": lambda e: (f"agenda/{talk(e).id}/shift", {"minutes": "10"}),
    "delete item": lambda e: (f"agenda/{panel(e).id}/delete", {}),
    "add person": lambda e: (
        f"agenda/{talk(e).id}/people",
        {"role": "moderator", "person": "Ben Okafor"},
    ),
    "remove person": lambda e: (
        f"agenda/{panel(e).id}/people/panellist/{person(e, 'Ana').id}/remove",
        {},
    ),
    "move person": lambda e: (
        f"agenda/{panel(e).id}/people/panellist/{person(e, 'Ben').id}/move",
        {"offset": "-1"},
    ),
    "delete room": lambda e: (f"rooms/{hall(e).id}/delete", {}),
    "delete speaker": lambda e: (f"speakers/{person(e, 'Ben').id}/delete", {}),
}


@pytest.mark.parametrize("page", PAGES.values(), ids=PAGES.keys())
def test_the_organiser_pages_move_the_revision(forum, organiser, page):
    path, data = page(forum)
    before = revision(forum.id)
    response = organiser.post(f"/manage/events/{forum.slug}/{path}", data=data)
    assert response.status_code == 302, response.text
    assert revision(forum.id) > before
