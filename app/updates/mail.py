"""An update's mail, written by the outbox worker when it sends it, in its reader's language."""

from flask_babel import force_locale, format_date, format_decimal, ngettext
from flask_babel import gettext as _

from app import tokens
from app.extensions import db
from app.i18n import languages
from app.keys import email_key
from app.outbox.services import Mail, render_mail, writes
from app.petitions.models import Drive, Signature, SignatureState
from app.updates.models import Outcome, Update, UpdateKind
from app.updates.publishing import TEST_MAIL, UPDATE_MAIL
from app.urls import public_url

TEST_TOKEN = "test-link-does-nothing"  # a staff member's test: links that name no signature (a 404)


@writes(UPDATE_MAIL)
def update_mail(message):
    """The update for one signer, with the links to stop updates and to withdraw the signature.

    None when the signer can no longer want it: the signature is gone, unconfirmed, no longer
    consenting (unsubscribed after the mail was queued), or its id now names someone else's.
    """
    signature = db.session.get(Signature, message.about_id)
    update = db.session.get(Update, message.update_id)
    if (signature is None or update is None or signature.drive_id != update.drive_id
            or signature.state != SignatureState.CONFIRMED or not signature.consent_updates
            or signature.email_key != email_key(message.recipient)):
        return None
    links = {purpose: public_url(f"petitions.{purpose}", lang_code=signature.locale,
                                 token=tokens.make(signature, purpose))
             for purpose in (tokens.WITHDRAW, tokens.UNSUBSCRIBE)}
    return written(update, signature.locale, links)


@writes(TEST_MAIL)
def test_mail(message):
    """The same mail for a member of staff (about_id names the update), its links naming no signature."""
    update = db.session.get(Update, message.about_id)
    if update is None:
        return None
    links = {purpose: public_url(f"petitions.{purpose}", lang_code=message.locale, token=TEST_TOKEN)
             for purpose in (tokens.WITHDRAW, tokens.UNSUBSCRIBE)}
    return written(update, message.locale, links, test=True)


def written(update, tag, links, test=False):
    """Subject and bodies in `tag` (the update's text in it, else in the drive's main language)."""
    drive = db.session.get(Drive, update.drive_id)
    text = update.text(tag, drive.main_locale)
    links["page"] = public_url("petitions.drive", lang_code=tag, slug=drive.slug) + f"#update-{update.id}"
    with force_locale(languages()[tag]):
        context = {"update": update, "text": text, "tag": tag, "links": links, "test": test, "facts": facts(update),
                   "drive_title": drive.text(tag).title if drive.text(tag) else drive.slug}
        subject = _("Test: %(title)s", title=text.title) if test else text.title
        return Mail(subject, render_mail("mail/update.txt", **context), render_mail("mail/update.html", **context),
                    unsubscribe_url=links[tokens.UNSUBSCRIBE])


def facts(update):
    """A milestone's facts as one sentence in the current language (plain text: each template escapes it)."""
    if update.kind == UpdateKind.HANDED_OVER:
        return ngettext("On %(date)s, %(count)s signature was handed to %(recipient)s.",
                        "On %(date)s, %(count)s signatures were handed to %(recipient)s.", update.signatures_handed,
                        date=format_date(update.happened_on, "long"), count=format_decimal(update.signatures_handed),
                        recipient=update.handed_to)
    if update.kind == UpdateKind.RESPONSE:
        return _("The government's response: %(link)s", link=update.link)
    if update.kind == UpdateKind.DEBATE:
        return _("The debate on %(date)s: %(link)s", date=format_date(update.happened_on, "long"), link=update.link)
    if update.kind == UpdateKind.OUTCOME:
        return {Outcome.WON: lambda: _("The outcome: the campaign was won."),
                Outcome.PARTLY_WON: lambda: _("The outcome: the campaign was partly won."),
                Outcome.LOST: lambda: _("The outcome: the campaign was lost.")}[update.outcome]()
    return None
