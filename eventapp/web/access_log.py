"""gunicorn's access log without the secrets URLs carry.

A registration's /r/<token> opens the person's data, a badge's check-in code checks them
in, a certificate code names them; the query strings of the door carry codes and names
searched for. Log files are kept, copied and shipped to other systems: they get the
path with those parts replaced. gunicorn.conf.py makes gunicorn use `RedactingLogger`.
"""

from __future__ import annotations

import re

from gunicorn.glogging import Logger

REDACTED = "[redacted]"
#: The part of a path after each prefix, up to the next / ? & # space or quote.
_PATH_SECRETS = re.compile(r"(/r/|/checkin/[^/?#\s\"]+/(?:c|badge)/|/verify/)[^/?&#\s\"]+")
#: Query arguments that hold a code, a token, a name searched for, or a path with one
#: (a login's next=, percent-encoded).
_QUERY_SECRETS = re.compile(r"((?:^|[?&])(?:code|token|q|next|walk_in)=)[^&#\s\"]*")


def redact(text: str) -> str:
    """`text` (a request line, path, query string, Referer or Location) without secrets."""
    text = _PATH_SECRETS.sub(rf"\g<1>{REDACTED}", text)
    return _QUERY_SECRETS.sub(rf"\g<1>{REDACTED}", text)


class RedactingLogger(Logger):
    """gunicorn's logger, with every value the access log format can show redacted (the
    request line, path and query, and the headers and environ it may name)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()
        }
