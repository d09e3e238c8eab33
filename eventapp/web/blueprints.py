"""The blueprints the features register their routes on.

A feature folder holds its views for every audience, but the URL and the endpoint name
("manage.badges_page") come from the blueprint, not from the folder: organiser pages of
every feature go on `manage`, public pages on `public`, and so on. Moving a view to
another folder changes no URL (tests/test_url_map.py checks).
"""

from flask import Blueprint

#: The public site: home, event pages, agenda, speakers, certificate checks.
public = Blueprint("public", __name__)
#: Sign-up and the participant's own pages (/r/<token>).
registration = Blueprint("registration", __name__)
#: Read-only feeds of the agenda (iCal, frab XML, JSON).
exports = Blueprint("exports", __name__)
#: The door: check-in by QR code or name, walk-ins.
checkin = Blueprint("checkin", __name__, url_prefix="/checkin")
#: Organiser pages of every feature.
manage = Blueprint("manage", __name__, url_prefix="/manage")
