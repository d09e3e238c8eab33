"""No interface text escapes translation: every page of the URL map, rendered in a
pseudo-language, shows no English word that is not the event's own content.

The pseudo-language's catalogue is built here, in a temporary folder: each message
extracted from the code and templates (as `make extract-messages` does, so a string
marked on this branch counts before the catalogues are merged) is written back with its
letters swapped for accented look-alikes ("Sign up" -> "Śîĝñ ûþ"), placeholders, HTML
tags and entities untouched. A string nobody marked for translation stays plain English
on the page; this finds it in the text people read (text and the attributes screen
readers and browsers show) and fails with a list page -> text.

What may stay English: what the database holds (names, titles, bios: the organisers'
content), numbers, dates, country and language names (Babel's), codes, addresses, URLs.
"""

import html
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from flask import Flask
from sqlalchemy import JSON, Enum, String, select

from eventapp.config import LANGUAGES
from eventapp.core import i18n
from eventapp.core.markdown import render_markdown
from eventapp.extensions import db

from .conftest import close_db, csrf_token_from, make_app, submit_sign_in
from .pages import ACCOUNTS, demo_world, is_html, pages, sends_to_sign_in, url, url_map_app

ROOT = Path(__file__).parents[1]
#: Flask-Babel turns the language code into a Babel Locale, so the pseudo-language must
#: be a locale Babel knows; "World English" is one no catalogue of ours is written in.
#: Its dates are formatted as the English pages' (en_GB), see `pseudo_app`.
PSEUDO = "en_001"

# --- The pseudo-language ----------------------------------------------------------------

LOOK_ALIKES = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "áƀçđéƒĝĥîĵķļɱñöþʠŕšţûṽŵẋýžÁƁÇĐÉƑĜĤÎĴĶĻṀÑÖÞǪŔŠŢÛṼŴẊÝŽ",
)
#: What a translation keeps as it is: %(name)s and %s, {name}, HTML tags, entities, URLs.
KEPT = re.compile(
    r"%(?:\([^)]*\))?[-+ #0]*\d*(?:\.\d+)?[sdifr%]"
    r"|\{[^{}\s]*\}"
    r"|<[^<>]*>"
    r"|&#?\w+;"
    r"|https?://[^\s)\]]+"
)


def pseudo(text: str) -> str:
    """`text` with every ASCII letter outside placeholders, tags and URLs accented."""
    out, start = [], 0
    for kept in KEPT.finditer(text):
        out += [text[start : kept.start()].translate(LOOK_ALIKES), kept.group()]
        start = kept.end()
    out.append(text[start:].translate(LOOK_ALIKES))
    return "".join(out)


def extracted_messages() -> Catalog:
    """The messages of the code and templates, as `make extract-messages` finds them."""
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    catalogue = Catalog(locale=PSEUDO)
    keywords = {**DEFAULT_KEYWORDS, "_l": None}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        catalogue.add(message, None, [(filename, lineno)], context=context)
    return catalogue


def write_pseudo_catalogue(folder: Path) -> int:
    """Compile the pseudo-language's messages.mo under `folder`; gives how many."""
    catalogue = extracted_messages()
    for message in catalogue:
        if not message.id:
            continue
        if message.pluralizable:
            message.string = tuple(pseudo(form) for form in message.id)
        else:
            message.string = pseudo(message.id)
    target = folder / PSEUDO / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.mo").open("wb") as handle:
        write_mo(handle, catalogue)
    return len(catalogue)


# --- What people read on a page ---------------------------------------------------------

#: Attributes a person reads or hears: tooltips, alternatives, labels, hints, buttons.
READ_ATTRIBUTES = ("title", "alt", "aria-label", "aria-description", "placeholder", "label")
BUTTON_TYPES = ("submit", "button", "reset")
#: Elements whose text is not read as prose: code, what people type, machine data.
NOT_TEXT = {"script", "style", "code", "kbd", "samp"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
VOID |= {"track", "wbr"}


class ReadText(HTMLParser):
    """Collects (where, text) for every text node and read attribute of a page in the
    page's own language: what an element's `lang` says is in another language (content
    shown in its main language, an e-mail previewed in its recipient's) is left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []
        #: (tag, language) of the open elements.
        self.open: list[tuple[str, str | None]] = []
        self.page_language: str | None = None
        self.skipping = 0

    def _language(self) -> str | None:
        return next((lang for _tag, lang in reversed(self.open) if lang), None)

    def _read(self, where: str, text: str, language: str | None) -> None:
        if language is None or language == self.page_language:
            self.found.append((where, text))

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "html":
            self.page_language = values.get("lang")
        language = values.get("lang") or self._language()
        for name in READ_ATTRIBUTES:
            if values.get(name):
                self._read(f"<{tag} {name}>", values[name], language)
        if tag == "input" and values.get("type") in BUTTON_TYPES and values.get("value"):
            self._read(f"<{tag} value>", values["value"], language)
        if tag == "meta" and values.get("name") == "description" and values.get("content"):
            self._read("<meta description>", values["content"], language)
        if tag in NOT_TEXT:
            self.skipping += 1
        if tag not in VOID:
            self.open.append((tag, values.get("lang")))

    def handle_endtag(self, tag):
        if tag in NOT_TEXT:
            self.skipping = max(0, self.skipping - 1)
        if any(open_tag == tag for open_tag, _lang in self.open):
            while self.open and self.open.pop()[0] != tag:
                pass

    def handle_data(self, data):
        if not self.skipping and data.strip():
            where = f"<{self.open[-1][0] if self.open else ''}>"
            self._read(where, data, self._language())


def read_text(html: str) -> list[tuple[str, str]]:
    parser = ReadText()
    parser.feed(html)
    parser.close()
    return parser.found


def normal(text: str) -> str:
    return " ".join(text.split())


# --- What may stay English --------------------------------------------------------------


def strings_in(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings_in(item)


def stored_text() -> list[str]:
    """Every text the database holds (enum columns aside: a raw enum value on a page is
    interface text nobody translated), and the text of its Markdown as a page shows it."""
    found: list[str] = []
    for table in db.metadata.sorted_tables:
        columns = [
            column
            for column in table.columns
            if isinstance(column.type, String | JSON) and not isinstance(column.type, Enum)
        ]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)):
            for value in row:
                found.extend(strings_in(value))
    rendered = [text for value in found for _where, text in read_text(render_markdown(value))]
    return [normal(text) for text in (*found, *rendered) if text.strip()]


#: Names that are the same in every language.
BRANDS = ("eventapp",)


def known_phrases() -> re.Pattern:
    """What a page may show in English besides content: Babel's country and language
    names, month and day names; URLs, addresses, paths, file names, codes, placeholders."""
    from eventapp.printing.badges import BADGE_LANGUAGES

    locales = [Locale.parse(code) for code in ("en", "en_GB", PSEUDO)]
    phrases = {
        *(name for locale in locales for name in locale.territories.values()),
        *i18n.PREFERRED_NAMES.values(),
        *(i18n.language_name(code) for code in (*LANGUAGES, *BADGE_LANGUAGES, PSEUDO)),
        *(name for locale in locales for name in locale.languages.values()),
        *(name for locale in locales for name in locale.months["format"]["wide"].values()),
        *(name for locale in locales for name in locale.months["format"]["abbreviated"].values()),
        *(name for locale in locales for name in locale.days["format"]["wide"].values()),
        *(name for locale in locales for name in locale.days["format"]["abbreviated"].values()),
        *BRANDS,
        # Babel's short units, in file sizes (core.i18n.file_size): "0.2 kB", "2.3 MB".
        "kB",
        "MB",
        "am",
        "pm",
        "UTC",
    }
    words = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(
        rf"(?<![A-Za-z])(?:{words})(?![A-Za-z])"
        r"|https?://\S+|\S+@\S+|\S*/\S*"  # URLs, addresses, paths and time zones
        r"|(?:\b[\w-]+)?\.(?:pdf|csv|xlsx|ics|json|xml|png|jpe?g|svg|webp|css|js)\b"
        r"|\b[A-Z0-9]{2,}\b|\b\w*\d\w*\b"  # codes: EUR, VIE, OS351, 2024-03-12
        r"|%\(\w+\)s|\{\w+\}"  # placeholders shown to organisers
    )


WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*")
#: A word in any script, for names: "Əli", "Hümmətov".
NAME_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
#: What the ends of a run of words may carry that is no word.
PUNCTUATION = " .,:;!?()[]\"'“”‘’«»–—-…·|*#"


class English:
    """Finds English words in a text that no catalogue gave and no content explains."""

    def __init__(self, content: list[str]):
        self.exact = set(content)
        self.corpus = "\n".join(content)
        #: Words of short texts (names, titles, organisations, subjects), which pages join
        #: in ways of their own: "Gehrke, Lukas", "Ms Rosa Benítez Giménez".
        self.name_words = {
            w for text in content if len(text) <= 80 for w in NAME_WORD.findall(text)
        }
        self.known = known_phrases()

    def left_in(self, text: str) -> list[str]:
        """The runs of English words of `text` that are neither content nor known."""
        text = normal(text)
        if text in self.exact:
            return []
        return [run for run in runs(text) if not self._explained(run)]

    def _explained(self, run: str) -> bool:
        if self._content(run):
            return True
        # What is left once codes, dates, country names... are taken out, piece by piece.
        left = self.known.sub("\x00", run)
        pieces = [p.strip(PUNCTUATION) for part in left.split("\x00") for p in part.split(", ")]
        return all(
            self._content(piece) or self._name(piece) or not has_word(piece) for piece in pieces
        )

    def _content(self, text: str) -> bool:
        core = text.strip(PUNCTUATION)
        if not has_word(core):
            return True
        if core not in self.corpus:
            return False
        # A text shortened with "…" (a chart's label) may end in the middle of a word.
        end = "" if text.rstrip().endswith("…") else "(?![A-Za-z])"
        return bool(re.search(rf"(?<![A-Za-z]){re.escape(core)}{end}", self.corpus))

    def _name(self, text: str) -> bool:
        words = NAME_WORD.findall(text)
        return bool(words) and words[0][0].isupper() and all(w in self.name_words for w in words)


def has_word(text: str) -> bool:
    """Whether `text` has an English word: two ASCII letters or more together."""
    return any(len(word) > 1 for word in WORD.findall(text))


def runs(text: str) -> list[str]:
    """The runs of `text`'s words not in the pseudo-language: the words with ASCII letters
    and what lies between them (numbers, punctuation), cut at every transformed word."""
    found, run = [], []
    for token in text.split():
        if re.search(r"[A-Za-z]", token):
            run.append(token)
        elif any(c.isalpha() for c in token):  # a word of the pseudo-language
            if run:
                found.append(" ".join(run))
            run = []
        elif run:
            run.append(token)
    if run:
        found.append(" ".join(run))
    return [r for r in found if has_word(r)]


# --- The pages --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pseudo_app(database_url, _schema, tmp_path_factory) -> Iterator[Flask]:
    """The app with the pseudo-language as a fifth language, its catalogue beside ours."""
    folder = tmp_path_factory.mktemp("pseudo")
    write_pseudo_catalogue(folder)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(i18n.FORMAT_LOCALES, PSEUDO, "en_GB")
        app = make_app(
            database_url,
            LANGUAGES=(*LANGUAGES, PSEUDO),
            BABEL_TRANSLATION_DIRECTORIES=f"translations;{folder}",
        )
        yield app
    # Its pooled connections closed now, not by the garbage collector during a later test
    # (PostgreSQL's driver warns of a connection deleted while open).
    with app.app_context():
        close_db()


def signed_in(app: Flask, role: str | None):
    client = app.test_client()
    if role:
        assert submit_sign_in(client, ACCOUNTS[role][0]).status_code == 302, role
    return client


@pytest.fixture(scope="module")
def untranslated(pseudo_app) -> dict[str, list[str]]:
    """page -> the English left on it, every page of the URL map rendered once."""
    found: dict[str, list[str]] = {}
    with demo_world(pseudo_app) as values:
        with pseudo_app.app_context():
            english = English(stored_text())
        clients = {role: signed_in(pseudo_app, role) for role in (None, *ACCOUNTS)}
        for page in pages(url_map_app()):
            client = clients[page.role]
            address = f"{url(page, values)}?lang={PSEUDO}"
            if page.post:
                token = csrf_token_from(client.get(address).text)
                response = client.post(address, data={"csrf_token": token})
            else:
                response = client.get(address)
                if page.role is None and sends_to_sign_in(response.status_code, response.location):
                    client = clients["admin"]
                    response = client.get(address)
                if 300 <= response.status_code < 400:
                    response = client.get(address, follow_redirects=True)
            assert response.status_code < 500, f"{page.name}: {response.status_code}"
            if not is_html(response.content_type):
                continue
            left = [
                f"{where} {text.strip()!r}: {', '.join(map(repr, runs))}"
                for where, text in read_text(response.text)
                if (runs := english.left_in(text))
            ]
            if left:
                found[page.name] = list(dict.fromkeys(left))
    return found


def test_no_page_shows_interface_text_left_untranslated(untranslated):
    report = "\n".join(
        f"{page}:\n" + "\n".join(f"    {line}" for line in lines)
        for page, lines in sorted(untranslated.items())
    )
    assert not untranslated, f"English text nobody marked for translation:\n{report}"


def test_the_pseudo_language_is_served(pseudo_app):
    """The check is only worth anything if the pages really come in the pseudo-language."""
    client = pseudo_app.test_client()
    page = client.get(f"/?lang={PSEUDO}").text
    assert pseudo("Skip to content") in page
    assert "Skip to content" not in page


def test_wtforms_messages_come_from_our_catalogue(pseudo_app):
    """WTForms' "This field is required." is ours to translate (web/forms.py), so the
    pseudo-language has it too."""
    client = pseudo_app.test_client()
    token = csrf_token_from(client.get(f"/login?lang={PSEUDO}").text)
    page = html.unescape(client.post(f"/login?lang={PSEUDO}", data={"csrf_token": token}).text)
    assert pseudo("This field is required.") in page
    assert "This field is required." not in page


# --- The check itself -------------------------------------------------------------------


def test_pseudo_keeps_placeholders_tags_and_urls():
    assert pseudo("Sign up") == "Šîĝñ ûþ"
    assert (
        pseudo('Hello %(name)s, <a href="/x">{count} items</a> &amp; https://example.org.')
        == 'Ĥéļļö %(name)s, <a href="/x">{count} îţéɱš</a> &amp; https://example.org.'
    )
    assert pseudo("%(num)d%% of %s") == "%(num)d%% öƒ %s"


def test_the_check_finds_english_but_not_content_dates_or_codes():
    english = English(["MIEUX Impact Event", "Lukas Gehrke"])
    page = (
        '<html lang="en_001"><head><title>Śîĝñ ûþ · MIEUX Impact Event</title></head><body>'
        "<h1>MIEUX Impact Event</h1><p>Ţûéšđáý, 12 March 2024, Cabo Verde, EUR, "
        "a@example.org, Europe/Brussels</p>"
        '<p>Unmarked words <img alt="A photo" src="x.png"> <input type=submit value="Save">'
        '<button aria-label="Close">×</button> ƀý Lukas Gehrke</p>'
        "<code>{first_name}</code><script>var English = 1;</script>"
        '<p lang="en">Text in a language of its own</p><p>Gehrke, Lukas</p></body></html>'
    )
    left = [(where, runs) for where, text in read_text(page) if (runs := english.left_in(text))]
    assert left == [
        ("<p>", ["Unmarked words"]),
        ("<img alt>", ["A photo"]),
        ("<input value>", ["Save"]),
        ("<button aria-label>", ["Close"]),
    ]
