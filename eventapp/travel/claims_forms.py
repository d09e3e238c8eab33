"""Forms of expense claims: a line with its receipt, the bank details, a decision."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DecimalField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from eventapp.travel.claims import CATEGORIES
from eventapp.web.forms import CleanForm, options

REQUIRED = _l("Please fill in this field.")


class ClaimLineForm(CleanForm):
    category = SelectField(
        _l("Category"),
        choices=options([(k.value, v) for k, v in CATEGORIES.items()]),
        validators=[DataRequired(REQUIRED)],
    )
    description = StringField(_l("What it was"), validators=[Optional(), Length(max=300)])
    amount = DecimalField(
        _l("Amount"),
        places=2,
        validators=[
            InputRequired(REQUIRED),
            NumberRange(min=0.01, max=1_000_000, message=_l("Give an amount above zero.")),
        ],
        render_kw={"inputmode": "decimal"},
    )
    currency = StringField(
        _l("Currency (ISO code, e.g. EUR, USD, UGX)"),
        validators=[
            DataRequired(REQUIRED),
            Regexp(r"^[A-Za-z]{3}$", message=_l("Three letters, e.g. EUR.")),
        ],
        render_kw={"autocapitalize": "characters", "maxlength": 3},
    )
    receipt = FileField(_l("Receipt (PDF, JPEG or PNG, up to 10 MB)"))


class BankForm(CleanForm):
    account_holder = StringField(
        _l("Account holder"), validators=[DataRequired(REQUIRED), Length(max=200)]
    )
    iban = StringField(
        _l("IBAN or account number"),
        validators=[DataRequired(REQUIRED), Length(max=40)],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    bic = StringField(_l("BIC / SWIFT code"), validators=[Optional(), Length(max=11)])
    bank_name = StringField(_l("Bank"), validators=[Optional(), Length(max=200)])

    def validate_iban(self, field):
        field.data = (field.data or "").replace(" ", "").upper()
