"""Form fields for organiser-written text in the event's other languages.

A form that edits translatable text (an agenda item's title, a speaker's bio) gets, for
each of the event's extra languages, a copy of each such field named ``<field>__<lang>``:
the same widget and length limit as the main field (the column's), never required (a
missing translation falls back to the main language), with ``lang`` on the input so
spell-checkers and screen readers use the right language. ``_translations.html`` prints
them as a fieldset per language.
"""

from functools import cache
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms.validators import DataRequired, InputRequired, Optional, Regexp

from eventapp.core import translated
from eventapp.core.i18n import language_tag
from eventapp.core.labels import LANGUAGE_NAMES

#: Validators that belong to the main text only: a translation may be left empty, and a
#: format rule of the main text (a slug's) does not apply to prose.
MAIN_ONLY = (DataRequired, InputRequired, Regexp)


def field_name(field: str, language: str) -> str:
    return f"{field}__{language}"


@cache
def with_translations(form_cls: type, languages: tuple[str, ...], fields: tuple[str, ...]):
    """`form_cls` with a copy of each of `fields` per language of `languages`."""
    attrs: dict[str, Any] = {}
    for language in languages:
        for name in fields:
            unbound = getattr(form_cls, name)
            kwargs = dict(unbound.kwargs)
            kwargs["validators"] = [
                Optional(),
                *(v for v in kwargs.get("validators", ()) if not isinstance(v, MAIN_ONLY)),
            ]
            render_kw = kwargs.get("render_kw") or {}
            kwargs["render_kw"] = {**render_kw, "lang": language_tag(language)}
            kwargs.pop("default", None)
            label = unbound.args[0] if unbound.args else kwargs.pop("label", name)
            kwargs["label"] = _l(
                "%(label)s (%(language)s)", label=label, language=LANGUAGE_NAMES[language]
            )
            attrs[field_name(name, language)] = unbound.field_class(*unbound.args[1:], **kwargs)
    return type(form_cls.__name__, (form_cls,), attrs)


def translations_form(form_cls: type, event, fields: tuple[str, ...], **kwargs):
    """An instance of `form_cls` with the translation fields of the event's languages."""
    languages = tuple(translated.event_languages(event)[1:])
    return with_translations(form_cls, languages, fields)(**kwargs)


def fill(form, obj, fields: tuple[str, ...]) -> None:
    """Put the stored translations of `obj` into the form (a GET)."""
    for language in translated.event_languages(translated.event_of(obj))[1:]:
        for name in fields:
            form[field_name(name, language)].data = translated.translation(obj, language, name)


def data(form, event, fields: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """{language: {field: text}} as posted, for `translated.set_translations`. A field
    left out of the post (a script written before translations) keeps its text; one
    posted empty removes it."""
    texts: dict[str, dict[str, Any]] = {}
    for language in translated.event_languages(event)[1:]:
        for name in fields:
            field = form[field_name(name, language)]
            if field.raw_data:
                texts.setdefault(language, {})[name] = field.data or ""
    return texts
