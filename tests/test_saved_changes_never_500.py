"""No 500 after a saved change: line breaks are refused by every one-line field, an
e-mail that cannot be built or sent is recorded as failed while the sign-up still
answers its redirect, moving a person within a role they do not hold is a 404, and an
event copies whatever its venue fields hold. Through a real HTTP server."""

import importlib
import inspect
import pkgutil
import re
from urllib.parse import urlencode

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from wtforms import StringField, TextAreaField
from wtforms.fields.core import UnboundField

import eventapp
from eventapp.extensions import db
from eventapp.models import (
    AgendaRole,
    Event,
    MailRecord,
    MailStatus,
    Registration,
    RoleKind,
    User,
    UserRole,
)
from eventapp.testing import CSRF, Session
from eventapp.web.forms import CleanForm

from .conftest import PASSWORD
from .factories import make_event, make_item, make_person

EMAIL = "organiser@example.org"
ONE_LINE = "Write this on one line: remove the line break."


def _subclasses(cls) -> list[type]:
    return [cls, *(sub for child in cls.__subclasses__() for sub in _subclasses(child))]


def one_line_fields() -> list[tuple[type, str]]:
    """(form class, field name) of every one-line text field of every form: every module
    of the package is imported first, so the list does not depend on what other test
    files imported before (forms live in each feature's forms.py and views)."""
    for module in pkgutil.walk_packages(eventapp.__path__, "eventapp."):
        importlib.import_module(module.name)
    found = []
    for form in _subclasses(CleanForm):
        for name in dir(form):
            field = getattr(form, name)
            if (
                isinstance(field, UnboundField)
                and issubclass(field.field_class, StringField)
                and not issubclass(field.field_class, TextAreaField)
            ):
                found.append((form, name))
    return found


FIELDS = one_line_fields()


def test_the_forms_have_one_line_fields():
    names = {(form.__name__, name) for form, name in FIELDS}
    for expected in [
        ("EventForm", "title"),
        ("EventForm", "venue_name"),
        ("EventForm", "venue_address"),
        ("RoomForm", "name"),
        ("PersonForm", "given_name"),
        ("PersonForm", "organisation"),
        ("DetailsForm", "family_name"),
        ("WalkInForm", "organisation"),
        ("ItemForm", "title"),
        ("QuestionForm", "label"),
    ]:
        assert expected in names


@pytest.mark.parametrize(
    ("form", "name"), FIELDS, ids=[f"{form.__name__}.{name}" for form, name in FIELDS]
)
@pytest.mark.parametrize(
    "value", ["First\nSecond", "First\r\nBcc: x@example.org", "First\u2028Second"]
)
def test_every_one_line_field_refuses_a_line_break(app, form, name, value):
    # The sign-up forms are made for an event (its questions, its privacy notice).
    needs = (
        {"event": Event(slug="forum")}
        if "event" in inspect.signature(form.__init__).parameters
        else {}
    )
    with app.test_request_context(method="POST"):
        bound = form(formdata=MultiDict({name: value}), meta={"csrf": False}, **needs)
        field = bound[name]
        field.validate(bound)
        assert ONE_LINE in field.errors


# --- Over HTTP ---------------------------------------------------------------------------


def post_form(session: Session, path: str, fields: dict) -> tuple[int, str, str]:
    """A form post as the browser sends it, with the session's CSRF token; the status,
    the page and the Location."""
    conn = session.connect()
    try:
        body = urlencode({"csrf_token": session.token, **fields})
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if session.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        page = response.read().decode()
        for key, header in response.getheaders():
            if key.lower() == "set-cookie":
                cookie, value = header.split(";", 1)[0].split("=", 1)
                session.cookies[cookie] = value
        return response.status, page, response.getheader("Location") or ""
    finally:
        conn.close()


def get(session: Session, path: str) -> tuple[int, str]:
    conn = session.connect()
    try:
        return session.call(conn, "GET", path)
    finally:
        conn.close()


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


@pytest.fixture
def organiser(app, make_user) -> int:
    return make_user(EMAIL, UserRole.ORGANISER)


def managed_event(app, user_id: int, **kw) -> tuple[int, str]:
    with app.app_context():
        event = make_event(**kw)
        event.managers.append(db.session.get(User, user_id))
        db.session.commit()
        return event.id, event.slug


def signed_in(live_server: str) -> Session:
    session = Session(port_of(live_server))
    session.login(EMAIL, PASSWORD, landing="/manage/")
    return session


def error_of(page: str, field: str) -> str:
    match = re.search(rf'<p class="field__error" id="{field}-error">(.*?)</p>', page, re.S)
    return match.group(1) if match else ""


NEW_EVENT = {
    "copy_from": "0",
    "title": "Forum",
    "slug": "forum-2031",
    "timezone": "Europe/Brussels",
    "starts_at": "2031-05-14T09:00",
    "ends_at": "2031-05-14T18:00",
    "capacity": "10",
    "programme_size": "A5",
}


def test_event_title_and_venue_with_a_line_break_are_refused(app, organiser, live_server):
    session = signed_in(live_server)
    status, page, _ = post_form(
        session,
        "/manage/events/new",
        {**NEW_EVENT, "title": "Forum\r\nBcc: everyone@example.org", "venue_name": "Hall\nB"},
    )
    assert status == 422
    assert ONE_LINE in error_of(page, "title") and ONE_LINE in error_of(page, "venue_name")
    with app.app_context():
        assert db.session.scalar(select(Event)) is None


def test_sign_up_with_a_line_break_in_a_name_is_refused(app, live_server):
    with app.app_context():
        slug = make_event().slug
        db.session.commit()
    person = Session(port_of(live_server))
    status, page = get(person, f"/events/{slug}/register")
    person.token = CSRF.search(page).group(1)
    status, page, _ = post_form(
        person,
        f"/events/{slug}/register",
        {
            "given_name": "Ana\nBcc: x@example.org",
            "family_name": "Ribeiro",
            "email": "ana@example.org",
            "organisation": "ICMPD",
            "country": "PT",
            "dietary": "none",
            "privacy_consent": "y",
        },
    )
    assert status == 422 and ONE_LINE in error_of(page, "given_name")
    with app.app_context():
        assert db.session.scalar(select(Registration)) is None


def sign_up(live_server: str, slug: str, email: str) -> tuple[int, str]:
    person = Session(port_of(live_server))
    _status, page = get(person, f"/events/{slug}/register")
    person.token = CSRF.search(page).group(1)
    status, page, location = post_form(
        person,
        f"/events/{slug}/register",
        {
            "given_name": "Nino",
            "family_name": "Beridze",
            "email": email,
            "organisation": "PSDA",
            "country": "GE",
            "dietary": "none",
            "privacy_consent": "y",
        },
    )
    assert status in (302, 303), page
    done, _page = get(person, location.replace(live_server, ""))
    return done, location


def test_a_title_stored_with_a_line_break_still_mails_on_one_line(app, smtp, live_server):
    with app.app_context():
        # Stored before the forms refused it (or by the CLI, an import, the demo).
        slug = make_event(title="Migration\nForum\r\nBcc: everyone@example.org").slug
        db.session.commit()
    done, location = sign_up(live_server, slug, "nino@example.org")
    assert done == 200 and "/done" in location
    [message] = smtp.messages
    # One line (the mail package folds a long one; unfolded it is the same words).
    assert (
        " ".join(message["Subject"].split())
        == "Your registration is confirmed: Migration Forum Bcc: everyone@example.org"
    )
    assert message["Bcc"] is None and smtp.recipients == [["nino@example.org"]]
    with app.app_context():
        record = db.session.scalars(select(MailRecord)).one()
        assert record.status == MailStatus.SENT
    # The agenda feed, attached to that message, is served too, its name on one line.
    status, feed = get(Session(port_of(live_server)), f"/events/{slug}/agenda.ics")
    assert status == 200
    assert "X-WR-CALNAME:Migration Forum Bcc: everyone@example.org\r\n" in feed


def test_a_message_that_cannot_be_built_is_recorded_as_failed(app, smtp, live_server, caplog):
    app.config["MAIL_FROM"] = "Events\nBcc: everyone@example.org <events@example.org>"
    with app.app_context():
        slug = make_event().slug
        db.session.commit()
    done, location = sign_up(live_server, slug, "nino@example.org")
    assert done == 200 and "/done" in location
    assert smtp.messages == []
    with app.app_context():
        registration = db.session.scalars(select(Registration)).one()
        record = db.session.scalars(select(MailRecord)).one()
        assert (record.registration_id, record.kind, record.status) == (
            registration.id,
            "confirmation",
            MailStatus.FAILED,
        )
        assert record.recipient == "nino@example.org"
        assert "ValueError" in record.error
    assert "could not send the confirmation e-mail" in caplog.text


def test_moving_a_person_outside_their_role_is_a_404(app, organiser, live_server):
    event_id, slug = managed_event(app, organiser)
    with app.app_context():
        event = db.session.get(Event, event_id)
        item = make_item(event)
        speaker, stranger, other = (make_person(event) for _ in range(3))
        db.session.flush()
        for person, role, position in (
            (speaker, RoleKind.SPEAKER, 0),
            (other, RoleKind.SPEAKER, 1),
            (stranger, RoleKind.MODERATOR, 0),
        ):
            db.session.add(
                AgendaRole(item_id=item.id, person_id=person.id, role=role, position=position)
            )
        db.session.commit()
        item_id, speaker_id, stranger_id, other_id = item.id, speaker.id, stranger.id, other.id
    session = signed_in(live_server)
    base = f"/manage/events/{slug}/agenda/{item_id}/people"
    for role, person in (("speaker", stranger_id), ("speaker", 999_999), ("moderator", speaker_id)):
        status, _page, _ = post_form(session, f"{base}/{role}/{person}/move", {"offset": "1"})
        assert status == 404, (role, person)
    status, _page, _ = post_form(session, f"{base}/speaker/{speaker_id}/move", {"offset": "1"})
    assert status == 302
    with app.app_context():
        speakers = db.session.scalars(
            select(AgendaRole.person_id)
            .where(AgendaRole.item_id == item_id, AgendaRole.role == RoleKind.SPEAKER)
            .order_by(AgendaRole.position)
        ).all()
    assert speakers == [other_id, speaker_id]


@pytest.mark.parametrize(
    "venue", [{"venue_name": "", "venue_address": ""}, {}], ids=["blank", "left-out"]
)
def test_copying_an_event_with_a_blank_venue_address(app, organiser, live_server, venue):
    event_id, _slug = managed_event(app, organiser, venue_name="", venue_address="")
    session = signed_in(live_server)
    status, page, location = post_form(
        session, "/manage/events/new", {**NEW_EVENT, "copy_from": str(event_id), **venue}
    )
    assert status == 302, page
    assert get(session, location.replace(live_server, ""))[0] == 200
    with app.app_context():
        copy = db.session.scalar(select(Event).where(Event.slug == "forum-2031"))
        assert (copy.venue_name, copy.venue_address) == ("", "")
