"""Organiser sign-in (password, then a second factor when the account has one, or a
passkey alone) and sign-out, their own password, and forgotten passwords."""

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_timedelta, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eventapp.auth import (
    audit,
    passkeys,
    password_reset,
    recovery_codes,
    second_factor,
    signin,
    throttle,
)
from eventapp.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    NewPasswordForm,
    SecondFactorForm,
)
from eventapp.extensions import db, limiter
from eventapp.models import User, UserRole
from eventapp.models.types import utcnow
from eventapp.web.forms import add_error

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
        if (
            not parts.scheme
            and not parts.netloc
            and target.startswith("/")
            and not target.startswith("//")
            and "\\" not in target
        ):
            return target
    # Check-in volunteers reach nothing else, so they land on their events.
    if current_user.is_authenticated and current_user.role == UserRole.CHECKIN:
        return url_for("checkin.index")
    # Travel agents likewise land on the events whose travel they book.
    if current_user.is_authenticated and current_user.role == UserRole.TRAVEL:
        return url_for("manage.travel_events")
    return url_for("manage.index")


def _login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_rate_limit, methods=["POST"], deduct_when=throttle.counts_against_address)
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
        add_error(
            form.password,
            _(
                "Too many failed attempts for this account: try again in %(wait)s.",
                wait=format_timedelta(exc.seconds, threshold=1, add_direction=False),
            ),
        )
        return render_template("auth/login.html", form=form), 429
    if user is None:
        add_error(form.password, _("Wrong e-mail address or password."))
        return render_template("auth/login.html", form=form), 422
    if second_factor.has_second_factor(user):
        db.session.commit()
        second_factor.start_pending(user, form.remember.data, request.args.get("next"))
        return redirect(url_for(".second_step"))
    signin.complete_sign_in(user, remember=form.remember.data)
    return redirect(_safe_next(request.args.get("next")))


def _finish_pending(user) -> str:
    """Complete a sign-in whose two steps are done; where to go next."""
    remember, next_url = second_factor.finish_pending()
    signin.complete_sign_in(user, remember)
    return _safe_next(next_url)


@bp.route("/login/second-factor", methods=["GET", "POST"])
@limiter.limit(_login_rate_limit, methods=["POST"])
def second_step():
    """After the password: a code from the app, a recovery code, or a passkey."""
    user = second_factor.pending_user()
    if user is None:
        flash(_("Please sign in again: the second step waits five minutes at most."), "info")
        return redirect(url_for(".login"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        kind = second_factor.verify_code(user, form.code.data)
        if kind:
            db.session.commit()
            if kind == "recovery_code":
                left = recovery_codes.left(user)
                flash(
                    ngettext(
                        "You used a recovery code: %(num)d left.",
                        "You used a recovery code: %(num)d left.",
                        left,
                    ),
                    "info",
                )
            return redirect(_finish_pending(user))
        db.session.rollback()
        audit.record("sign_in_failed", user=user, detail="wrong second-factor code")
        db.session.commit()
        if second_factor.pending_failed():
            flash(_("Too many wrong codes: please sign in again."), "error")
            return redirect(url_for(".login"))
        add_error(form.code, _("This code is wrong or was used already."))
    return render_template(
        "auth/second_factor.html", form=form, user=user
    ), 422 if form.errors else 200


@bp.post("/login/passkey/options")
@limiter.limit(_login_rate_limit)
def passkey_options():
    """The challenge for a passkey: of the user half-way through signing in, or any
    passkey of this site (signing in with a passkey alone)."""
    return current_app.response_class(
        passkeys.authentication_options(second_factor.pending_user()), mimetype="application/json"
    )


@bp.post("/login/passkey")
@limiter.limit(_login_rate_limit)
def passkey_sign_in():
    """Check the browser's answer to the challenge and sign the passkey's user in."""
    pending = second_factor.pending_user()
    try:
        passkey = passkeys.authenticate(request.get_json(silent=True) or {}, pending)
    except passkeys.PasskeyError:
        db.session.rollback()
        return jsonify(error=_("This passkey could not sign you in.")), 400
    if pending is not None:
        db.session.commit()
        return jsonify(redirect=_finish_pending(pending))
    user = db.session.get(User, passkey.user_id)
    if not user.active:
        db.session.rollback()
        return jsonify(error=_("This passkey could not sign you in.")), 400
    user.last_login_at = utcnow()
    db.session.commit()
    signin.complete_sign_in(user, False)
    return jsonify(redirect=_safe_next(request.args.get("next")))


@bp.post("/logout")
def logout():
    """Sign out everywhere (a POST with the CSRF token, so another site cannot sign you
    out): every session and remember-me cookie of the account stops working."""
    if current_user.is_authenticated:
        signin.sign_out(current_user._get_current_object())
    second_factor.drop_pending()
    flash(_("You are signed out."), "info")
    return redirect(url_for("public.home"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Staff change their own password (the current one first)."""
    user = current_user._get_current_object()
    form = ChangePasswordForm(user)
    if not form.validate_on_submit():
        return render_template(
            "auth/change_password.html", form=form
        ), 422 if form.is_submitted() else 200
    signin.change_own_password(user, form.password.data)
    flash(_("Your password is changed. You are signed out on every other device."), "info")
    return redirect(url_for(".change_password"))


@bp.route("/login/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_RATE_LIMIT"], methods=["POST"])
def forgot_password():
    """Ask for a link to choose a new password; the same answer for every address."""
    form = ForgotPasswordForm()
    if not form.validate_on_submit():
        return render_template(
            "auth/forgot_password.html", form=form
        ), 422 if form.is_submitted() else 200
    password_reset.request_reset(signin.account_key(form.email.data))
    return render_template("auth/forgot_password_sent.html", minutes=password_reset.RESET_MINUTES)


@bp.route("/login/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """The link of the e-mail: choose a new password, once, within 30 minutes."""
    user = password_reset.user_for_token(token)
    if user is None:
        return render_template(
            "auth/reset_password_expired.html", minutes=password_reset.RESET_MINUTES
        ), 410
    form = NewPasswordForm(user_inputs=[user.email])
    if not form.validate_on_submit():
        return render_template(
            "auth/reset_password.html", form=form
        ), 422 if form.is_submitted() else 200
    password_reset.reset_password(user, form.password.data or "")
    flash(_("Your password is changed: sign in with it."), "info")
    return redirect(url_for(".login"))
