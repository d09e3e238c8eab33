"""Public certificate pages: checking a code from a paper certificate, and the
participant's own certificate from their personal link."""

from babel.dates import format_date
from flask import Response, abort, redirect, render_template, request, url_for

from eventapp.certificates import services as certificates
from eventapp.core.i18n import format_locale
from eventapp.extensions import db
from eventapp.registration import selfservice
from eventapp.travel import visa_letters
from eventapp.web.blueprints import public as bp
from eventapp.web.blueprints import registration as registration_bp


@bp.get("/verify")
def verify_form():
    """Where a code typed from a paper certificate is checked (goes on to verify)."""
    code = request.args.get("code", "").strip()
    if code:
        return redirect(url_for(".verify", code=code[:64]))
    return render_template("certificates/verify.html", registration=None, code="")


@bp.get("/verify/<code>")
def verify(code: str):
    """Whether a certificate of attendance is genuine: its holder's name and the event,
    nothing else about them; 404 for an unknown code, an undone check-in or erased data."""
    registration = certificates.find_by_code(code)
    if registration is None:
        # Visa invitation letters carry codes of the same kind, checked on the same page.
        letter = visa_letters.find_by_code(code)
        if letter is not None:
            return render_template(
                "travel/verify_letter.html",
                letter=letter,
                withdrawn=visa_letters.is_withdrawn(letter),
                first=format_date(letter.stay_from, "long", locale=format_locale()),
                last=format_date(letter.stay_until, "long", locale=format_locale()),
                code=code,
            )
        return render_template("certificates/verify.html", registration=None, code=code), 404
    return render_template(
        "certificates/verify.html",
        registration=registration,
        code=code,
        attended=registration.event,
    )


@registration_bp.get("/r/<token>/certificate.pdf")
def certificate(token: str):
    """The person's certificate of attendance (PDF), once they were checked in."""
    registration = selfservice.find_by_token(token)
    if registration is None or not certificates.is_valid(registration):
        abort(404)
    pdf = certificates.render_certificates(registration.event, [registration])
    name = certificates.file_name(registration.event, registration)
    db.session.commit()  # the verification code, made with the first certificate
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )
