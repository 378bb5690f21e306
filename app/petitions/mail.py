"""The mail signing sends, written by the outbox worker when it sends it, in the signer's language."""

from flask_babel import force_locale
from flask_babel import gettext as _

from app import tokens
from app.extensions import db
from app.i18n import languages
from app.keys import email_key
from app.outbox.services import Mail, render_mail, writes
from app.petitions.models import Drive, Signature
from app.urls import public_url


@writes("confirmation")
def confirmation(message):
    """The link to confirm a signature, and the links to withdraw it, to stop updates and to leave the name off
    the list handed to parliament (or put it back).

    None when the signature is gone (withdrawn or erased), or its id now belongs to someone
    else's: then there is nothing to send.
    """
    signature = db.session.get(Signature, message.about_id)
    if signature is None or signature.email_key != email_key(message.recipient):
        return None
    tag = signature.locale
    links = {purpose: public_url(f"petitions.{purpose}", lang_code=tag, token=tokens.make(signature, purpose))
             for purpose in (tokens.CONFIRM, tokens.WITHDRAW, tokens.UNSUBSCRIBE, tokens.NAMING)}
    with force_locale(languages()[tag]):
        context = {"signature": signature, "text": db.session.get(Drive, signature.drive_id).text(tag),
                   "links": links}
        subject = _("Please confirm your signature: %(title)s", title=context["text"].title)
        return Mail(subject, render_mail("mail/confirm.txt", **context), render_mail("mail/confirm.html", **context),
                    unsubscribe_url=links[tokens.UNSUBSCRIBE])
