"""Serving stored uploads."""

from flask import Blueprint

bp = Blueprint("media", __name__)
