"""Organiser sign-in and sign-out, their own password, and forgotten passwords."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import limiter
from ..models import UserRole
from . import (
    access,  # noqa: F401  (registers the user loader)
    password_reset,
    signin,
    throttle,
)
from .forms import ChangePasswordForm, ForgotPasswordForm, LoginForm, NewPasswordForm

bp = Blueprint("auth", __name__)


@bp.before_app_request
def _load_signed_in_user() -> None:
    """Load the signed-in user before the view changes anything: the loader may commit
    (auth.sessions.load)."""
    if request.endpoint != "static":
        current_user._get_current_object()


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
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"],
               deduct_when=throttle.counts_against_address)
def login():
    """Organisers, administrators and check-in volunteers sign in here."""
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 422 if form.is_submitted() else 200
    try:
        user = signin.attempt(form.email.data, form.password.data)
    except throttle.Throttled as exc:
        form.password.errors.append(_(
            "Too many failed attempts for this account: try again in %(wait)s.",
            wait=format_timedelta(exc.seconds, threshold=1, add_direction=False)))
        return render_template("auth/login.html", form=form), 429
    if user is None:
        form.password.errors.append(_("Wrong e-mail address or password."))
        return render_template("auth/login.html", form=form), 422
    signin.complete_sign_in(user, remember=form.remember.data)
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/logout")
def logout():
    """Sign out everywhere (a POST with the CSRF token, so another site cannot sign you
    out): every session and remember-me cookie of the account stops working."""
    if current_user.is_authenticated:
        signin.sign_out(current_user._get_current_object())
    flash(_("You are signed out."), "info")
    return redirect(url_for("public.home"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Staff change their own password (the current one first)."""
    user = current_user._get_current_object()
    form = ChangePasswordForm(user)
    if not form.validate_on_submit():
        return render_template("auth/change_password.html", form=form), \
            422 if form.is_submitted() else 200
    signin.change_own_password(user, form.password.data)
    flash(_("Your password is changed. You are signed out on every other device."), "info")
    return redirect(url_for(".change_password"))


@bp.route("/login/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_RATE_LIMIT"], methods=["POST"])
def forgot_password():
    """Ask for a link to choose a new password; the same answer for every address."""
    form = ForgotPasswordForm()
    if not form.validate_on_submit():
        return render_template("auth/forgot_password.html", form=form), \
            422 if form.is_submitted() else 200
    password_reset.request_reset(signin.account_key(form.email.data))
    return render_template("auth/forgot_password_sent.html",
                           minutes=password_reset.RESET_MINUTES)


@bp.route("/login/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """The link of the e-mail: choose a new password, once, within 30 minutes."""
    user = password_reset.user_for_token(token)
    if user is None:
        return render_template("auth/reset_password_expired.html",
                               minutes=password_reset.RESET_MINUTES), 410
    form = NewPasswordForm(user_inputs=[user.email])
    if not form.validate_on_submit():
        return render_template("auth/reset_password.html", form=form), \
            422 if form.is_submitted() else 200
    password_reset.reset_password(user, form.password.data)
    flash(_("Your password is changed: sign in with it."), "info")
    return redirect(url_for(".login"))
