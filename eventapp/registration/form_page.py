"""The blank sign-up page, rendered once per event version and language.

During a rush every visitor asks for the same empty form: rendering its fifty fields and
250 country names each time was most of a sign-up's cost. The page is kept per worker
with its CSRF token replaced by a marker, and each visitor gets a copy with their own
token. It is used only when nothing else on the page can differ between visitors: a GET
by someone not signed in, with no message waiting to be flashed. The key holds what the
page shows: the event as last changed (`updated_at`), its questions (and their
translations), the language and the
address (the language links repeat its query string).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable

from flask import current_app, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from eventapp.models import Event

_MARKER = "\x00csrf\x00"
#: Pages kept per worker, oldest dropped first (a few per event and language).
LIMIT = 256


def applies() -> bool:
    """Whether this request may get the shared page."""
    return (
        request.method == "GET"
        and not session.get("_flashes")
        and not current_user.is_authenticated
    )


def key(event: Event) -> Hashable:
    questions = tuple(
        (
            q.id,
            q.position,
            q.kind,
            q.label,
            q.help_text,
            q.required,
            tuple(q.choices or ()),
            json.dumps(q.translations or {}, sort_keys=True),
        )
        for q in event.questions
    )
    return (event.id, event.updated_at, questions, str(get_locale()), request.full_path)


def page(event: Event, render: Callable[[], str]) -> str:
    """The blank form page for this visitor: from the cache, else `render()`ed and kept."""
    token = generate_csrf()  # the visitor's own; Flask-WTF keeps it in their session
    page_key = key(event)
    pages = current_app.extensions.setdefault("signup_pages", {})
    cached = pages.get(page_key)
    if cached is None:
        html = render()
        if html.count(token) != 1:  # the form must carry the token exactly once
            return html
        cached = html.replace(token, _MARKER)
        if len(pages) >= LIMIT:
            pages.pop(next(iter(pages), None), None)
        pages[page_key] = cached
    return cached.replace(_MARKER, token)
