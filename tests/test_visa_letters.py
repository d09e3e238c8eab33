"""Visa invitation letters: the participant's request by their link, the organisers'
decision, the PDF read back, /verify, passport data encrypted at rest (the database file's
bytes), masked, erased after the event and with the person's data, and key rotation."""

import io
import logging
import os
import re
import stat
from datetime import date, timedelta
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select, text

from eventapp.core import crypto
from eventapp.extensions import db
from eventapp.mail import resend
from eventapp.models import (
    Event,
    LetterStatus,
    MailRecord,
    MailStatus,
    Registration,
    Status,
    User,
    UserRole,
    VisaLetter,
)
from eventapp.registration import services as registrations
from eventapp.travel import visa_letters
from eventapp.travel.visa_tasks import erase_expired_passports

from . import factories
from .conftest import ORGANISER, csrf_token_from
from .pdfcheck import page_texts, qr_codes

PASSPORT = "KG4417723"
KYRGYZ = ("Айгуль", "Асанова")


@pytest.fixture
def world(app, make_user):
    """A future event with its organiser and letterhead, a confirmed Kyrgyz speaker."""
    make_user(ORGANISER, UserRole.ORGANISER)
    with app.app_context():
        event = factories.make_event(
            slug="forum", title="Forum 2030", venue_name="Egmont Palace", venue_address="Brussels"
        )
        event.managers.append(db.session.scalar(select(User).where(User.email == ORGANISER)))
        person = factories.make_registration(
            event, given_name=KYRGYZ[0], family_name=KYRGYZ[1], organisation="МВД"
        )
        pending = factories.make_registration(event, status=Status.PENDING)
        db.session.flush()
        settings = visa_letters.settings_for(event)
        settings.signatory_name = "Marie Dupont"
        settings.signatory_title = "Head of the Secretariat"
        db.session.commit()
        return {
            "slug": event.slug,
            "token": person.token,
            "pending": pending.token,
            "id": person.id,
        }


def request_data(**overrides) -> dict:
    return {
        "passport_number": PASSPORT,
        "passport_expiry": "2033-01-31",
        "nationality": "KG",
        "birth_date": "1985-04-02",
        "consulate_city": "Bishkek",
        **overrides,
    }


def ask(client, token, **overrides):
    page = client.get(f"/r/{token}/visa-letter")
    return client.post(
        f"/r/{token}/visa-letter",
        data={"csrf_token": csrf_token_from(page.text), **request_data(**overrides)},
    )


def approve_in_db(app, registration_id: int) -> str:
    """Approve the person's letter as an organiser would; gives its code as printed."""
    with app.app_context():
        letter = db.session.scalar(
            select(VisaLetter).where(VisaLetter.registration_id == registration_id)
        )
        user = db.session.scalar(select(User).where(User.email == ORGANISER))
        visa_letters.approve(
            letter,
            user,
            stay_from=date(2030, 5, 12),
            stay_until=date(2030, 5, 16),
            covered=["travel", "accommodation"],
            language="en",
        )
        db.session.commit()
        return visa_letters.format_code(letter.code)


# --- The person's request ------------------------------------------------------------------


def test_errors_are_shown_next_to_their_fields_and_nothing_is_stored(app, client, world):
    response = ask(
        client,
        world["token"],
        passport_number="",
        passport_expiry="2030-05-01",  # before the event ends
        nationality="XX",
        birth_date="",
    )
    assert response.status_code == 422
    for name in ("passport_number", "passport_expiry", "nationality", "birth_date"):
        assert f'id="{name}-error"' in response.text, name
        tag = re.search(rf'<(?:input|select)[^>]*\bid="{name}"[^>]*>', response.text).group(0)
        assert f"{name}-error" in tag and 'aria-invalid="true"' in tag
    assert "valid beyond the end of the event" in response.text
    with app.app_context():
        assert db.session.scalar(select(VisaLetter)) is None


def test_a_request_is_stored_encrypted_and_shown_to_the_person(app, client, world, caplog):
    caplog.set_level(logging.DEBUG)
    response = ask(client, world["token"])
    assert response.status_code == 302
    page = client.get(f"/r/{world['token']}/visa-letter").text
    assert "Your request was sent" in page
    assert f'value="{PASSPORT}"' in page  # the person sees their own data to correct it
    with app.app_context():
        letter = db.session.scalar(select(VisaLetter))
        assert letter.status == LetterStatus.REQUESTED
        assert PASSPORT not in letter.passport and "1985" not in letter.passport
        assert visa_letters.passport(letter)["passport_number"] == PASSPORT
        assert visa_letters.passport(letter)["birth_date"] == date(1985, 4, 2)
        key_file = crypto.key_path()
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        url = db.engine.url
        if url.get_backend_name() == "sqlite":
            with db.engine.connect() as conn:
                conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            files = [Path(url.database), Path(f"{url.database}-wal")]
            stored = b"".join(f.read_bytes() for f in files if f.exists())
            assert b"Bishkek" in stored  # the file is read right: clear columns are there
            assert PASSPORT.encode() not in stored
    assert PASSPORT not in caplog.text


def test_each_decision_is_e_mailed_in_the_persons_language_with_the_link(
    app, client, smtp, world, sign_in
):
    app.config["PUBLIC_BASE_URL"] = "https://events.example.org"
    with app.app_context():
        db.session.get(Registration, world["id"]).language = "fr"
        db.session.commit()
    link = f"https://events.example.org/r/{world['token']}/visa-letter"
    ask(client, world["token"])
    organiser = sign_in(ORGANISER)
    with app.app_context():
        letter_id = db.session.scalar(select(VisaLetter.id))
    base = f"/manage/events/forum/visa-letters/{letter_id}"

    def last_mail():
        message = smtp.wait_for(len(smtp.messages) or 1)[-1]
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert link in text and f'href="{link}"' in html
        assert "Lettre d’invitation pour visa" in text  # French, as the person signed up
        assert message["Subject"].endswith("Forum 2030")
        return text

    assert organiser.post(f"{base}/decline", data={"reason": "Пасспорт истёк"}).status_code == 302
    [declined] = smtp.wait_for(1)
    assert declined["To"].addresses[0].addr_spec.endswith("@example.org")
    text = last_mail()
    assert "Votre demande a été refusée." in text and "Пасспорт истёк" in text

    ask(client, world["token"])  # corrected and sent again
    approved = {
        "stay_from": "2030-05-12",
        "stay_until": "2030-05-16",
        "covered": ["travel"],
        "language": "fr",
    }
    assert organiser.post(f"{base}/approve", data=approved).status_code == 302
    smtp.wait_for(2)
    assert "Votre lettre est approuvée." in last_mail()

    assert organiser.post(f"{base}/revoke", data={"confirm": "yes"}).status_code == 302
    smtp.wait_for(3)
    assert "Votre lettre a été retirée par les organisateurs." in last_mail()
    with app.app_context():
        kinds = db.session.scalars(
            select(MailRecord.kind).where(MailRecord.registration_id == world["id"])
        ).all()
        assert kinds == ["visa_declined", "visa_approved", "visa_revoked"]
        # A failed "approved" is not resent once the letter is withdrawn: it says no more
        # what is true.
        first_approval = db.session.scalar(
            select(MailRecord).where(MailRecord.kind == "visa_approved")
        )
        first_approval.status = MailStatus.FAILED
        assert resend.resend_problem(first_approval) is not None
        db.session.rollback()


def test_only_confirmed_registrations_may_ask(app, client, world):
    page = client.get(f"/r/{world['pending']}/visa-letter")
    assert page.status_code == 200 and "only to confirmed registrations" in page.text
    assert 'name="passport_number"' not in page.text
    response = client.post(
        f"/r/{world['pending']}/visa-letter",
        # The session's token, from a page that has a form.
        data={
            "csrf_token": csrf_token_from(client.get(f"/r/{world['token']}/visa-letter").text),
            **request_data(),
        },
    )
    assert response.status_code == 409
    with app.app_context():
        registration = db.session.scalar(
            select(Registration).where(Registration.token == world["pending"])
        )
        with pytest.raises(visa_letters.LetterError):
            visa_letters.request_letter(registration, request_data())
    assert client.get("/r/not-a-token/visa-letter").status_code == 404


# --- Organisers --------------------------------------------------------------------------


def test_access_is_for_the_travel_right_of_that_event(app, client, world, sign_in, make_user):
    ask(client, world["token"])
    with app.app_context():
        letter_id = db.session.scalar(select(VisaLetter.id))
        other = factories.make_event(slug="other")
        agent = db.session.get(User, make_user("agent@example.org", UserRole.TRAVEL))
        forum = db.session.scalar(select(Event).where(Event.slug == "forum"))
        forum.managers.append(agent)
        db.session.add(other)
        db.session.commit()
    make_user("stranger@example.org", UserRole.ORGANISER)
    make_user("door@example.org", UserRole.CHECKIN)
    make_user("elsewhere@example.org", UserRole.TRAVEL)
    pages = ["/manage/events/forum/visa-letters", f"/manage/events/forum/visa-letters/{letter_id}"]
    assert client.get(pages[0]).status_code == 302  # anonymous: to the sign-in page
    for email, expected in (
        ("stranger@example.org", 403),
        ("door@example.org", 403),
        ("elsewhere@example.org", 403),
        ("agent@example.org", 200),
        (ORGANISER, 200),
    ):
        who = sign_in(email)
        for page in pages:
            assert who.get(page).status_code == expected, (email, page)
        who.sign_out()


def test_the_list_masks_passport_numbers_the_request_shows_them(app, client, world, sign_in):
    ask(client, world["token"])
    organiser = sign_in(ORGANISER)
    listing = organiser.get("/manage/events/forum/visa-letters").text
    assert PASSPORT not in listing
    assert visa_letters.mask(PASSPORT) in listing and "•••" in listing
    with app.app_context():
        letter_id = db.session.scalar(select(VisaLetter.id))
    detail = organiser.get(f"/manage/events/forum/visa-letters/{letter_id}").text
    assert PASSPORT in detail and "Kyrgyzstan" in detail
    # The person's registration page says a letter was asked for, without the data.
    person = organiser.get(f"/manage/events/forum/registrations/{world['id']}").text
    assert f"/manage/events/forum/visa-letters/{letter_id}" in person and PASSPORT not in person
    # A general export of registrations never carries passport data.
    export = organiser.get("/manage/events/forum/registrations/export.csv")
    assert export.status_code == 200 and PASSPORT not in export.text


def test_approved_letter_pdf_says_who_what_when_and_verifies(app, client, world, sign_in):
    app.config["PUBLIC_BASE_URL"] = "https://events.example.org"
    ask(client, world["token"])
    assert client.get(f"/r/{world['token']}/visa-letter.pdf").status_code == 404  # not yet
    organiser = sign_in(ORGANISER)
    with app.app_context():
        letter_id = db.session.scalar(select(VisaLetter.id))
    base = f"/manage/events/forum/visa-letters/{letter_id}"
    refused = organiser.post(
        f"{base}/approve",
        data={"stay_from": "2030-05-16", "stay_until": "2030-05-12", "language": "en"},
    )
    assert refused.status_code == 422 and 'id="stay_until-error"' in refused.text
    response = organiser.post(
        f"{base}/approve",
        data={
            "stay_from": "2030-05-12",
            "stay_until": "2030-05-16",
            "covered": ["travel", "accommodation"],
            "language": "en",
        },
    )
    assert response.status_code == 302
    pdf = client.get(f"/r/{world['token']}/visa-letter.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Cache-Control"] == "private, no-store"
    with app.app_context():
        letter = db.session.get(VisaLetter, letter_id)
        code = visa_letters.format_code(letter.code)
        assert letter.number == 1
    [page] = page_texts(pdf.data)
    flat = " ".join(page.split())
    for expected in (
        "Айгуль Асанова",
        "МВД",
        "Forum 2030",
        "14 May 2030",
        "Egmont Palace",
        "Bishkek",
        "FORUM/001",
        PASSPORT,
        "Kyrgyzstan",
        "2 April 1985",
        "12 May 2030",
        "16 May 2030",
        "international travel, accommodation",
        "Marie Dupont",
        "Head of the Secretariat",
        code,
    ):
        assert expected in flat, expected
    url = f"https://events.example.org/verify/{code}"
    assert qr_codes(pdf.data) == [url]

    # /verify: the name, the event and the dates of stay, nothing of the passport.
    verify = client.get(f"/verify/{code}")
    assert verify.status_code == 200
    assert "Genuine letter" in verify.text and "Айгуль Асанова" in verify.text
    assert "Forum 2030" in verify.text and "12 May 2030" in verify.text
    for secret in (PASSPORT, "1985", "Kyrgyzstan", "Bishkek", "МВД"):
        assert secret not in verify.text, secret

    # Revoked: it verifies as withdrawn, and is no longer downloadable.
    assert organiser.post(f"{base}/revoke", data={"confirm": "yes"}).status_code == 302
    withdrawn = client.get(f"/verify/{code.lower()}")
    assert "withdrawn" in withdrawn.text and "Айгуль" not in withdrawn.text
    assert client.get(f"/r/{world['token']}/visa-letter.pdf").status_code == 404
    assert organiser.get(f"{base}/letter.pdf").status_code == 404
    # Nor can the person send it again: the withdrawn code stays withdrawn.
    own = client.get(f"/r/{world['token']}/visa-letter").text
    assert "withdrawn by the organisers" in own and 'name="passport_number"' not in own


def test_a_french_letter_on_the_letterhead_and_a_hostile_name(app, client, world):
    with app.app_context():
        person = db.session.get(Registration, world["id"])
        person.given_name = '<b>Ann</b> & "Bob"'
        person.family_name = "</p><script>alert(1)</script>"
        # The letterhead's logo and the signature, stored as the settings page does.
        for kind, colour in (("logos", "#0b4f6c"), ("signatures", "#222222")):
            picture = io.BytesIO()
            Image.new("RGB", (240, 80), colour).save(picture, "PNG")
            picture.seek(0)
            path = visa_letters.store_letterhead_image(picture, kind)
            if kind == "logos":
                visa_letters.set_logo(person.event, path)
            else:
                visa_letters.set_signature(person.event, path)
        db.session.commit()
    ask(client, world["token"])
    with app.app_context():
        letter = db.session.scalar(select(VisaLetter))
        user = db.session.scalar(select(User).where(User.email == ORGANISER))
        visa_letters.approve(
            letter,
            user,
            stay_from=date(2030, 5, 13),
            stay_until=date(2030, 5, 15),
            covered=[],
            language="fr",
        )
        db.session.commit()
        code = visa_letters.format_code(letter.code)
    pdf = client.get(f"/r/{world['token']}/visa-letter.pdf")
    flat = " ".join(page_texts(pdf.data)[0].split())
    assert '<b>Ann</b> & "Bob" </p><script>alert(1)</script>' in flat
    assert len(PdfReader(io.BytesIO(pdf.data)).pages[0].images) == 3  # logo, signature, QR
    # Babel's names and dates in French (the sentences are the catalogue's).
    assert "Kirghizstan" in flat and "13 mai 2030" in flat, flat
    verify = client.get(f"/verify/{code}").text
    assert "<script>alert(1)" not in verify and "&lt;script&gt;alert(1)" in verify


# --- Erasure -----------------------------------------------------------------------------


def test_passport_data_is_erased_after_the_retention_period(app, client, world):
    ask(client, world["token"])
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == "forum"))
        ends = event.ends_at
        assert visa_letters.erase_expired(ends + timedelta(days=29)) == 0
        visa_letters.settings_for(event).passport_retention_days = 5
        db.session.commit()
        assert visa_letters.erase_expired(ends + timedelta(days=4)) == 0
        assert visa_letters.erase_expired(ends + timedelta(days=5, seconds=1)) == 1
        db.session.commit()
        letter = db.session.scalar(select(VisaLetter))
        assert letter.passport is None and letter.passport_erased_at is not None
        assert letter.consulate_city == "Bishkek"  # the request stays, for the counts


def test_the_daily_task_erases_what_is_due(app, client, world):
    ask(client, world["token"])
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == "forum"))
        event.starts_at -= timedelta(days=3650)
        event.ends_at -= timedelta(days=3650)
        db.session.commit()
    erase_expired_passports()  # run in this process (TASKS_IMMEDIATE)
    with app.app_context():
        assert db.session.scalar(select(VisaLetter.passport)) is None


def test_erasing_ones_data_erases_the_passport_data(app, client, world):
    ask(client, world["token"])
    code = approve_in_db(app, world["id"])
    with app.app_context():
        registrations.anonymise(db.session.get(Registration, world["id"]))
        db.session.commit()
        assert db.session.scalar(select(VisaLetter.passport)) is None
    # The letter's code now says withdrawn: there is no name left to confirm.
    assert "withdrawn" in client.get(f"/verify/{code}").text


# --- Keys --------------------------------------------------------------------------------


def test_rotation_re_encrypts_every_value_and_retires_the_old_key(app, client, world, runner):
    ask(client, world["token"])
    with app.app_context():
        old_keys = crypto.keys()
        before = db.session.scalar(select(VisaLetter.passport))
    result = runner.invoke(args=["rotate-encryption-key"])
    assert result.exit_code == 0, result.output
    assert "1 encrypted values re-encrypted" in result.output
    with app.app_context():
        new_keys = crypto.keys()
        assert len(new_keys) == 1 and new_keys[0] not in old_keys
        assert stat.S_IMODE(os.stat(crypto.key_path()).st_mode) == 0o600
        letter = db.session.scalar(select(VisaLetter))
        assert letter.passport != before
        assert visa_letters.passport(letter)["passport_number"] == PASSPORT
    # The old key alone no longer opens anything stored.
    from cryptography.fernet import Fernet, InvalidToken

    with pytest.raises(InvalidToken):
        Fernet(old_keys[0]).decrypt(letter.passport.encode())


def test_letters_are_numbered_in_order_of_approval(app, client, world):
    ask(client, world["token"])
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == "forum"))
        second = factories.make_registration(event, given_name="Second")
        db.session.commit()
        token = second.token
    ask(client, token)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == ORGANISER))
        first, later = db.session.scalars(select(VisaLetter).order_by(VisaLetter.id))
        for letter in (later, first):
            visa_letters.approve(
                letter,
                user,
                stay_from=date(2030, 5, 13),
                stay_until=date(2030, 5, 15),
                covered=[],
                language="en",
            )
        db.session.commit()
        assert (later.number, first.number) == (1, 2)
        assert visa_letters.reference(first) == "FORUM/002"
        assert first.code != later.code


def test_two_organisers_approving_at_once_issue_one_number(app, client, world, sign_in):
    """Both loaded the request before either approved: the second finds it decided (one
    UPDATE ... WHERE status decides), issues no number and sends no second e-mail."""
    ask(client, world["token"])
    dates = {"stay_from": date(2030, 5, 12), "stay_until": date(2030, 5, 16)}
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == ORGANISER))
        mine = db.session.scalar(select(VisaLetter))
        assert mine.status == LetterStatus.REQUESTED and mine.registration and mine.passport
        with app.app_context():  # the other organiser's request, committed first
            theirs = db.session.scalar(select(VisaLetter))
            other = db.session.get(User, user.id)
            visa_letters.approve(theirs, other, covered=[], language="en", **dates)
            db.session.commit()
        with pytest.raises(visa_letters.LetterError, match="decided meanwhile"):
            visa_letters.approve(mine, user, covered=["travel"], language="fr", **dates)
        db.session.rollback()
        letter = db.session.scalar(select(VisaLetter))
        assert (letter.status, letter.number, letter.language) == (LetterStatus.APPROVED, 1, "en")
        kinds = db.session.scalars(select(MailRecord.kind)).all()
        assert kinds == ["visa_approved"]
        letter_id = letter.id
    # Through the page: the form posted again is refused with the reason.
    organiser = sign_in(ORGANISER)
    base = f"/manage/events/forum/visa-letters/{letter_id}"
    form = {"stay_from": "2030-05-12", "stay_until": "2030-05-16", "language": "en"}
    response = organiser.post(f"{base}/approve", data=form)
    assert response.status_code == 302
    page = organiser.get(base).text
    assert "This request was decided meanwhile by another organiser." in page


def test_a_warning_while_no_signatory_is_set(app, client, world, sign_in):
    ask(client, world["token"])
    organiser = sign_in(ORGANISER)
    with app.app_context():
        letter_id = db.session.scalar(select(VisaLetter.id))
    pages = ("/manage/events/forum/visa-letters", f"/manage/events/forum/visa-letters/{letter_id}")
    for url in pages:
        assert 'id="no-signatory"' not in organiser.get(url).text  # Marie Dupont signs
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == "forum"))
        visa_letters.settings_for(event).signatory_name = " "
        db.session.commit()
    for url in pages:
        page = organiser.get(url).text
        assert "No one signs the letters yet." in page
        assert 'href="/manage/events/forum/settings#letterhead"' in page
    assert 'id="letterhead"' in organiser.get("/manage/events/forum/settings").text


def test_the_demo_has_a_request_from_a_partner_country_speaker(app, demo):
    with app.app_context():
        [letter] = db.session.scalars(select(VisaLetter))
        assert letter.status == LetterStatus.REQUESTED
        assert letter.registration.country == "CV" and letter.consulate_city == "Praia"
        assert visa_letters.passport(letter)["nationality"] == "CV"
