"""axe finds nothing on any page of the URL map, nor in any e-mail, in every language.

The pages are those tests/test_html_valid.py checks (tests/pages.py reads them from the
URL map), opened in Chromium: one signed-in browser context per role, kept for the whole
module. Responses that are not HTML are skipped.
"""

import threading

import pytest
from werkzeug.serving import make_server

from eventapp.config import LANGUAGES
from eventapp.extensions import db
from eventapp.mail import messages as emails
from eventapp.models import OrganiserMessage, Registration

from ..conftest import PASSWORD, make_app
from ..pages import (
    ACCOUNTS,
    demo_world,
    is_html,
    languages,
    pages,
    sends_to_sign_in,
    url,
    url_map_app,
)
from .conftest import axe_violations, csp_violations

PAGES = pages(url_map_app())


@pytest.fixture(scope="module")
def site(database_url, _schema):
    """The demo served over HTTP for the whole module: (app, base URL, URL values)."""
    app = make_app(database_url)
    with demo_world(app) as values:
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield app, f"http://127.0.0.1:{server.server_port}", values
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@pytest.fixture(scope="module")
def tabs(browser, site):
    """One tab per role (None: anonymous), each in its own signed-in context."""
    _, base, _ = site
    opened = {}
    for role in (None, *ACCOUNTS):
        context = browser.new_context()
        tab = context.new_page()
        if role:
            tab.goto(f"{base}/login?lang=en")
            tab.get_by_label("E-mail address").fill(ACCOUNTS[role][0])
            tab.get_by_label("Password").fill(PASSWORD)
            tab.get_by_role("button", name="Sign in", exact=True).click()
            tab.wait_for_url(lambda address: "/login" not in address)
        opened[role] = tab
    yield opened
    for tab in opened.values():
        tab.context.close()


def submit_empty(tab) -> None:
    """Send the sign-up form as it is, past the browser's own checks: the server's
    answer (422, the errors beside their fields) is the page to check."""
    with tab.expect_navigation():
        tab.evaluate("""() => {
            const form = [...document.forms].find(
                f => new URL(f.action).pathname.endsWith('/register'));
            form.noValidate = true;
            form.requestSubmit();
        }""")


@pytest.mark.parametrize(
    ("target", "language"),
    [(p, language) for p in PAGES for language in languages(p)],
    ids=[f"{p.name}-{language}" for p in PAGES for language in languages(p)],
)
def test_page_has_no_axe_violations(site, tabs, target, language):
    _, base, values = site
    tab = tabs[target.role]
    address = f"{base}{url(target, values)}?lang={language}"
    answer = tab.context.request.get(address, max_redirects=0)
    if target.role is None and sends_to_sign_in(answer.status, answer.headers.get("location")):
        tab = tabs["admin"]
        answer = tab.context.request.get(address)
    elif 300 <= answer.status < 400:
        answer = tab.context.request.get(address)
    if not is_html(answer.headers.get("content-type")):
        pytest.skip(f"{answer.headers.get('content-type')}: not HTML")
    refused = csp_violations(tab)
    tab.goto(address)
    if target.post:
        submit_empty(tab)
        assert tab.locator(".field__error").count() > 0
    assert axe_violations(tab) == [], target.name
    assert refused == [], target.name  # nothing the Content-Security-Policy blocked


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", list(emails.KINDS))
def test_email_has_no_axe_violations(site, tabs, kind, language):
    app, _, values = site
    with app.app_context():
        registration = db.session.get(Registration, values["registration_id"])
        registration.language = language
        # The demo's draft, for the kind "message" (an organiser's).
        written = db.session.get(OrganiserMessage, values["message_id"])
        [(html, _type)] = emails.build(registration, kind, written).alternatives
        db.session.rollback()
    tab = tabs[None]
    tab.set_content(html)
    assert axe_violations(tab) == [], kind
