"""All models, imported here so Alembic and the app see every table."""

from .agenda import AgendaItem, AgendaRole, ItemKind, RoleKind
from .changelog import ChangeLogEntry
from .checkin import CheckInAction, CheckInMethod, CheckInRecord
from .event import Event, Room
from .people import Person
from .registration import (
    PUBLIC_CATEGORIES,
    Category,
    Dietary,
    MailRecord,
    MailStatus,
    Question,
    QuestionKind,
    Registration,
    Status,
)
from .second_factor import Passkey, RecoveryCode
from .security import LoginSession, SecurityEvent
from .user import User, UserRole, event_manager

__all__ = [
    "AgendaItem", "AgendaRole", "Category", "ChangeLogEntry", "CheckInAction",
    "CheckInMethod", "CheckInRecord", "Dietary", "Event", "ItemKind",
    "LoginSession", "MailRecord", "MailStatus", "Passkey", "Question", "QuestionKind",
    "PUBLIC_CATEGORIES", "Person", "RecoveryCode", "Registration",
    "RoleKind", "Room", "SecurityEvent", "Status", "User", "UserRole", "event_manager",
]
