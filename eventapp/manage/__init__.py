"""Organiser pages under /manage/: one module per kind of page, one blueprint."""

from flask import Blueprint

bp = Blueprint("manage", __name__, url_prefix="/manage")

# The modules register their routes on bp.
from eventapp.manage import (  # noqa: E402,F401
    agenda,
    attendance,
    badges,
    certificates,
    events,
    mail,
    questions,
    registrations,
    rooms,
    speakers,
    users,
    views,
)
