"""Configuration: defaults here, then instance/config.py, then FLASK_* environment variables."""

import os
import secrets
import time
from datetime import timedelta
from pathlib import Path

from flask import Flask

from eventapp.core.i18n import LANGUAGES
from eventapp.web import public_url


class Defaults:
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    #: Languages with a catalogue (core/i18n.py), in the switcher's order.
    LANGUAGES = LANGUAGES
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Set FLASK_SESSION_COOKIE_SECURE=true behind HTTPS.
    SESSION_COOKIE_SECURE = False
    # REMEMBER_COOKIE_SECURE/HTTPONLY/SAMESITE/DURATION are derived in load().
    #: A sign-in without "keep me signed in" ends after this long without a request.
    SESSION_IDLE_MINUTES = 8 * 60
    #: Every sign-in ends this long after it began, "keep me signed in" or not.
    SESSION_LIFETIME_DAYS = 30
    WTF_CSRF_TIME_LIMIT = None  # tokens live with the session: a long form is not lost
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    #: Failed log-in attempts allowed per client address (auth/throttle.py). Room for an
    #: office whose address someone hammers one account from: that account's own delay
    #: keeps its failures well below this.
    LOGIN_RATE_LIMIT = "30 per minute;100 per hour"
    #: "Forgot your password?" requests per client address, and per account.
    PASSWORD_RESET_RATE_LIMIT = "5 per hour"
    #: Sign-up form posts allowed per client address (registration/throttle.py).
    SIGNUP_RATE_LIMIT = "20 per minute;200 per hour"
    #: "Your link again" e-mails per address, when someone signs up twice.
    LINK_RESEND_RATE_LIMIT = "3 per hour"
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    #: Largest slides an organiser may upload (agenda/presentations.py); the upload
    #: route alone accepts a request this large (plus room for the form).
    PRESENTATION_MAX_BYTES = 50 * 1000 * 1000
    #: Whose accounts must have a second factor: "admins", "staff" (everyone) or "none".
    SECOND_FACTOR_REQUIRED = "admins"
    #: The address people reach the site at (scheme, host, port, optional path), the start
    #: of every link in e-mails, .ics, PDFs, QR codes and exports. Required in production.
    PUBLIC_BASE_URL = None
    #: Host names requests may use (others get 400); None: PUBLIC_BASE_URL's host
    #: (web/public_url.py). JSON in the environment: FLASK_TRUSTED_HOSTS='["a", "b"]'.
    TRUSTED_HOSTS = None
    #: Proxies in front whose X-Forwarded-Host is believed (0: the Host header is used).
    PROXY_FIX_X_HOST = 0

    #: Where queued tasks wait for the workers (`flask --app eventapp worker`): None for a
    #: SQLite file in the instance folder (one machine), redis://host:port/db to share the
    #: queue between machines (eventapp/queue/tasks.py).
    TASKS_URL = None
    #: Run each task at once in the process that enqueues it, with no worker (the tests).
    TASKS_IMMEDIATE = False
    #: Badge runs of more badges than this are a job (eventapp/jobs/): the page answers at
    #: once and the workers lay them out; a reprint and smaller runs come back at once.
    BADGE_JOB_ABOVE = 50
    #: Imports of more rows than this are written by a job (registration/import_jobs.py):
    #: the preview stays in the page, the writing goes to the workers.
    IMPORT_JOB_ABOVE = 200
    #: Seconds after an agenda's last change at which its programme PDFs are laid out
    #: again in the background (agenda/tasks.py); a change meanwhile postpones it.
    PROGRAMME_REBUILD_DELAY = 60
    #: Badges per WeasyPrint document of a run (printing/badges.py).
    BADGE_CHUNK = 100
    #: Process workers that share a job's parts (`worker -k process -w N`): a split run
    #: has a multiple of this many parts, so none sits idle at the end.
    JOB_WORKERS = 2
    #: Hours a job's result (PDF, spreadsheet) stays downloadable after it finished.
    JOB_RESULT_HOURS = 24

    #: Limits of an import file, checked while it is read (core/import_reader.py):
    #: rows besides the header, columns, characters in a cell, and bytes an XLSX
    #: workbook's XML may decompress to.
    IMPORT_MAX_ROWS = 10_000
    IMPORT_MAX_COLUMNS = 200
    IMPORT_MAX_CELL_LENGTH = 10_000
    IMPORT_MAX_UNZIPPED_BYTES = 50 * 1024 * 1024


def load(app: Flask, test_config: dict | None) -> None:
    """Fill app.config in the documented order; the test config wins over everything."""
    app.config.from_object(Defaults)
    app.config["SQLALCHEMY_DATABASE_URI"] = (
        f"sqlite:///{Path(app.instance_path) / 'eventapp.sqlite3'}"
    )
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env()
    if test_config:
        app.config.update(test_config)
    _derive_remember_cookie(app.config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))
    public_url.configure(app)


def _derive_remember_cookie(config: dict) -> None:
    """The remember-me cookie is exactly as protected as the session cookie, and lives as
    long as a sign-in may (auth/sessions.py ends it sooner on the server)."""
    for name in ("SECURE", "HTTPONLY", "SAMESITE"):
        config[f"REMEMBER_COOKIE_{name}"] = config[f"SESSION_COOKIE_{name}"]
    config["REMEMBER_COOKIE_DURATION"] = timedelta(days=int(config["SESSION_LIFETIME_DAYS"]))


def _instance_secret_key(instance: Path) -> str:
    """A key generated on first start and kept in instance/, never in the repository."""
    path = instance / "secret_key"
    instance.mkdir(parents=True, exist_ok=True)
    try:
        # Private from the start; O_EXCL so that workers starting together share one key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another worker may be writing it this very moment
            key = path.read_text().strip()
            if key:
                return key
            time.sleep(0.02)
        raise RuntimeError(f"{path} is empty: delete it to generate a new key") from None
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key
