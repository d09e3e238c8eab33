"""Every organiser route checks who is asking, read from the app's own URL map.

A new route added without an access check fails here: anonymous visitors must be sent to
log in, check-in volunteers get 403, travel agents reach only the travel pages,
organisers reach only the events they manage, and only administrators reach accounts and
managers.
"""

import pytest
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import Event, Question, QuestionKind, User, UserRole

from .conftest import csrf_token_from
from .pages import event_values, fill

#: Open to everyone by design.
PUBLIC_PREFIXES = (
    "public.",
    "auth.",
    "health.",
    "exports.",
    "media.",
    "static",
    "registration.",
    # robots.txt, the venue CA for phones, the door's service worker
    "robots_txt",
    "venue.",
    "checkin.service_worker",
)
#: Organiser routes that are not about one event.
WITHOUT_EVENT = {"manage.index", "manage.new_event", "manage.travel_events"}
#: What a travel agent on the event's team may open: the travel pages, all but the
#: decision on support (it commits budget: organisers only).
#: What a travel agent reaches: travel support and bookings, visa letters, expense claims;
#: the decisions (support, letters, claim lines) are the organisers' only.
TRAVEL_AGENT = ("manage.travel", "manage.visa_letter", "manage.expense", "manage.export_expenses")
ORGANISERS_ONLY = {
    "manage.travel_decision",
    "manage.approve_visa_letter",
    "manage.decline_visa_letter",
    "manage.revoke_visa_letter",
    "manage.decide_expense",
}
#: The check-in page's JSON calls: 401 for anonymous callers rather than a login page.
JSON_CALLS = {"checkin.scan", "checkin.undo", "checkin.search"}
#: Only administrators.
ADMIN_ONLY = {
    "manage.users",
    "manage.update_user",
    "manage.managers",
    "manage.reset_second_factor",
    "manage.security_log",
}
#: One's own account (second factors): every signed-in user, whatever their role.
OWN_ACCOUNT = "account."


@pytest.fixture
def world(app, demo, make_user):
    """The demo event, another event, and one account of each kind."""
    ids = {
        "admin": make_user("admin@example.org", UserRole.ADMIN),
        "manager": make_user("manager@example.org", UserRole.ORGANISER),
        "outsider": make_user("outsider@example.org", UserRole.ORGANISER),
        "door": make_user("door@example.org", UserRole.CHECKIN),
        "agent": make_user("agent@example.org", UserRole.TRAVEL),
    }
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == demo))
        event.managers.append(db.session.get(User, ids["manager"]))
        event.managers.append(db.session.get(User, ids["agent"]))  # on its travel team
        question = Question(event=event, kind=QuestionKind.SHORT_TEXT, label="Arrival")
        db.session.add(question)
        db.session.commit()
        values = event_values(event, user_id=ids["door"], question_id=question.id)
    return {"ids": ids, "values": values}


def organiser_routes(app) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every route that is not public by design."""
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(PUBLIC_PREFIXES):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((rule.endpoint, method, rule))
    return routes


def request_as(client, method: str, url: str, token: str):
    if method == "GET":
        return client.get(url)
    return client.open(
        url, method=method, data={"csrf_token": token}, headers={"X-CSRFToken": token}
    )


def test_there_are_organiser_routes_to_check(app):
    endpoints = {endpoint for endpoint, _, _ in organiser_routes(app)}
    assert {
        "manage.index",
        "manage.agenda",
        "manage.item",
        "manage.shift",
        "manage.speaker",
        "manage.settings",
        "manage.log",
        "manage.users",
    } <= endpoints


def test_anonymous_visitors_are_sent_to_login(app, client, world):
    token = csrf_token_from(client.get("/login").text)
    for endpoint, method, rule in organiser_routes(app):
        url = fill(rule.rule, world["values"])
        response = request_as(client, method, url, token)
        if endpoint in JSON_CALLS:
            assert response.status_code == 401, (endpoint, method, response.status_code)
            assert response.json["error"] == "login"
            continue
        assert response.status_code == 302, (endpoint, method, response.status_code)
        assert response.headers["Location"].startswith("/login?next="), (endpoint, method)


def test_checkin_volunteers_reach_no_organiser_page(sign_in, app, client, world):
    token = sign_in("door@example.org").csrf
    for endpoint, method, rule in organiser_routes(app):
        if endpoint.startswith(("checkin.", OWN_ACCOUNT)):
            continue
        response = request_as(client, method, fill(rule.rule, world["values"]), token)
        assert response.status_code == 403, (endpoint, method, response.status_code)


def test_travel_agents_reach_only_the_travel_pages(sign_in, app, client, world):
    token = sign_in("agent@example.org").csrf
    for endpoint, method, rule in organiser_routes(app):
        # The door's landing page lists the events one may check in at: none for them.
        if endpoint.startswith(OWN_ACCOUNT) or endpoint == "checkin.index":
            continue
        travel = endpoint.startswith(TRAVEL_AGENT) and endpoint not in ORGANISERS_ONLY
        if travel and method == "POST":
            continue  # their effects are tested in tests/test_travel.py
        response = request_as(client, method, fill(rule.rule, world["values"]), token)
        expected = 200 if travel else 403
        assert response.status_code == expected, (endpoint, method, response.status_code)


def test_organisers_reach_only_the_events_they_manage(sign_in, app, client, world):
    token = sign_in("outsider@example.org").csrf
    for endpoint, method, rule in organiser_routes(app):
        if endpoint.startswith(("checkin.", OWN_ACCOUNT)) or (
            endpoint in WITHOUT_EVENT and method == "GET"
        ):
            continue
        if endpoint in WITHOUT_EVENT:
            continue  # creating an event of one's own is allowed
        response = request_as(client, method, fill(rule.rule, world["values"]), token)
        assert response.status_code == 403, (endpoint, method, response.status_code)


def test_managers_open_every_page_of_their_event_but_not_admin_pages(sign_in, app, client, world):
    sign_in("manager@example.org")
    for endpoint, method, rule in organiser_routes(app):
        if method != "GET" or endpoint.startswith("checkin."):
            continue
        response = client.get(fill(rule.rule, world["values"]))
        expected = 403 if endpoint in ADMIN_ONLY else 200
        assert response.status_code == expected, (endpoint, response.status_code)


def test_admins_open_every_organiser_page(sign_in, app, client, world):
    sign_in("admin@example.org")
    for endpoint, method, rule in organiser_routes(app):
        if method != "GET":
            continue
        response = client.get(fill(rule.rule, world["values"]))
        assert response.status_code == 200, (endpoint, response.status_code)


def test_organisers_see_only_their_events_on_the_landing_page(sign_in, app, client, world):
    outsider = sign_in("outsider@example.org")
    assert "MIEUX Impact Event" not in client.get("/manage/").text
    outsider.sign_out()
    sign_in("manager@example.org")
    assert "MIEUX Impact Event" in client.get("/manage/").text
