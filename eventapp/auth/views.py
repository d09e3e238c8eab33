"""Organiser log-in and log-out."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..extensions import db, limiter
from ..models import UserRole
from . import access  # noqa: F401  (registers the user loader)
from .forms import LoginForm
from .services import authenticate

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect would make a fine phishing link."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") \
                and not target.startswith("//") and "\\" not in target:
            return target
    # Check-in volunteers reach nothing else, so they land on their events.
    if current_user.is_authenticated and current_user.role == UserRole.CHECKIN:
        return url_for("checkin.index")
    return url_for("manage.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    """Organisers, administrators and check-in volunteers sign in here."""
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 422 if form.is_submitted() else 200
    user = authenticate(form.email.data, form.password.data)
    if user is None:
        db.session.rollback()
        form.password.errors.append(_("Wrong e-mail address or password."))
        return render_template("auth/login.html", form=form), 422
    db.session.commit()
    login_user(user, remember=form.remember.data)
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/logout")
def logout():
    """Sign out (a POST with the CSRF token, so another site cannot sign you out)."""
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("public.home"))
