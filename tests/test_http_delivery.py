"""How pages travel, over real HTTP: compressed when the client accepts it (never the
personal ones), static files under fingerprinted names kept for a year, feeds' validators
kept through compression, robots.txt and noindex, Open Graph tags on the event's pages."""

import gzip
import re
import urllib.error
import urllib.request
from io import BytesIO
from pathlib import Path

import brotli
import pytest
from PIL import Image
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.media.photos import store_photo
from eventapp.models import Event, Registration
from eventapp.web.static_assets import Fingerprints

STATIC_LINK = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def fetch(url: str, headers: dict | None = None, data: bytes | None = None):
    """(status, headers, raw body): urllib does not decompress, so we see the wire."""
    request = urllib.request.Request(url, headers=headers or {}, data=data)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.mark.parametrize(
    ("encoding", "decode"), [("br", brotli.decompress), ("gzip", gzip.decompress)]
)
def test_public_pages_and_feeds_are_compressed_when_accepted(live_server, demo, encoding, decode):
    for path in (
        f"/events/{demo}/agenda",
        f"/events/{demo}/schedule.json",
        f"/events/{demo}/agenda.ics",
    ):
        status, plain_headers, plain = fetch(live_server + path)
        status, headers, body = fetch(live_server + path, {"Accept-Encoding": encoding})
        assert status == 200 and plain_headers.get("Content-Encoding") is None
        assert headers["Content-Encoding"] == encoding
        assert "Accept-Encoding" in headers["Vary"]
        assert decode(body) == plain and len(body) < len(plain) / 2


def test_feed_validators_survive_compression(live_server, demo):
    url = f"{live_server}/events/{demo}/schedule.xml"
    status, headers, _ = fetch(url, {"Accept-Encoding": "gzip"})
    assert status == 200 and headers["ETag"] and headers["Last-Modified"]
    again, _, body = fetch(url, {"Accept-Encoding": "gzip", "If-None-Match": headers["ETag"]})
    assert (again, body) == (304, b"")
    since, _, _ = fetch(
        url, {"Accept-Encoding": "gzip", "If-Modified-Since": headers["Last-Modified"]}
    )
    assert since == 304


def test_personal_pages_and_form_answers_are_never_compressed(app, live_server, demo):
    with app.app_context():
        token = db.session.scalars(select(Registration.token)).first()
    for path in (f"/r/{token}", "/login"):
        status, headers, _ = fetch(live_server + path, {"Accept-Encoding": "gzip, br"})
        assert status == 200 and headers.get("Content-Encoding") is None, path
    # A form answered with the visitor's own words beside a CSRF token (BREACH).
    status, headers, body = fetch(
        f"{live_server}/events/{demo}/register",
        {"Accept-Encoding": "gzip, br"},
        data=b"given_name=" + b"x" * 600,
    )
    assert status == 400 and headers.get("Content-Encoding") is None


def test_static_files_are_fingerprinted_and_kept_for_a_year(live_server, demo):
    _, _, page = fetch(f"{live_server}/events/{demo}/")
    links = STATIC_LINK.findall(page.decode())
    assert {"/static/css/eventapp", "/static/css/fonts"} <= {
        link.rsplit(".", 2)[0] for link in links
    }
    root = Path(__file__).resolve().parents[1] / "static"
    for link in links:
        assert re.search(r"\.[0-9a-f]{12}\.[a-z0-9]+$", link), link
        status, headers, body = fetch(live_server + link)
        assert status == 200
        assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
        real = root / re.sub(r"\.[0-9a-f]{12}(\.[a-z0-9]+)$", r"\1", link[len("/static/") :])
        if not link.endswith(".css"):
            assert body == real.read_bytes()
    # The fonts a stylesheet names are fingerprinted too, and served for a year.
    fonts_css = next(link for link in links if "/css/fonts." in link)
    _, _, css = fetch(live_server + fonts_css)
    fonts = re.findall(r'url\("\.\./fonts/([^"]+)"\)', css.decode())
    assert fonts and all(re.search(r"\.[0-9a-f]{12}\.ttf$", f) for f in fonts)
    status, headers, body = fetch(f"{live_server}/static/fonts/{fonts[0]}")
    assert status == 200 and "immutable" in headers["Cache-Control"] and len(body) > 10_000


def test_plain_and_stale_names_are_revalidated_and_unknown_ones_404(live_server):
    for path in ("/static/css/eventapp.css", "/static/css/eventapp.0123456789ab.css"):
        status, headers, _ = fetch(live_server + path)
        assert status == 200 and "max-age=31536000" not in headers["Cache-Control"]
    for path in ("/static/css/nope.css", "/static/../eventapp/config.py"):
        assert fetch(live_server + path)[0] == 404


def test_a_changed_file_gets_a_new_name(tmp_path):
    (tmp_path / "css").mkdir()
    sheet = tmp_path / "css" / "site.css"
    sheet.write_text('body { background: url("../img/a.png"); } a { background: url(data:x) }')
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "a.png").write_bytes(b"one")
    fingerprints = Fingerprints(tmp_path)
    first = fingerprints.name("css/site.css")
    assert re.fullmatch(r"css/site\.[0-9a-f]{12}\.css", first)
    image = fingerprints.name("img/a.png")
    assert (
        f'url("../img/{image.split("/")[-1]}")' in fingerprints.stylesheet("css/site.css").decode()
    )
    assert "url(data:x)" in fingerprints.stylesheet("css/site.css").decode()
    sheet.write_text("body { color: red }")
    assert fingerprints.name("css/site.css") != first
    assert fingerprints.name("missing.js") == "missing.js"


def test_robots_txt_keeps_crawlers_out_of_personal_pages(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    rules = response.text.splitlines()
    assert rules[0] == "User-agent: *"
    for path in ("/r/", "/manage/", "/checkin/", "/login", "/account/", "/verify/"):
        assert f"Disallow: {path}" in rules
    assert not any(rule == "Disallow: /events" or rule == "Disallow: /" for rule in rules)


def test_personal_pages_say_noindex_public_ones_do_not(app, client, demo):
    with app.app_context():
        token = db.session.scalars(select(Registration.token)).first()
    for path in (f"/r/{token}", "/login", "/manage/", "/checkin/"):
        assert client.get(path).headers.get("X-Robots-Tag") == "noindex, nofollow", path
    for path in (f"/events/{demo}/", f"/events/{demo}/agenda", "/robots.txt"):
        assert client.get(path).headers.get("X-Robots-Tag") is None, path


def meta(html: str) -> dict[str, str]:
    return {
        m[0]: m[1] for m in re.findall(r'<meta (?:name|property)="([^"]+)" content="([^"]*)"', html)
    }


def test_event_pages_describe_themselves_for_shared_links(app, client, demo):
    found = meta(client.get(f"/events/{demo}/").text)
    assert found["og:title"] == "MIEUX Impact Event"
    assert found["og:type"] == "website"
    assert found["og:url"].endswith(f"/events/{demo}/")
    assert "12 March 2024" in found["description"] and "Maison du Dialogue" in found["description"]
    assert found["og:description"] == found["description"]
    assert "og:image" not in found  # the demo has no logo
    speaker = meta(client.get(f"/events/{demo}/speakers").text)
    assert speaker["og:title"].startswith("Speakers · ")
    french = meta(client.get(f"/events/{demo}/?lang=fr").text)
    assert "12 mars 2024" in french["description"]
    assert "og:title" not in meta(client.get("/login").text)


def test_a_logo_is_the_shared_links_image(app, client, demo):
    image = BytesIO()
    Image.new("RGB", (300, 100), (0, 60, 120)).save(image, "PNG")
    image.seek(0)
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == demo))
        event.logo = f"photos/{store_photo(image)}"
        db.session.commit()
    found = meta(client.get(f"/events/{demo}/agenda").text)
    assert found["og:image"].endswith(f"/events/{demo}/logo")
    response = client.get(f"/events/{demo}/logo")
    response.close()
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert found["og:image:alt"] == "Logo of MIEUX Impact Event"
