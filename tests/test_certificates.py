"""Certificates of attendance, read the way people get them: the PDF's text and QR code,
the e-mail with its attachment, the participant's page, the public /verify page, and who
may open the organisers' pages."""

import pytest
from sqlalchemy import select

from eventapp.certificates import mailing
from eventapp.certificates import services as certificates
from eventapp.checkin import services as checkin
from eventapp.extensions import db
from eventapp.models import Event, MailRecord, Registration, Status, User, UserRole
from eventapp.models.types import utcnow
from eventapp.registration import services

from .factories import START, make_event, make_registration
from .pdfcheck import page_sizes_mm, page_texts, qr_codes
from .pdftags import catalog, pdfinfo

HOSTILE = "<img src=file:///etc/passwd>"
#: (given, family, organisation, e-mail, checked in)
PEOPLE = [
    ("ნინო", "ბერიძე", "საქართველოს შსს", "nino@example.org", True),
    ("Zoë", "Adams", "Uniwersytet Warszawski", "zoe@example.org", True),
    (HOSTILE, "Mallory", "<script>alert(1)</script>", "mallory@example.org", True),
    ("Walk", "In", "", None, True),
    ("Not", "Arrived", "", "late@example.org", False),
]


def one_line(text: str) -> str:
    # Long lines wrap, and text extraction adds or drops a space at a line break.
    return "".join(text.split())


@pytest.fixture
def forum(app, make_user):
    """An event with four people checked in (one without an address) and one not; its
    manager, another event's organiser and a check-in volunteer."""
    manager = make_user("manager@example.org", UserRole.ORGANISER)
    make_user("outsider@example.org", UserRole.ORGANISER)
    make_user("door@example.org", UserRole.CHECKIN)
    with app.app_context():
        event = make_event(
            slug="forum",
            title="Forum 2030",
            venue_name="Egmont Palace",
            venue_address="Place du Petit Sablon 8, Brussels",
        )
        event.managers.append(db.session.get(User, manager))
        ids = {}
        for given, family, organisation, email, checked_in in PEOPLE:
            registration = make_registration(
                event,
                given_name=given,
                family_name=family,
                organisation=organisation,
                email=email,
                checked_in_at=utcnow() if checked_in else None,
            )
            db.session.flush()
            ids[family] = registration.id
        db.session.commit()
        tokens = {family: db.session.get(Registration, i).token for family, i in ids.items()}
    return {"slug": "forum", "ids": ids, "tokens": tokens}


def code_of(app, registration_id: int) -> str | None:
    with app.app_context():
        return db.session.get(Registration, registration_id).certificate_code


# --- Codes --------------------------------------------------------------------------------


def test_codes_are_80_bits_of_unambiguous_symbols_grouped_by_four():
    code = certificates.new_code()
    assert len(code) == 16 and set(code) <= set(certificates.ALPHABET)
    assert len(certificates.ALPHABET) == 32  # 5 bits a symbol
    assert not set("ILOU") & set(certificates.ALPHABET)
    printed = certificates.format_code(code)
    assert len(printed) == 19 and printed.count("-") == 3


@pytest.mark.parametrize(
    "typed",
    ["ABCD-EFGH-JKMN-PQ10", "abcdefghjkmnpq10", " abcd efgh jkmn pqlo ", "ABCD-EFGH-JKMN-PQIO"],
)
def test_a_typed_code_forgives_case_dashes_and_look_alike_letters(typed):
    assert certificates.normalise_code(typed) == "ABCDEFGHJKMNPQ10"


@pytest.mark.parametrize(
    "typed", ["", "ABCD", "ABCD-EFGH-JKMN-PQRSX", "ABCD-EFGH-JKMN-PQRU", "x" * 5000]
)
def test_what_cannot_be_a_code_is_refused_before_any_query(typed):
    assert certificates.normalise_code(typed) is None


def test_a_person_keeps_the_code_of_their_first_certificate(app, forum):
    with app.app_context():
        registration = db.session.get(Registration, forum["ids"]["Adams"])
        first = certificates.ensure_code(registration)
        db.session.commit()
        assert certificates.ensure_code(registration) == first
        # Another session's view of the row, as a second request would have it.
        db.session.expire_all()
        assert certificates.ensure_code(db.session.get(Registration, registration.id)) == first


# --- The PDF ------------------------------------------------------------------------------


def test_a_certificate_names_the_person_event_date_hours_venue_and_code(app, forum):
    app.config["PUBLIC_BASE_URL"] = "https://events.example.org"
    with app.app_context(), app.test_request_context():
        registration = db.session.get(Registration, forum["ids"]["ბერიძე"])
        pdf = certificates.render_certificates(registration.event, [registration])
        code = certificates.format_code(registration.certificate_code)
        db.session.commit()
    assert page_sizes_mm(pdf) == [(297.0, 210.0)]
    [text] = page_texts(pdf)
    flat = one_line(text)
    for expected in (
        "Certificate of attendance",
        "ნინო ბერიძე",
        "საქართველოს შსს",
        "Forum 2030",
        "14 May 2030",
        "09:00–18:00",
        "Europe/Brussels",
        "Egmont Palace",
        code,
        f"https://events.example.org/verify/{code}",
    ):
        assert one_line(expected) in flat, expected
    assert qr_codes(pdf) == [f"https://events.example.org/verify/{code}"]


def test_a_hostile_name_is_printed_as_its_characters(app, forum):
    with app.app_context(), app.test_request_context():
        registration = db.session.get(Registration, forum["ids"]["Mallory"])
        pdf = certificates.render_certificates(registration.event, [registration])
    flat = one_line(page_texts(pdf)[0])
    assert one_line(HOSTILE) in flat
    assert "<script>alert(1)</script>" in flat


def test_a_multi_day_event_gives_its_first_and_last_day(app):
    with app.app_context(), app.test_request_context():
        event = make_event(title="Week", starts_at=START, ends_at=START.replace(day=16))
        registration = make_registration(
            event, given_name="Ирина", family_name="Петрова", checked_in_at=utcnow()
        )
        db.session.flush()
        pdf = certificates.render_certificates(event, [registration])
    flat = one_line(page_texts(pdf)[0])
    assert one_line("Ирина Петрова") in flat
    assert one_line("from 14 May 2030 to 16 May 2030") in flat


# --- Organisers ---------------------------------------------------------------------------


def test_the_page_lists_everyone_checked_in_and_nobody_else(sign_in, app, client, forum):
    sign_in("manager@example.org")
    page = client.get("/manage/events/forum/certificates")
    assert page.status_code == 200
    assert "4 people are checked in" in page.text
    assert "Arrived" not in page.text
    assert "&lt;img src=file:///etc/passwd&gt;" in page.text
    assert HOSTILE not in page.text


def test_all_in_one_has_a_page_per_person_checked_in_by_family_name(sign_in, app, client, forum):
    manager = sign_in("manager@example.org")
    response = manager.post("/manage/events/forum/certificates/all.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert 'filename="certificates-forum.pdf"' in response.headers["Content-Disposition"]
    texts = [one_line(t) for t in page_texts(response.data)]
    assert len(texts) == 4
    # Adams, In, Mallory, then the Georgian family name (other scripts after Latin).
    order = ["ZoëAdams", "WalkIn", one_line(HOSTILE) + "Mallory", "ნინობერიძე"]
    assert [next(name for name in order if name in t) for t in texts] == order
    assert not any("Arrived" in t for t in texts)
    # Every page's code is stored and printed.
    for family, text in zip(("Adams", "In", "Mallory", "ბერიძე"), texts, strict=True):
        assert certificates.format_code(code_of(app, forum["ids"][family])) in text


def test_one_person_gets_a_single_page_and_only_once_checked_in(sign_in, app, client, forum):
    manager = sign_in("manager@example.org")
    response = manager.post(f"/manage/events/forum/certificates/{forum['ids']['Adams']}.pdf")
    assert response.status_code == 200
    assert len(page_texts(response.data)) == 1
    assert "ZoëAdams" in one_line(page_texts(response.data)[0])
    missing = manager.post(f"/manage/events/forum/certificates/{forum['ids']['Arrived']}.pdf")
    assert missing.status_code == 404


def test_downloads_need_the_csrf_token(sign_in, app, client, forum):
    sign_in("manager@example.org")
    assert client.post("/manage/events/forum/certificates/all.pdf").status_code == 400


def test_e_mail_to_everyone_sends_each_their_own_pdf(sign_in, app, client, forum, smtp):
    manager = sign_in("manager@example.org")
    response = manager.post("/manage/events/forum/certificates/send")
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    page = client.get(response.headers["Location"]).text
    assert "Done: 4 of 4." in page
    assert "<dt>E-mails queued for delivery</dt><dd>3</dd>" in page
    assert "<dt>Without an e-mail address</dt><dd>1</dd>" in page
    by_address = {m["To"].addresses[0].addr_spec: m for m in smtp.messages}
    assert set(by_address) == {"nino@example.org", "zoe@example.org", "mallory@example.org"}
    for address, family in (
        ("nino@example.org", "ბერიძე"),
        ("zoe@example.org", "Adams"),
        ("mallory@example.org", "Mallory"),
    ):
        message = by_address[address]
        assert message["Subject"] == "Your certificate of attendance: Forum 2030"
        [attachment] = list(message.iter_attachments())
        assert attachment.get_content_type() == "application/pdf"
        pdf = attachment.get_content()
        [text] = page_texts(pdf)
        assert family in text
        code = certificates.format_code(code_of(app, forum["ids"][family]))
        assert code in one_line(text)
        assert code in message.get_body(("plain",)).get_content()
        assert f"/verify/{code}" in message.get_body(("html",)).get_content()
    with app.app_context():
        kinds = db.session.scalars(select(MailRecord.kind)).all()
    assert kinds == ["certificate"] * 3


def test_e_mailing_everyone_again_sends_only_what_is_missing(sign_in, app, client, forum, smtp):
    manager = sign_in("manager@example.org")
    manager.post("/manage/events/forum/certificates/send")
    assert len(smtp.messages) == 3
    again = manager.post("/manage/events/forum/certificates/send", follow_redirects=True)
    assert "<dt>Sent before: not sent again</dt><dd>3</dd>" in again.text
    assert "<dt>E-mails queued for delivery</dt><dd>0</dd>" in again.text
    assert len(smtp.messages) == 3


def test_a_time_budget_leaves_the_rest_for_the_next_round(app, forum, smtp):
    with app.app_context(), app.test_request_context():
        event = db.session.scalar(select(Event).where(Event.slug == "forum"))
        first = mailing.send_certificates(event, seconds=0)  # time for one message only
        assert (first.delivered, first.remaining) == (1, 2)
        second = mailing.send_certificates(event)
        assert (second.delivered, second.already, second.remaining) == (2, 1, 0)
    assert sorted(m["To"].addresses[0].addr_spec for m in smtp.messages) == sorted(
        ["nino@example.org", "zoe@example.org", "mallory@example.org"]
    )


def test_the_command_e_mails_everyone_not_sent_theirs(app, runner, forum, smtp):
    result = runner.invoke(args=["certificates", "forum", "--email"])
    assert result.exit_code == 0, result.output
    assert "E-mailed 3, failed 0, sent before 0, without an address 1." in result.output
    result = runner.invoke(args=["certificates", "forum", "--email"])
    assert "E-mailed 0, failed 0, sent before 3" in result.output
    assert len(smtp.messages) == 3
    assert runner.invoke(args=["certificates", "forum"]).exit_code == 2


def test_e_mail_to_one_person(sign_in, app, client, forum, smtp):
    manager = sign_in("manager@example.org")
    response = manager.post(f"/manage/events/forum/certificates/{forum['ids']['Adams']}/send")
    assert response.status_code == 302
    [message] = smtp.messages
    assert message["To"].addresses[0].addr_spec == "zoe@example.org"
    missing = manager.post(f"/manage/events/forum/certificates/{forum['ids']['Arrived']}/send")
    assert missing.status_code == 404
    assert len(smtp.messages) == 1


@pytest.mark.parametrize("email", ["door@example.org", "outsider@example.org"])
def test_volunteers_and_other_events_organisers_get_403(sign_in, app, client, forum, email):
    person = sign_in(email)
    adams = forum["ids"]["Adams"]
    assert client.get("/manage/events/forum/certificates").status_code == 403
    for url in ("all.pdf", f"{adams}.pdf", "send", f"{adams}/send"):
        response = person.post(f"/manage/events/forum/certificates/{url}")
        assert response.status_code == 403, url


def test_anonymous_visitors_are_sent_to_sign_in(client, forum):
    response = client.get("/manage/events/forum/certificates")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_the_command_writes_one_file_per_person_or_all_in_one(app, runner, forum, tmp_path):
    result = runner.invoke(args=["certificates", "forum", "--out", str(tmp_path / "each")])
    assert result.exit_code == 0, result.output
    files = sorted((tmp_path / "each").glob("*.pdf"))
    assert len(files) == 4
    assert all(len(page_texts(f.read_bytes())) == 1 for f in files)
    result = runner.invoke(args=["certificates", "forum", "--out", str(tmp_path / "all.pdf")])
    assert result.exit_code == 0, result.output
    assert len(page_texts((tmp_path / "all.pdf").read_bytes())) == 4


# --- The participant's page ---------------------------------------------------------------


def test_the_participant_downloads_their_certificate_once_checked_in(app, client, forum):
    token = forum["tokens"]["Arrived"]
    assert "certificate of attendance" not in client.get(f"/r/{token}").text
    assert client.get(f"/r/{token}/certificate.pdf").status_code == 404
    with app.app_context():
        db.session.get(Registration, forum["ids"]["Arrived"]).checked_in_at = utcnow()
        db.session.commit()
    page = client.get(f"/r/{token}").text
    assert f'href="/r/{token}/certificate.pdf"' in page
    assert "Download your certificate of attendance" in page
    response = client.get(f"/r/{token}/certificate.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    [text] = page_texts(response.data)
    assert "NotArrived" in one_line(text)
    assert code_of(app, forum["ids"]["Arrived"]) is not None
    assert client.get(f"/r/{token}x/certificate.pdf").status_code == 404


# --- Public verification ------------------------------------------------------------------


def issue(app, forum, family: str) -> str:
    with app.app_context():
        code = certificates.ensure_code(db.session.get(Registration, forum["ids"][family]))
        db.session.commit()
        return certificates.format_code(code)


def test_a_valid_code_shows_the_name_and_event_and_nothing_else(app, client, forum):
    code = issue(app, forum, "ბერიძე")
    for typed in (code, code.lower(), code.replace("-", "")):
        response = client.get(f"/verify/{typed}")
        assert response.status_code == 200, typed
        assert "Genuine certificate" in response.text
        assert "ნინო ბერიძე" in response.text
        assert "Forum 2030" in response.text
        assert "14 May 2030" in response.text
        assert "nino@example.org" not in response.text
        assert "საქართველოს შსს" not in response.text
    assert '<meta name="robots" content="noindex">' in response.text


def test_a_hostile_name_is_escaped_on_the_verify_page(app, client, forum):
    code = issue(app, forum, "Mallory")
    response = client.get(f"/verify/{code}")
    assert "&lt;img src=file:///etc/passwd&gt;" in response.text
    assert HOSTILE not in response.text


@pytest.mark.parametrize("typed", ["ABCD-EFGH-JKMN-PQRS", "nonsense", "%3Cscript%3E"])
def test_an_unknown_code_is_a_404_that_says_so(client, forum, typed):
    response = client.get(f"/verify/{typed}")
    assert response.status_code == 404
    assert "No certificate has this code" in response.text


def test_the_code_form_leads_to_the_verify_page(app, client, forum):
    assert 'for="code"' in client.get("/verify").text
    code = issue(app, forum, "Adams")
    response = client.get("/verify", query_string={"code": code.lower()})
    assert response.status_code == 302
    assert client.get(response.headers["Location"]).status_code == 200


def test_an_undone_check_in_or_erased_data_withdraws_the_certificate(app, client, forum):
    adams, nino = issue(app, forum, "Adams"), issue(app, forum, "ბერიძე")
    with app.app_context():
        door = db.session.scalar(select(User).where(User.email == "door@example.org"))
        registration = db.session.get(Registration, forum["ids"]["Adams"])
        result = checkin.undo(registration.event, registration.checkin_code, door)
        assert result.outcome == checkin.Outcome.UNDONE
        db.session.commit()
        # The participant erases their data: cancelled, then anonymised.
        services.cancel(db.session.get(Registration, forum["ids"]["ბერიძე"]))
        services.anonymise(db.session.get(Registration, forum["ids"]["ბერიძე"]))
        db.session.commit()
        assert db.session.get(Registration, forum["ids"]["ბერიძე"]).status == Status.CANCELLED
    assert client.get(f"/verify/{adams}").status_code == 404
    assert client.get(f"/verify/{nino}").status_code == 404


def test_a_large_event_gets_all_certificates_from_a_job(sign_in, app, client, forum, tmp_path):
    app.config["CERTIFICATE_JOB_ABOVE"] = 3  # 4 people checked in
    manager = sign_in("manager@example.org")
    assert "made in the background" in client.get("/manage/events/forum/certificates").text
    response = manager.post("/manage/events/forum/certificates/all.pdf")
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    page = client.get(response.headers["Location"]).text
    assert "Done: 4 of 4." in page and "Download certificates-forum.pdf" in page
    pdf = client.get(response.headers["Location"] + "/result")
    assert pdf.headers["Content-Disposition"] == 'attachment; filename="certificates-forum.pdf"'
    texts = page_texts(pdf.data)
    assert len(texts) == 4 and "ბერიძე" in "".join(texts)
    assert pdfinfo(pdf.data, tmp_path)["Tagged"] == "yes"
    assert catalog(pdf.data)["pdfua"] == "1" and catalog(pdf.data)["pdfa"] == "3A"
