"""The letter pages: write and preview, the thank-you page, and the confirmation link's button."""

from types import SimpleNamespace

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError

from app import tokens
from app.extensions import db, limiter
from app.http import or_404
from app.i18n import current_tag
from app.keys import email_key
from app.letters import mail, proofs, services  # noqa: F401  (mail: the outbox's writer of confirmations)
from app.letters.compose import mailto, versions
from app.letters.forms import LetterForm
from app.letters.models import Letter
from app.letters.services import LetterOutcome
from app.letters.templates import LetterTemplateError
from app.outbox.services import deliver_inline
from app.petitions.forms import ActionForm
from app.petitions.services import visible_drive
from app.records import today

bp = Blueprint("letters", __name__)


MAILTO_MAX = 20  # beyond this, a visitor picks their region before getting one link per legislator


def letter_limit():
    return current_app.config["LETTER_RATE_LIMIT"]


def preview_limit():
    return current_app.config["LETTER_PREVIEW_RATE_LIMIT"]


def previewing():
    return request.form.get("action") != "send"


def writable_drive_or_404(slug):
    drive = or_404(visible_drive(slug))
    return or_404(drive if services.writable(drive) else None)


@bp.route("/<lang:lang_code>/drives/<slug>/letter", methods=["GET", "POST"])
@limiter.limit(letter_limit, methods=["POST"], exempt_when=previewing)
@limiter.limit(preview_limit, methods=["POST"], exempt_when=lambda: not previewing())
def write(slug):
    drive = writable_drive_or_404(slug)
    everyone = services.recipients(drive)
    region = request.args.get("region", "") if request.method == "GET" else None
    form = LetterForm(region=region).fill_choices(services.regions(everyone, get_locale()))
    open_ = drive.signable_on(today())
    if request.method == "GET":
        form.region.data = form.region.data if form.region.data in form.known_regions else ""
        return render_letter(drive, form, everyone, open_)
    if not open_:
        return render_letter(drive, form, everyone, open_, status=409)
    if previewing():
        status = 200 if form.preview_is_valid() else 400
        return render_letter(drive, form, everyone, open_, status=status, previewed=True)
    if not form.validate():
        return render_letter(drive, form, everyone, open_, status=400, previewed=True)
    outcome = LetterOutcome.HELD  # what a bot is told: the same page as anyone
    if not form.is_bot():
        outcome = send(drive, form.data, services.recipients(drive, form.region.data))
    if outcome == LetterOutcome.UNAVAILABLE:
        return render_letter(drive, form, everyone, open_, status=503, previewed=True, unavailable=True)
    return redirect(url_for("letters.sent", slug=slug, status=outcome), 303)


def send(drive, data, targets):
    """Store the letter and commit it (see services.send); the outcome names the page to show."""
    outcome = services.send(drive, data, targets, current_tag(), proofs.proven(email_key(data["email"])))
    if outcome == LetterOutcome.UNAVAILABLE:
        db.session.rollback()
        return outcome
    try:
        db.session.commit()
    except IntegrityError:  # the same letter sent twice at once, where the lock does not reach (SQLite)
        db.session.rollback()
        return LetterOutcome.ALREADY
    deliver_inline()
    return outcome


def render_letter(drive, form, everyone, open_, status=200, previewed=False, expired=False, unavailable=False):
    region = form.region.data if form.region.data in form.known_regions else ""
    targets = services.recipients(drive, region) if region else everyone
    _total, sent = services.public_sent_counts(drive)
    writer = SimpleNamespace(
        name=form.name.data if previewed and not form.name.errors and form.name.data else _("[your name]"),
        region=region, personal=form.personal.data if previewed and not form.personal.errors else "",
    )
    shown = None if unavailable else shown_letter(drive, targets, writer, previewed)
    return render_template(
        "letters/write.html", drive=drive, text=drive.text(current_tag()), form=form, targets=targets,
        sent=sent, open_=open_, previewed=previewed, expired=expired, unavailable=shown is None,
        versions=shown and shown[0], mailto=shown[1] if shown else [], mailto_max=MAILTO_MAX,
    ), status


def shown_letter(drive, targets, writer, previewed):
    """(versions, mailto: links) for the page, or None when the drive's letter cannot be rendered."""
    try:
        links = [mailto(drive, legislator, writer) for legislator in targets] \
            if previewed and len(targets) <= MAILTO_MAX else []
        return versions(drive, targets, writer, current_tag()), links
    except LetterTemplateError as error:
        services.log_unavailable(drive, error)
        return None


@bp.route("/<lang:lang_code>/drives/<slug>/letter/sent")
def sent(slug):
    drive = writable_drive_or_404(slug)
    status = request.args.get("status")
    return render_template("letters/sent.html", drive=drive, text=drive.text(current_tag()),
                           status=status if status in {LetterOutcome.QUEUED, LetterOutcome.ALREADY} else "held")


@bp.route("/<lang:lang_code>/letters/confirm/<token>", methods=["GET", "POST"])
def confirm(token):
    """Show the letter and a button; pressing it proves the address and releases the letter."""
    letter, outcome = linked_letter(token)
    if letter is None:
        return render_template("letters/confirm.html", outcome=outcome), 404
    form = ActionForm()
    if not form.validate_on_submit():
        return render_template("letters/confirm.html", outcome="ask", form=form, letter=letter,
                               count=len(letter.legislator_ids))
    proofs.remember_proof(letter.email_key)  # whoever pressed the button reads the address
    outcome, drive, queued = services.confirm(letter)
    if outcome == LetterOutcome.UNAVAILABLE:
        db.session.rollback()
    else:
        db.session.commit()
        deliver_inline()
    return render_template("letters/confirm.html", outcome=outcome, drive=drive, count=queued), \
        {LetterOutcome.CLOSED: 409, LetterOutcome.UNAVAILABLE: 503}.get(outcome, 200)


def linked_letter(token):
    """(the letter a confirmation link names, None) or (None, why not)."""
    token_data = tokens.read(token, tokens.LETTER)
    if token_data is None:
        return None, LetterOutcome.INVALID
    letter = db.session.get(Letter, token_data[0])
    if letter is None or not tokens.fits(letter.email_key, token_data[1]):
        return None, LetterOutcome.UNKNOWN
    return letter, None


@bp.errorhandler(CSRFError)
def expired_form(error):
    """A letter form that sat open too long: show it again, as written, with a fresh token."""
    if request.endpoint != "letters.write":
        return render_template("letters/confirm.html", outcome="ask", form=ActionForm(), expired=True), 400
    drive = writable_drive_or_404(request.view_args["slug"])
    everyone = services.recipients(drive)
    form = LetterForm().fill_choices(services.regions(everyone, get_locale()))  # as filled in, from the posted data
    return render_letter(drive, form, everyone, drive.signable_on(today()), status=400, previewed=True,
                         expired=True)
