"""The stack's floor for bench/registration.py: the same sign-up form made with the parts
eventapp is built on (Flask, Flask-WTF with CSRF, WTForms with email-validator, a Jinja
template, a Flask-SQLAlchemy typed model, one commit, a redirect), and nothing of
eventapp's own: no capacity rule, no duplicate check, no change log, no e-mail.

Between the bare baseline (bench/baseline_app.py) and eventapp, it tells how much of a
sign-up's cost is the framework's and how much is ours. gunicorn serves it with the same
settings as the app:

    STACK_DATABASE_URI=sqlite:////tmp/x.sqlite3 gunicorn --pythonpath bench \
        'stack_app:create_app()'

The table is made beforehand with `create_schema(uri)` (workers must not race to do it).
"""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime

from babel import Locale
from baseline_app import _sqlite_pragmas
from email_validator import EmailNotValidError, validate_email
from flask import Flask, redirect, render_template
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import FlaskForm
from jinja2 import DictLoader
from sqlalchemy import DateTime, String, event, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from wtforms import BooleanField, EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import Select


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Signup(db.Model):
    __tablename__ = "stack_signup"
    id: Mapped[int] = mapped_column(primary_key=True)
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    badge_name: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(254), unique=True)
    organisation: Mapped[str] = mapped_column(String(300))
    job_title: Mapped[str] = mapped_column(String(200), default="")
    country: Mapped[str] = mapped_column(String(2))
    dietary: Mapped[str] = mapped_column(String(20))
    photo_consent: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


COUNTRIES = sorted(
    (
        (code, name)
        for code, name in Locale("en").territories.items()
        if len(code) == 2 and code.isalpha()
    ),
    key=lambda item: item[1],
)
DIETARY = [
    (value, value.title())
    for value in ("none", "vegetarian", "vegan", "halal", "kosher", "gluten-free", "other")
]


def checked_email(form, field):
    try:
        field.data = validate_email(field.data, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValidationError("Please enter a valid e-mail address.") from exc


class OncePerValueSelect(Select):
    """The country list (250 options) rendered once per chosen value: rendering it
    through WTForms on every request took two thirds of a request here, and eventapp
    does not pay it either (it renders its blank form page once, see form_page.py)."""

    rendered: dict = {}

    def __call__(self, field, **kwargs):
        key = (field.data, tuple(sorted(kwargs.items())))
        html = self.rendered.get(key)
        if html is None:
            html = self.rendered[key] = super().__call__(field, **kwargs)
        return html


class SignupForm(FlaskForm):
    honorific = StringField("Title", validators=[Optional(), Length(max=50)])
    given_name = StringField("Given name", validators=[DataRequired(), Length(max=100)])
    family_name = StringField("Family name", validators=[DataRequired(), Length(max=100)])
    badge_name = StringField("Name on your badge", validators=[Optional(), Length(max=100)])
    email = EmailField("E-mail address", validators=[DataRequired(), checked_email])
    organisation = StringField("Organisation", validators=[DataRequired(), Length(max=300)])
    job_title = StringField("Job title", validators=[Optional(), Length(max=200)])
    country = SelectField(
        "Country",
        choices=[("", "Choose a country"), *COUNTRIES],
        validators=[DataRequired()],
        widget=OncePerValueSelect(),
    )
    dietary = SelectField("Dietary needs", choices=DIETARY, default="none")
    accessibility = StringField("Accessibility", validators=[Optional(), Length(max=1000)])
    photo_consent = BooleanField("Photos")
    privacy_consent = BooleanField("Privacy", validators=[DataRequired()])


# One macro prints label, field and error together, as eventapp's forms do.
TEMPLATE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Sign up</title></head><body><main><h1>Sign up</h1>
{% macro row(field) %}<div class="field">{{ field.label() }}
{{ field(**({"aria-invalid": "true"} if field.errors else {})) }}
{% for error in field.errors %}<p class="error">{{ error }}</p>{% endfor %}</div>{% endmacro %}
<form method="post" novalidate>{{ form.csrf_token }}
{% for field in form if field.name != "csrf_token" %}{{ row(field) }}{% endfor %}
<button>Sign up</button></form></main></body></html>"""


def create_schema(uri: str) -> None:
    """The one table, in an empty database."""
    app = create_app(uri)
    with app.app_context():
        db.create_all()
        db.engine.dispose()


def create_app(uri: str | None = None) -> Flask:
    """The floor application; the database comes from STACK_DATABASE_URI."""
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=os.environ.get("STACK_SECRET_KEY") or secrets.token_hex(32),
        SQLALCHEMY_DATABASE_URI=uri or os.environ["STACK_DATABASE_URI"],
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
    )
    app.jinja_loader = DictLoader({"form.html": TEMPLATE})
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas)

    @app.get("/healthz")
    def healthz():
        db.session.execute(text("SELECT 1"))
        return "ok"

    @app.route("/register", methods=["GET", "POST"])
    def register():
        form = SignupForm()
        if not form.validate_on_submit():
            return render_template("form.html", form=form), 422 if form.is_submitted() else 200
        signup = Signup(
            created_at=datetime.now(UTC),
            **{
                name: form[name].data.strip()
                if isinstance(form[name].data, str)
                else form[name].data
                for name in (
                    "given_name",
                    "family_name",
                    "badge_name",
                    "email",
                    "organisation",
                    "job_title",
                    "country",
                    "dietary",
                    "photo_consent",
                )
            },
        )
        db.session.add(signup)
        db.session.commit()
        return redirect(f"/done/{signup.id}")

    return app
