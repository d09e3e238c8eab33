"""All models, imported here so Alembic and the app see every table."""

from eventapp.models.agenda import AgendaItem, AgendaRole, ItemKind, RoleKind
from eventapp.models.changelog import ChangeLogEntry
from eventapp.models.checkin import CheckInAction, CheckInMethod, CheckInRecord
from eventapp.models.claims import ClaimLine, ExpenseCategory, ExpenseClaim, LineStatus
from eventapp.models.event import Event, Room
from eventapp.models.job import Job, JobStatus
from eventapp.models.message import MessageKind, MessageStatus, MessageVersion, OrganiserMessage
from eventapp.models.people import Person
from eventapp.models.presentation import Presentation, SlideFormat
from eventapp.models.registration import (
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
from eventapp.models.second_factor import Passkey, RecoveryCode
from eventapp.models.security import LoginSession, SecurityEvent
from eventapp.models.survey import (
    Survey,
    SurveyParticipation,
    SurveyQuestion,
    SurveyQuestionKind,
    SurveyResponse,
    SurveyStatus,
)
from eventapp.models.travel import (
    HotelStay,
    SegmentKind,
    SupportStatus,
    TravelSegment,
    TravelSupport,
)
from eventapp.models.user import User, UserRole, event_manager
from eventapp.models.visa import LetterSettings, LetterStatus, VisaLetter

__all__ = [
    "AgendaItem",
    "AgendaRole",
    "Category",
    "ChangeLogEntry",
    "ClaimLine",
    "ExpenseCategory",
    "ExpenseClaim",
    "LetterSettings",
    "LetterStatus",
    "LineStatus",
    "VisaLetter",
    "CheckInAction",
    "CheckInMethod",
    "CheckInRecord",
    "Dietary",
    "Event",
    "HotelStay",
    "ItemKind",
    "Job",
    "JobStatus",
    "LoginSession",
    "MailRecord",
    "MailStatus",
    "MessageKind",
    "MessageStatus",
    "MessageVersion",
    "OrganiserMessage",
    "Passkey",
    "Question",
    "QuestionKind",
    "PUBLIC_CATEGORIES",
    "Person",
    "Presentation",
    "SlideFormat",
    "RecoveryCode",
    "Registration",
    "RoleKind",
    "Room",
    "SecurityEvent",
    "SegmentKind",
    "Status",
    "SupportStatus",
    "Survey",
    "SurveyParticipation",
    "SurveyQuestion",
    "SurveyQuestionKind",
    "SurveyResponse",
    "SurveyStatus",
    "TravelSegment",
    "TravelSupport",
    "User",
    "UserRole",
    "event_manager",
]

# The flush hook that moves Event.agenda_revision with every change the agenda shows.
from eventapp.models import revision as _revision  # noqa: E402, F401
