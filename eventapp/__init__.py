"""eventapp: event registration, agenda, badges and check-in."""

import os
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


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

        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=int(app.config.get("PROXY_FIX_X_FOR") or 0), x_proto=1,
            x_host=int(app.config["PROXY_FIX_X_HOST"]))

    from eventapp import database
    from eventapp.core import i18n
    from eventapp.extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)

    from eventapp.auth import second_factor
    from eventapp.auth.account_views import bp as account_bp
    from eventapp.auth.views import bp as auth_bp
    from eventapp.checkin.views import bp as checkin_bp
    from eventapp.feeds.views import bp as exports_bp
    from eventapp.manage import bp as manage_bp
    from eventapp.media.views import bp as media_bp
    from eventapp.public.views import bp as public_bp
    from eventapp.registration.views import bp as registration_bp
    from eventapp.venue.views import bp as venue_bp
    from eventapp.web import (
        compression,
        errors,
        health,
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
    app.register_blueprint(health.bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(manage_bp)
    app.register_blueprint(exports_bp)
    app.register_blueprint(media_bp)
    app.register_blueprint(registration_bp)
    app.register_blueprint(checkin_bp)
    app.register_blueprint(venue_bp)

    from eventapp import cli

    cli.init_app(app)
    public_url.init_app(app)  # last: its check goes before every other one
    return app
