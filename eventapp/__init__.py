"""eventapp: event registration, agenda, badges and check-in."""

import os

from flask import Flask

from eventapp.core.paths import ROOT


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, commands."""
    # Everything the app writes (database, uploads, outbox, caches, the secret key) holds
    # personal data or keys: readable by the owner only (folders 0700, files 0600),
    # whatever umask the service was started with. SQLite gives its -wal and -shm files
    # the database's mode.
    os.umask(os.umask(0o077) | 0o077)
    app = Flask(
        __name__,
        # Runtime data (database, uploads, secret key). EVENTAPP_INSTANCE_PATH moves it,
        # e.g. for tests or a read-only checkout; it must be known before config loads.
        instance_path=os.environ.get("EVENTAPP_INSTANCE_PATH", str(ROOT / "instance")),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    from eventapp import config

    config.load(app, test_config)
    if app.config.get("PROXY_FIX_X_FOR") or app.config["PROXY_FIX_X_HOST"]:
        # Behind a reverse proxy: take the client's address from X-Forwarded-For
        # (rate limits are per client) and the scheme from X-Forwarded-Proto. The host
        # only when told to: links never depend on it, but TRUSTED_HOSTS checks it.
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Flask's documented way to add WSGI middleware; mypy refuses any method assignment.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app,
            x_for=int(app.config.get("PROXY_FIX_X_FOR") or 0),
            x_proto=1,
            x_host=int(app.config["PROXY_FIX_X_HOST"]),
        )

    from eventapp import database
    from eventapp.core import i18n
    from eventapp.extensions import csrf, db, limiter, login_manager, mail

    db.init_app(app)
    database.init_app(app)  # Flask-Migrate only for `flask db` (cli.py: init_migrations)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    mail.init_app(app)  # its settings are read at each message (mail/delivery.py)
    from eventapp.queue import tasks as queue

    queue.init_app(app)
    i18n.init_app(app)

    from eventapp.auth import second_factor
    from eventapp.web import (
        compression,
        errors,
        indexing,
        public_url,
        security_headers,
        static_assets,
        templating,
    )

    templating.init_app(app)
    errors.init_app(app)
    security_headers.init_app(app)
    static_assets.init_app(app)
    indexing.init_app(app)
    compression.init_app(app)
    second_factor.init_app(app)
    register_blueprints(app)
    register_tasks()

    from eventapp import cli

    cli.init_app(app)
    public_url.init_app(app)  # last: its check goes before every other one
    return app


def register_tasks() -> None:
    """Import every module with background tasks, so that a worker knows them all (the
    periodic ones run though no request imported their module)."""
    import eventapp.agenda.tasks
    import eventapp.mail.outbox
    import eventapp.registration.tasks
    import eventapp.surveys.tasks  # noqa: F401


def register_blueprints(app: Flask) -> None:
    """Import every module with views (which adds its routes to a blueprint), then
    register the blueprints. Features share blueprints: see eventapp/web/blueprints.py."""
    import eventapp.agenda.manage_presentations
    import eventapp.agenda.manage_rooms
    import eventapp.agenda.manage_speakers
    import eventapp.agenda.manage_views
    import eventapp.agenda.public_presentations
    import eventapp.agenda.public_views
    import eventapp.auth.manage_users
    import eventapp.certificates.manage_views
    import eventapp.certificates.public_views
    import eventapp.checkin.door_views
    import eventapp.checkin.manage_views
    import eventapp.events.manage_views
    import eventapp.events.public_views
    import eventapp.feeds.views
    import eventapp.jobs.manage_views
    import eventapp.mail.manage_messages
    import eventapp.mail.manage_views
    import eventapp.registration.manage_badges
    import eventapp.registration.manage_questions
    import eventapp.registration.manage_views
    import eventapp.registration.public_views
    import eventapp.reports.manage_views
    import eventapp.surveys.manage_views
    import eventapp.surveys.public_views
    import eventapp.travel.claims_views
    import eventapp.travel.manage_claims
    import eventapp.travel.manage_views
    import eventapp.travel.manage_visa
    import eventapp.travel.public_views  # noqa: F401
    import eventapp.travel.visa_views  # noqa: F401
    from eventapp.auth import account_views
    from eventapp.auth import views as auth_views
    from eventapp.media import views as media_views
    from eventapp.venue import views as venue_views
    from eventapp.web import blueprints, health

    for blueprint in (
        health.bp,
        blueprints.public,
        auth_views.bp,
        account_views.bp,
        blueprints.manage,
        blueprints.exports,
        media_views.bp,
        blueprints.registration,
        blueprints.checkin,
        venue_views.bp,
    ):
        app.register_blueprint(blueprint)
