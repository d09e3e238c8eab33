"""Organisers editing the agenda over HTTP, read back from the public pages."""

import re
from datetime import datetime

import pytest
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import AgendaItem, ChangeLogEntry, Event, Person, Room, UserRole
from eventapp.printing.programme import programme_size


@pytest.fixture
def organiser(app, demo, make_user, sign_in):
    """An organiser who manages the demo, signed in."""
    user_id = make_user("manager@example.org", UserRole.ORGANISER)
    with app.app_context():
        from eventapp.models import User

        event = db.session.scalar(select(Event).where(Event.slug == demo))
        event.managers.append(db.session.get(User, user_id))
        db.session.commit()
    return sign_in("manager@example.org")


def people_order(page: str, role: str) -> list[str]:
    """Names in a role's list on the item page, in order."""
    section = page.split(f'id="role-{role}"')[1].split("<h3")[0]
    return [
        re.sub(r"\s+", " ", n).strip()
        for n in re.findall(r'<span class="sortable__name">([^<]+)', section)
    ]


def test_create_panel_reorder_move_and_shift(app, client, demo, organiser):
    base = f"/manage/events/{demo}"
    # A fourth panel at 17:15, in the plenary.
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == demo))
        plenary, foyer = event.rooms[0].id, event.rooms[1].id
    response = organiser.post(
        f"{base}/agenda/new",
        {
            "kind": "panel",
            "title": "Panel 4: Looking ahead",
            "starts_at": "2024-03-12T17:15",
            "ends_at": "2024-03-12T18:00",
            "room_id": str(plenary),
            "description": "",
        },
    )
    assert response.status_code == 302, response.text
    item_url = response.headers["Location"]
    item_id = int(item_url.rsplit("/", 1)[1])

    # Three panellists: one existing speaker chosen from the type-ahead, two new ones.
    organiser.post(
        f"{item_url}/people",
        {
            "role": "moderator",
            "person": "Ralph Genetzke — International Centre for Migration Policy Development"
            " (ICMPD)",
        },
    )
    for name, org in (
        ("Nino Beridze", "Public Service Hall"),
        ("Айгуль Токтогулова", ""),
        ("José Núñez", "INM"),
    ):
        assert (
            organiser.post(
                f"{item_url}/people", {"role": "panellist", "person": name, "organisation": org}
            ).status_code
            == 302
        )
    page = client.get(item_url).text
    assert people_order(page, "panellist") == ["Nino Beridze", "Айгуль Токтогулова", "José Núñez"]
    assert "· Public Service Hall" in page  # the new speaker got the organisation typed

    # Reorder: José to the top with two "Up" presses (the keyboard way).
    with app.app_context():
        jose = db.session.scalar(select(Person).where(Person.family_name == "Núñez")).id
    for _ in range(2):
        organiser.post(f"{item_url}/people/panellist/{jose}/move", {"offset": "-1"})
    page = client.get(item_url).text
    assert people_order(page, "panellist")[0].startswith("José Núñez")

    # Move it to the foyer, then the afternoon runs 15 minutes late from Panel 2.
    response = organiser.post(
        item_url,
        {
            "kind": "panel",
            "title": "Panel 4: Looking ahead",
            "starts_at": "2024-03-12T17:15",
            "ends_at": "2024-03-12T18:00",
            "room_id": str(foyer),
            "description": "",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        panel2 = db.session.scalar(
            select(AgendaItem).where(AgendaItem.title.startswith("Panel 2"))
        ).id
    response = organiser.post(f"{base}/agenda/{panel2}/shift", {"minutes": "15"})
    assert response.status_code == 302

    # The public agenda shows the result at once.
    agenda = client.get(f"/events/{demo}/agenda").text
    block = agenda.split(f'id="item-{item_id}"')[1].split('id="item-')[0]
    assert "17:30" in block and "18:15" in block
    assert "Foyer" in block
    names = re.findall(r'speakers/\d+">([^<]+)</a>', block)
    assert names[:1] == ["Ralph Genetzke"]
    assert names[1:] == ["José Núñez", "Nino Beridze", "Айгуль Токтогулова"]
    panel2_block = agenda.split(f'id="item-{panel2}"')[1].split('id="item-')[0]
    assert "14:00" in panel2_block
    with app.app_context():
        panel1 = db.session.scalar(
            select(AgendaItem).where(AgendaItem.title.startswith("Panel 1"))
        ).id
    assert "10:45" in agenda.split(f'id="item-{panel1}"')[1].split('id="item-')[0]  # morning

    # And every step is in the change log.
    log = client.get(f"{base}/log").text
    assert "manager@example.org" in log
    assert "Panel 4: Looking ahead" in log
    # Fields and values as the forms name them: an update reads "before → after" (rooms
    # by name, times in the event's zone, and a time that did not move is not listed);
    # a shift's values are shown as they are.
    moved = log.split("“Panel 4: Looking ahead” changed")[1].split("</tr>")[0]
    assert re.search(r"<dt>Room</dt>\s*<dd><del>[^<]+</del> → <ins>Foyer</ins></dd>", moved)
    assert "Starts" not in moved  # the form sent the time it had: 17:15 in Brussels
    details = "".join(re.findall(r'<dl class="changes">.*?</dl>', log, re.S))
    assert "room_id" not in details and "+00:00" not in details
    assert re.search(r"<dt>Minutes</dt>\s*<dd>15</dd>", log)
    assert re.search(r"<dt>Items</dt>\s*<dd>“Panel 2[^<]*”; “", log)  # by title, not id
    with app.app_context():
        actions = {e.action for e in db.session.scalars(select(ChangeLogEntry))}
    assert {"create", "update", "shift"} <= actions


def test_item_form_errors_stay_next_to_the_fields(client, demo, organiser):
    response = organiser.post(
        f"/manage/events/{demo}/agenda/new",
        {
            "kind": "talk",
            "title": "",
            "starts_at": "2024-03-12T10:00",
            "ends_at": "2024-03-12T09:00",
            "room_id": "0",
        },
    )
    assert response.status_code == 422
    assert 'id="title-error"' in response.text
    assert "The end must come after the start." in response.text
    assert 'value="2024-03-12T10:00"' in response.text  # what was typed is kept


def test_timeline_flags_clashes_without_blocking_the_save(app, client, demo, organiser):
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == demo))
        keynote = db.session.scalar(
            select(AgendaItem).where(AgendaItem.event_id == event.id, AgendaItem.kind == "keynote")
        )
        room_id = keynote.room_id
        start = event.local(keynote.starts_at).strftime("%Y-%m-%dT%H:%M")
        end = event.local(keynote.ends_at).strftime("%Y-%m-%dT%H:%M")
    response = organiser.post(
        f"/manage/events/{demo}/agenda/new",
        {
            "kind": "talk",
            "title": "Clashing talk",
            "starts_at": start,
            "ends_at": end,
            "room_id": str(room_id),
            "description": "",
        },
    )
    assert response.status_code == 302  # saved all the same
    page = client.get(f"/manage/events/{demo}/agenda").text
    assert "Clashing talk" in page
    assert "things to check" in page or "thing to check" in page
    assert "row--flagged" in page


def test_rooms_and_speakers_can_be_managed(app, client, demo, organiser):
    base = f"/manage/events/{demo}"
    assert (
        organiser.post(f"{base}/rooms", {"name": "Room Tbilisi", "capacity": "40"}).status_code
        == 302
    )
    dup = organiser.post(f"{base}/rooms", {"name": "room tbilisi", "capacity": ""})
    assert dup.status_code == 422 and "There is a room with this name already." in dup.text
    response = organiser.post(
        f"{base}/speakers/new",
        {
            "given_name": "  Nargiza ",
            "family_name": "Abdyldaeva",
            "country": "KG",
            "bio": "*Trainer*",
            "position": "",
            "organisation": "",
            "honorific": "",
            "email": "",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        person = db.session.scalar(select(Person).where(Person.family_name == "Abdyldaeva"))
        assert person.given_name == "Nargiza"  # stripped
        room = db.session.scalar(select(Room).where(Room.name == "Room Tbilisi"))
        assert room.capacity == 40
    bad = organiser.post(f"{base}/speakers/new", {"given_name": "X", "country": "XX"})
    assert bad.status_code == 422 and "Choose a country from the list." in bad.text


def test_settings_change_times_in_the_event_zone(app, client, demo, organiser):
    page = client.get(f"/manage/events/{demo}/settings").text
    assert 'value="2024-03-12T08:30"' in page
    form = {
        "title": "MIEUX Impact Event",
        "subtitle": "",
        "slug": demo,
        "timezone": "Europe/Brussels",
        "starts_at": "2024-03-12T09:00",
        "ends_at": "2024-03-12T18:00",
        "venue_name": "",
        "venue_address": "",
        "capacity": "120",
        "registration_opens_at": "",
        "registration_closes_at": "",
        "published": "y",
        "description": "New text",
        "privacy_notice": "",
        "programme_size": "A4",
    }
    assert '<option selected value="A5">' in page
    assert organiser.post(f"/manage/events/{demo}/settings", form).status_code == 302
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == demo))
        assert event.capacity == 120
        assert programme_size(event) == "A4"
        assert event.starts_at.replace(tzinfo=None) == datetime(2024, 3, 12, 8, 0)  # UTC
    bad = organiser.post(f"/manage/events/{demo}/settings", {**form, "timezone": "Mars/Olympus"})
    assert bad.status_code == 422 and "Choose a time zone from the list." in bad.text


def test_new_event_as_a_copy_of_the_demo(app, client, demo, organiser):
    form = {
        "copy_from": "",
        "title": "MIEUX follow-up",
        "subtitle": "",
        "slug": "follow-up",
        "timezone": "Europe/Brussels",
        "starts_at": "2026-04-14T08:30",
        "ends_at": "2026-04-14T18:00",
        "venue_name": "",
        "venue_address": "",
        "capacity": "80",
        "registration_opens_at": "",
        "registration_closes_at": "",
        "description": "",
        "privacy_notice": "",
    }
    with app.app_context():
        form["copy_from"] = str(db.session.scalar(select(Event.id).where(Event.slug == demo)))
    response = organiser.post("/manage/events/new", form)
    assert response.status_code == 302, response.text
    with app.app_context():
        copy = db.session.scalar(select(Event).where(Event.slug == "follow-up"))
        assert not copy.published and copy.registrations == []
        assert len(copy.agenda_items) == 12
        first = min(copy.agenda_items, key=lambda i: i.starts_at)
        assert copy.local(first.starts_at).strftime("%Y-%m-%d %H:%M") == "2026-04-14 08:30"
        assert [m.email for m in copy.managers] == ["manager@example.org"]
    assert client.get("/manage/events/follow-up/agenda").status_code == 200


def test_speaker_photo_upload_through_the_form(app, client, demo, organiser, tmp_path):
    import io

    from PIL import Image

    with app.app_context():
        person = db.session.scalar(select(Person).where(Person.family_name == "Gehrke"))
        url = f"/manage/events/{demo}/speakers/{person.id}"
    fields = {"given_name": "Lukas", "family_name": "Gehrke", "country": "AT"}

    renamed = organiser.post(
        url,
        {**fields, "photo": (io.BytesIO(b"not an image"), "portrait.jpg")},
        content_type="multipart/form-data",
    )
    assert renamed.status_code == 422
    assert 'id="photo-error"' in renamed.text and "not an image we can read" in renamed.text

    buffer = io.BytesIO()
    Image.new("RGB", (1600, 1200), (30, 90, 160)).save(buffer, "JPEG")
    buffer.seek(0)
    saved = organiser.post(
        url, {**fields, "photo": (buffer, "portrait.jpg")}, content_type="multipart/form-data"
    )
    assert saved.status_code == 302
    public = client.get(f"/events/{demo}/speakers/{person.id}").text
    src = re.search(r'<img[^>]+src="(/media/photos/[^"]+)"', public).group(1)
    with client.get(src) as response:  # a file response: close it
        image = Image.open(io.BytesIO(response.data))
    assert max(image.size) <= 800
