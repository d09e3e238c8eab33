"""Language choice: ?lang=, then the cookie, then Accept-Language; dates and countries follow."""

import pytest


@pytest.mark.parametrize("headers,query,cookie,expected", [
    ({}, None, None, "en"),
    ({"Accept-Language": "fr-BE,fr;q=0.9,en;q=0.5"}, None, None, "fr"),
    ({"Accept-Language": "ka-GE,ru;q=0.8"}, None, None, "en"),  # no catalogue: English
    ({"Accept-Language": "fr"}, "en", None, "en"),  # ?lang= wins over the browser
    ({"Accept-Language": "en"}, None, "fr", "fr"),  # the cookie wins over the browser
    ({}, "fr", "en", "fr"),  # ?lang= wins over the cookie
    ({}, "xx", None, "en"),  # unknown language ignored
])
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
