"""The blank sign-up page is rendered once and shared (registration/form_page.py): each
visitor still gets their own working CSRF token, and the page follows every change of
what it shows."""

from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import Event, Question, QuestionKind, Registration

from .conftest import csrf_token_from
from .factories import make_event
from .test_registration_form import valid


def _event(app, **kw) -> str:
    with app.app_context():
        event = make_event(**kw)
        db.session.commit()
        return event.slug


def test_each_visitor_gets_a_token_of_their_own_that_works(app):
    slug = _event(app)
    url = f"/events/{slug}/register"
    first, second = app.test_client(), app.test_client()
    token_1 = csrf_token_from(first.get(url).text)
    token_2 = csrf_token_from(second.get(url).text)
    assert token_1 != token_2
    assert len(app.extensions["signup_pages"]) == 1  # one page served to both
    # A token is tied to its own session: another visitor's is refused.
    assert second.post(url, data={"csrf_token": token_1, **valid()}).status_code == 400
    assert first.post(url, data={"csrf_token": token_1, **valid()}).status_code == 302
    assert (
        second.post(
            url, data={"csrf_token": token_2, **valid(email="second@example.org")}
        ).status_code
        == 302
    )
    with app.app_context():
        assert len(db.session.scalars(select(Registration)).all()) == 2


def test_the_page_follows_the_event_and_its_questions(app, client):
    slug = _event(app, title="Forum 2030")
    url = f"/events/{slug}/register"
    assert "Forum 2030" in client.get(url).text
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        event.title = "Forum 2031"
        db.session.commit()
    page = client.get(url).text
    assert "Forum 2031" in page and "Forum 2030" not in page
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        db.session.add(
            Question(event=event, kind=QuestionKind.SHORT_TEXT, label="Which workshop?", position=1)
        )
        db.session.commit()
    assert "Which workshop?" in client.get(url).text


def test_the_page_is_in_the_visitors_language(app, client):
    slug = _event(app)
    url = f"/events/{slug}/register"
    assert "Family name" in client.get(url + "?lang=en").text
    assert "Nom de famille" in client.get(url + "?lang=fr").text
    assert "Family name" in app.test_client().get(url + "?lang=en").text


def test_signed_in_organisers_get_their_own_page(app, client, organiser):
    slug = _event(app)
    url = f"/events/{slug}/register"
    assert "Organiser sign-in" in app.test_client().get(url).text
    page = client.get(url).text
    assert "Organiser area" in page and "Organiser sign-in" not in page
