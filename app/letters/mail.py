"""The mail that asks a letter's writer to confirm their address, written by the outbox worker."""

from flask_babel import force_locale
from flask_babel import gettext as _

from app import tokens
from app.extensions import db
from app.i18n import languages
from app.keys import email_key
from app.letters.models import Letter
from app.outbox.services import Mail, render_mail, writes
from app.petitions.models import Drive
from app.urls import public_url


@writes("letter-confirmation")
def letter_confirmation(message):
    """The link and neutral text, in the writer's language; never the writer's name or words
    (the address is not proven yet: the page behind the link shows them).

    None when the letter is gone (erased, or its drive deleted), or its id now belongs to
    someone else's.
    """
    letter = db.session.get(Letter, message.about_id)
    if letter is None or letter.email_key != email_key(message.recipient):
        return None
    drive = db.session.get(Drive, letter.drive_id)
    if drive is None:
        return None
    link = public_url("letters.confirm", lang_code=letter.locale, token=tokens.make(letter, tokens.LETTER))
    with force_locale(languages()[letter.locale]):
        text = drive.text(letter.locale)
        subject = _("Please confirm your letter: %(title)s", title=text.title)
        return Mail(subject, render_mail("mail/confirm_letter.txt", text=text, link=link,
                                         count=len(letter.legislator_ids)))
