"""What the venue's phones download: the certificate authority to trust."""

from pathlib import Path

from flask import Blueprint, Response, abort, current_app

bp = Blueprint("venue", __name__, url_prefix="/venue")


@bp.get("/ca.crt")
def ca_certificate():
    """The venue CA's certificate (never its key), for phones to install; 404 on an
    install that never ran serve-venue."""
    # Imported here: cryptography's x509 takes a tenth of a second to import, which every
    # process paid for a page only phones at a venue open.
    from eventapp.venue.tls import VenueFiles, ca_der

    files = VenueFiles(Path(current_app.instance_path) / "venue")
    if not files.ca_cert.exists():
        abort(404)
    response = Response(ca_der(files), mimetype="application/x-x509-ca-cert")
    response.headers.set("Content-Disposition", "attachment", filename="eventapp-venue-ca.crt")
    return response
