"""Least disclosure at the door and in copied events, through a real HTTP server: another
event's badge names that event and nobody, and a copied event's speakers have photo files
of their own, so deleting a speaker of the copy never takes the original's photo."""

import io
import json
from urllib.parse import urlencode

import pytest
from PIL import Image
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.media.photos import photo_path
from eventapp.models import Event, Person, Registration, User, UserRole
from eventapp.testing import Session

from .conftest import PASSWORD
from .factories import make_event, make_person, make_registration


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def request(
    session: Session,
    method: str,
    path: str,
    body: bytes | str | None = None,
    content_type: str = "application/x-www-form-urlencoded",
):
    """A request with the session's cookies: (status, page, headers)."""
    conn = session.connect()
    try:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in session.cookies.items())}
        if body is not None:
            headers["Content-Type"] = content_type
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    finally:
        conn.close()


# --- The door ---------------------------------------------------------------------------


@pytest.fixture
def door(app, make_user):
    volunteer = make_user("door@example.org", UserRole.CHECKIN)
    with app.app_context():
        forum = make_event(slug="forum", title="Migration Forum")
        other = make_event(slug="other", title="Another Event")
        forum.managers.append(db.session.get(User, volunteer))
        olga = make_registration(
            other,
            given_name="Olga",
            family_name="Otherova",
            organisation="Ministry of Elsewhere",
            badge_name="Olga O.",
        )
        db.session.commit()
        return {"code": olga.checkin_code, "id": olga.id}


SECRET_WORDS = ("Olga", "Otherova", "Ministry of Elsewhere")


def test_another_events_badge_scanned_names_only_that_event(app, door, live_server):
    session = Session(port_of(live_server))
    session.login("door@example.org", PASSWORD, landing="/checkin/forum")
    conn = session.connect()
    try:
        status, text = session.post_json(conn, "/checkin/forum/scan", {"code": door["code"]})
    finally:
        conn.close()
    answer = json.loads(text)
    assert status == 200
    assert answer == {
        "result": "other_event",
        "person": None,
        "message": "This badge is for another event: Another Event",
    }
    for word in SECRET_WORDS:
        assert word not in text


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_another_events_badge_page_names_only_that_event(app, door, live_server, method):
    session = Session(port_of(live_server))
    session.login("door@example.org", PASSWORD, landing="/checkin/forum")
    body = urlencode({"csrf_token": session.token}) if method == "POST" else None
    status, page, _headers = request(session, method, f"/checkin/forum/c/{door['code']}", body)
    page = page.decode()
    assert status == 404
    assert "This badge is for another event: Another Event" in page
    for word in SECRET_WORDS:
        assert word not in page
    with app.app_context():
        assert db.session.get(Registration, door["id"]).checked_in_at is None


# --- Copied photos ----------------------------------------------------------------------


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = "----eventapp-photo-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    for name, (filename, data) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
    return b"".join(
        parts
    ) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 90), (0, 114, 178)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def organiser(app, make_user):
    user_id = make_user("organiser@example.org", UserRole.ORGANISER)
    with app.app_context():
        event = make_event(slug="forum-2030", title="Forum 2030")
        event.managers.append(db.session.get(User, user_id))
        db.session.commit()
        return event.id


def photo_of(app, slug: str) -> str:
    with app.app_context():
        return db.session.scalar(select(Person.photo).join(Event).where(Event.slug == slug))


def test_deleting_a_speaker_of_a_copy_keeps_the_originals_photo(app, organiser, live_server):
    session = Session(port_of(live_server))
    session.login("organiser@example.org", PASSWORD, landing="/manage/")
    body, kind = multipart(
        {"csrf_token": session.token, "given_name": "Ana", "family_name": "Ribeiro", "country": ""},
        {"photo": ("ana.jpg", jpeg())},
    )
    status, page, _ = request(session, "POST", "/manage/events/forum-2030/speakers/new", body, kind)
    assert status == 302, page
    original = photo_of(app, "forum-2030")
    status, served, _ = request(session, "GET", f"/media/photos/{original}")
    assert status == 200

    status, page, headers = request(
        session,
        "POST",
        "/manage/events/new",
        urlencode(
            {
                "csrf_token": session.token,
                "copy_from": str(organiser),
                "title": "Forum 2031",
                "slug": "forum-2031",
                "timezone": "Europe/Brussels",
                "starts_at": "2031-05-14T09:00",
                "ends_at": "2031-05-14T18:00",
                "capacity": "10",
                "programme_size": "A5",
            }
        ),
    )
    assert status == 302, page
    copied = photo_of(app, "forum-2031")
    assert copied and copied != original
    assert request(session, "GET", f"/media/photos/{copied}")[1] == served

    with app.app_context():
        person_id = db.session.scalar(
            select(Person.id).join(Event).where(Event.slug == "forum-2031")
        )
    status, _page, _ = request(
        session,
        "POST",
        f"/manage/events/forum-2031/speakers/{person_id}/delete",
        urlencode({"csrf_token": session.token}),
    )
    assert status == 302
    assert request(session, "GET", f"/media/photos/{copied}")[0] == 404
    status, still, _ = request(session, "GET", f"/media/photos/{original}")
    assert (status, still) == (200, served)


def test_a_photo_shared_by_an_older_copy_stays_while_a_speaker_shows_it(
    app, organiser, live_server
):
    """Events copied before each copy had its own file share one name."""
    from eventapp.media.photos import store_photo

    with app.app_context():
        name = store_photo(io.BytesIO(jpeg()))
        first = db.session.get(Event, organiser)
        second = make_event(slug="older-copy")
        second.managers.extend(first.managers)
        make_person(first, photo=name)
        copy = make_person(second, photo=name)
        db.session.commit()
        copy_id = copy.id
    session = Session(port_of(live_server))
    session.login("organiser@example.org", PASSWORD, landing="/manage/")
    status, _page, _ = request(
        session,
        "POST",
        f"/manage/events/older-copy/speakers/{copy_id}/delete",
        urlencode({"csrf_token": session.token}),
    )
    assert status == 302
    assert request(session, "GET", f"/media/photos/{name}")[0] == 200
    with app.app_context():
        assert photo_path(name) is not None
