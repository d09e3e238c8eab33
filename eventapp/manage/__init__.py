"""Organiser pages under /manage/: one module per kind of page, one blueprint."""

from flask import Blueprint

bp = Blueprint("manage", __name__, url_prefix="/manage")

from . import views  # noqa: E402,F401  (routes register themselves on bp)
