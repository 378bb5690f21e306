from types import SimpleNamespace
from urllib.parse import quote

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from app.countries.services import today
from app.extensions import db, limiter
from app.i18n import current_tag, languages
from app.letters import services
from app.letters.forms import LetterForm
from app.letters.models import Letter, LetterState
from app.outbox.services import enqueue, work
from app.petitions import tokens
from app.petitions.forms import ActionForm
from app.petitions.models import Drive
from app.petitions.services import email_key, render_mail, visible_drive

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
    return redirect(url_for("letters.sent", slug=slug, status=status), 303)


def send(drive, data, targets):
    """Store the letter; release it now if this browser has proved the address, else ask by mail."""
    key = email_key(data["email"])
    letter = services.write(drive, targets, data, current_tag(), key)
    proven = services.proven(key)
    if letter is not None and proven:
        services.release(letter, drive)
    elif letter is not None:
        queue_confirmation(letter, drive)
    db.session.commit()
    if current_app.config["OUTBOX_INLINE"]:
        work()
    return "queued" if proven else "held"


def queue_confirmation(letter, drive):
    """Ask the writer, in their language, to confirm the address before the letter leaves."""
    link = url_for("letters.confirm", lang_code=letter.locale, token=tokens.make(letter, tokens.LETTER),
                   _external=True)
    with force_locale(languages()[letter.locale]):
        text = drive.text(letter.locale)
        subject = _("Please confirm your letter: %(title)s", title=text.title)
        enqueue("letter-confirmation", letter.email, subject, render_mail(
            "mail/confirm_letter.txt", letter=letter, text=text, link=link, count=len(letter.deliveries)))


def render_letter(drive, form, everyone, open_, status=200, previewed=False):
    region = form.region.data if form.region.data in form.known_regions else ""
    targets = services.recipients(drive, region) if region else everyone
    _total, sent = services.sent_counts(drive)
    writer = SimpleNamespace(
        name=form.name.data if previewed and not form.name.errors and form.name.data else _("[your name]"),
        region=region, personal=form.personal.data if previewed and not form.personal.errors else "",
    )
    return render_template(
        "letters/write.html", drive=drive, text=drive.text(current_tag()), form=form, targets=targets,
        sent=sent, open_=open_, previewed=previewed, versions=versions(drive, targets, writer),
        mailto=[mailto(drive, legislator, writer) for legislator in targets]
        if previewed and len(targets) <= MAILTO_MAX else [], mailto_max=MAILTO_MAX,
    ), status


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
    return render_template("letters/sent.html", drive=drive, text=drive.text(current_tag()),
                           held=request.args.get("status") != "queued")


@bp.route("/<lang:lang_code>/letters/confirm/<token>", methods=["GET", "POST"])
def confirm(token):
    token_data = tokens.read(token, tokens.LETTER)
    if token_data is None:
        return render_template("letters/confirm.html", outcome="invalid"), 404
    form = ActionForm()
    if not form.validate_on_submit():
        return render_template("letters/confirm.html", outcome="ask", form=form)
    letter_id, print_ = token_data
    letter = db.session.get(Letter, letter_id)
    if letter is None or tokens.fingerprint(letter.email_key) != print_:
        return render_template("letters/confirm.html", outcome="unknown")
    services.remember_proof(letter.email_key)
    drive = db.session.get(Drive, letter.drive_id)
    if letter.state == LetterState.RELEASED:
        outcome = "already"
    elif drive is None or not drive.signable_on(today()):
        outcome = "closed"
    else:
        services.release(letter, drive)
        outcome = "released"
    db.session.commit()
    if outcome == "released" and current_app.config["OUTBOX_INLINE"]:
        work()
    return render_template("letters/confirm.html", outcome=outcome, drive=drive,
                           count=len(letter.deliveries)), 409 if outcome == "closed" else 200
