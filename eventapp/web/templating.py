"""Filters and globals that every template may use."""

from flask import Flask, current_app, request, url_for
from flask_babel import get_locale

from eventapp.core import changelog, i18n, labels
from eventapp.core.markdown import render_markdown
from eventapp.models import presentation
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


def language_alternates() -> list[tuple[str, str]]:
    """(hreflang, absolute URL) of this public page in each language, then "x-default"
    (no ?lang=: the visitor's own choice) for `<link rel="alternate">`; none elsewhere."""
    if request.endpoint not in PUBLIC_PAGES or request.method != "GET":
        return []
    values = request.view_args or {}
    links = [
        (i18n.language_tag(code), external_url(request.endpoint, **values, lang=code))
        for code in current_app.config["LANGUAGES"]
    ]
    return [*links, ("x-default", external_url(request.endpoint, **values))]


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
        file_size=i18n.file_size,
    )
    app.jinja_env.globals.update(
        external_url=external_url,
        url_for_language=url_for_language,
        language_alternates=language_alternates,
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
        support_status_labels={k.value: v for k, v in labels.SUPPORT_STATUSES.items()},
        support_line_labels=labels.SUPPORT_LINES,
        slide_types={k.value: v for k, v in presentation.MIMETYPES.items()},
        slide_labels={k.value: v for k, v in presentation.FORMAT_LABELS.items()},
        segment_kind_labels={k.value: v for k, v in labels.SEGMENT_KINDS.items()},
    )
