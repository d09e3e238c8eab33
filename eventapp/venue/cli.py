"""`flask --app eventapp serve-venue`: the app over https on the laptop's address in the
venue's network, with a certificate made here (tls.py) and a QR code for phones."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import click
from flask import current_app

from eventapp.core.paths import ROOT


def base_url(host: str, port: int) -> str:
    return f"https://{host}" if port == 443 else f"https://{host}:{port}"


@click.command("serve-venue")
@click.option("--host", help="The laptop's address in the venue's network (found if not given).")
@click.option("--port", default=8443, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int)
def serve_venue_command(host: str | None, port: int, workers: int) -> None:
    """Serve over https for the volunteers' phones at the venue (Ctrl+C stops it)."""
    # Imported here: certificates (cryptography's x509) and the network's addresses
    # (psutil) cost every other command a tenth of a second to import.
    import segno

    from eventapp.venue.addresses import venue_address
    from eventapp.venue.tls import VenueFiles, ensure_ca, ensure_server_cert, fingerprint

    host = host or venue_address()
    files = VenueFiles(Path(current_app.instance_path) / "venue")
    hosts = list(dict.fromkeys([host, "127.0.0.1", "localhost"]))
    ca = ensure_ca(files)
    ensure_server_cert(files, hosts)
    url = base_url(host, port)
    door = f"{url}/checkin/"
    click.echo(f"\nVenue mode: {url}\n")
    click.echo("Volunteers: scan this with the phone's camera to open the door page")
    click.echo(f"({door}), sign in, and keep the page: it works offline after that.\n")
    picture = io.StringIO()
    segno.make(door, error="m").terminal(out=picture, compact=True)
    click.echo(picture.getvalue())
    click.echo(
        f"\nFirst, once per phone, install the venue's certificate authority from\n"
        f"{url}/venue/ca.crt (the phone warns once: the page is not trusted yet).\n"
        f"Check its SHA-256 fingerprint on the phone before trusting it:\n"
        f"{fingerprint(ca)}\n"
    )
    env = {
        **os.environ,
        "FLASK_PUBLIC_BASE_URL": url,
        "FLASK_TRUSTED_HOSTS": json.dumps(hosts),
        "FLASK_SESSION_COOKIE_SECURE": "true",
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--certfile",
        str(files.cert),
        "--keyfile",
        str(files.key),
        "--access-logfile",
        "-",
    ]
    for address in dict.fromkeys([host, "127.0.0.1"]):
        command += ["--bind", f"{address}:{port}"]
    server = subprocess.Popen([*command, "eventapp:create_app()"], cwd=ROOT, env=env)
    try:
        sys.exit(server.wait())
    except KeyboardInterrupt:
        server.send_signal(signal.SIGTERM)
        sys.exit(server.wait())
