"""Public sign-up and the participant's self-service link."""

from flask import Blueprint

bp = Blueprint("registration", __name__)
