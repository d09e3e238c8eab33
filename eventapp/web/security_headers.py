"""Headers on every response: what the browser may load, frame, send and keep.

Every script and stylesheet is one of our static files, so the Content-Security-Policy
allows only those: an injected <script> or on* attribute does not run. A page that must
place things by numbers it computes (the organisers' agenda timeline) writes them in a
<style> element carrying the request's nonce, since style attributes are refused too.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, g, request

#: Pages that show personal data or serve signed-in staff: never stored by a browser or
#: a shared cache (the back button after signing out shows nothing).
PRIVATE_PATHS = ("/r/", "/manage/", "/checkin/", "/login", "/logout", "/account/")
#: Blueprints of the sign-in and account pages.
PRIVATE_BLUEPRINTS = frozenset({"auth", "account"})
#: URL variables that are secrets (a registration token, a check-in or certificate code):
#: a page reached through one sends no Referer, even to our own static files.
SECRET_VARIABLES = frozenset({"token", "code"})
#: One year, renewed by every response over HTTPS; no includeSubDomains, as other hosts
#: of the organiser's domain may still be served over plain HTTP.
HSTS = "max-age=31536000"


def csp_nonce() -> str:
    """The request's nonce for an inline <style> element (templates: csp_nonce())."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def content_security_policy() -> str:
    """Only our own files (images also as data: and blob: URLs: QR codes, the door's
    photo of a badge, read in the page); the nonce only when the page used one, so that a response
    revalidated from a cache (304) never pairs a page with another response's nonce."""
    styles = "'self'"
    if "csp_nonce" in g:
        styles += f" 'nonce-{g.csp_nonce}'"
    return (
        "default-src 'self'; script-src 'self'; "
        f"style-src {styles}; img-src 'self' data: blob:; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


def is_private() -> bool:
    """Whether the current page holds personal data or a staff member's session."""
    return (
        request.path.startswith(PRIVATE_PATHS)
        or request.blueprint in PRIVATE_BLUEPRINTS
        or holds_secret()
    )


def holds_secret() -> bool:
    """Whether the URL carries a token or code (its Referer would give it away)."""
    return not SECRET_VARIABLES.isdisjoint(request.view_args or ())


def add_headers(response: Response) -> Response:
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy()
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"  # frame-ancestors for browsers without CSP 2
    secret = request.path.startswith("/r/") or holds_secret()
    headers["Referrer-Policy"] = "no-referrer" if secret else "same-origin"
    if is_private() and not response.cache_control.no_store:
        headers["Cache-Control"] = "no-store"
    if request.is_secure:
        headers["Strict-Transport-Security"] = HSTS
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
