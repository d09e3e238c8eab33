"""Venue mode as the organisers and a volunteer meet it: `flask serve-venue` serves https
with a certificate authority made on the laptop; a phone-sized Chromium that trusts it
opens the door page, which installs itself for offline use. The server then goes away
and the phone goes offline: a reload still opens the page from the phone, the camera
scans the demo badge, the check-in waits on the phone, and arrives once the laptop and
the network are back."""

import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from cryptography import x509
from playwright.sync_api import expect

from eventapp import ROOT
from eventapp.testing import free_port
from eventapp.venue.tls import spki_hash

from ..conftest import PASSWORD
from .test_checkin_browser import checkins

pytestmark = pytest.mark.slow


class Venue:
    """`flask --app eventapp serve-venue` in its own process, on the test's database."""

    def __init__(self, database_url: str, instance: Path, port: int):
        self.database_url, self.instance, self.port = database_url, instance, port
        self.url = f"https://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None
        self.output = instance.parent / "serve-venue.log"

    def start(self) -> None:
        env = {
            **os.environ,
            "EVENTAPP_INSTANCE_PATH": str(self.instance),
            "FLASK_SQLALCHEMY_DATABASE_URI": self.database_url,
            "FLASK_SECRET_KEY": "venue-test-secret",
            # What `make venue` gives the steps before; serve-venue sets its own.
            "FLASK_PUBLIC_BASE_URL": "https://127.0.0.1:8443",
        }
        with self.output.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "flask",
                    "--app",
                    "eventapp",
                    "serve-venue",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--workers",
                    "1",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                context = ssl.create_default_context(cafile=self.instance / "venue" / "ca.pem")
                with urllib.request.urlopen(
                    self.url + "/healthz", context=context, timeout=2
                ) as response:
                    if response.status == 200:
                        return
            except (OSError, ssl.SSLError):
                time.sleep(0.2)
        raise RuntimeError(self.output.read_text())

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)


@pytest.fixture
def venue(database_url, door, tmp_path):
    server = Venue(database_url, tmp_path / "instance", free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def start_phone(playwright, browser_type_launch_args, door, venue, tmp_path):
    """Starts a Pixel-7-sized Chromium that trusts the venue's server certificate (as a
    phone with the venue CA installed does) and whose camera films the demo badge. Its
    profile is kept on disk, so a phone switched off and on again (started anew) keeps
    what the door page stored, as a real one does."""
    cert = x509.load_pem_x509_certificate((venue.instance / "venue" / "server.pem").read_bytes())
    args = [
        *browser_type_launch_args["args"],
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={door['video']}",
        f"--ignore-certificate-errors-spki-list={spki_hash(cert)}",
    ]
    device = {k: v for k, v in playwright.devices["Pixel 7"].items() if k != "default_browser_type"}
    started = []

    def start(offline: bool = False):
        context = playwright.chromium.launch_persistent_context(
            tmp_path / "phone-profile",
            executable_path=browser_type_launch_args["executable_path"],
            args=args,
            offline=offline,
            **device,
        )
        context.grant_permissions(["camera"], origin=venue.url)
        started.append(context)
        return context

    yield start
    for context in started:
        context.close()


def test_serve_venue_prints_the_door_address_and_the_ca(venue):
    venue.stop()
    printed = venue.output.read_text()
    assert f"{venue.url}/checkin/" in printed
    assert "█" in printed  # the QR code, in the terminal
    assert f"{venue.url}/venue/ca.crt" in printed
    assert (venue.instance / "venue" / "ca-key.pem").stat().st_mode & 0o077 == 0


def test_the_door_page_opens_offline_scans_and_sends_when_back(app, door, venue, start_phone):
    phone = start_phone()
    page = phone.pages[0] if phone.pages else phone.new_page()
    page.goto(f"{venue.url}/login?next=/checkin/{door['slug']}")
    page.get_by_label("E-mail address").fill("door@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Keep me signed in on this device").check()
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="Check-in")).to_be_visible()
    assert page.evaluate("window.isSecureContext") is True
    # Installed for offline use: the service worker controls the scope, the page is kept.
    expect(page.locator("#checkin")).to_have_attribute("data-offline-ready", "true", timeout=30000)
    cdp = phone.new_cdp_session(page)
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["errors"] == [] and '"start_url"' in manifest["data"]
    phone.close()

    # The laptop's server goes away; the phone, off the network, is started anew and
    # the volunteer opens the door page: it comes from the phone itself.
    venue.stop()
    phone = start_phone(offline=True)
    page = phone.pages[0] if phone.pages else phone.new_page()
    page.goto(f"{venue.url}/checkin/{door['slug']}")
    expect(page.get_by_role("heading", name="Check-in")).to_be_visible()
    page.get_by_role("button", name="Scan with the camera").click()
    result = page.locator("#result")
    expect(result).to_have_attribute("data-outcome", "queued", timeout=30000)
    expect(page.locator("#queue")).to_have_text("1 check-in waiting to be sent")
    assert checkins(app, door["registration_id"]) == []

    # Back: the page kept from before has the old session's form token, so the server
    # asks to sign in again (kept signed in: one tap) and the check-in arrives once,
    # with the time it was scanned.
    venue.start()
    phone.set_offline(False)
    page.get_by_role("link", name="Sign in").click(timeout=30000)
    expect(page.get_by_role("heading", name="Check-in")).to_be_visible()
    expect(page.locator("#queue")).to_be_hidden(timeout=30000)
    records = checkins(app, door["registration_id"])
    assert len(records) == 1 and records[0].queued
