"""Every interface catalogue is complete and safe to show: each entry of messages.pot is
translated (no empty, no fuzzy entry), and each translation keeps its message's
placeholders and HTML tags, so no page prints "%(name)s" or fails with a KeyError.

Then the pages themselves in Spanish and Portuguese (European, as in Cabo Verde):
translated text, dates in the locale, country names, the switcher and the `hreflang`
alternates search engines read.
"""

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from eventapp.core.i18n import LANGUAGES, language_tag

TRANSLATIONS = Path(__file__).parents[1] / "eventapp" / "translations"
CATALOGUES = sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))

#: %(name)s, %(num)d, %(minutes)+d, %% ; {name} ; and tags of real HTML elements (a help
#: text's "/events/<slug>/" is text, which a translation may translate).
PERCENT = re.compile(r"%(?:\([^)]+\))?[-+ #0]*\d*(?:\.\d+)?[sdifr%]")
BRACES = re.compile(r"\{[^{}\s]*\}")
TAG = re.compile(
    r"</?(?:a|abbr|b|br|code|em|i|kbd|mark|p|q|s|small|span|strong|sub|sup|time|u)\b[^>]*>"
)


def placeholders(text: str) -> list[str]:
    """What must survive translation, in a comparable form (order may change)."""
    found = PERCENT.findall(text) + BRACES.findall(text) + TAG.findall(text)
    return sorted(found)


def load(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def language_of(path: Path) -> str:
    return path.parents[1].name


def test_every_interface_language_has_a_catalogue():
    assert {language_of(p) for p in CATALOGUES} == set(LANGUAGES) - {"en"}


@pytest.mark.parametrize("path", CATALOGUES, ids=language_of)
def test_catalogue_has_every_message_of_the_template(path):
    template = load(TRANSLATIONS / "messages.pot")
    catalogue = load(path)
    missing = [
        message.id
        for message in template
        if message.id and catalogue.get(message.id, message.context) is None
    ]
    assert missing == [], f"{len(missing)} messages of messages.pot missing: {missing[:5]}"


@pytest.mark.parametrize("path", CATALOGUES, ids=language_of)
def test_catalogue_is_fully_translated(path):
    catalogue = load(path)
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    untranslated = [
        m.id
        for m in catalogue
        if m.id and (not all(m.string) if isinstance(m.string, tuple) else not m.string)
    ]
    assert fuzzy == [], f"fuzzy entries: {fuzzy[:5]}"
    assert untranslated == [], f"{len(untranslated)} untranslated: {untranslated[:5]}"


@pytest.mark.parametrize("path", CATALOGUES, ids=language_of)
def test_plural_entries_fill_every_form(path):
    catalogue = load(path)
    for message in catalogue:
        if message.id and message.pluralizable:
            assert len(message.string) == catalogue.num_plurals, message.id


@pytest.mark.parametrize("path", CATALOGUES, ids=language_of)
def test_translations_keep_placeholders_and_tags(path):
    wrong = []
    for message in load(path):
        if not message.id:
            continue
        if message.pluralizable:
            singular, plural = message.id
            expected = placeholders(plural)
            for form in message.string:
                # A singular form may write "one" instead of %(num)d, as English may.
                got = placeholders(form)
                if got != expected and got != placeholders(singular):
                    wrong.append((message.id, form))
        elif placeholders(message.string) != placeholders(message.id):
            wrong.append((message.id, message.string))
    assert wrong == [], "\n".join(f"{i!r} -> {s!r}" for i, s in wrong)


def test_the_check_finds_a_lost_placeholder():
    assert placeholders("Hello %(name)s, <a href='x'>{n}</a>") != placeholders("Hola, <a>n</a>")
    assert placeholders("%(num)d%%") != placeholders("%(num)d")
    assert placeholders("/events/<slug>/") == placeholders("/events/<identificador>/")


def test_catalogues_say_their_language_and_compile(tmp_path):
    from babel.messages.mofile import write_mo

    for path in CATALOGUES:
        catalogue = load(path)
        assert str(catalogue.locale).split("_")[0] == language_of(path)
        with (tmp_path / f"{language_of(path)}.mo").open("wb") as handle:
            write_mo(handle, catalogue)


def test_european_portuguese_counts_zero_as_plural():
    """Babel's own "pt" rule is Brazil's, where 0 takes the singular; ours is Portugal's."""
    catalogue = load(TRANSLATIONS / "pt" / "LC_MESSAGES" / "messages.po")
    assert catalogue.plural_expr.replace(" ", "").startswith("(n==1?0")


# --- The pages in Spanish and Portuguese ------------------------------------------------------


@pytest.mark.parametrize(
    "lang,tag,date,words",
    [
        ("es", "es", "martes, 12 de marzo de 2024", ["Ponentes", "Programa", "Inscribirse"]),
        (
            "pt",
            "pt-PT",
            "terça-feira, 12 de março de 2024",
            ["Oradores", "Programa", "Inscrever-se"],
        ),
    ],
)
def test_event_page_in_spanish_and_portuguese(client, demo, lang, tag, date, words):
    page = client.get(f"/events/{demo}/?lang={lang}").text
    assert f'<html lang="{tag}">' in page
    assert date in page
    for word in words:
        assert word in page
    assert "Skip to content" not in page and ">Speakers</a>" not in page


@pytest.mark.parametrize(
    "lang,words,countries",
    [
        ("es", ["Moderador", "Panelistas"], ["Georgia", "Uganda", "Kirguistán", "Cabo Verde"]),
        ("pt", ["Moderador", "Painelistas"], ["Geórgia", "Uganda", "Quirguistão", "Cabo Verde"]),
    ],
)
def test_agenda_and_speakers_in_spanish_and_portuguese(client, demo, lang, words, countries):
    agenda = client.get(f"/events/{demo}/agenda?lang={lang}").text
    for word in words:
        assert word in agenda
    assert "Panellists" not in agenda
    speakers = client.get(f"/events/{demo}/speakers?lang={lang}").text
    for country in countries:
        assert country in speakers
    assert "Cape Verde" not in speakers and "Kyrgyzstan" not in speakers


def test_portuguese_is_european_not_brazilian(client, demo):
    """Dates and country names from pt_PT: "12/03/2024", "Arménia", not "Armênia"."""
    from eventapp.core.i18n import country_choices, local_datetime

    with client.application.test_request_context("/?lang=pt"):
        names = dict(country_choices())
        moment = local_datetime(datetime(2024, 3, 12, 8, 30, tzinfo=UTC), "Europe/Brussels")
    assert names["AM"] == "Arménia" and names["KE"] == "Quénia" and names["CV"] == "Cabo Verde"
    assert moment.startswith("12/03/2024")


@pytest.mark.parametrize(
    "lang,expected",
    [
        ("es", ["Inscripción en", "Nombre", "Apellidos", "Elija un país", "Cabo Verde"]),
        ("pt", ["Inscrição em", "Nome próprio", "Apelido", "Escolha um país", "Cabo Verde"]),
    ],
)
def test_sign_up_form_in_spanish_and_portuguese(app, client, lang, expected):
    from eventapp.extensions import db

    from .factories import make_event

    with app.app_context():
        slug = make_event(title="Forum").slug
        db.session.commit()
    page = client.get(f"/events/{slug}/register?lang={lang}").text
    for text in expected:
        assert text in page, text
    assert "Given name" not in page and "Choose a country" not in page


@pytest.mark.parametrize(
    "lang,tag,subject,date",
    [
        ("es", "es", "Su inscripción está confirmada: Forum", "14 de mayo de 2030"),
        ("pt", "pt-PT", "A sua inscrição está confirmada: Forum", "14 de maio de 2030"),
    ],
)
def test_sign_up_in_a_new_language_gets_its_email_in_it(
    app, client, smtp, lang, tag, subject, date
):
    """The registration remembers the language it was made in; its e-mail is written in it."""
    from eventapp.extensions import db

    from .factories import make_event, make_item
    from .test_registration_emails import parts, sign_up

    with app.app_context():
        event = make_event(title="Forum", capacity=10)
        make_item(event, title="Opening session")
        db.session.commit()
        slug = event.slug
    sign_up(client, slug, f"nino.{lang}@example.org", lang=lang)
    [message] = smtp.wait_for(1)
    assert message["Subject"] == subject
    text, html = parts(message)
    assert f'<html lang="{tag}">' in html
    assert date in text and date in html
    assert "Hello" not in text


def test_switcher_offers_every_language(client, demo):
    page = client.get(f"/events/{demo}/speakers?lang=es").text
    assert '<span aria-current="true" lang="es">español</span>' in page
    assert (
        f'href="/events/{demo}/speakers?lang=pt" lang="pt-PT" hreflang="pt-PT">português</a>'
        in page
    )
    assert f'href="/events/{demo}/speakers?lang=fr"' in page
    assert f'href="/events/{demo}/speakers?lang=en"' in page


def test_public_pages_list_their_language_alternates(client, demo, app):
    base = app.config["PUBLIC_BASE_URL"].rstrip("/")
    page = client.get(f"/events/{demo}/agenda?lang=pt").text
    agenda = f"{base}/events/{demo}/agenda"
    for code in LANGUAGES:
        tag = language_tag(code)
        assert f'<link rel="alternate" hreflang="{tag}" href="{agenda}?lang={code}">' in page
    assert 'hreflang="pt-PT"' in page
    assert f'<link rel="alternate" hreflang="x-default" href="{base}/events/{demo}/agenda">' in page
    event = client.get(f"/events/{demo}/?lang=es").text
    assert f'hreflang="x-default" href="{base}/events/{demo}/"' in event


def test_private_and_error_pages_have_no_alternates(client, demo):
    assert 'rel="alternate"' not in client.get("/events/nope/?lang=es").text
    assert 'rel="alternate"' not in client.get("/login?lang=es").text


@pytest.mark.parametrize(
    "header,expected",
    [
        ("es-ES,es;q=0.9,en;q=0.5", "es"),
        ("pt-PT,pt;q=0.9", "pt-PT"),
        ("pt-CV,pt;q=0.9,fr;q=0.5", "pt-PT"),
        ("pt-BR", "pt-PT"),
    ],
)
def test_browser_language_picks_spanish_or_portuguese(client, demo, header, expected):
    page = client.get(f"/events/{demo}/", headers={"Accept-Language": header}).text
    assert f'<html lang="{expected}">' in page


@pytest.mark.parametrize(
    "lang,before,after",
    [("pt", "Índia", "Indonésia"), ("fr", "Égypte", "Émirats arabes unis")],
)
def test_country_list_sorts_accented_names_among_the_others(app, lang, before, after):
    from eventapp.core.i18n import country_choices

    with app.test_request_context(f"/?lang={lang}"):
        names = [name for _code, name in country_choices()]
    assert names.index(before) + 1 == names.index(after)
    assert names[-1][0] in "ZzŽ"


def test_import_recognises_country_names_in_every_language():
    from eventapp.registration.person_fields import country_code

    assert country_code("Quirguistão") == country_code("Kirguistán") == "KG"
    assert country_code("Arménia") == "AM" and country_code("Geórgia") == "GE"


def test_the_portuguese_programme_says_it_is_european_portuguese(client, demo):
    """The printed programme: its PDF language (what a screen reader voices), headings and
    dates in Portuguese."""
    from .pdfcheck import page_texts
    from .pdftags import catalog, headings

    pdf = client.get(f"/events/{demo}/programme.pdf", query_string={"lang": "pt"}).data
    assert catalog(pdf)["lang"] == "pt-PT"
    assert [t for r, t in headings(pdf) if r == "H1"][1:3] == ["Índice", "Boas-vindas"]
    text = " ".join(page_texts(pdf))
    assert "terça-feira" in text and "Cabo Verde" in text
