"""Fixtures shared by the whole suite.

Every test gets a new app on an empty database: SQLite by default, PostgreSQL when
TEST_DATABASE_URL is set (``.ci/run`` runs the suite both ways). The schema is created
once per run; after each test every table is emptied again.
"""

import os
import re
import threading
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server
from werkzeug.test import TestResponse

from eventapp import create_app
from eventapp.auth.services import create_user
from eventapp.extensions import db
from eventapp.models import UserRole
from eventapp.testing import free_port

from . import factories

#: `make test` runs the suite in two processes (pytest-xdist: gw0, gw1); each has a database
#: and Redis databases of its own, so one's emptying never touches the other's rows.
WORKER_INDEX = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)


def redis_test_url(db_index: int) -> str:
    """A Redis database of this test process: 15, 14 and 13 for the first, 12, 11 and 10
    for the second (13 minus the index is the tasks', 14 the throttle's, 15 the limits')."""
    return f"redis://127.0.0.1:6379/{db_index - 3 * WORKER_INDEX}"


def _worker_tasks_url(url: str | None) -> str | None:
    if url and url.startswith("redis://"):
        return redis_test_url(13)
    return url


def _worker_database_url(url: str) -> str:
    """PostgreSQL: the second test process uses `<database>_gw1` on the same server,
    created when missing (the first keeps the database it was given)."""
    if not WORKER_INDEX:
        return url
    parsed = make_url(url)
    name = f"{parsed.database}_gw{WORKER_INDEX}"
    admin = create_engine(parsed, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if exists.first() is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
#: The task storage of the tests that start real workers: a SQLite file of the test's own
#: by default; Redis in .ci/run's PostgreSQL run (TEST_TASKS_URL=redis://..., then one
#: database per test process, see redis_test_url).
TEST_TASKS_URL = _worker_tasks_url(os.environ.get("TEST_TASKS_URL"))
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    if TEST_DATABASE_URL:
        return _worker_database_url(TEST_DATABASE_URL)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'eventapp-test.sqlite3'}"


@pytest.fixture(scope="session", autouse=True)
def _instance_path(tmp_path_factory) -> Iterator[Path]:
    """Keep tests out of the checkout's instance/ folder."""
    path = tmp_path_factory.mktemp("instance")
    previous = os.environ.get("EVENTAPP_INSTANCE_PATH")
    os.environ["EVENTAPP_INSTANCE_PATH"] = str(path)
    yield path
    if previous is None:
        del os.environ["EVENTAPP_INSTANCE_PATH"]
    else:
        os.environ["EVENTAPP_INSTANCE_PATH"] = previous


def make_app(database_url: str, **config) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": database_url,
            # Tests that need second factors set this themselves (tests/test_second_factor.py).
            "SECOND_FACTOR_REQUIRED": "none",
            # The test client's host; live servers on 127.0.0.1 are trusted too (loopback).
            "PUBLIC_BASE_URL": "http://localhost",
            # Each task (an e-mail's delivery) runs as it is enqueued: the e-mail is there
            # when the request returns. Tests of real workers start them (test_worker.py).
            "TASKS_IMMEDIATE": True,
            **config,
        }
    )


def close_db() -> None:
    """End the session and close every pooled connection of the current app."""
    db.session.remove()
    db.engine.dispose()


@pytest.fixture
def tasks_url(tmp_path: Path) -> Iterator[str]:
    """The task storage a test's app, servers and real workers share (TEST_TASKS_URL or a
    SQLite file in the test's folder), empty before and after the test."""
    from huey.storage import RedisStorage

    url = TEST_TASKS_URL or f"sqlite:///{tmp_path / 'tasks.sqlite3'}"
    if not url.startswith("sqlite:"):
        storage = RedisStorage("eventapp", url=url)
        storage.flush_all()  # nothing left by an earlier run
    yield url
    if not url.startswith("sqlite:"):
        storage.flush_all()


@pytest.fixture(scope="session")
def _schema(database_url: str) -> None:
    app = make_app(database_url)
    with app.app_context():
        db.drop_all()
        db.create_all()
        close_db()


@pytest.fixture
def app(database_url: str, _schema) -> Iterator[Flask]:
    """A new app on an empty database. No app context stays pushed: like a real server,
    each request gets its own, and tests open one (`with app.app_context()`) for setup
    and for reading the database back."""
    app = make_app(database_url)
    yield app
    with app.app_context():
        db.session.remove()
        _empty_all_tables()
        close_db()


def _empty_all_tables() -> None:
    tables = db.metadata.sorted_tables
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                conn.execute(table.delete())


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


DEMO_SLUG = "mieux-impact-2024"


@pytest.fixture
def demo(app: Flask) -> str:
    """The MIEUX demo event loaded; gives its slug."""
    from eventapp.demo.loader import load_demo

    with app.app_context():
        load_demo()
        db.session.commit()
    return DEMO_SLUG


ORGANISER = "organiser@example.org"


@pytest.fixture
def make_user(app: Flask):
    def make(email: str = ORGANISER, role: UserRole = UserRole.ORGANISER) -> int:
        with app.app_context():
            user = create_user(email, PASSWORD, role)
            db.session.commit()
            return user.id

    return make


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token in the page"
    return match.group(1)


def submit_sign_in(
    client: FlaskClient, email: str = ORGANISER, password: str = PASSWORD, **kwargs
) -> TestResponse:
    """The sign-in form as a person sends it, whatever the answer (tests of the form itself)."""
    token = csrf_token_from(client.get("/login", **kwargs).text)
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}, **kwargs
    )


class SignedIn:
    """The test client signed in as one user. `post` sends the session's CSRF token with
    the form, as the page's own form would; use `client.post` to leave it out."""

    def __init__(self, client: FlaskClient, email: str, csrf: str):
        self.client = client
        self.email = email
        self.csrf = csrf

    def get(self, url: str, **kwargs) -> TestResponse:
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict | None = None, **kwargs) -> TestResponse:
        return self.client.post(url, data={"csrf_token": self.csrf, **(data or {})}, **kwargs)

    def sign_out(self) -> TestResponse:
        return self.post("/logout")


@pytest.fixture
def sign_in(client: FlaskClient, make_user):
    """`sign_in(email)` signs the test client in as that user (made before with make_user,
    or now when `role` is given) and gives a SignedIn. To switch users, sign out first:
    /login sends a signed-in visitor on without showing the form."""

    def sign(email: str = ORGANISER, role: UserRole | None = None) -> SignedIn:
        if role is not None:
            make_user(email, role)
        response = submit_sign_in(client, email)
        landing = response.headers.get("Location", "")
        assert response.status_code == 302 and not landing.startswith("/login"), email
        # The token a form on the landing page carries, as the person's next form would.
        return SignedIn(client, email, csrf_token_from(client.get(landing).text))

    return sign


@pytest.fixture
def organiser(sign_in) -> SignedIn:
    """An organiser (organiser@example.org, managing nothing yet), signed in."""
    return sign_in(ORGANISER, role=UserRole.ORGANISER)


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The test's app served over real HTTP on 127.0.0.1, for browsers and HTTP clients."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_BASE_URL"] = url  # the links it writes lead back to it
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


class Inbox:
    """aiosmtpd handler keeping every delivered message."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"

    def wait_for(self, count: int = 1, seconds: float = 10) -> list[EmailMessage]:
        """The messages once `count` have arrived (mail is sent after the answer, from
        another thread); fails if that many do not come within `seconds`, or more do."""
        deadline = time.monotonic() + seconds
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)  # polling interval, not a wait for something to happen
        assert len(self.messages) == count, [m["Subject"] for m in self.messages]
        return self.messages


@pytest.fixture
def smtp(app):
    """A real SMTP server on a free port; the app sends to it."""
    inbox = Inbox()
    port = free_port()
    # SMTPUTF8 as mail servers offer it today: addresses need not be ASCII.
    controller = Controller(inbox, hostname="127.0.0.1", port=port, enable_SMTPUTF8=True)
    controller.start()
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_FROM="MIEUX events <events@example.org>"
    )
    yield inbox
    controller.stop()


__all__ = ["factories"]
