"""Liveness and readiness for load balancers and monitoring."""

import time

from flask import Blueprint, current_app
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from eventapp.extensions import db
from eventapp.models import Event

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """200 when the database answers a query on our own schema, 503 when it does not."""
    started = time.perf_counter()
    try:
        events = db.session.scalar(select(func.count()).select_from(Event))
    except SQLAlchemyError as exc:
        db.session.rollback()
        current_app.logger.warning("health check: database unavailable: %s", exc)
        return {"status": "error", "database": "unavailable"}, 503
    return {
        "status": "ok",
        "database": {
            "dialect": db.engine.dialect.name,
            "round_trip_ms": round((time.perf_counter() - started) * 1000, 2),
            "events": events,
        },
    }, 200
