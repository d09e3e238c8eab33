"""The signed-in user's own account: their second factors."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eventapp.auth import passkeys, recovery_codes, second_factor, totp
from eventapp.auth.forms import PasskeyForm, TotpSetupForm
from eventapp.extensions import db
from eventapp.web.forms import add_error

bp = Blueprint("account", __name__, url_prefix="/account")
#: The secret shown during TOTP set-up, until a code from the app confirms it.
_TOTP_SETUP_KEY = "totp_setup_secret"


@bp.before_request
@login_required
def _signed_in():
    """Every page here is the signed-in user's own."""


@bp.get("/")
def index():
    """The user's second factors, and how to add one."""
    user = current_user
    return render_template(
        "auth/account.html",
        user=user,
        form=PasskeyForm(),
        must_enrol=second_factor.required_for(user) and not second_factor.has_second_factor(user),
        codes_left=recovery_codes.left(user),
    )


@bp.route("/totp", methods=["GET", "POST"])
def totp_setup():
    """Set up an authenticator app: scan the QR code (or type the secret), give a code."""
    if current_user.totp_secret is not None:
        return redirect(url_for(".index"))
    form = TotpSetupForm()
    # The same secret until a code confirms it: reloading the page keeps what was scanned.
    # Bound to the user, so another account signing in on this browser gets its own.
    setup = session.get(_TOTP_SETUP_KEY)
    if not setup or setup["user_id"] != current_user.id:
        setup = session[_TOTP_SETUP_KEY] = {"user_id": current_user.id, "secret": totp.new_secret()}
    secret = setup["secret"]
    if form.validate_on_submit():
        if totp.enable(current_user, secret, form.code.data):
            codes = recovery_codes.regenerate(current_user)
            db.session.commit()
            session.pop(_TOTP_SETUP_KEY)
            second_factor.changed(current_user, "totp_added", current_user)
            flash(_("Your authenticator app is set up."), "info")
            return render_template("auth/recovery_codes.html", codes=codes)
        add_error(
            form.code,
            _("This code is wrong: check the time on your phone and give the code it shows now."),
        )
    uri = totp.provisioning_uri(secret, current_user.email)
    return render_template(
        "auth/totp_setup.html", form=form, secret=secret, qr=totp.qr_svg(uri)
    ), 422 if form.errors else 200


@bp.post("/totp/remove")
def totp_remove():
    """Turn the authenticator app off."""
    totp.disable(current_user)
    db.session.commit()
    second_factor.changed(current_user, "totp_removed", current_user)
    flash(_("Your authenticator app is no longer asked for."), "info")
    return redirect(url_for(".index"))


@bp.post("/recovery-codes")
def recovery_codes_new():
    """Ten new recovery codes, shown once; the old ones stop working."""
    if not second_factor.has_second_factor(current_user):
        return redirect(url_for(".index"))
    codes = recovery_codes.regenerate(current_user)
    db.session.commit()
    second_factor.changed(current_user, "recovery_codes_renewed", current_user)
    return render_template("auth/recovery_codes.html", codes=codes)


@bp.post("/passkeys/options")
def passkey_options():
    """The options for the browser to create a new passkey."""
    return current_app.response_class(
        passkeys.registration_options(current_user), mimetype="application/json"
    )


@bp.post("/passkeys")
def passkey_add():
    """Keep the passkey the browser created (JSON: name, credential)."""
    data = request.get_json(silent=True) or {}
    name = str(data.get("name") or "").strip()
    if not name or not isinstance(data.get("credential"), dict):
        return jsonify(error=_("Give the passkey a name.")), 400
    try:
        passkeys.register(current_user, name, data["credential"])
    except passkeys.PasskeyError:
        db.session.rollback()
        return jsonify(error=_("This passkey could not be added.")), 400
    db.session.commit()
    second_factor.changed(current_user, "passkey_added", current_user)
    flash(_("Passkey “%(name)s” added.", name=name[:100]), "info")
    return jsonify(redirect=url_for(".index"))


@bp.post("/passkeys/<int:passkey_id>/remove")
def passkey_remove(passkey_id: int):
    """Forget one of the user's passkeys."""
    passkey = passkeys.remove(current_user, passkey_id)
    if passkey is None:
        abort(404)
    db.session.commit()
    second_factor.changed(current_user, "passkey_removed", current_user)
    flash(_("Passkey “%(name)s” removed.", name=passkey.name), "info")
    return redirect(url_for(".index"))
