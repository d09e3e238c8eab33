"""Venue mode's parts read back: the certificate authority and the server certificate it
signs (checked with the cryptography library and a real TLS handshake in the browser
test), the CA offered to phones, and the door page's service worker and manifest."""

import json
import re
import ssl
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from eventapp.extensions import db
from eventapp.models import Event, User, UserRole
from eventapp.venue.addresses import venue_address, venue_addresses
from eventapp.venue.tls import VenueFiles, ensure_ca, ensure_server_cert, fingerprint


def load(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_the_ca_is_made_once_and_signs_a_certificate_for_the_venue_addresses(tmp_path):
    files = VenueFiles(tmp_path / "venue")
    ca = ensure_ca(files)
    assert ensure_ca(files) == ca  # kept, not made again
    cert = ensure_server_cert(files, ["192.168.1.20", "127.0.0.1", "localhost"])
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert {str(ip) for ip in names.get_values_for_type(x509.IPAddress)} == {
        "192.168.1.20",
        "127.0.0.1",
    }
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert cert.issuer == ca.subject
    cert.verify_directly_issued_by(ca)
    assert (
        ExtendedKeyUsageOID.SERVER_AUTH
        in cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    )
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    # Python's own TLS stack accepts the pair for 127.0.0.1 against the CA.
    context = ssl.create_default_context(cafile=files.ca_cert)
    context.load_cert_chain(files.cert, files.key)
    for path in (files.ca_key, files.key, files.ca_cert, files.cert):
        assert path.stat().st_mode & 0o077 == 0, path
    assert files.folder.stat().st_mode & 0o077 == 0


def test_a_new_address_gets_a_new_certificate_from_the_same_ca(tmp_path):
    files = VenueFiles(tmp_path / "venue")
    first = ensure_server_cert(files, ["10.0.0.5", "127.0.0.1"])
    assert ensure_server_cert(files, ["10.0.0.5", "127.0.0.1"]) == first
    second = ensure_server_cert(files, ["172.16.0.9", "127.0.0.1"])
    assert second != first and second.issuer == first.issuer
    assert re.fullmatch(r"([0-9A-F]{2}:){31}[0-9A-F]{2}", fingerprint(ensure_ca(files)))


def test_the_venue_address_is_an_interface_address_or_loopback():
    address = venue_address()
    assert address in venue_addresses() or address == "127.0.0.1"
    assert "127.0.0.1" not in venue_addresses()


def test_phones_download_the_ca_certificate_but_never_its_key(app, client):
    assert client.get("/venue/ca.crt").status_code == 404  # serve-venue never ran
    files = VenueFiles(Path(app.instance_path) / "venue")
    ca = ensure_ca(files)
    response = client.get("/venue/ca.crt")
    assert response.status_code == 200
    assert response.mimetype == "application/x-x509-ca-cert"
    assert x509.load_der_x509_certificate(response.data) == ca
    assert b"PRIVATE" not in response.data


def test_the_service_worker_keeps_every_asset_the_door_page_loads(
    sign_in, app, client, demo, make_user
):
    volunteer = make_user("door@example.org", UserRole.CHECKIN)
    with app.app_context():
        event = db.session.scalar(db.select(Event))
        event.managers.append(db.session.get(User, volunteer))
        db.session.commit()
    worker = client.get("/checkin/sw.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    assets = json.loads(re.search(r"var ASSETS = (\[.*?\]);", worker.text).group(1))
    for url in assets:
        assert re.search(r"\.[0-9a-f]{12}\.\w+$", url), url
        with client.get(url) as response:
            assert response.status_code == 200, url
    sign_in("door@example.org")
    page = client.get(f"/checkin/{demo}").text
    loaded = set(re.findall(r'(?:src|href)="(/static/[^"]+)"', page))
    assert loaded <= set(assets)
    manifest = client.get(f"/checkin/{demo}/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    data = manifest.get_json(force=True)
    assert data["start_url"] == f"/checkin/{demo}" and data["scope"] == "/checkin/"
    assert {icon["sizes"] for icon in data["icons"]} == {"192x192", "512x512"}
    assert all(icon["src"] in assets for icon in data["icons"])


def test_the_manifest_is_for_signed_in_staff_only(client, demo):
    response = client.get(f"/checkin/{demo}/manifest.webmanifest")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
