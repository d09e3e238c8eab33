"""Flask extensions, created unbound here and bound to the app in create_app()."""

from typing import TYPE_CHECKING

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mailman import Mail
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so Alembic migrations can drop and alter them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

# Models subclass Model, which is db.Model at run time (Flask-SQLAlchemy's mixins: bind
# keys, its session). mypy cannot use an attribute such as db.Model as a base class
# (python/mypy#8603), so it checks the models against the DeclarativeBase they derive from.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model

csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
mail = Mail()
# No default limits: only the views that need one (login) declare it.
limiter = Limiter(key_func=get_remote_address)
