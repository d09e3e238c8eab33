"""Printing never reads anything but our static files and uploads: markup in names prints
literally, and even unescaped HTML cannot make WeasyPrint read a file or call a server."""

import http.server
import logging
import threading
from pathlib import Path

import pytest

from eventapp.extensions import db
from eventapp.printing import badges
from eventapp.printing.fetcher import SafeFetcher, upload_url
from eventapp.printing.fonts import STATIC
from eventapp.printing.render import render_pdf

from . import factories
from .pdfcheck import page_texts

PASSWD_LINES = [line for line in Path("/etc/passwd").read_text().splitlines() if line.strip()]


def passwd_anywhere(pdf: bytes) -> bool:
    """Whether a line of /etc/passwd is in any stream of the PDF (text, images, files),
    decompressed."""
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as document:
        for obj in document.objects:
            if isinstance(obj, pikepdf.Stream):
                data = obj.read_bytes().decode("latin-1")
                if any(line in data for line in PASSWD_LINES):
                    return True
    return False


@pytest.fixture
def trap():
    """A tiny HTTP server on 127.0.0.1 that counts the requests it gets."""
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { background: red }")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_markup_in_names_prints_literally_and_fetches_nothing(app, trap, caplog):
    base, hits = trap
    given = '<img src="file:///etc/passwd">'
    organisation = '<link rel=stylesheet href="http://127.0.0.1:9/x.css">'
    family = f'<img src="{base}/y.png"><style>@import url({base}/z.css)</style>'
    # and the same link to a server that answers (and counts), on a second badge
    trap_organisation = f'<link rel=stylesheet href="{base}/x.css">'
    with app.app_context(), caplog.at_level(logging.WARNING):
        event = factories.make_event(slug="evil")
        registration = factories.make_registration(
            event, given_name=given, family_name=family, organisation=organisation
        )
        second = factories.make_registration(
            event, given_name="Ana", family_name="Li", organisation=trap_organisation
        )
        db.session.commit()
        pdf = badges.render_badges(event, [registration, second], "single")
    assert hits == []
    text = "".join(page_texts(pdf)[0].split())
    for value in (given, organisation, family):
        assert "".join(value.split()) in text
    assert "".join(trap_organisation.split()) in "".join(page_texts(pdf)[1].split())
    for line in PASSWD_LINES:
        assert line not in page_texts(pdf)[0]
    assert not passwd_anywhere(pdf)
    # Escaped markup is text: nothing was even asked for.
    assert not [r for r in caplog.records if r.name == "eventapp.printing.fetcher"]


def test_unescaped_html_cannot_reach_files_or_servers(trap, caplog):
    """If escaping ever slipped, the fetcher is the second wall."""
    base, hits = trap
    html = f"""
      <link rel=stylesheet href="{base}/x.css">
      <style>@import url("{base}/z.css"); p {{ background: url({base}/bg.png) }}</style>
      <p>before</p>
      <img src="file:///etc/passwd"> <img src="{base}/y.png"> <img src="https://example.org/a.png">
      <img src="/static/../../../../etc/passwd"> <img src="eventapp://app/static/../../etc/passwd">
      <img src="eventapp://app/uploads/../secret_key"> <img src="data:text/html,<b>x</b>">
      <object data="file:///etc/passwd"></object><embed src="{base}/e.svg">
      <svg><image href="file:///etc/passwd" width="10" height="10"/></svg>
      <iframe src="file:///etc/passwd"></iframe>
      <p>after</p>"""
    fetcher = SafeFetcher(STATIC, STATIC.parent / "no-uploads")
    with caplog.at_level(logging.WARNING, logger="eventapp.printing.fetcher"):
        pdf = render_pdf(html, fetcher=fetcher)
    assert hits == []
    text = page_texts(pdf)[0]
    assert "before" in text and "after" in text
    for line in PASSWD_LINES:
        assert line not in text
    assert not passwd_anywhere(pdf)
    refused = set(fetcher.refused)
    assert f"{base}/x.css" in refused and "file:///etc/passwd" in refused
    assert f"{base}/y.png" in refused and "https://example.org/a.png" in refused
    assert f"{base}/z.css" in refused
    assert len([r for r in caplog.records if "refused" in r.getMessage()]) == len(fetcher.refused)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:9/x.css",
        "https://example.org/f.ttf",
        "ftp://127.0.0.1/x",
        "eventapp://app/static/../../etc/passwd",
        "eventapp://app/static/%2e%2e/%2e%2e/etc/passwd",
        "eventapp://other/static/css/fonts.css",
        "eventapp://app/instance/secret_key",
        "eventapp://app/static/",
        "data:text/html,hi",
        "eventapp://app/uploads/x.png",  # no uploads folder given
    ],
)
def test_fetcher_refuses(url):
    fetcher = SafeFetcher(STATIC)
    with pytest.raises(ValueError):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_fetcher_serves_static_files_and_uploads(tmp_path):
    (tmp_path / "logos").mkdir()
    (tmp_path / "logos" / "l.png").write_bytes(b"\x89PNG...")
    fetcher = SafeFetcher(STATIC, tmp_path)
    font = fetcher.fetch("eventapp://app/static/fonts/NotoSans-Regular.ttf")
    assert font.read()[:4] == b"\x00\x01\x00\x00" and font.content_type == "font/ttf"
    assert fetcher.fetch(upload_url("logos/l.png")).read() == b"\x89PNG..."
    assert fetcher.fetch("data:image/png;base64,iVBORw0KGgo=").read() == b"\x89PNG\r\n\x1a\n"
    assert fetcher.refused == []


def test_a_logo_outside_the_uploads_is_left_out(app):
    with app.app_context():
        event = factories.make_event(slug="logo", logo="../../../etc/passwd")
        registration = factories.make_registration(event)
        db.session.commit()
        html = badges.badge_html(
            event, [registration], badges.LAYOUTS["single"], badges.badge_settings(event)
        )
    assert "passwd" not in html and '<img class="badge__logo"' not in html
