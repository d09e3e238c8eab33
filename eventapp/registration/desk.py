"""The organisers' registration desk: counts, search, filters, sorting, pages, and the
changes organisers make to one registration or to many at once.

Search ignores case and accents in every script ("jose" finds "José", "Гульнара" finds
itself). SQL cannot do that portably (SQLite's lower() folds only ASCII, and neither
database strips accents without an extension), so the desk reads the few columns it
searches and sorts on for the whole event in one query (2,000 rows is small), folds and
sorts them in Python, and loads full rows only for the page shown.

Plain functions over models, no request: the view parses, these act, the view commits.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, insert, select

from eventapp.core.changelog import diff, record, snapshot
from eventapp.core.folding import fold
from eventapp.core.labels import CATEGORIES
from eventapp.extensions import db
from eventapp.models import (
    Category,
    ChangeLogEntry,
    Event,
    MailRecord,
    MailStatus,
    Registration,
    Status,
    SupportStatus,
    TravelSupport,
    User,
)
from eventapp.models.registration import email_key, new_token
from eventapp.models.types import utcnow
from eventapp.registration import answers, services

PER_PAGE = 50
SORTS = ("name", "date", "status", "organisation", "country")
#: Fields organisers edit on the detail page (category and status have their own actions).
DETAIL_FIELDS = (*services.TEXT_FIELDS, "photo_consent")
_STATUS_ORDER = {status: n for n, status in enumerate(Status)}
#: The travel support filter's values: a status, or "none" for nobody asked.
SUPPORT_FILTERS = frozenset({*(s.value for s in SupportStatus), "none"})


# --- Counts -----------------------------------------------------------------------------


@dataclass
class Counts:
    capacity: int
    #: Confirmed registrations in public seats (the ones capacity limits).
    public_confirmed: int = 0
    by_status: Counter = field(default_factory=Counter)
    #: Confirmed registrations only.
    by_category: Counter = field(default_factory=Counter)
    by_country: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


def counts(event: Event) -> Counts:
    """The numbers at a glance, from one grouped query."""
    rows = db.session.execute(
        select(
            Registration.status,
            Registration.category,
            Registration.country,
            Registration.counts_towards_capacity,
            func.count(),
        )
        .where(Registration.event_id == event.id)
        .group_by(
            Registration.status,
            Registration.category,
            Registration.country,
            Registration.counts_towards_capacity,
        )
    )
    result = Counts(capacity=event.capacity)
    for status, category, country, public, n in rows:
        result.by_status[Status(status)] += n
        if status == Status.CONFIRMED:
            result.by_category[Category(category)] += n
            result.by_country[country or ""] += n
            if public:
                result.public_confirmed += n
    return result


#: The desk's e-mail filters: the states of a participant's e-mail it counts and lists.
MAIL_STATES: dict[str, tuple[MailStatus, ...]] = {
    "waiting": (MailStatus.QUEUED, MailStatus.SENDING),
    "retrying": (MailStatus.RETRYING,),
    "failed": (MailStatus.FAILED,),
}


def mail_counts(event: Event) -> dict[str, int]:
    """How many of the event's e-mails wait for the worker, wait to be tried again, or
    failed (MAIL_STATES), from one grouped query."""
    by_status = dict(
        db.session.execute(
            select(MailRecord.status, func.count())
            .where(MailRecord.event_id == event.id)
            .group_by(MailRecord.status)
        ).all()
    )
    return {
        state: sum(by_status.get(status, 0) for status in statuses)
        for state, statuses in MAIL_STATES.items()
    }


def countries(event: Event) -> list[str]:
    """The country codes the event's registrations have, for the country filter."""
    return sorted(
        c
        for c in db.session.scalars(
            select(Registration.country).where(Registration.event_id == event.id).distinct()
        )
        if c
    )


# --- Search, filters, sorting, pages ----------------------------------------------------


@dataclass
class Filters:
    q: str = ""
    status: Status | None = None
    category: Category | None = None
    country: str = ""
    #: True: checked in; False: not yet; None: either.
    checked_in: bool | None = None
    #: One of MAIL_STATES: the people with an e-mail in that state.
    mail: str = ""
    #: A travel support status, "none" for nobody asked, "" for any.
    support: str = ""
    sort: str = "name"
    descending: bool = False
    page: int = 1

    @classmethod
    def parse(cls, args: Mapping[str, str]) -> Filters:
        """From query arguments; values that mean nothing are ignored, never an error."""

        def enum_or_none(kind, value):
            try:
                return kind(value) if value else None
            except ValueError:
                return None

        checked = args.get("checked_in", "")
        sort = args.get("sort", "name")
        try:
            page = max(1, int(args.get("page", 1)))
        except ValueError:
            page = 1
        country = args.get("country", "").strip().upper()
        support = args.get("support", "")
        return cls(
            q=unicodedata.normalize("NFC", args.get("q", "")).strip()[:200],
            status=enum_or_none(Status, args.get("status")),
            category=enum_or_none(Category, args.get("category")),
            country=country if len(country) == 2 and country.isalpha() else "",
            checked_in={"yes": True, "no": False}.get(checked),
            mail=mail if (mail := args.get("mail", "")) in MAIL_STATES else "",
            support=support if support in SUPPORT_FILTERS else "",
            sort=sort if sort in SORTS else "name",
            descending=args.get("dir") == "desc",
            page=page,
        )

    def args(self, **changes: Any) -> dict[str, Any]:
        """As query arguments (without empty ones), with some changed: for links."""
        values = {
            "q": self.q,
            "status": self.status.value if self.status else "",
            "category": self.category.value if self.category else "",
            "country": self.country,
            "checked_in": {True: "yes", False: "no", None: ""}[self.checked_in],
            "mail": self.mail,
            "support": self.support,
            "sort": self.sort if self.sort != "name" else "",
            "dir": "desc" if self.descending else "",
            "page": self.page if self.page > 1 else "",
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None, 1)}

    @property
    def active(self) -> bool:
        return bool(
            self.q
            or self.status
            or self.category
            or self.country
            or self.checked_in is not None
            or self.mail
            or self.support
        )


@dataclass
class Page:
    registrations: list[Registration]
    total: int
    page: int
    pages: int
    per_page: int = PER_PAGE


def matching_ids(
    event: Event, filters: Filters, country_label: Callable[[str], str] = str
) -> list[int]:
    """Ids of the registrations that match, in the chosen order.

    `country_label` gives the name a country is sorted by (in the page's language).
    """
    query = select(
        Registration.id,
        Registration.given_name,
        Registration.family_name,
        Registration.badge_name,
        Registration.email,
        Registration.organisation,
        Registration.status,
        Registration.country,
        Registration.created_at,
    ).where(Registration.event_id == event.id)
    if filters.status is not None:
        query = query.where(Registration.status == filters.status)
    if filters.category is not None:
        query = query.where(Registration.category == filters.category)
    if filters.country:
        query = query.where(Registration.country == filters.country)
    if filters.checked_in is True:
        query = query.where(Registration.checked_in_at.is_not(None))
    elif filters.checked_in is False:
        query = query.where(Registration.checked_in_at.is_(None))
    if filters.mail:
        query = query.where(
            Registration.id.in_(
                select(MailRecord.registration_id).where(
                    MailRecord.event_id == event.id,
                    MailRecord.status.in_(MAIL_STATES[filters.mail]),
                )
            )
        )
    if filters.support == "none":
        query = query.where(~Registration.id.in_(select(TravelSupport.registration_id)))
    elif filters.support:
        query = query.where(
            Registration.id.in_(
                select(TravelSupport.registration_id).where(
                    TravelSupport.status == SupportStatus(filters.support)
                )
            )
        )
    rows = db.session.execute(query).all()

    terms = fold(filters.q).split()
    if terms:

        def found(row) -> bool:
            haystack = fold(
                " ".join(
                    filter(
                        None,
                        (
                            row.given_name,
                            row.family_name,
                            row.badge_name,
                            row.email,
                            row.organisation,
                        ),
                    )
                )
            )
            return all(term in haystack for term in terms)

        rows = [row for row in rows if found(row)]

    def name(row) -> tuple:
        return fold(row.family_name), fold(row.given_name), row.id

    keys: dict[str, Callable] = {
        "name": name,
        "date": lambda row: (row.created_at, row.id),
        "status": lambda row: (_STATUS_ORDER[Status(row.status)], *name(row)),
        "organisation": lambda row: (row.organisation == "", fold(row.organisation), *name(row)),
        "country": lambda row: (row.country == "", fold(country_label(row.country)), *name(row)),
    }
    return [row.id for row in sorted(rows, key=keys[filters.sort], reverse=filters.descending)]


def load(ids: list[int]) -> list[Registration]:
    """The registrations with these ids, in this order."""
    by_id: dict[int, Registration] = {}
    for start in range(0, len(ids), 500):  # stay under parameter limits
        by_id.update(
            (r.id, r)
            for r in db.session.scalars(
                select(Registration).where(Registration.id.in_(ids[start : start + 500]))
            )
        )
    return [by_id[i] for i in ids if i in by_id]


def search(event: Event, filters: Filters, country_label: Callable[[str], str] = str) -> Page:
    """One page of the desk's table."""
    ids = matching_ids(event, filters, country_label)
    pages = max(1, -(-len(ids) // PER_PAGE))
    page = min(filters.page, pages)
    shown = ids[(page - 1) * PER_PAGE : page * PER_PAGE]
    return Page(registrations=load(shown), total=len(ids), page=page, pages=pages)


# --- Changes to one registration --------------------------------------------------------


def update_details(registration: Registration, data: Mapping[str, Any]) -> dict[str, list]:
    """Apply edited details (DETAIL_FIELDS) and log what changed. No commit.

    Raises services.AlreadyRegistered when the new e-mail address belongs to another
    registration of the event.
    """
    new_key = email_key(data.get("email"))
    if new_key and new_key != registration.email_key:
        existing = db.session.scalar(
            select(Registration).where(
                Registration.event_id == registration.event_id,
                Registration.email_key == new_key,
                Registration.id != registration.id,
            )
        )
        if existing is not None:
            raise services.AlreadyRegistered(existing)
    before = snapshot(registration, DETAIL_FIELDS)
    for name in DETAIL_FIELDS:
        if name in data:
            setattr(registration, name, data[name])
    if registration.dietary != "other":
        registration.dietary_other = ""
    changes = diff(before, snapshot(registration, DETAIL_FIELDS))
    if changes:
        record(
            registration.event,
            "registration",
            registration.id,
            "update",
            _("Details changed: %(fields)s", fields=", ".join(sorted(changes))),
            changes,
        )
    return changes


def set_category(registration: Registration, category: Category) -> bool:
    """Change the category; whether it changed. Public seats are not affected: a
    registration keeps or lacks its seat whatever its category. No commit."""
    old = registration.category
    if old == category:
        return False
    registration.category = category
    record(
        registration.event,
        "registration",
        registration.id,
        "category",
        _("Category: %(old)s → %(new)s", old=CATEGORIES[old], new=CATEGORIES[category]),
        {"category": [old, category]},
    )
    return True


def confirm(registration: Registration) -> Registration:
    """An organiser confirms someone pending, waitlisted, cancelled or declined, even when
    no public seat is free: their decision, beyond the rule for public sign-ups.
    Raises services.WrongStatus when already confirmed. No commit."""
    services.lock_event(registration.event_id)  # the same lock the seat rules take
    db.session.flush()
    db.session.refresh(registration)
    if registration.status == Status.CONFIRMED:
        raise services.WrongStatus(registration)
    old = registration.status
    registration.status = Status.CONFIRMED
    record(
        registration.event,
        "registration",
        registration.id,
        "confirm",
        _("Confirmed by an organiser"),
        {"status": [old, Status.CONFIRMED]},
    )
    db.session.flush()
    return registration


def regenerate_link(registration: Registration) -> None:
    """A new self-service token: the old link stops working (sent to the wrong person,
    say). The token itself is never logged. No commit."""
    registration.token = new_token()
    record(registration.event, "registration", registration.id, "link", _("New self-service link"))


# --- Many at once -----------------------------------------------------------------------


def add_many(
    event: Event,
    rows: Iterable[tuple[Mapping[str, Any], Category, str]],
    *,
    by: User | None = None,
) -> list[int]:
    """`services.add_by_hand` for many people at once (an import): each (data, category,
    language) becomes a confirmed registration outside the public capacity, exactly as
    add_by_hand makes it, with its "create" entry in the change log. `data` may hold
    "answers" to the custom questions (checked by answers.clean).

    In bulk because add_by_hand locks, looks up and flushes once per person, which for a
    large import goes beyond a worker's timeout; here the event is locked once,
    duplicates are looked up in one query, and the rows and
    their log entries are inserted a thousand at a time. Returns the new ids. The log
    names `by` (the job's organiser, in a worker), else the signed-in user.

    Raises services.AlreadyRegistered for an address already registered for the event,
    ValueError for one given twice or for input add_by_hand refuses: nothing is created
    then. No commit.
    """
    questions = list(event.questions)
    cleaned = [
        (
            services.clean_details({k: v for k, v in data.items() if k != "answers"}),
            answers.clean(questions, data.get("answers") or {}),
            category,
            language,
        )
        for data, category, language in rows
    ]
    services.lock_event(event.id)  # as add_by_hand: no public sign-up slips in meanwhile
    db.session.flush()
    keys: dict[str, int] = {}
    for n, (fields, _answers, _category, _language) in enumerate(cleaned):
        key = email_key(fields["email"])
        if key is not None:
            if key in keys:
                raise ValueError(f"{fields['email']} is given twice")
            keys[key] = n
    taken = set(keys).intersection(
        db.session.scalars(select(Registration.email_key).where(Registration.event_id == event.id))
    )
    if taken:
        existing = db.session.execute(
            select(Registration).where(
                Registration.event_id == event.id, Registration.email_key == min(taken)
            )
        ).scalar_one()
        raise services.AlreadyRegistered(existing)
    now = utcnow()
    version = services.privacy_version(event)
    values = []
    for fields, answers_given, category, language in cleaned:
        consent = fields.pop("privacy_consent")
        values.append(
            {
                **fields,
                "answers": answers_given,
                "event_id": event.id,
                "email_key": email_key(fields["email"]),
                "token": new_token(),
                "category": category,
                "status": Status.CONFIRMED,
                "language": language,
                "counts_towards_capacity": False,
                "person_id": None,
                "privacy_consent_at": now if consent else None,
                "privacy_version": version if consent else "",
                "created_at": now,
                "updated_at": now,
            }
        )
    ids: list[int] = []
    for start in range(0, len(values), 1000):
        ids += db.session.scalars(
            insert(Registration).returning(Registration.id, sort_by_parameter_order=True),
            values[start : start + 1000],
        ).all()
    # The log entries as changelog.record writes them, inserted together too.
    user = by or (current_user if current_user and current_user.is_authenticated else None)
    summary = _("Added by hand")
    entries = [
        {
            "event_id": event.id,
            "entity": "registration",
            "entity_id": id_,
            "action": "create",
            "summary": summary,
            "at": now,
            "changes": {
                "status": [None, Status.CONFIRMED.value],
                "category": [None, row["category"].value],
            },
            "user_id": user.id if user else None,
            "actor": user.email if user else "",
        }
        for id_, row in zip(ids, values, strict=True)
    ]
    for start in range(0, len(entries), 1000):
        db.session.execute(insert(ChangeLogEntry), entries[start : start + 1000])
    return ids


@dataclass
class BulkResult:
    done: int = 0
    #: Registrations the action does not apply to (an approve of a confirmed one, say).
    skipped: int = 0
    #: The registrations changed, to be told by e-mail once committed.
    changed: list[Registration] = field(default_factory=list)


def of_event(event: Event, ids: Iterable[int]) -> list[Registration]:
    """Only the event's own registrations among the given ids (others are ignored)."""
    ids = sorted({int(i) for i in ids})
    return [r for r in load(ids) if r.event_id == event.id]


def bulk_approve(event: Event, ids: Iterable[int]) -> BulkResult:
    """Approve the pending ones among the selection, in the order they signed up, so the
    seats left go to the earliest. No commit."""
    return _bulk(sorted(of_event(event, ids), key=lambda r: (r.created_at, r.id)), services.approve)


def bulk_decline(event: Event, ids: Iterable[int]) -> BulkResult:
    """Decline the pending and waitlisted ones among the selection. No commit."""
    return _bulk(of_event(event, ids), services.decline)


def bulk_set_category(event: Event, ids: Iterable[int], category: Category) -> BulkResult:
    """Give the selection a category. No commit."""
    result = BulkResult()
    for registration in of_event(event, ids):
        if set_category(registration, category):
            result.done += 1
        else:
            result.skipped += 1
    return result


def _bulk(registrations: list[Registration], action: Callable) -> BulkResult:
    result = BulkResult()
    for registration in registrations:
        try:
            action(registration)
            result.done += 1
            result.changed.append(registration)
        except services.WrongStatus:
            result.skipped += 1
    return result
