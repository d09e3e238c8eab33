"""Language choice: ?lang=, then the cookie, then Accept-Language; dates and countries follow."""

import pytest

from eventapp.core.i18n import LANGUAGES


@pytest.mark.parametrize(
    "headers,query,cookie,expected",
    [
        ({}, None, None, "en"),
        ({"Accept-Language": "fr-BE,fr;q=0.9,en;q=0.5"}, None, None, "fr"),
        ({"Accept-Language": "ka-GE,ru;q=0.8"}, None, None, "en"),  # no catalogue: English
        ({"Accept-Language": "fr"}, "en", None, "en"),  # ?lang= wins over the browser
        ({"Accept-Language": "en"}, None, "fr", "fr"),  # the cookie wins over the browser
        ({}, "fr", "en", "fr"),  # ?lang= wins over the cookie
        ({}, "xx", None, "en"),  # unknown language ignored
    ],
)
def test_language_selection_order(client, demo, headers, query, cookie, expected):
    if cookie:
        client.set_cookie("lang", cookie)
    url = f"/events/{demo}/agenda" + (f"?lang={query}" if query else "")
    page = client.get(url, headers=headers).text
    assert f'<html lang="{expected}">' in page


def test_choice_is_remembered_in_a_cookie(client, demo):
    response = client.get(f"/events/{demo}/?lang=fr")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("lang="))
    assert "lang=fr" in cookie and "Max-Age=31536000" in cookie and "SameSite=Lax" in cookie
    assert '<html lang="fr">' in client.get(f"/events/{demo}/speakers").text


def test_french_pages_translate_text_dates_and_countries(client, demo):
    event = client.get(f"/events/{demo}/?lang=fr").text
    assert "mardi 12 mars 2024" in event
    assert "S’inscrire" in event or "Programme" in event
    speakers = client.get(f"/events/{demo}/speakers?lang=fr").text
    assert "Intervenants" in speakers
    assert "Géorgie" in speakers and "Ouganda" in speakers and "Kirghizstan" in speakers
    agenda = client.get(f"/events/{demo}/agenda?lang=fr").text
    assert "Panélistes" in agenda and "Modérateur" in agenda


def test_switcher_links_keep_the_page(client, demo):
    page = client.get(f"/events/{demo}/speakers").text
    assert f'href="/events/{demo}/speakers?lang=fr"' in page
    assert 'lang="fr" hreflang="fr">français</a>' in page


def test_error_pages_are_translated_too(client):
    page = client.get("/events/nope/?lang=fr")
    assert page.status_code == 404
    assert '<html lang="fr">' in page.text
    assert "We could not find that page" not in page.text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_cabo_verde_is_called_what_it_asked_to_be_called(client, demo, lang):
    # Babel says "Cape Verde" / "Cap-Vert"; the country asked the UN in 2013 for
    # "Cabo Verde" in every language (Spanish and Portuguese say so already).
    speakers = client.get(f"/events/{demo}/speakers?lang={lang}").text
    assert "Cabo Verde" in speakers
    assert "Cape Verde" not in speakers and "Cap-Vert" not in speakers


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_country_list_offers_cabo_verde(app, lang):
    from eventapp.core.i18n import country_choices

    with app.test_request_context(f"/?lang={lang}"):
        choices = country_choices()
    assert ("CV", "Cabo Verde") in choices
    assert not any(name in ("Cape Verde", "Cap-Vert") for _code, name in choices)


def test_import_knows_both_names_of_cabo_verde():
    from eventapp.registration.person_fields import country_code

    assert country_code("Cape Verde") == country_code("cabo verde") == "CV"
    assert country_code("Cap-Vert") == country_code("cv") == "CV"


# --- Translations are text, not HTML --------------------------------------------------------


def test_a_translation_is_escaped_where_it_is_printed(app):
    """ "<slug>" in a translated help text is shown, not parsed as an element; values the
    template marks up itself (a link) stay markup; text templates are not escaped."""
    with app.test_request_context("/?lang=fr"):
        html = app.jinja_env.from_string(
            '{{ _("Part of the public address: /events/<slug>/") }}|'
            '{% set link %}<a href="/x">x</a>{% endset %}'
            '{{ _("Check that this certificate is genuine at %(url)s", url=link) }}|'
            '{{ _("Hello %(name)s,", name="<b>Ana</b>") }}'
        ).render()
        text = app.jinja_env.from_string(
            '{% autoescape false %}{{ _("Hello %(name)s,", name="Ana & Bo") }}{% endautoescape %}'
        ).render()
    assert html == (
        "Partie de l’adresse publique : /events/&lt;identifiant&gt;/|"
        'Vérifiez l’authenticité de cette attestation sur <a href="/x">x</a>|'
        "Bonjour &lt;b&gt;Ana&lt;/b&gt;,"
    )
    # Not autoescaped, like the e-mails' .txt templates.
    assert text == "Bonjour Ana & Bo,"


@pytest.mark.parametrize(
    "language,shown", [("en", "/events/&lt;slug&gt;/"), ("fr", "/events/&lt;identifiant&gt;/")]
)
def test_settings_page_shows_the_address_help_as_written(client, demo, sign_in, language, shown):
    from eventapp.models import UserRole

    sign_in("admin@example.org", role=UserRole.ADMIN)
    page = client.get(f"/manage/events/{demo}/settings?lang={language}").text
    assert shown in page
    assert "<slug>" not in page and "<identifiant>" not in page
