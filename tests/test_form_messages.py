"""WTForms' own messages ("Not a valid date value.", "This field is required.") come in
the page's language: from our catalogues where they carry them (web/forms.py,
wtforms_messages), else from WTForms' own, never in English on a French page."""

import html
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from wtforms.i18n import messages_path

from eventapp.web.forms import FORM_MESSAGES, wtforms_messages

from .conftest import csrf_token_from

NEW_EVENT = {
    "title": "Forum",
    "slug": "forum",
    "timezone": "Europe/Brussels",
    "starts_at": "soon",
    "ends_at": "2026-04-14T18:00",
    "capacity": "many",
}


def test_the_messages_we_translate_are_wtforms_own(app):
    """Our catalogues translate them by their English: WTForms' exact words (a plural by
    its plural form), or our translation would never be asked for."""
    with (Path(messages_path()) / "wtforms.pot").open("rb") as handle:
        theirs = {m.id if isinstance(m.id, str) else m.id[1] for m in read_po(handle)}
    with app.test_request_context("/?lang=en"):
        ours = wtforms_messages()
    assert len(ours) > 10
    assert [message for message in ours if message not in theirs] == []


@pytest.mark.parametrize("lang", ["fr", "es", "pt"])
def test_wtforms_messages_come_in_the_pages_language(app, organiser, lang):
    page = html.unescape(organiser.post(f"/manage/events/new?lang={lang}", NEW_EVENT).text)
    for english in ("Not a valid datetime value.", "Not a valid integer value."):
        assert english not in page
        with app.test_request_context(f"/?lang={lang}"):
            translated = FORM_MESSAGES.gettext(english)
        assert translated != english and translated in page


def test_a_form_outside_the_web_forms_base_is_translated_too(app, client):
    """The sign-in form is no CleanForm (a password is never stripped) but says WTForms'
    "This field is required." in French all the same."""
    token = csrf_token_from(client.get("/login?lang=fr").text)
    page = html.unescape(client.post("/login?lang=fr", data={"csrf_token": token}).text)
    assert "This field is required." not in page
    with app.test_request_context("/?lang=fr"):
        assert FORM_MESSAGES.gettext("This field is required.") in page
