"""What search engines may index: public pages yes, anything personal never.

`/robots.txt` asks crawlers to stay out of personal pages, and those pages also say
`X-Robots-Tag: noindex` (a link to one may still be found elsewhere). The same list of
paths keeps personal pages out of compression (compression.py).
"""

from flask import Flask, Response, request

#: Paths of pages with personal data or a signed-in user's session: participants' own
#: pages (their token in the path), organisers' and the door's pages, signing in.
PERSONAL_PATHS = ("/r/", "/manage", "/checkin", "/login", "/logout", "/account", "/verify/")


def is_personal(path: str) -> bool:
    return path.startswith(PERSONAL_PATHS)


def robots_txt() -> Response:
    """Crawlers may read the events, agendas and speakers, nothing personal."""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in PERSONAL_PATHS), ""]
    response = Response("\n".join(lines), mimetype="text/plain")
    response.cache_control.public = True
    response.cache_control.max_age = 24 * 3600
    return response


def init_app(app: Flask) -> None:
    app.add_url_rule("/robots.txt", "robots_txt", robots_txt)

    @app.after_request
    def no_index_personal(response: Response) -> Response:
        if is_personal(request.path):
            response.headers["X-Robots-Tag"] = "noindex, nofollow"
        return response
