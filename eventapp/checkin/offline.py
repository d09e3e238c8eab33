"""The door page as an installable web app that opens without a connection.

A service worker (templates/checkin/sw.js, served at /checkin/sw.js so its scope is the
door) keeps the page's scripts, styles and fonts, and the door pages a volunteer opened;
with the Wi-Fi gone the page opens from there, scans, and queues check-ins on the phone
(static/js/checkin.js) until the network returns.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import current_app, url_for

#: What the door page loads, kept on the phone when the service worker installs.
DOOR_ASSETS = (
    "css/fonts.css",
    "css/eventapp.css",
    "js/vendor/jsQR.js",
    "js/checkin.js",
    "img/favicon.svg",
    "img/icon-192.png",
    "img/icon-512.png",
)


def precached_urls() -> list[str]:
    """The assets' fingerprinted URLs, with every font (names at the door come in any
    script, and a page opened offline cannot fetch a missing one)."""
    fonts = sorted(p.name for p in (Path(current_app.static_folder or "") / "fonts").glob("*.ttf"))
    names = [*DOOR_ASSETS, *(f"fonts/{name}" for name in fonts)]
    return [url_for("static", filename=name) for name in names]


def version(urls: list[str]) -> str:
    """Changes whenever an asset does (their names carry their hashes), so the browser
    installs the new worker and drops the old cache."""
    return hashlib.sha256("\n".join(urls).encode()).hexdigest()[:12]
