"""Signing, confirming and withdrawing, each a transaction the view commits once."""

from datetime import UTC, datetime
from enum import StrEnum

from flask import render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from app.countries.services import today
from app.extensions import db
from app.i18n import languages
from app.outbox.services import enqueue
from app.petitions import tokens
from app.petitions.models import VISIBLE, Drive, Signature, SignatureState

MAX_CONFIRMATION_SENDS = 3


def visible_drive(slug):
    """The drive the public may see under `slug`, or None."""
    return db.session.scalar(select(Drive).where(Drive.slug == slug, Drive.state.in_(VISIBLE)))


def open_drive(iso2, day):
    """The country's drive that can be signed today, if any."""
    drives = db.session.scalars(select(Drive).where(Drive.iso2 == iso2, Drive.state == "open"))
    return next((d for d in drives if d.signable_on(day)), None)


def email_key(address):
    """What makes two addresses the same person's: case does not count."""
    return address.casefold()


def sign(drive, data, tag):
    """Store an unconfirmed signature with its confirmation mail, or re-send to a known address."""
    existing = db.session.scalar(
        select(Signature).where(Signature.drive_id == drive.id, Signature.email_key == email_key(data["email"]))
    )
    if existing is not None:
        return resend(existing, drive)
    signature = Signature(
        drive_id=drive.id, name=data["name"], email=data["email"], email_key=email_key(data["email"]),
        residence=data["residence"], region=data["region"] or "", locale=tag,
        consent_updates=data["consent_updates"],
    )
    db.session.add(signature)
    db.session.flush()  # the id goes into the links of the mail
    queue_confirmation(signature, drive)


def resend(signature, drive):
    """Send the confirmation again, a few times at most, and only while it is still needed."""
    if signature.state != SignatureState.PENDING:
        return
    bumped = db.session.execute(
        update(Signature)
        .where(Signature.id == signature.id, Signature.confirmation_sends < MAX_CONFIRMATION_SENDS)
        .values(confirmation_sends=Signature.confirmation_sends + 1)
    ).rowcount
    if bumped:
        queue_confirmation(signature, drive)


def queue_confirmation(signature, drive):
    """Render the confirmation mail in the signer's language and put it in the outbox."""
    tag = signature.locale
    links = {purpose: url_for(f"petitions.{purpose}", lang_code=tag, token=tokens.make(signature.id, purpose),
                              _external=True)
             for purpose in (tokens.CONFIRM, tokens.WITHDRAW, tokens.UNSUBSCRIBE)}
    with force_locale(languages()[tag]):
        context = {"signature": signature, "text": drive.text(tag), "links": links}
        subject = _("Please confirm your signature: %(title)s", title=context["text"].title)
        enqueue("confirmation", signature.email, subject,
                render_template("mail/confirm.txt", **context), render_template("mail/confirm.html", **context))


class Confirmation(StrEnum):
    CONFIRMED = "confirmed"
    ALREADY = "already"
    CLOSED = "closed"
    UNKNOWN = "unknown"


def confirm(signature_id):
    """Count a signature once; confirming twice is harmless; closed drives count no more."""
    signature = db.session.get(Signature, signature_id)
    if signature is None:
        return Confirmation.UNKNOWN, None
    drive = db.session.get(Drive, signature.drive_id)
    if signature.state == SignatureState.CONFIRMED:
        return Confirmation.ALREADY, drive
    if not drive.signable_on(today()):
        return Confirmation.CLOSED, drive
    # Only the transaction that moves the row from pending counts it.
    moved = db.session.execute(
        update(Signature)
        .where(Signature.id == signature_id, Signature.state == SignatureState.PENDING)
        .values(state=SignatureState.CONFIRMED, confirmed_at=datetime.now(UTC))
    ).rowcount
    if moved:
        adjust_count(drive.id, +1)
    return (Confirmation.CONFIRMED if moved else Confirmation.ALREADY), drive


def adjust_count(drive_id, step):
    db.session.execute(
        update(Drive).where(Drive.id == drive_id).values(confirmed_count=Drive.confirmed_count + step)
    )


def withdraw(signature_id):
    """Delete the signature and everything it holds; uncount it if it was counted."""
    removed = db.session.execute(
        delete(Signature).where(Signature.id == signature_id).returning(Signature.drive_id, Signature.state)
    ).first()
    if removed is not None and removed.state == SignatureState.CONFIRMED:
        adjust_count(removed.drive_id, -1)
    return removed is not None


def unsubscribe(signature_id):
    """Stop campaign updates to this signer; the signature stays."""
    db.session.execute(update(Signature).where(Signature.id == signature_id).values(consent_updates=False))
