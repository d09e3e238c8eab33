"""Every page of the URL map and every e-mail's HTML part, in every language, is valid
HTML for the Nu HTML Checker (vnu, the W3C's validator; `make test` installs its jar from
npm and Java to run it).

All of them are rendered once, written to files and checked in ONE run of vnu (a JVM
start takes seconds); each page then has its own test reading that run's messages, so a
failure names the page and shows vnu's errors. Responses that are not HTML (PDF, ICS,
JSON, CSV, spreadsheets, images) are skipped; the pages' refreshed parts (`?fragment=1`)
are not whole documents and are not checked on their own.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from flask import Flask

from eventapp.config import LANGUAGES
from eventapp.extensions import db
from eventapp.mail import messages as emails
from eventapp.models import OrganiserMessage, Registration

from .conftest import csrf_token_from, make_app, submit_sign_in
from .pages import (
    ACCOUNTS,
    demo_world,
    is_html,
    languages,
    pages,
    sends_to_sign_in,
    url,
    url_map_app,
)

# Rendering every page and starting vnu's JVM takes most of a quarter of a minute.
pytestmark = pytest.mark.slow

VNU = Path(__file__).parents[1] / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
PAGES = pages(url_map_app())
#: A page vnu must find fault with: the check can fail.
BAD_PAGE = (
    '<!DOCTYPE html><html lang="en"><title>Bad</title>'
    '<p id="x"><time datetime="2024-03-12T09:00:00.123456">9:00</time>'
    '<p id="x"><input type="color" required>'
)


def signed_in(app: Flask, role: str | None):
    client = app.test_client()
    if role:
        assert submit_sign_in(client, ACCOUNTS[role][0]).status_code == 302, role
    return client


def render_pages(app: Flask, values: dict, folder: Path) -> dict:
    """Fetch every page in every language; write the HTML ones into `folder`."""
    clients = {role: signed_in(app, role) for role in (None, *ACCOUNTS)}
    seen = {}
    for page in PAGES:
        client = clients[page.role]
        for language in languages(page):
            address = f"{url(page, values)}?lang={language}"
            if page.post:
                token = csrf_token_from(client.get(address).text)
                response = client.post(address, data={"csrf_token": token})
            else:
                response = client.get(address)
                if page.role is None and sends_to_sign_in(response.status_code, response.location):
                    client = clients["admin"]
                    response = client.get(address)
                if 300 <= response.status_code < 400:  # the page it leads to
                    response = client.get(address, follow_redirects=True)
            name = f"{page.name}-{language}"
            seen[name] = {"status": response.status_code, "type": response.content_type}
            if is_html(response.content_type):
                (folder / f"{name}.html").write_bytes(response.data)
    return seen


def render_emails(app: Flask, values: dict, folder: Path) -> dict:
    """The HTML part of every kind of message, in every language."""
    seen = {}
    with app.app_context():
        registration = db.session.get(Registration, values["registration_id"])
        # The demo's draft, for the kind "message" (an organiser's).
        written = db.session.get(OrganiserMessage, values["message_id"])
        for kind in emails.KINDS:
            for language in LANGUAGES:
                registration.language = language
                message = emails.build(registration, kind, written)
                [(html, _type)] = message.alternatives
                name = f"email.{kind}-{language}"
                (folder / f"{name}.html").write_text(html, encoding="utf-8")
                seen[name] = {"status": 200, "type": "text/html"}
        db.session.rollback()
    return seen


def run_vnu(files: list[Path]) -> dict[str, list[dict]]:
    """vnu's errors for each file, by file name without ".html"."""
    assert shutil.which("java"), "Java runs vnu: `make test` installs it"
    assert VNU.exists(), "vnu.jar is missing: `make test` (npm ci) installs it"
    result = subprocess.run(
        [
            "java",
            "-Xss4m",
            "-jar",
            str(VNU),
            "--format",
            "json",
            "--stdout",
            "--exit-zero-always",
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    errors: dict[str, list[dict]] = {file.stem: [] for file in files}
    for message in json.loads(result.stdout)["messages"]:
        if message["type"] in ("error", "non-document-error"):
            errors[Path(message.get("url", "unknown")).stem].append(message)
    return errors


@pytest.fixture(scope="session")
def checked(database_url, _schema, tmp_path_factory) -> dict:
    """Every page and e-mail rendered, then checked by one vnu run."""
    folder = tmp_path_factory.mktemp("html")
    app = make_app(database_url)
    with demo_world(app) as values:
        seen = {**render_pages(app, values, folder), **render_emails(app, values, folder)}
    (folder / "guard.bad.html").write_text(BAD_PAGE, encoding="utf-8")
    errors = run_vnu(sorted(folder.glob("*.html")))
    for name, page in seen.items():
        page["errors"] = errors.get(name, [])
    seen["guard.bad"] = {"errors": errors["guard.bad"]}
    return seen


def readable(errors: list[dict]) -> str:
    return "\n".join(
        f"line {e.get('lastLine')}: {e['message']}\n    {e.get('extract', '')!r}" for e in errors
    )


@pytest.mark.parametrize("name", [f"{p.name}-{lang}" for p in PAGES for lang in languages(p)])
def test_page_is_valid_html(checked, name):
    page = checked[name]
    assert page["status"] < 500, f"{name} failed: {page['status']}"
    if not is_html(page["type"]):
        pytest.skip(f"{page['type']}: not HTML")
    assert page["errors"] == [], f"{name}: vnu errors\n{readable(page['errors'])}"


@pytest.mark.parametrize(
    "name", [f"email.{kind}-{lang}" for kind in emails.KINDS for lang in LANGUAGES]
)
def test_email_html_part_is_valid_html(checked, name):
    errors = checked[name]["errors"]
    assert errors == [], f"{name}: vnu errors\n{readable(errors)}"


def test_the_checker_finds_errors_in_a_bad_page(checked):
    messages = " ".join(e["message"] for e in checked["guard.bad"]["errors"])
    assert "Duplicate ID" in messages
    assert "datetime" in messages


def test_the_special_pages_are_checked_too(checked):
    assert checked["error.404-en"]["status"] == 404
    assert checked["error.403-fr"]["status"] == 403
    assert checked["registration.register.422-en"]["status"] == 422


def test_a_private_page_outside_the_known_roles_is_opened_by_an_admin(client):
    """What decides it for pages added later (an account page, say): the redirect that
    sends anonymous visitors to sign in."""
    response = client.get("/manage/")
    assert sends_to_sign_in(response.status_code, response.location)
    assert not sends_to_sign_in(client.get("/").status_code, None)
