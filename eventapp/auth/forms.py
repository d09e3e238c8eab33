from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1000)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me signed in on this device"))


class SecondFactorForm(FlaskForm):
    code = StringField(_l("Code from your app, or a recovery code"),
                       validators=[DataRequired(), Length(max=40)],
                       render_kw={"autocomplete": "one-time-code", "autocapitalize": "off",
                                  "spellcheck": "false"})


class TotpSetupForm(FlaskForm):
    code = StringField(_l("The 6-digit code your app shows now"),
                       validators=[DataRequired(), Length(max=10)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class PasskeyForm(FlaskForm):
    """Names the new passkey; static/js/passkeys.js runs the ceremony on submit."""

    name = StringField(_l("Name of the passkey"), validators=[DataRequired(), Length(max=100)],
                       render_kw={"placeholder": _l("e.g. work laptop"), "maxlength": 100})
