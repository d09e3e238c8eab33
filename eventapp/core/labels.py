"""Translated names of the values stored in enum columns, for pages and exports."""

from flask_babel import lazy_gettext as _l

from eventapp.models import (
    Category,
    CheckInMethod,
    Dietary,
    ItemKind,
    QuestionKind,
    RoleKind,
    SegmentKind,
    Status,
    SupportStatus,
    UserRole,
)

ITEM_KINDS = {
    ItemKind.OPENING: _l("Opening"),
    ItemKind.KEYNOTE: _l("Keynote"),
    ItemKind.PANEL: _l("Panel"),
    ItemKind.TALK: _l("Talk"),
    ItemKind.BREAK: _l("Break"),
    ItemKind.MEAL: _l("Meal"),
    ItemKind.NETWORKING: _l("Networking"),
    ItemKind.CLOSING: _l("Closing"),
    ItemKind.OTHER: _l("Other"),
}

ROLES = {
    RoleKind.SPEAKER: _l("Speaker"),
    RoleKind.MODERATOR: _l("Moderator"),
    RoleKind.PANELLIST: _l("Panellist"),
    RoleKind.CHAIR: _l("Chair"),
}

CATEGORIES = {
    Category.PARTICIPANT: _l("Participant"),
    Category.SPEAKER: _l("Speaker"),
    Category.ORGANISER: _l("Organiser"),
    Category.PRESS: _l("Press"),
    Category.STAFF: _l("Staff"),
}

STATUSES = {
    Status.PENDING: _l("Pending"),
    Status.CONFIRMED: _l("Confirmed"),
    Status.WAITLISTED: _l("Waiting list"),
    Status.CANCELLED: _l("Cancelled"),
    Status.DECLINED: _l("Declined"),
}

USER_ROLES = {
    UserRole.ADMIN: _l("Administrator"),
    UserRole.ORGANISER: _l("Organiser"),
    UserRole.CHECKIN: _l("Check-in"),
    UserRole.TRAVEL: _l("Travel agent"),
}

DIETARY = {
    Dietary.NONE: _l("No special needs"),
    Dietary.VEGETARIAN: _l("Vegetarian"),
    Dietary.VEGAN: _l("Vegan"),
    Dietary.HALAL: _l("Halal"),
    Dietary.KOSHER: _l("Kosher"),
    Dietary.GLUTEN_FREE: _l("Gluten-free"),
    Dietary.OTHER: _l("Other"),
}

QUESTION_KINDS = {
    QuestionKind.SHORT_TEXT: _l("Short text (one line)"),
    QuestionKind.LONG_TEXT: _l("Long text (several lines)"),
    QuestionKind.SINGLE_CHOICE: _l("One option among several (radio buttons)"),
    QuestionKind.MULTIPLE_CHOICE: _l("Any number of options (checkboxes)"),
    QuestionKind.CHECKBOX: _l("A box to tick (yes or no)"),
}

CHECKIN_METHODS = {
    CheckInMethod.QR: _l("badge scanned"),
    CheckInMethod.SEARCH: _l("found by name"),
    CheckInMethod.LINK: _l("badge link opened"),
    CheckInMethod.WALK_IN: _l("registered at the door"),
}

#: Travel support's budget lines (eventapp/travel).
SUPPORT_LINES = {
    "travel": _l("Travel"),
    "accommodation": _l("Accommodation"),
    "per_diem": _l("Per diem"),
}

SUPPORT_STATUSES = {
    SupportStatus.REQUESTED: _l("Requested"),
    SupportStatus.APPROVED: _l("Approved"),
    SupportStatus.DECLINED: _l("Declined"),
}

SEGMENT_KINDS = {
    SegmentKind.FLIGHT: _l("Flight"),
    SegmentKind.TRAIN: _l("Train"),
}

#: The languages of the interface and of events' content, named in the page's language.
LANGUAGE_NAMES = {
    "en": _l("English"),
    "fr": _l("French"),
    "es": _l("Spanish"),
    "pt": _l("Portuguese"),
}
