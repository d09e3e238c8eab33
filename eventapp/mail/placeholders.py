"""Placeholders in organisers' messages: which there are, which a text uses, and a text
with them filled in for one person.

`{given_name}` in a subject or a Markdown body is replaced by the person's given name,
and so on (PLACEHOLDERS). The Markdown is rendered first and the values put in after,
HTML-escaped: a name is text, never markup nor Markdown ("*Ana*" stays as typed). Braces
around anything else ("{ note }", "{1}") are left as they are; a placeholder name we do
not know is refused when the message is saved (`unknown`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from eventapp.core.markdown import render_markdown

#: name -> what it becomes, for the help beside the compose form.
PLACEHOLDERS = {
    "given_name": _l("the person's given name"),
    "family_name": _l("the person's family name"),
    "full_name": _l("the person's full name"),
    "organisation": _l("the person's organisation"),
    "event_title": _l("the event's title"),
    "event_date": _l("the event's date and times, in its time zone"),
    "venue": _l("the venue and its address"),
    "link": _l("the address of the person's registration page (to see it, correct it or cancel)"),
    "ticket": _l(
        "the person's e-ticket: their check-in QR code (confirmed people only; nothing for others)"
    ),
}
#: Not in a subject: a one-line header has no room for an image.
BODY_ONLY = frozenset({"ticket"})

# A placeholder as typed, and as Markdown writes it into a link's address ({link} there
# is percent-encoded: "[my page]({link})").
_NAME = r"[^\W\d]\w*"  # a word in any script: {prénom} is refused, not ignored
PATTERN = re.compile(r"\{(" + _NAME + r")\}")
#: A URL Markdown takes as it is, in a link or an autolink.
_PLAIN_URL = re.compile(r"https?://[^\s<>()\[\]{}`\\]+")
_IN_HTML = re.compile(r"\{(" + _NAME + r")\}|%7B(" + _NAME + r")%7D")


def used(text: str) -> set[str]:
    """The placeholder names a text uses (known or not)."""
    return set(PATTERN.findall(text or ""))


def unknown(text: str, *, subject: bool = False) -> list[str]:
    """The names in braces that are no placeholder (in a subject: nor one allowed there),
    sorted, as typed."""
    allowed = set(PLACEHOLDERS) - (BODY_ONLY if subject else set())
    return sorted(used(text) - allowed)


def fill_subject(subject: str, values: Mapping[str, str]) -> str:
    """The subject with the person's values, on one line."""
    filled = PATTERN.sub(lambda m: values.get(m.group(1), m.group(0)), subject)
    return " ".join(filled.splitlines()).strip()


def fill_text(body: str, values: Mapping[str, str], ticket: str = "") -> str:
    """The plain-text version: the Markdown as written (readable as it is), values in."""
    return PATTERN.sub(
        lambda m: ticket if m.group(1) == "ticket" else values.get(m.group(1), m.group(0)), body
    )


def fill_html(body: str, values: Mapping[str, str], ticket: Markup | None = None) -> Markup:
    """The Markdown rendered to HTML (no raw HTML: core.markdown), values in, escaped.

    `ticket` is a block (a heading, a paragraph, an image): on a line of its own it
    takes its paragraph's place; within a sentence it goes in as it is."""
    ticket = ticket or Markup()
    link = values.get("link", "")
    if _PLAIN_URL.fullmatch(link):
        # The person's link is a link wherever it stands: as a link's address, as itself
        # (an autolink), rather than text a mail reader may not make clickable.
        body = body.replace("]({link})", f"]({link})").replace("{link}", f"<{link}>")
    html = str(render_markdown(body)).replace("<p>{ticket}</p>", str(ticket))

    def value(match: re.Match) -> str:
        name = match.group(1) or match.group(2)
        if name == "ticket":
            return str(ticket)
        if name in values:
            return str(escape(values[name]))
        return match.group(0)

    return Markup(_IN_HTML.sub(value, html))  # noqa: S704 (markdown without HTML, escaped values)
