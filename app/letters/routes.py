from types import SimpleNamespace
from urllib.parse import quote

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError

from app.extensions import db, limiter
from app.i18n import current_tag, languages
from app.keys import email_key
from app.letters import services
from app.letters.forms import LetterForm
from app.letters.models import Letter, LetterState
from app.letters.templates import LetterTemplateError
from app.outbox.services import deliver_inline, enqueue
from app.petitions import tokens
from app.petitions.forms import ActionForm
from app.petitions.models import Drive
from app.petitions.services import render_mail, visible_drive
from app.records import today
from app.urls import public_url

bp = Blueprint("letters", __name__)


MAILTO_MAX = 20  # beyond this, a visitor picks their region before getting one link per legislator


def letter_limit():
    return current_app.config["LETTER_RATE_LIMIT"]


def preview_limit():
    return current_app.config["LETTER_PREVIEW_RATE_LIMIT"]


def previewing():
    return request.form.get("action") != "send"


def writable_drive_or_404(slug):
    drive = visible_drive(slug)
    if drive is None or not services.writable(drive):
        abort(404)
    return drive


@bp.route("/<lang:lang_code>/drives/<slug>/letter", methods=["GET", "POST"])
@limiter.limit(letter_limit, methods=["POST"], exempt_when=previewing)
@limiter.limit(preview_limit, methods=["POST"], exempt_when=lambda: not previewing())
def write(slug):
    drive = writable_drive_or_404(slug)
    everyone = services.recipients(drive)
    region = request.args.get("region", "") if request.method == "GET" else None
    form = LetterForm(region=region).fill_choices(services.regions(everyone))
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
    status = "held"
    if not form.is_bot():
        status = send(drive, form.data, services.recipients(drive, form.region.data))
    if status == "unavailable":
        return render_letter(drive, form, everyone, open_, status=503, previewed=True, unavailable=True)
    return redirect(url_for("letters.sent", slug=slug, status=status), 303)


def send(drive, data, targets):
    """Store the letter; release it now if this browser has proved the address, else ask by mail.

    Returns what the thank-you page says: queued, already (every legislator had this writer's
    letter) or held (waiting for the link in the mail); or unavailable, storing nothing, when the
    drive's letter cannot be rendered.
    """
    key = email_key(data["email"])
    services.lock_writer(key)
    try:
        status = store(drive, data, targets, key)
    except LetterTemplateError as error:
        db.session.rollback()
        log_unavailable(drive, error)
        return "unavailable"
    try:
        db.session.commit()
    except IntegrityError:  # the same letter sent twice at once, where the lock does not reach (SQLite)
        db.session.rollback()
        return "already"
    deliver_inline()
    return status


def store(drive, data, targets, key):
    """Write the letter and release it (a proven address), or ask by mail while the address has few links waiting.

    Past services.LINKS_MAX waiting links a letter is neither stored nor mailed about, and the
    page looks the same: no one can bomb an inbox through its letters.
    """
    if services.proven(key):
        letter = services.write(drive, targets, data, current_tag(), key)
        queued = services.release(letter, drive)
        if not queued:
            db.session.delete(letter)  # nothing to send: keep nothing
        return "queued" if queued else "already"
    if services.may_ask(key):
        letter = services.write(drive, targets, data, current_tag(), key)
        services.check_renders(letter, drive)
        queue_confirmation(letter, drive)
    return "held"


def queue_confirmation(letter, drive):
    """Ask the writer, in their language, to confirm the address before the letter leaves.

    The address is not proven yet: the mail carries the link and neutral text, never the
    writer's name or words (the page behind the link shows them).
    """
    link = public_url("letters.confirm", lang_code=letter.locale, token=tokens.make(letter, tokens.LETTER))
    with force_locale(languages()[letter.locale]):
        text = drive.text(letter.locale)
        subject = _("Please confirm your letter: %(title)s", title=text.title)
        enqueue("letter-confirmation", letter.email, subject, render_mail(
            "mail/confirm_letter.txt", text=text, link=link, count=len(letter.legislator_ids)))


def log_unavailable(drive, error):
    current_app.logger.warning("The letter of drive %s cannot be rendered: %s", drive.slug, error)


def render_letter(drive, form, everyone, open_, status=200, previewed=False, expired=False, unavailable=False):
    region = form.region.data if form.region.data in form.known_regions else ""
    targets = services.recipients(drive, region) if region else everyone
    _total, sent = services.sent_counts(drive)
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
        return versions(drive, targets, writer), links
    except LetterTemplateError as error:
        log_unavailable(drive, error)
        return None


def versions(drive, targets, writer):
    """What the legislators receive, per language, and a reading in the visitor's language if that differs.

    `sent` lists (text, subject, body, legislators) per language the letter goes in; the first
    legislator of each stands in for all of them in the preview.
    """
    groups = {}
    for legislator in targets:
        groups.setdefault(services.letter_text(drive, legislator.language).locale, []).append(legislator)
    sent = []
    for locale, people in groups.items():
        text = drive.text(locale)
        sent.append((text, *services.compose(drive, text, people[0], writer), people))
    own = services.letter_text(drive, languages()[current_tag()])
    translation = None
    if targets and own.locale not in groups:
        translation = (own, *services.compose(drive, own, targets[0], writer))
    return {"sent": sent, "translation": translation, "own": own}


def mailto(drive, legislator, writer):
    """A mailto: link with the same letter, for the visitor's own mail program."""
    subject, body = services.compose(drive, services.letter_text(drive, legislator.language), legislator, writer)
    body = body.replace("\n", "\r\n")  # RFC 6068: line breaks in a mailto body are CRLF
    return legislator, f"mailto:{quote(legislator.email, safe='@')}?subject={quote(subject)}&body={quote(body)}"


@bp.route("/<lang:lang_code>/drives/<slug>/letter/sent")
def sent(slug):
    drive = writable_drive_or_404(slug)
    status = request.args.get("status")
    return render_template("letters/sent.html", drive=drive, text=drive.text(current_tag()),
                           status=status if status in {"queued", "already"} else "held")


@bp.route("/<lang:lang_code>/letters/confirm/<token>", methods=["GET", "POST"])
def confirm(token):
    """Show the letter and a button; pressing it proves the address and releases the letter."""
    token_data = tokens.read(token, tokens.LETTER)
    letter = None
    if token_data is not None:
        letter = db.session.get(Letter, token_data[0])
        if letter is not None and not tokens.fits(letter.email_key, token_data[1]):
            letter = None
    if letter is None:
        outcome = "invalid" if token_data is None else "unknown"
        return render_template("letters/confirm.html", outcome=outcome), 404
    form = ActionForm()
    if not form.validate_on_submit():
        return render_template("letters/confirm.html", outcome="ask", form=form, letter=letter,
                               count=len(letter.legislator_ids))
    services.lock_writer(letter.email_key)
    db.session.refresh(letter)
    services.remember_proof(letter.email_key)
    drive = db.session.get(Drive, letter.drive_id)
    queued = None
    if letter.state == LetterState.RELEASED:
        outcome = "already"
    elif drive is None or not drive.signable_on(today()) or not services.writable(drive):
        outcome = "closed"
    else:
        outcome, queued = release(letter, drive)
    db.session.commit()
    if queued:
        deliver_inline()
    return render_template("letters/confirm.html", outcome=outcome, drive=drive, count=queued or 0), \
        {"closed": 409, "unavailable": 503}.get(outcome, 200)


def release(letter, drive):
    """(outcome, mails queued) of pressing a held letter's button; nothing changes if its letter cannot be rendered."""
    try:
        queued = services.release(letter, drive)
    except LetterTemplateError as error:
        db.session.rollback()
        log_unavailable(drive, error)
        return "unavailable", None
    return {None: "already", 0: "written"}.get(queued, "released"), queued


@bp.errorhandler(CSRFError)
def expired_form(error):
    """A letter form that sat open too long: show it again, as written, with a fresh token."""
    if request.endpoint != "letters.write":
        return render_template("letters/confirm.html", outcome="ask", form=ActionForm(), expired=True), 400
    drive = writable_drive_or_404(request.view_args["slug"])
    everyone = services.recipients(drive)
    form = LetterForm().fill_choices(services.regions(everyone))  # as filled in, from the posted data
    return render_letter(drive, form, everyone, drive.signable_on(today()), status=400, previewed=True,
                         expired=True)
