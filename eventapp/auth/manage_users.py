"""Accounts, for administrators: who may sign in, with which role."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from eventapp.auth import audit, second_factor
from eventapp.auth.access import admin_required
from eventapp.auth.forms import UserForm
from eventapp.auth.services import AccountError, WeakPassword, create_user
from eventapp.auth.sessions import end_sessions
from eventapp.extensions import db
from eventapp.models import User, UserRole
from eventapp.web.blueprints import manage as bp
from eventapp.web.forms import add_error


@bp.route("/users", methods=["GET", "POST"])
@admin_required
def users():
    """Every account, and a form to add one."""
    form = UserForm()
    if form.validate_on_submit():
        try:
            create_user(form.email.data, form.password.data, UserRole(form.role.data))
        except WeakPassword as exc:
            add_error(form.password, str(exc))
        except AccountError as exc:
            add_error(form.email, str(exc))
        else:
            db.session.commit()
            flash(_("Account created."), "info")
            return redirect(url_for(".users"))
    accounts = db.session.scalars(select(User).order_by(User.role, User.email)).all()
    return render_template(
        "auth/users.html", form=form, accounts=accounts
    ), 422 if form.errors else 200


@bp.get("/security-log")
@admin_required
def security_log():
    """Sign-ins, failed ones, password, role and second-factor changes, newest first."""
    number = max(1, request.args.get("page", 1, type=int))
    events, older = audit.page(number)
    return render_template(
        "auth/security_log.html", events=events, page=number, older=older, kinds=audit.KINDS
    )


@bp.post("/users/<int:user_id>")
@admin_required
def update_user(user_id: int):
    """Change an account's role, or switch it off and on (never your own)."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    if user.id == current_user.id:
        flash(_("You cannot change your own account here."), "error")
        return redirect(url_for(".users"))
    admin = current_user._get_current_object()
    role = request.form.get("role")
    if role in {r.value for r in UserRole} and role != user.role.value:
        audit.record("role_changed", user=user, actor=admin, detail=f"{user.role.value} -> {role}")
        user.role = UserRole(role)
    if "active" in request.form and (request.form["active"] == "1") != user.active:
        user.active = request.form["active"] == "1"
        if not user.active:
            end_sessions(user)  # signed out at once, on every device
        audit.record("reactivated" if user.active else "deactivated", user=user, actor=admin)
    db.session.commit()
    flash(_("Account %(email)s updated.", email=user.email), "info")
    return redirect(url_for(".users"))


@bp.post("/users/<int:user_id>/second-factor/reset")
@admin_required
def reset_second_factor(user_id: int):
    """Remove every second factor of an account (a lost phone): at their next sign-in
    the person enrols again. Not your own: another admin does that."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    if user.id == current_user.id:
        flash(_("You cannot change your own account here."), "error")
        return redirect(url_for(".users"))
    second_factor.reset(user)
    db.session.commit()
    second_factor.changed(user, "reset", current_user)
    flash(_("The second factors of %(email)s are removed.", email=user.email), "info")
    return redirect(url_for(".users"))
