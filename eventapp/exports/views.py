"""Public agenda feeds."""

from flask import Blueprint

bp = Blueprint("exports", __name__)
