"""An organiser e-mails the participants in English and French by keyboard alone: the
recipient count follows the filters as they change, the preview shows a French
participant's copy, "send now" gives each person one e-mail in their language; the
pages pass axe-core."""

from playwright.sync_api import Page, expect

from eventapp.extensions import db
from eventapp.models import Status, User, UserRole

from ..factories import make_event, make_registration
from .conftest import GEORGIAN, axe_violations, sign_in_page


def test_organiser_writes_previews_and_sends_a_message_by_keyboard(
    page: Page, app, live_server, make_user, smtp
):
    user_id = make_user("organiser@example.org", UserRole.ORGANISER)
    with app.app_context():
        event = make_event(
            slug="mieux", title="MIEUX Impact Event", venue_name="Maison du Dialogue"
        )
        event.managers.append(db.session.get(User, user_id))
        make_registration(event, given_name=GEORGIAN, country="GE", email="natia@example.org")
        make_registration(
            event, given_name="Айгүл", country="KG", language="fr", email="aigul@example.org"
        )
        make_registration(event, given_name="Wanda", status=Status.WAITLISTED, country="MX")
        db.session.commit()
    sign_in_page(page, live_server, "organiser@example.org")
    page.goto(f"{live_server}/manage/events/mieux/messages")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Write a message").focus()
    # The count script is deferred: wait for the page's load so that it listens before the
    # first change (acting earlier changed the filter before it did, and the count stayed).
    with page.expect_navigation(wait_until="load"):
        page.keyboard.press("Enter")

    count = page.locator("#recipient-count")
    expect(count).to_have_text("2 people will receive it.")
    page.get_by_label("Status").focus()
    page.keyboard.press("Home")  # "Any": the waiting list too
    expect(count).to_have_text("3 people will receive it.")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # Confirmed
    expect(count).to_have_text("2 people will receive it.")
    for label, text in (
        ("Subject (English)", "Practical information for {given_name}"),
        ("Message (English)", "Dear {given_name},\n\nSee you at **{venue}**.\n\n{ticket}"),
        ("Subject (français)", "Informations pratiques pour {given_name}"),
        ("Message (français)", "Bonjour {given_name},\n\nÀ bientôt à **{venue}**."),
    ):
        page.get_by_label(label).focus()
        page.keyboard.type(text)
    assert axe_violations(page) == []
    page.get_by_role("button", name="Save and preview").focus()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Practical information for {given_name}"
    )
    expect(page.locator("#preview-subject")).to_have_text(f"Practical information for {GEORGIAN}")
    assert axe_violations(page) == []
    page.get_by_label("As received by").focus()
    page.keyboard.press("ArrowDown")
    page.get_by_role("button", name="Show").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#preview-subject")).to_have_text("Informations pratiques pour Айгүл")
    expect(page.locator("#preview-html")).to_contain_text("À bientôt à Maison du Dialogue.")

    page.get_by_role("button", name="Send now to 2 people").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Sending to 2 people.")).to_be_visible()
    received = {m["To"].addresses[0].addr_spec: m["Subject"] for m in smtp.wait_for(2)}
    assert received == {
        "natia@example.org": f"Practical information for {GEORGIAN}",
        "aigul@example.org": "Informations pratiques pour Айгүл",
    }
    page.reload()
    expect(page.locator("#progress")).to_have_text("2 recipients · 0 waiting · 2 sent · 0 failed")
    assert axe_violations(page) == []


def test_the_progress_fills_without_reloading_and_a_draft_is_deleted(
    page: Page, app, live_server, make_user, smtp, tmp_path
):
    """The bar and counts of a message being sent follow its copies as the worker
    delivers them, with no reload; a draft is deleted after the browser's confirmation."""
    from eventapp.mail import organiser_messages as services
    from eventapp.models import OrganiserMessage

    user_id = make_user("organiser@example.org", UserRole.ORGANISER)
    with app.app_context():
        event = make_event(slug="mieux", title="MIEUX Impact Event")
        event.managers.append(db.session.get(User, user_id))
        make_registration(event, given_name=GEORGIAN, email="natia@example.org")
        make_registration(event, given_name="Айгүл", language="fr", email="aigul@example.org")
        ids = []
        for subject in ("Practical information", "Draft to delete"):
            message = services.new_message(event, None)
            services.save(message, {"en": (subject, "Dear {given_name},")}, {"status": "confirmed"})
            db.session.flush()
            ids.append(message.id)
        services.start(db.session.get(OrganiserMessage, ids[0]))  # the task comes later
        db.session.commit()
    sign_in_page(page, live_server, "organiser@example.org")
    page.goto(f"{live_server}/manage/events/mieux/messages/{ids[0]}")
    progress = page.locator("#progress")
    expect(progress).to_have_text("2 recipients · 0 waiting · 0 sent · 0 failed")
    expect(page.locator("#message-status")).to_have_text("Being sent")
    expect(page.get_by_role("link", name="Refresh")).to_be_visible()
    assert axe_violations(page) == []
    with app.app_context():
        assert services.queue_batch(ids[0]) is False  # the worker's batch: both delivered
    smtp.wait_for(2)
    expect(progress).to_have_text("2 recipients · 0 waiting · 2 sent · 0 failed")
    expect(page.locator("#message-status")).to_have_text("Sent")  # no reload either
    expect(page.get_by_role("link", name="Refresh")).to_be_hidden()
    assert page.locator("progress").evaluate("bar => [bar.value, bar.max]") == [2, 2]
    page.screenshot(path=str(tmp_path / "message-progress.png"), full_page=True)

    page.goto(f"{live_server}/manage/events/mieux/messages/{ids[1]}")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Delete the draft").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Draft deleted.")).to_be_visible()
    assert asked == ["Delete this draft? It cannot be undone."]
    assert "Draft to delete" not in page.content()
    assert axe_violations(page) == []
