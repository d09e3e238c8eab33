"""What search engines may index: public pages yes, anything private never.

`/robots.txt` asks crawlers to stay out of private pages (security_headers.is_private:
the same rule that keeps them out of caches), and those pages also say
`X-Robots-Tag: noindex` (a link to one may still be found elsewhere).
"""

from flask import Flask, Response

from eventapp.web.security_headers import PRIVATE_PATHS, is_private

#: Also kept out: pages reached by a certificate's code (they name its holder).
UNINDEXED_PATHS = (*PRIVATE_PATHS, "/verify/")


def robots_txt() -> Response:
    """Crawlers may read the events, agendas and speakers, nothing private."""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in UNINDEXED_PATHS), ""]
    response = Response("\n".join(lines), mimetype="text/plain")
    response.cache_control.public = True
    response.cache_control.max_age = 24 * 3600
    return response


def init_app(app: Flask) -> None:
    app.add_url_rule("/robots.txt", "robots_txt", robots_txt)

    @app.after_request
    def no_index_personal(response: Response) -> Response:
        if is_private():
            response.headers["X-Robots-Tag"] = "noindex, nofollow"
        return response
