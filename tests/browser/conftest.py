"""Playwright driving Debian's Chromium against the test's app on 127.0.0.1.

No browser download works on our machines: `make test` installs Debian's chromium and
these fixtures point Playwright at it (CHROMIUM_PATH overrides the path).
"""

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import Event, Registration, User, UserRole
from eventapp.printing import badges

from ..conftest import PASSWORD
from ..pdfcheck import render_png

AXE = Path(__file__).with_name("vendor") / "axe.min.js"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


def csp_violations(page) -> list[str]:
    """What the page's Content-Security-Policy refused from now on (Chromium reports each
    refused script, style or image as a console error)."""
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return refused


@pytest.fixture(autouse=True)
def _nothing_refused_by_the_csp(request):
    """A browser test fails when the policy refused anything its page wanted."""
    if "page" not in request.fixturenames:
        yield
        return
    refused = csp_violations(request.getfixturevalue("page"))
    yield
    assert refused == []


@pytest.fixture
def requested_hosts(page) -> set[str]:
    """Every host the page asked for anything (documents, styles, scripts, fonts...)."""
    hosts: set[str] = set()
    page.on(
        "request",
        lambda request: hosts.add(urlsplit(request.url).hostname or urlsplit(request.url).scheme),
    )
    return hosts


def axe_violations(page) -> list[dict]:
    """Run the vendored axe-core in the page; the violations, each with its nodes."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.map(n => n.html).slice(0, 5)}));
    }""")
    return result


# The door: a printed badge in front of a phone's camera (test_checkin_browser, venue).

GEORGIAN = "ნათია"


def sign_in_page(
    page: Page, base_url: str, email: str, password: str = PASSWORD, next_path: str | None = None
) -> None:
    """Sign in through the form, as a person does; returns once the browser has left the
    form for the page after it (so that the next goto cannot cut the sign-in short)."""
    page.goto(f"{base_url}/login" + (f"?next={next_path}" if next_path else ""))
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/login(\?.*)?$"))


def write_y4m(image: Image.Image, path: Path, frames: int = 10) -> None:
    """A still picture as the raw YUV 4:2:0 video Chromium's fake camera plays in a loop."""
    image = image.convert("RGB")
    width, height = image.width // 2 * 2, image.height // 2 * 2
    y, cb, cr = image.crop((0, 0, width, height)).convert("YCbCr").split()
    cb, cr = (plane.resize((width // 2, height // 2)) for plane in (cb, cr))
    frame = b"FRAME\n" + y.tobytes() + cb.tobytes() + cr.tobytes()
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        out.write(frame * frames)


def badge_held_up(pdf: bytes, path: Path) -> None:
    """The badge's first page held up in front of a phone's camera: on a grey background
    in a 1280x720 picture (what the page asks the camera for), as a camera frames it."""
    badge = render_png(pdf, scale=5)
    frame = Image.new("RGB", (1280, 720), (120, 120, 120))
    badge.thumbnail((1200, 700))
    frame.paste(badge, ((1280 - badge.width) // 2, (720 - badge.height) // 2))
    write_y4m(frame, path)


@pytest.fixture
def door(app, demo, make_user, tmp_path):
    """The demo event, a volunteer on its team, and the printed badge of its Georgian
    speaker turned into the video the phone's camera sees."""
    volunteer = make_user("door@example.org", UserRole.CHECKIN)
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == demo))
        event.managers.append(db.session.get(User, volunteer))
        registration = db.session.scalar(
            select(Registration).where(
                Registration.event_id == event.id, Registration.given_name == GEORGIAN
            )
        )
        db.session.commit()
        with app.test_request_context():
            pdf = badges.render_badges(event, [registration], "single")
        registration_id = registration.id
    video = tmp_path / "badge.y4m"
    badge_held_up(pdf, video)
    return {"slug": demo, "registration_id": registration_id, "video": video}
