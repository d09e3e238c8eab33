"""Sign-in, second factors, passwords, and the admins' user form."""

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from eventapp.auth.services import password_problem
from eventapp.core.labels import USER_ROLES
from eventapp.models import User, UserRole
from eventapp.web.forms import CleanForm, TranslatedForm, options


class LoginForm(TranslatedForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=1000)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me signed in on this device"))


class SecondFactorForm(TranslatedForm):
    code = StringField(
        _l("Code from your app, or a recovery code"),
        validators=[DataRequired(), Length(max=40)],
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"},
    )


class TotpSetupForm(TranslatedForm):
    code = StringField(
        _l("The 6-digit code your app shows now"),
        validators=[DataRequired(), Length(max=10)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class PasskeyForm(TranslatedForm):
    """Names the new passkey; static/js/passkeys.js runs the ceremony on submit."""

    name = StringField(
        _l("Name of the passkey"),
        validators=[DataRequired(), Length(max=100)],
        render_kw={"placeholder": _l("e.g. work laptop"), "maxlength": 100},
    )


class ForgotPasswordForm(TranslatedForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )


class NewPasswordForm(TranslatedForm):
    """A new password, checked by the one rule (auth.services.password_problem)."""

    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=1000)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )

    def __init__(self, *args, user_inputs: Iterable[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.user_inputs = list(user_inputs)

    def validate_password(self, field) -> None:
        problem = password_problem(field.data, self.user_inputs)
        if problem:
            raise ValidationError(problem)


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(), Length(max=1000)],
        render_kw={"autocomplete": "current-password"},
    )

    def __init__(self, user: User, *args, **kwargs):
        super().__init__(*args, user_inputs=[user.email], **kwargs)
        self.user = user

    def validate_current_password(self, field) -> None:
        if not self.user.check_password(field.data):
            raise ValidationError(_l("This is not your current password."))


class UserForm(CleanForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField(
        _l("Role"),
        choices=options((r.value, v) for r, v in USER_ROLES.items()),
        default=UserRole.ORGANISER.value,
    )
    password = StringField(
        _l("Password (at least 12 characters)"),
        validators=[DataRequired(), Length(min=12, max=1000)],
        render_kw={"autocomplete": "new-password"},
    )
