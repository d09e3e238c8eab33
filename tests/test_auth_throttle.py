"""Sign-in throttling per account (auth/throttle.py) beside the per-address limit, over
real HTTP: in memory with the test server, and in Redis shared by two gunicorn workers."""

import re
import time

import pytest
import redis
from sqlalchemy import select

from eventapp.auth.throttle import FREE_FAILURES, MAX_WAIT, delay
from eventapp.extensions import db
from eventapp.models import SecurityEvent
from eventapp.testing import gunicorn

from .conftest import PASSWORD, redis_test_url
from .webclient import WebClient

THROTTLED = "Too many failed attempts for this account"


def test_the_delay_doubles_after_ten_failures_up_to_15_minutes():
    assert [delay(n) for n in (1, 9, 10, 11, 12, 15)] == [0, 0, 1, 2, 4, 32]
    assert delay(20) == delay(100) == MAX_WAIT == 900


def attempts(base_url: str, email: str, password: str, count: int) -> list[int]:
    """`count` sign-ins, each from a new browser (a new connection, no cookies)."""
    return [WebClient(base_url).login(email, password).status for _ in range(count)]


def refused_until(base_url: str, email: str, seconds: float, password: str = PASSWORD) -> int:
    """Sign in with `password` again and again for `seconds` (the wait just started):
    every attempt is refused; gives how many were made."""
    deadline = time.monotonic() + seconds - 0.2
    made = 0
    while True:
        response = WebClient(base_url).login(email, password)
        if time.monotonic() >= deadline:
            return made
        assert response.status == 429, (made, response.status)
        made += 1


def once_the_wait_ends(base_url: str, email: str, password: str, within: float) -> int:
    """Sign in again and again until the account's wait is over (attempts it refuses count
    for nothing); the answer to the first one it lets through. Fails if the wait lasts
    longer than `within` seconds."""
    deadline = time.monotonic() + within
    while (status := WebClient(base_url).login(email, password).status) == 429:
        assert time.monotonic() < deadline, f"still refused after {within} s"
        time.sleep(0.05)  # polling interval
    return status


@pytest.mark.slow
def test_ten_failures_slow_the_account_down_for_everyone(app, live_server, make_user):
    make_user()
    assert attempts(live_server, "organiser@example.org", "guess", FREE_FAILURES) == [422] * 10
    # Inside the wait even the right password is refused, unchecked, with a clear message.
    refused = WebClient(live_server).login("organiser@example.org", PASSWORD)
    assert refused.status == 429
    assert re.search(rf'id="password-error">{THROTTLED}: try again in 1 second\.', refused.text)
    # The 11th failure, once that second is over, makes the next attempts wait 2 seconds.
    assert once_the_wait_ends(live_server, "organiser@example.org", "guess", 2) == 422
    assert refused_until(live_server, "organiser@example.org", 2) >= 1
    assert once_the_wait_ends(live_server, "organiser@example.org", PASSWORD, 1) == 302
    # A success starts the count again.
    assert attempts(live_server, "organiser@example.org", "guess", 3) == [422] * 3
    # Failures are logged, with the wait they start; refused attempts write nothing.
    with app.app_context():
        failures = db.session.scalars(
            select(SecurityEvent.detail)
            .where(SecurityEvent.kind == "sign_in_failed")
            .order_by(SecurityEvent.id)
        ).all()
    assert len(failures) == 14
    assert failures[9:11] == [
        "organiser@example.org; next attempt allowed in 1 s",
        "organiser@example.org; next attempt allowed in 2 s",
    ]
    assert failures[11] == "organiser@example.org"


def test_unknown_addresses_are_throttled_alike(live_server):
    codes = attempts(live_server, "nobody@example.org", "guess", FREE_FAILURES + 1)
    assert codes == [422] * 10 + [429]


def test_an_attack_on_one_account_does_not_lock_out_the_office(live_server, make_user):
    """Many failures for A from one address: B, behind the same address, signs in."""
    make_user("a@example.org")
    make_user("b@example.org")
    # More attempts than LOGIN_RATE_LIMIT's 30 a minute; those refused by A's wait (most:
    # a slow machine lets a few more failures through as waits end) do not count.
    codes = attempts(live_server, "a@example.org", "guess", 40)
    assert codes[:10] == [422] * 10 and set(codes[10:]) <= {422, 429}
    assert codes.count(429) >= 20
    assert attempts(live_server, "b@example.org", PASSWORD, 1) == [302]


@pytest.fixture
def redis_storage():
    url = redis_test_url(14)
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url, client
    client.flushdb()


@pytest.mark.slow
def test_two_workers_share_the_count_through_redis(
    database_url, tmp_path, make_user, redis_storage
):
    url, store = redis_storage
    make_user()
    env = {
        "FLASK_SQLALCHEMY_DATABASE_URI": database_url,
        "FLASK_SECRET_KEY": "throttle-test-secret",
        "FLASK_RATELIMIT_STORAGE_URI": url,
        "EVENTAPP_INSTANCE_PATH": str(tmp_path),
    }
    with gunicorn(env, workers=2) as server:
        codes = attempts(server.url, "organiser@example.org", "guess", FREE_FAILURES)
        assert codes == [422] * 10
        counts = [int(store.get(key)) for key in store.keys("*login-failures/*")]
        assert counts == [FREE_FAILURES]
        # Whichever worker answers, the account waits: two more failures make it 4 s.
        assert once_the_wait_ends(server.url, "organiser@example.org", "guess", 2) == 422
        assert once_the_wait_ends(server.url, "organiser@example.org", "guess", 3) == 422
        assert refused_until(server.url, "organiser@example.org", 4) >= 4
        assert once_the_wait_ends(server.url, "organiser@example.org", PASSWORD, 1) == 302
        assert store.keys("*login-failures/*") == []
