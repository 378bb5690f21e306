"""What the privacy notice promises: personal data deleted after a drive, and on request.

`retain` runs after drives close (a daily cron job): RETENTION_MONTHS after a drive's last
day, its signatures are deleted, except those of people who asked for campaign updates
(the notice keeps their name and address until they stop them), the names gathered on paper
are deleted (no one on paper asked for updates; each batch's count and attestation stay), and
its letters are anonymised, so that the drive's counts stay exact. Mail in the outbox keeps no text,
subject or reply address once it is OUTBOX_RETENTION_DAYS old and sent (or given up on).

`erase` removes one person's data on request, on every drive. It finds them by their address,
which a name on paper does not have: one is removed with its batch (see docs/organisers.md).
`export` writes what is held under an address (app.privacy_export), everything `erase` removes.
"""

import io
import os
import sys
import tempfile
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import delete, func, select, update

from app import audit, privacy_export
from app.extensions import db
from app.keys import email_key, keyed_digest
from app.letters.models import Letter, LetterDelivery, LetterState
from app.outbox.models import MessageState, OutboxMessage
from app.petitions.models import Drive, DriveState, PaperSignature, Signature, SignatureState
from app.petitions.services import adjust_count
from app.records import today, utcnow

privacy = AppGroup("privacy", help="Delete personal data as the privacy notice promises, or show a person theirs.")
OUTBOX_RETENTION_DAYS = 30
UNSENT = (MessageState.PENDING, MessageState.SENDING)


@dataclass
class Removed:
    signatures: int = 0
    paper: int = 0  # names gathered on paper
    letters: int = 0
    messages: int = 0


def months_before(day, months):
    """The same day `months` earlier (clamped to the month's length)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def expired_drives(on):
    """Drives whose last day lies RETENTION_MONTHS or more before `on`."""
    limit = months_before(on, current_app.config["RETENTION_MONTHS"])
    return db.session.scalars(select(Drive).where(
        Drive.closes_on.is_not(None), Drive.closes_on < limit,
        Drive.state.in_([DriveState.OPEN, DriveState.CLOSED, DriveState.ARCHIVED]),
    )).all()


def anonymise_letters(where):
    """Letters matching `where` keep their count, nothing of their writer; held ones go."""
    tally = Removed()
    held = select(Letter.id).where(where, Letter.state == LetterState.HELD)
    tally.letters += db.session.execute(delete(Letter).where(Letter.id.in_(held))).rowcount
    released = db.session.scalars(select(Letter).where(where, Letter.state == LetterState.RELEASED)).all()
    for letter in released:
        erased = f"erased-{letter.id}"
        pending = select(LetterDelivery.outbox_id).where(
            LetterDelivery.letter_id == letter.id, LetterDelivery.outbox_id.is_not(None))
        # Not yet sent: it will not be sent in a name that is no longer kept.
        unsent = db.session.scalars(select(OutboxMessage.id).where(
            OutboxMessage.id.in_(pending), OutboxMessage.state.in_(UNSENT))).all()
        db.session.execute(delete(LetterDelivery).where(LetterDelivery.outbox_id.in_(unsent)))
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(unsent)))
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(pending)).values(
            subject="", text="", html=None, reply_to=None))
        db.session.execute(update(LetterDelivery).where(LetterDelivery.letter_id == letter.id).values(
            email_key=erased))
        letter.name = letter.email = letter.region = letter.personal = ""
        letter.email_key = erased
        tally.letters += 1
    return tally


def retain(on=None, dry_run=False):
    """Apply the retention period; returns what was (or, dry, would be) removed, per drive. Never commits."""
    on = on or today()
    report = {}
    for drive in expired_drives(on):
        tally = Removed()
        doomed = (Signature.drive_id == drive.id) & ~Signature.consent_updates
        tally.signatures = db.session.scalar(select(func.count()).select_from(Signature).where(doomed))
        on_paper = PaperSignature.drive_id == drive.id
        tally.paper = db.session.scalar(select(func.count()).select_from(PaperSignature).where(on_paper))
        if not dry_run:
            db.session.execute(delete(Signature).where(doomed))
            db.session.execute(delete(PaperSignature).where(on_paper))
            tally.letters = anonymise_letters(Letter.drive_id == drive.id).letters
        report[drive.slug] = tally
    if not dry_run:
        report["(outbox)"] = Removed(messages=scrub_outbox(utcnow()))
    return report


def scrub_outbox(now):
    """Sent (or abandoned) mail older than OUTBOX_RETENTION_DAYS: confirmations go, letters keep no text."""
    old = OutboxMessage.state.not_in(UNSENT) & (
        OutboxMessage.created_at < now - timedelta(days=OUTBOX_RETENTION_DAYS))
    gone = db.session.execute(delete(OutboxMessage).where(old, OutboxMessage.kind != "letter")).rowcount
    scrubbed = db.session.execute(update(OutboxMessage).where(old, OutboxMessage.kind == "letter", OutboxMessage.text != "")
                                  .values(subject="", text="", html=None, reply_to=None)).rowcount
    return gone + scrubbed


def erase(address):
    """Everything kept about one address, on every drive: signatures uncounted, letters anonymised, mail gone."""
    key = email_key(address)
    tally = Removed()
    for signature in db.session.scalars(select(Signature).where(Signature.email_key == key)).all():
        if signature.state == SignatureState.CONFIRMED:
            adjust_count(signature.drive_id, -1)
        db.session.delete(signature)
        tally.signatures += 1
    tally.letters = anonymise_letters(Letter.email_key == key).letters
    tally.messages = db.session.execute(delete(OutboxMessage).where(privacy_export.to_address(key))).rowcount
    db.session.execute(update(OutboxMessage).where(func.lower(OutboxMessage.reply_to) == key).values(
        subject="", text="", html=None, reply_to=None))
    # Names on paper have no address to find them by (see the module's docstring): not in the count.
    erased = {"signatures": tally.signatures, "letters": tally.letters, "messages": tally.messages}
    audit.record("privacy.erase", person(key), after=erased, actor="command line")
    return tally  # the caller commits: the erasure and its audit entry are one transaction


def person(key):
    """The audit log's name for a person: says that their data was erased or exported, not whose.

    A keyed digest only matches if you know the address (and the site's secret).
    """
    return f"person:{keyed_digest(key, 8)}"


def export(address, out):
    """Write what is held under `address` to the text stream `out` and log that it was. Never commits."""
    key = email_key(address)
    tally = privacy_export.write(address, key, out)
    audit.record("privacy.export", person(key), after=asdict(tally), actor="command line")
    return tally


def checked_address(ctx, param, value):
    """An address as a person could have given it on a form: something@somewhere, no spaces within."""
    local, at, domain = value.strip().rpartition("@")
    if not (local and at and domain) or any(c.isspace() for c in value.strip()) or len(value.strip()) > 254:
        raise click.BadParameter(f"{value!r} is not an e-mail address")
    return value


@privacy.command("retain")
@click.option("--dry-run", is_flag=True, help="Say what would be deleted; change nothing.")
def retain_command(dry_run):
    """Delete what the retention period has run out for (run it daily, e.g. from cron)."""
    report = retain(dry_run=dry_run)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    verb = "would delete" if dry_run else "deleted"
    for name, tally in report.items():
        click.echo(f"{name}: {verb} {tally.signatures} signatures, anonymised {tally.letters} letters, "
                   f"scrubbed {tally.messages} mails; {verb} {tally.paper} names on paper")
    if not report:
        click.echo("nothing has reached the end of its retention period")


@privacy.command("erase")
@click.argument("address")
def erase_command(address):
    """Erase one person's data on request: their signatures, letters and mail, on every drive."""
    tally = erase(address)
    db.session.commit()
    click.echo(f"erased {tally.signatures} signatures, anonymised {tally.letters} letters, "
               f"deleted {tally.messages} mails")


@privacy.command("export")
@click.argument("address", callback=checked_address)
@click.option("--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write to this file (UTF-8 JSON) instead of standard output.")
def export_command(address, output):
    """Write everything held under one address as JSON, to answer a person's request for it."""
    if output is None:
        tally = export_to_stdout(address)
    else:
        tally = export_to_file(address, output)
    db.session.commit()  # the audit entry, once the copy is whole
    if not any(asdict(tally).values()):
        click.echo("nothing is held under this address", err=True)
    else:
        click.echo(f"exported {tally.signatures} signatures, {tally.letters} letters, {tally.messages} mails", err=True)


def export_to_stdout(address):
    """export() to standard output, in UTF-8 whatever the terminal's locale says."""
    sys.stdout.flush()
    out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="\n")
    try:
        return export(address, out)
    finally:
        out.flush()
        out.detach()  # standard output stays open for what follows


def export_to_file(address, output):
    """export() into `output`, which appears only once whole: a failed export leaves no half file."""
    try:  # mkstemp makes it readable by its owner only: it holds a person's data
        handle, partial = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".part")
    except OSError as error:
        raise click.ClickException(f"cannot write {output}: {error.strerror}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            tally = export(address, out)
        os.replace(partial, output)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return tally
