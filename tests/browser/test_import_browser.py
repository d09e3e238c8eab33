"""An organiser imports in a real browser: a workbook built to exhaust the server gets a
message next to the file field, and a preview can be cancelled, leaving no file behind."""

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from eventapp.extensions import db
from eventapp.models import Registration, User, UserRole
from eventapp.registration.spreadsheets import imports_folder

from ..factories import make_event
from ..test_import_limits import one_huge_cell
from .conftest import sign_in_page


def test_organiser_is_told_why_a_file_is_refused_and_cancels_a_preview(
    page: Page, app, live_server, make_user, tmp_path
):
    user_id = make_user("organiser@example.org", UserRole.ORGANISER)
    with app.app_context():
        event = make_event(title="Migration Dialogue Forum")
        event.managers.append(db.session.get(User, user_id))
        db.session.commit()
        slug, folder = event.slug, str(event.id)
    huge = tmp_path / "people.xlsx"
    huge.write_bytes(one_huge_cell(40))
    people = tmp_path / "people.csv"
    people.write_text("Given name,Family name,E-mail\nAna,Ribeiro,ana@example.pt\n")

    sign_in_page(page, live_server, "organiser@example.org")
    page.goto(f"{live_server}/manage/events/{slug}/registrations/import")
    expect(page.locator("#import-limits")).to_contain_text("At most 10000 rows")

    page.get_by_label("CSV or XLSX file").set_input_files(huge)
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.locator("#file-error")).to_have_text(
        "Row 2 has a cell longer than 10000 characters."
    )
    expect(page.get_by_label("CSV or XLSX file")).to_have_attribute("aria-invalid", "true")

    page.get_by_label("CSV or XLSX file").set_input_files(people)
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.locator("#import-summary")).to_have_text("1 rows; 1 ready; 0 with errors.")
    with app.test_request_context():
        assert len(list((imports_folder() / folder).glob("*.*"))) == 1
    page.get_by_role("button", name="Cancel the import").click()
    expect(page.get_by_text("Import cancelled: nothing was imported.")).to_be_visible()
    with app.test_request_context():
        assert list((imports_folder() / folder).glob("*.*")) == []
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 0
