"""An organiser resends a failed e-mail in a real browser, once the mail server is back:
from the desk's "Resend all failed" and from the registration's page; both pages pass
axe-core with the failed e-mails shown."""

from playwright.sync_api import Page, expect
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.mail import records as emails
from eventapp.models import MailRecord, MailStatus, User, UserRole

from ..factories import make_event, make_registration
from ..test_mail_records import MailServer
from .conftest import axe_violations, sign_in_page


def test_organiser_resends_failed_e_mails(page: Page, app, live_server, make_user):
    server = MailServer(app)  # down for now
    user_id = make_user("organiser@example.org", UserRole.ORGANISER)
    with app.test_request_context():
        event = make_event(title="Migration Dialogue Forum")
        event.managers.append(db.session.get(User, user_id))
        nino = make_registration(
            event, given_name="Nino", family_name="Beridze", email="nino@example.org"
        )
        ana = make_registration(
            event, given_name="Ana", family_name="Ribeiro", email="ana@example.org"
        )
        db.session.commit()
        emails.send_confirmation(nino)
        emails.send_confirmation(ana)
        slug, nino_id = event.slug, nino.id
    try:
        sign_in_page(page, live_server, "organiser@example.org")
        page.goto(f"{live_server}/manage/events/{slug}/registrations/{nino_id}")
        mails = page.locator("#mails")
        expect(mails).to_contain_text("Failed")
        expect(mails).to_contain_text("ConnectionRefusedError")
        assert axe_violations(page) == []
        server.start()
        page.get_by_role("button", name="Resend").click()
        expect(page.get_by_text("E-mail sent again to nino@example.org.")).to_be_visible()
        expect(mails).to_contain_text("Sent")
        expect(page.get_by_role("button", name="Resend")).to_have_count(0)

        server.stop()
        page.goto(f"{live_server}/manage/events/{slug}/registrations")
        expect(page.locator('[data-count="failed-mails"]')).to_have_text("1")
        assert axe_violations(page) == []
        server.start()
        page.get_by_role("button", name="Resend all failed").click()
        expect(page.get_by_text("1 e-mail sent again.")).to_be_visible()
        expect(page.locator('[data-count="failed-mails"]')).to_have_count(0)
    finally:
        server.stop()
    assert sorted(m["To"].addresses[0].addr_spec for m in server.messages) == [
        "ana@example.org",
        "nino@example.org",
    ]
    with app.app_context():
        assert set(db.session.scalars(select(MailRecord.status))) == {MailStatus.SENT}
