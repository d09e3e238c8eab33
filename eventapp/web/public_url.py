"""Absolute links from PUBLIC_BASE_URL, never from the request.

A link written outside a page (e-mail, .ics, PDF, QR code, certificate, export) outlives
the request: built from the request's Host or X-Forwarded-Host, anyone could have the app
mail a participant their real /r/<token> link on a host of their choosing. So every such
link starts with the one configured address, and requests for other host names are
refused (Flask's TRUSTED_HOSTS, 400).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, request
from flask_babel import gettext as _
from werkzeug.exceptions import SecurityError

#: The address of `flask run` and `make run`: the base when debugging or testing without
#: a PUBLIC_BASE_URL of their own.
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"
#: Names of this machine: a local install answers to all of them.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1")


class PublicBaseUrlError(RuntimeError):
    """PUBLIC_BASE_URL missing or not an address: the app refuses to start rather than
    guess its own address from requests."""


def configure(app: Flask) -> None:
    """Check PUBLIC_BASE_URL (required unless TESTING or DEBUG) and derive TRUSTED_HOSTS
    from it when they are not given."""
    config = app.config
    base = config.get("PUBLIC_BASE_URL")
    if not base:
        if not (config.get("TESTING") or config.get("DEBUG")):
            raise PublicBaseUrlError(
                "PUBLIC_BASE_URL is not set: set it to the address people reach the site "
                "at, e.g. FLASK_PUBLIC_BASE_URL=https://events.example.org (links in "
                "e-mails, badges and certificates start with it)."
            )
        base = DEVELOPMENT_BASE_URL
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise PublicBaseUrlError(
            f"PUBLIC_BASE_URL={base!r} is not an http(s) address such as "
            "https://events.example.org or https://example.org/events."
        )
    config["PUBLIC_BASE_URL"] = base.rstrip("/")
    if config.get("TRUSTED_HOSTS") is None:
        config["TRUSTED_HOSTS"] = trusted_hosts_for(parts.hostname)


def init_app(app: Flask) -> None:
    # First of all before_request functions: no sign-in check, CSRF check or page
    # (which would build URLs for a host it cannot) runs for an untrusted host.
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_untrusted_host)
    app.register_error_handler(SecurityError, _untrusted_host_page)


def _refuse_untrusted_host() -> None:
    if isinstance(request.routing_exception, SecurityError):
        raise request.routing_exception


def _untrusted_host_page(error: SecurityError):
    """A plain answer: the site's pages link to URLs built for the request's host."""
    return (
        _("This site does not answer to this host name.") + "\n",
        400,
        {"Content-Type": "text/plain; charset=utf-8"},
    )


def trusted_hosts_for(hostname: str) -> list[str]:
    """The public host alone; on a local install (a loopback name) every loopback name,
    since the same browser may open it as localhost or 127.0.0.1."""
    if hostname in LOOPBACK_HOSTS:
        return list(LOOPBACK_HOSTS)
    return [hostname]


def public_base_url() -> str:
    """PUBLIC_BASE_URL without a trailing slash."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/")


def external_url(endpoint: str, **values) -> str:
    """The absolute URL of `endpoint` (a full name, "blueprint.view") on PUBLIC_BASE_URL,
    whatever host the current request, if any, came through."""
    base = urlsplit(public_base_url())
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )
    current_app.inject_url_defaults(endpoint, values)
    return adapter.build(endpoint, values, force_external=True)
