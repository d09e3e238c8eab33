"""Organiser log-in, log-out, roles, rate limiting and the account commands."""

import re

import pytest
from sqlalchemy import select

from eventapp import create_app
from eventapp.extensions import db
from eventapp.models import User, UserRole

from .conftest import PASSWORD, close_db, redis_test_url, submit_sign_in


def test_manage_sends_anonymous_visitors_to_login(client):
    response = client.get("/manage/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Fmanage%2F"


def test_organiser_logs_in_and_reaches_manage(client, make_user, demo):
    make_user("organiser@example.org", UserRole.ORGANISER)
    response = submit_sign_in(client)
    assert response.status_code == 302 and response.headers["Location"] == "/manage/"
    page = client.get("/manage/")
    assert page.status_code == 200
    assert "Organiser area" in page.text
    assert "organiser@example.org" in page.text


def test_login_ignores_the_case_of_the_address(client, make_user):
    make_user("Organiser@Example.org")
    assert submit_sign_in(client, "ORGANISER@example.ORG").headers["Location"] == "/manage/"


def test_wrong_password_is_refused_next_to_the_field(client, make_user):
    make_user()
    response = submit_sign_in(client, password="not the password")
    assert response.status_code == 422
    assert "Wrong e-mail address or password." in response.text
    assert 'aria-invalid="true"' in response.text
    assert client.get("/manage/").status_code == 302


def test_unknown_address_gets_the_same_answer(client):
    response = submit_sign_in(client, "nobody@example.org")
    assert response.status_code == 422
    assert "Wrong e-mail address or password." in response.text


def test_empty_form_says_what_is_missing(client):
    response = submit_sign_in(client, email="", password="")
    assert response.status_code == 422
    assert response.text.count("This field is required.") == 2


def test_login_without_csrf_token_is_refused(client, make_user):
    make_user()
    response = client.post("/login", data={"email": "organiser@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/manage/").status_code == 302


def test_deactivated_account_cannot_log_in(app, client, make_user):
    user_id = make_user()
    with app.app_context():
        db.session.get(User, user_id).active = False
        db.session.commit()
    assert submit_sign_in(client).status_code == 422


def test_checkin_volunteer_may_not_open_manage(client, sign_in):
    sign_in("door@example.org", role=UserRole.CHECKIN)
    response = client.get("/manage/")
    assert response.status_code == 403
    assert "You may not open this page" in response.text


@pytest.mark.parametrize(
    "target,expected",
    [
        ("/events/x/agenda", "/events/x/agenda"),
        ("https://evil.example/", "/manage/"),
        ("//evil.example/", "/manage/"),
        ("/\\evil.example", "/manage/"),
        ("javascript:alert(1)", "/manage/"),
    ],
)
def test_login_redirects_only_within_the_site(client, make_user, target, expected):
    make_user()
    response = submit_sign_in(client, query_string={"next": target})
    assert response.headers["Location"] == expected


def test_logout_needs_a_post_with_csrf(client, organiser):
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert organiser.sign_out().status_code == 302
    assert client.get("/manage/").status_code == 302


def test_session_cookie_is_httponly_and_samesite(client, make_user):
    make_user()
    response = submit_sign_in(client)
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies
    assert "HttpOnly" in cookies[0] and "SameSite=Lax" in cookies[0]


def test_passwords_are_stored_with_a_slow_hash(app, make_user):
    user_id = make_user()
    with app.app_context():
        stored = db.session.get(User, user_id).password_hash
    assert PASSWORD not in stored
    assert stored.startswith(("scrypt:", "pbkdf2:"))


def _hammer_login(client, attempts: int, email: str = "organiser@example.org") -> list[int]:
    codes = []
    for _ in range(attempts):
        codes.append(submit_sign_in(client, email, "guess").status_code)
    return codes


def test_login_failures_are_limited_per_client_address(app, client, make_user):
    """LOGIN_RATE_LIMIT counts the failures of one client address, whatever the account."""
    app.config["LOGIN_RATE_LIMIT"] = "5 per minute"
    make_user()
    codes = [_hammer_login(client, 1, f"person{n}@example.org")[0] for n in range(7)]
    assert codes == [422] * 5 + [429] * 2
    # Even the right password waits now.
    response = submit_sign_in(client)
    assert response.status_code == 429
    assert "Too many attempts" in response.text


def test_successful_logins_do_not_count_against_the_address(app, sign_in, make_user):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    make_user()
    for _ in range(5):
        sign_in().sign_out()


def test_rate_limit_is_shared_through_redis(database_url, _schema, monkeypatch):
    """Several workers share the limit when FLASK_RATELIMIT_STORAGE_URI names a Redis."""
    import redis

    storage = redis_test_url(15)
    redis.Redis.from_url(storage).flushdb()
    monkeypatch.setenv("FLASK_RATELIMIT_STORAGE_URI", storage)
    workers = [
        create_app({"TESTING": True, "SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": database_url})
        for _ in range(2)
    ]
    assert workers[0].config["RATELIMIT_STORAGE_URI"] == storage
    try:
        codes_a = _hammer_login(workers[0].test_client(), 6)
        # The counts live in Redis, where every worker process reads them.
        assert redis.Redis.from_url(storage).keys("*"), "nothing counted in Redis"
        codes_b = _hammer_login(workers[1].test_client(), 6)
        assert codes_a == [422] * 6
        assert codes_b == [422] * 4 + [429] * 2
    finally:
        redis.Redis.from_url(storage).flushdb()
        for worker in workers:
            with worker.app_context():
                close_db()


def test_create_user_command_reads_the_password_from_stdin(app, runner):
    result = runner.invoke(
        args=["create-user", "Volunteer@Example.org", "--role", "checkin", "--password-stdin"],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User))
        assert (user.email, user.role) == ("volunteer@example.org", UserRole.CHECKIN)
        assert user.check_password("a long enough password")


def test_create_user_command_refuses_short_passwords_and_duplicates(app, runner, make_user):
    make_user("taken@example.org")
    short = runner.invoke(
        args=["create-user", "new@example.org", "--role", "admin", "--password-stdin"],
        input="short\n",
    )
    assert short.exit_code != 0 and "at least 12 characters" in short.output
    dup = runner.invoke(
        args=["create-user", "TAKEN@example.org", "--role", "admin", "--password-stdin"],
        input="another long password\n",
    )
    assert dup.exit_code != 0 and "exists already" in dup.output


def test_first_admin_prints_a_random_password_once(app, runner, client):
    first = runner.invoke(args=["first-admin"])
    assert first.exit_code == 0
    password = re.search(r"password: (\S+)", first.output).group(1)
    assert len(password) >= 20
    assert "Sign in at http://localhost/login" in first.output  # PUBLIC_BASE_URL's address
    second = runner.invoke(args=["first-admin"])
    assert "password:" not in second.output
    # A second install gets another password.
    with app.app_context():
        db.session.execute(User.__table__.delete())
        db.session.commit()
    other = re.search(r"password: (\S+)", runner.invoke(args=["first-admin"]).output).group(1)
    assert other != password
    # And the printed one works.
    response = submit_sign_in(client, "organiser@example.org", other)
    assert response.headers["Location"] == "/manage/"
