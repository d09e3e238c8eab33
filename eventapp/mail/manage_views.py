"""Participants' e-mails on the organiser pages: resend a failed one from a registration's
page, or every failed one of the event from the desk (queued again for the worker)."""

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from eventapp.auth.access import get_managed_event_or_404, organiser_required
from eventapp.extensions import db
from eventapp.mail import resend
from eventapp.models import MailRecord, MailStatus
from eventapp.registration.manage_views import get_registration_or_404
from eventapp.web.blueprints import manage as bp


@bp.post("/events/<slug>/registrations/<int:registration_id>/mail/resend")
@organiser_required
def resend_mail(slug: str, registration_id: int):
    """Queue a failed e-mail (form field mail_id) again, rebuilt with the current link."""
    event = get_managed_event_or_404(slug)
    registration = get_registration_or_404(event, registration_id)
    mail_id = request.form.get("mail_id", "")
    mail = db.session.get(MailRecord, int(mail_id)) if mail_id.isdigit() else None
    if mail is None or mail.registration_id != registration.id:
        abort(404)
    here = url_for(".registration", slug=slug, registration_id=registration_id, _anchor="mail")
    try:
        status = resend.resend(mail)
    except resend.CannotResend as exc:
        flash(str(exc), "error")
        return redirect(here)
    if status == MailStatus.FAILED:
        flash(
            _("The e-mail could not be sent this time either: %(error)s", error=mail.error), "error"
        )
    elif status in (MailStatus.SENT, MailStatus.WRITTEN):
        flash(_("E-mail sent again to %(email)s.", email=mail.recipient), "info")
    else:
        flash(_("E-mail to %(email)s queued to be sent again.", email=mail.recipient), "info")
    return redirect(here)


@bp.post("/events/<slug>/registrations/mail/resend-failed")
@organiser_required
def resend_failed_mail(slug: str):
    """Queue every failed e-mail of the event again (after the mail server was down)."""
    event = get_managed_event_or_404(slug)
    result = resend.resend_failed(event)
    if result.queued:
        flash(
            ngettext(
                "%(num)d e-mail queued to be sent again.",
                "%(num)d e-mails queued to be sent again.",
                result.queued,
            ),
            "info",
        )
    if result.delivered or not (result.failed or result.queued):
        flash(
            ngettext("%(num)d e-mail sent again.", "%(num)d e-mails sent again.", result.delivered),
            "info",
        )
    if result.failed:
        flash(
            ngettext(
                "%(num)d e-mail could not be sent again: is the mail server reachable?",
                "%(num)d e-mails could not be sent again: is the mail server reachable?",
                result.failed,
            ),
            "error",
        )
    return redirect(url_for(".registrations", slug=slug))
