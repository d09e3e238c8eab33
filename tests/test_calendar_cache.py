"""The agenda .ics that e-mails attach is built once, yet follows every change at once."""

import icalendar

from eventapp.extensions import db
from eventapp.feeds.calendar_cache import agenda_ics
from eventapp.models import RoleKind

from .factories import add_role, make_event, make_item, make_person


def summaries(body: bytes) -> list[str]:
    return sorted(str(e["summary"]) for e in icalendar.Calendar.from_ical(body).walk("VEVENT"))


def test_the_attachment_is_built_once_per_version_of_the_agenda(app, client):
    with app.test_request_context():
        event = make_event()
        item = make_item(event, title="Opening")
        person = make_person(event, given_name="Ana", family_name="Ribeiro")
        add_role(item, person, RoleKind.SPEAKER)
        db.session.commit()
        slug = event.slug

        first = agenda_ics(event)
        assert agenda_ics(event) is first  # not built again
        assert first == client.get(f"/events/{slug}/agenda.ics").data  # as the feed says

        item.title = "Opening session"
        db.session.commit()
        assert summaries(agenda_ics(event)) == ["Opening session"]

        person.family_name = "Ribeiro-Silva"
        db.session.commit()
        assert b"Ana Ribeiro-Silva" in agenda_ics(event).replace(b"\r\n ", b"")

        make_item(event, title="Panel")
        db.session.commit()
        assert summaries(agenda_ics(event)) == ["Opening session", "Panel"]

        db.session.delete(item)
        db.session.commit()
        assert summaries(agenda_ics(event)) == ["Panel"]

        event.title = "Renamed forum"
        db.session.commit()
        assert b"X-WR-CALNAME:Renamed forum" in agenda_ics(event)
        assert agenda_ics(event) == client.get(f"/events/{slug}/agenda.ics").data
