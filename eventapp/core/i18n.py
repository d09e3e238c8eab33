"""Language choice and locale-aware formatting.

The language comes from ``?lang=``, then the ``lang`` cookie, then Accept-Language.
A ``?lang=`` choice is remembered in the cookie for a year.

In templates a translation is text, never HTML: Jinja's own gettext marks it safe, so a
help text reading "/events/<slug>/" printed an unknown <slug> element. Ours escapes it
(where the template is autoescaped) and then fills in the values, so the only markup is
what a template writes and passes in itself.
"""

from datetime import date, datetime
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale, dates, numbers
from flask import Flask, Response, current_app, g, has_request_context, request
from flask_babel import get_locale, get_translations
from jinja2 import pass_context
from markupsafe import escape

from eventapp.core.folding import fold
from eventapp.extensions import babel

COOKIE = "lang"
#: Languages with a catalogue under eventapp/translations (English is the source), in the
#: switcher's order. "pt" is European Portuguese, as written in Cabo Verde and Portugal.
LANGUAGES = ("en", "fr", "es", "pt")
#: The variety a catalogue is written in, where Babel's plain language code means another:
#: Babel's "pt" is Brazilian ("Armênia", "12 de mar. de 2024"), our Portuguese is European
#: (as in Cabo Verde), so its country names and dates come from pt_PT.
REGIONAL_LOCALES = {"pt": "pt_PT"}
#: Regional conventions for dates: our English audience is European ("12 March 2024").
FORMAT_LOCALES = {"en": "en_GB", **REGIONAL_LOCALES}
#: BCP 47 tags for `lang` attributes, so a screen reader picks a European Portuguese voice.
LANGUAGE_TAGS = {"pt": "pt-PT"}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # a CLI command or background job: the default language
        return languages[0]
    for candidate in (request.args.get("lang"), request.cookies.get(COOKIE)):
        if candidate is not None and candidate in languages:
            return candidate
    return request.accept_languages.best_match(languages) or languages[0]


def _remember_choice(response: Response) -> Response:
    chosen = request.args.get("lang")
    if (
        chosen is not None
        and chosen in current_app.config["LANGUAGES"]
        and chosen != request.cookies.get(COOKIE)
    ):
        response.set_cookie(
            COOKIE,
            chosen,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


def _as_text(context, translated: str, variables: dict):
    if context.eval_ctx.autoescape:
        return escape(translated) % variables
    return translated % variables


@pass_context
def _gettext(context, string: str, **variables):
    return _as_text(context, get_translations().ugettext(string), variables)


@pass_context
def _ngettext(context, singular: str, plural: str, num: int, **variables):
    variables.setdefault("num", num)
    return _as_text(context, get_translations().ungettext(singular, plural, num), variables)


@pass_context
def _pgettext(context, where: str, string: str, **variables):
    return _as_text(context, get_translations().upgettext(where, string), variables)


@pass_context
def _npgettext(context, where: str, singular: str, plural: str, num: int, **variables):
    variables.setdefault("num", num)
    return _as_text(context, get_translations().unpgettext(where, singular, plural, num), variables)


def init_app(app: Flask) -> None:
    babel.init_app(
        app, locale_selector=select_locale, default_translation_directories="translations"
    )
    # `_` of jinja2.ext.i18n calls the "gettext" global: replacing these four is enough.
    app.jinja_env.globals.update(
        gettext=_gettext, ngettext=_ngettext, pgettext=_pgettext, npgettext=_npgettext
    )
    app.after_request(_remember_choice)


def language_name(code: str) -> str:
    """A language's name in that language, for the switcher: "English", "français"."""
    return Locale.parse(code).get_display_name(code) or code


def regional_locale(language: str) -> Locale:
    """Babel's locale for the variety of `language` our catalogue is written in."""
    return Locale.parse(REGIONAL_LOCALES.get(language, language))


def language_tag(code: str) -> str:
    """The `lang` attribute of a page or e-mail in language `code`: "fr", "pt-PT"."""
    return LANGUAGE_TAGS.get(code, code)


#: Names a country asked for that Babel (CLDR) does not give by default: Cabo Verde asked
#: the UN in 2013 to be called so in every language, and EU documents do so.
PREFERRED_NAMES = {"CV": "Cabo Verde"}


@cache
def territories(language: str) -> dict[str, str]:
    """ISO code -> the country's name in `language`: Babel's, PREFERRED_NAMES over them.
    Shared: do not change the dict."""
    return {**regional_locale(language).territories, **PREFERRED_NAMES}


def country_name(code: str | None) -> str:
    """The country's name in the page's language; the code itself if Babel lacks it."""
    if not code:
        return ""
    return territories(str(get_locale())).get(code.upper(), code.upper())


#: Two-letter codes CLDR names that are no country: unknown, pseudo-locales, unions.
NOT_COUNTRIES = frozenset({"ZZ", "XA", "XB", "EU", "EZ", "UN", "QO"})


def is_country_code(code: str) -> bool:
    """Whether `code` is one of the ISO 3166 countries people choose from."""
    return len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES


def country_choices() -> list[tuple[str, str]]:
    """(code, name) of every ISO 3166 country, sorted by name in the page's language."""
    cache = g.setdefault("_country_choices", {})
    locale = str(get_locale())
    if locale not in cache:
        cache[locale] = sorted(
            ((code, name) for code, name in territories(locale).items() if is_country_code(code)),
            # Accents aside, as a reader looks for them: "Índia" beside "Indonésia", not
            # after "Zâmbia"; "Égypte" among the E's.
            key=lambda pair: (fold(pair[1]), pair[1]),
        )
    return cache[locale]


def format_locale() -> Locale:
    language = str(get_locale())
    return Locale.parse(FORMAT_LOCALES.get(language, language))


def machine_datetime(moment: date) -> str:
    """A `<time datetime>` value: whole seconds and the UTC offset (HTML allows at most
    three digits of a second, Python writes six), or the date alone."""
    if isinstance(moment, datetime):
        return moment.isoformat(timespec="seconds")
    return moment.isoformat()


def local_date(moment: datetime, tz: str, fmt: str = "full") -> str:
    """A UTC moment as a date at the event, in the page's language: "Tuesday, 12 March 2024"."""
    return dates.format_date(moment.astimezone(ZoneInfo(tz)), fmt, locale=format_locale())


def local_time(moment: datetime, tz: str, fmt: str = "HH:mm") -> str:
    """A UTC moment as 24-hour wall-clock time at the event: "09:30"."""
    return dates.format_time(moment, fmt, tzinfo=ZoneInfo(tz), locale=format_locale())


def local_datetime(moment: datetime, tz: str, fmt: str = "medium") -> str:
    return dates.format_datetime(moment, fmt, tzinfo=ZoneInfo(tz), locale=format_locale())


def plain_date(day: date, fmt: str = "medium") -> str:
    """A calendar date (a hotel night, a preferred travel day), in the page's language."""
    return dates.format_date(day, fmt, locale=format_locale())


def zoned_datetime(moment: datetime, fmt: str = "medium") -> str:
    """An aware time as the wall-clock time of its own zone, with the zone's name: a
    flight's departure as printed on the ticket, "11 Mar 2024, 06:30 (Atlantic/Cape_Verde)"."""
    zone = getattr(moment.tzinfo, "key", None) or str(moment.tzinfo)
    locale = format_locale()
    # The locale's way of joining a date and a time, with a 24-hour time without seconds.
    text = str(locale.datetime_formats[fmt]).format(
        dates.format_time(moment, "HH:mm", tzinfo=moment.tzinfo, locale=locale),
        dates.format_date(moment, fmt, locale=locale),
    )
    return f"{text} ({zone})"


def money(amount: Decimal | None, currency: str) -> str:
    """An amount in a currency, in the page's language: "€1,250.00", "1 250,00 €"."""
    if amount is None:
        return "—"
    return numbers.format_currency(amount, currency, locale=format_locale())


def file_size(size: int) -> str:
    """A file's size for people, in the page's language: "740 kB", "2.3 MB", "2,3 Mo"."""
    from babel.units import format_unit

    if size >= 1000 * 1000:
        value, unit = size / 1000 / 1000, "digital-megabyte"
    else:
        value, unit = max(size / 1000, 0.1), "digital-kilobyte"
    return format_unit(value, unit, length="short", format="#,##0.#", locale=format_locale())
