"""The baseline bench/registration.py compares the sign-up with: bare Flask and SQLAlchemy.

GET /register answers a small form carrying a CSRF token kept in Flask's signed cookie
session; POST /register checks the token, inserts one row in one transaction and
redirects, as the real sign-up does, without anything else (no rules, no e-mail, no
templates). gunicorn serves it with the same settings as the app:

    BASELINE_DATABASE_URI=sqlite:////tmp/x.sqlite3 gunicorn --pythonpath bench \
        'baseline_app:create_app()'

The table is made beforehand with `create_schema(uri)` (workers must not race to do it).
SQLite gets the same connection settings as eventapp/database.py.
"""

from __future__ import annotations

import hmac
import os
import secrets
from datetime import UTC, datetime

from flask import Flask, abort, redirect, request, session
from markupsafe import escape
from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    insert,
    text,
)

metadata = MetaData()
signup = Table(
    "baseline_signup",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("given_name", String(100), nullable=False),
    Column("family_name", String(100), nullable=False),
    Column("email", String(254), nullable=False, unique=True),
    Column("organisation", String(300), nullable=False),
    Column("country", String(2), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

FORM = """<!doctype html><title>Sign up</title>
<form method="post" action="/register">
<input id="csrf_token" name="csrf_token" type="hidden" value="{token}">
<label>Given name <input name="given_name"></label>
<label>Family name <input name="family_name"></label>
<label>E-mail <input name="email" type="email"></label>
<label>Organisation <input name="organisation"></label>
<label>Country <input name="country"></label>
<button>Sign up</button></form>"""


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """As eventapp/database.py: WAL, a busy timeout, synchronous NORMAL, foreign keys."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA busy_timeout = 10000")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def make_engine(uri: str) -> Engine:
    engine = create_engine(uri, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def create_schema(uri: str) -> None:
    """The one table, in an empty database."""
    engine = make_engine(uri)
    metadata.create_all(engine)
    engine.dispose()


def create_app() -> Flask:
    """The baseline application; the database comes from BASELINE_DATABASE_URI."""
    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ.get("BASELINE_SECRET_KEY") or secrets.token_hex(32)
    engine = make_engine(os.environ["BASELINE_DATABASE_URI"])

    @app.get("/healthz")
    def healthz():
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return "ok"

    @app.get("/register")
    def form():
        session.setdefault("csrf", secrets.token_urlsafe(32))
        return FORM.format(token=escape(session["csrf"]))

    @app.post("/register")
    def register():
        expected = session.get("csrf", "")
        if not expected or not hmac.compare_digest(expected, request.form.get("csrf_token", "")):
            abort(400)
        values = {
            name: request.form.get(name, "").strip()
            for name in ("given_name", "family_name", "email", "organisation", "country")
        }
        with engine.begin() as conn:
            new_id = conn.execute(
                insert(signup).values(**values, created_at=datetime.now(UTC))
            ).inserted_primary_key[0]
        return redirect(f"/done/{new_id}")

    return app
