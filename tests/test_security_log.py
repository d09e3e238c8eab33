"""The security log (auth/audit.py): what is recorded, over real HTTP, and who reads it."""

import re

from eventapp.auth import audit
from eventapp.extensions import db
from eventapp.models import User, UserRole

from .conftest import PASSWORD
from .webclient import WebClient

STRONG = "plum orbit kettle sandstone"


def rows(html: str) -> list[list[str]]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_sign_ins_and_account_changes_are_shown_to_admins(live_server, make_user):
    make_user("admin@example.org", UserRole.ADMIN)
    user_id = make_user("organiser@example.org")
    WebClient(live_server).login("organiser@example.org", "guess")
    WebClient(live_server).login("nobody@example.org", "guess")
    organiser = WebClient(live_server)
    organiser.login("organiser@example.org", PASSWORD)
    organiser.submit(
        "/account/password", {"current_password": PASSWORD, "password": STRONG, "confirm": STRONG}
    )
    organiser.logout()
    admin = WebClient(live_server)
    admin.login("admin@example.org", PASSWORD)
    users = admin.get("/manage/users")
    assert 'href="/manage/security-log"' in users.text
    admin.submit(f"/manage/users/{user_id}", {"role": "checkin"}, page="/manage/users")
    admin.submit(f"/manage/users/{user_id}", {"active": "0"}, page="/manage/users")

    page = admin.get("/manage/security-log")
    assert page.status == 200
    found = [
        (what, account, by, detail) for _when, what, account, by, ip, detail in rows(page.text)
    ]
    assert found == [
        ("Deactivated", "organiser@example.org", "admin@example.org", ""),
        ("Role changed", "organiser@example.org", "admin@example.org", "organiser -&gt; checkin"),
        ("Signed in", "admin@example.org", "", ""),
        ("Signed out", "organiser@example.org", "", ""),
        ("Password changed", "organiser@example.org", "", ""),
        ("Signed in", "organiser@example.org", "", ""),
        ("Failed sign-in", "—", "", "nobody@example.org"),
        ("Failed sign-in", "organiser@example.org", "", "organiser@example.org"),
    ]
    assert {row[4] for row in rows(page.text)} == {"127.0.0.1"}


def test_only_admins_read_the_security_log(live_server, make_user):
    make_user("organiser@example.org")
    make_user("door@example.org", UserRole.CHECKIN)
    assert (
        WebClient(live_server).get("/manage/security-log").location
        == "/login?next=%2Fmanage%2Fsecurity-log"
    )
    for email in ("organiser@example.org", "door@example.org"):
        client = WebClient(live_server)
        client.login(email, PASSWORD)
        assert client.get("/manage/security-log").status == 403


def test_the_log_is_paged_newest_first(app, live_server, make_user):
    admin_id = make_user("admin@example.org", UserRole.ADMIN)
    with app.test_request_context():
        user = db.session.get(User, admin_id)
        for n in range(audit.PAGE_SIZE + 5):
            audit.record("sign_in_failed", user=user, detail=f"attempt {n}")
        db.session.commit()
    admin = WebClient(live_server)
    admin.login("admin@example.org", PASSWORD)
    first = rows(admin.get("/manage/security-log").text)
    assert len(first) == audit.PAGE_SIZE
    assert first[0][1] == "Signed in" and first[1][5] == f"attempt {audit.PAGE_SIZE + 4}"
    assert 'href="/manage/security-log?page=2"' in admin.get("/manage/security-log").text
    second = rows(admin.get("/manage/security-log?page=2").text)
    # 106 events: the sign-in and attempts 104 to 6 on the first page.
    assert [row[5] for row in second] == [f"attempt {n}" for n in range(5, -1, -1)]
