"""Filters and globals that every template may use."""

from flask import Flask, current_app, request, url_for
from flask_babel import get_locale
from markupsafe import Markup

from eventapp.core import changelog, i18n, labels, translated
from eventapp.core.markdown import render_markdown
from eventapp.web.public_url import external_url


def url_for_language(code: str) -> str:
    """The current page in another language (keeps the path and other query arguments)."""
    args = {**(request.view_args or {}), **request.args.to_dict(), "lang": code}
    if request.endpoint is None:
        return url_for("public.home", lang=code)
    return url_for(request.endpoint, **args)


#: The pages anyone may find and share, which search engines are told exist in every
#: language; not participants' own links, the door or the organisers' pages.
PUBLIC_PAGES = frozenset(
    {
        "public.home",
        "public.event",
        "public.agenda",
        "public.speakers",
        "public.speaker",
        "public.verify_form",
        "registration.register",
        "registration.privacy",
    }
)


def _event_page(event) -> bool:
    """Whether this is one of an event's public pages (not an organiser's or the door's)."""
    return event is not None and request.blueprint in ("public", "registration")


def page_languages(event=None) -> list[str]:
    """The languages this page exists in: an event's public page in the event's (its
    content is written in those), every other page in the interface's four."""
    if _event_page(event):
        return translated.event_languages(event)
    return list(current_app.config["LANGUAGES"])


def switcher_languages(event=None) -> list[str]:
    """The language switcher's choices: the page's languages, and the current one even
    if the event does not offer it (shown as current, so the visitor sees where they are)."""
    codes = page_languages(event)
    current = str(get_locale())
    if current not in codes:
        codes = [*codes, current]
    return codes


def language_alternates(event=None) -> list[tuple[str, str]]:
    """(hreflang, absolute URL) of this public page in each of its languages, then
    "x-default" (no ?lang=: the visitor's own choice) for `<link rel="alternate">`; none
    elsewhere."""
    if request.endpoint not in PUBLIC_PAGES or request.method != "GET":
        return []
    values = request.view_args or {}
    links = [
        (i18n.language_tag(code), external_url(request.endpoint, **values, lang=code))
        for code in page_languages(event)
    ]
    return [*links, ("x-default", external_url(request.endpoint, **values))]


def _page_language(language: str | None) -> str:
    return language or str(get_locale())


def translated_text(obj, field: str, language: str | None = None) -> Markup:
    """`{{ t(item, "title") }}`: organiser-written text in the page's language (or
    `language`), escaped; fallback text in a `<span lang>` of its own language."""
    return translated.text_html(obj, field, _page_language(language))


def translated_markdown(obj, field: str, language: str | None = None) -> Markup:
    """`{{ t_markdown(item, "description") }}`: the same for Markdown, in a `<div lang>`."""
    return translated.markdown_html(obj, field, _page_language(language))


def translated_plain(obj, field: str, language: str | None = None) -> str:
    """`{{ t_plain(event, "title") }}`: the text alone, for `<title>` and attributes."""
    return translated.plain_text(obj, field, _page_language(language))


def translated_figure(event, figure: dict, language: str | None = None) -> Markup:
    """`{{ t_figure(event, figure) }}`: a key figure's label in the page's language."""
    return translated.figure_html(event, figure, _page_language(language))


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        markdown=render_markdown,
        country_name=i18n.country_name,
        local_date=i18n.local_date,
        local_time=i18n.local_time,
        local_datetime=i18n.local_datetime,
        machine_datetime=i18n.machine_datetime,
        language_tag=i18n.language_tag,
        plain_date=i18n.plain_date,
        zoned_datetime=i18n.zoned_datetime,
        money=i18n.money,
    )
    app.jinja_env.globals.update(
        external_url=external_url,
        url_for_language=url_for_language,
        language_alternates=language_alternates,
        switcher_languages=switcher_languages,
        language_name=i18n.language_name,
        current_language=lambda: str(get_locale()),
        # StrEnum keys: templates look labels up by the stored value.
        kind_labels={k.value: v for k, v in labels.ITEM_KINDS.items()},
        role_labels={k.value: v for k, v in labels.ROLES.items()},
        category_labels={k.value: v for k, v in labels.CATEGORIES.items()},
        status_labels={k.value: v for k, v in labels.STATUSES.items()},
        user_role_labels={k.value: v for k, v in labels.USER_ROLES.items()},
        checkin_method_labels={k.value: v for k, v in labels.CHECKIN_METHODS.items()},
        readable_changes=changelog.readable,
        t=translated_text,
        t_markdown=translated_markdown,
        t_plain=translated_plain,
        t_figure=translated_figure,
        event_languages=translated.event_languages,
        # A language named in the page's language ("French" on an English page); the
        # switcher's `language_name` names it in itself ("français").
        language_label=lambda code: str(labels.LANGUAGE_NAMES.get(code, code)),
        support_status_labels={k.value: v for k, v in labels.SUPPORT_STATUSES.items()},
        support_line_labels=labels.SUPPORT_LINES,
        segment_kind_labels={k.value: v for k, v in labels.SEGMENT_KINDS.items()},
    )
