from flask import abort, current_app, redirect, render_template, url_for
from flask_babel import get_locale
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError

from app.countries.services import today
from app.extensions import db, limiter
from app.i18n import current_tag
from app.outbox.services import work
from app.petitions import bp, services, tokens
from app.petitions.forms import SignatureForm


def sign_limit():
    return current_app.config["SIGN_RATE_LIMIT"]


def drive_or_404(slug):
    drive = services.visible_drive(slug)
    if drive is None:
        abort(404)
    return drive


def render_drive(drive, form, status=200):
    return render_template(
        "petitions/drive.html", drive=drive, text=drive.text(current_tag()), form=form,
        signable=drive.signable_on(today()),
    ), status


@bp.route("/<lang:lang_code>/drives/<slug>")
def drive(slug):
    drive = drive_or_404(slug)
    return render_drive(drive, SignatureForm().fill_choices(get_locale()))


@bp.post("/<lang:lang_code>/drives/<slug>")
@limiter.limit(sign_limit)
def sign(slug):
    drive = drive_or_404(slug)
    form = SignatureForm().fill_choices(get_locale())
    if not drive.signable_on(today()):
        return render_drive(drive, form, 409)
    if not form.validate():
        return render_drive(drive, form, 400)
    if not form.is_bot():
        store_signature(drive, form.data)
    # The same answer whether the address is new, known, or a bot's: never reveal who signed.
    return redirect(url_for("petitions.check_mail", slug=slug), 303)


def store_signature(drive, data):
    try:
        services.sign(drive, data, current_tag())
        db.session.commit()
    except IntegrityError:
        # Someone signed with this address at the same moment: the unique constraint kept one.
        db.session.rollback()
        services.sign(drive, data, current_tag())
        db.session.commit()
    if current_app.config["OUTBOX_INLINE"]:
        work()


@bp.route("/<lang:lang_code>/drives/<slug>/check-your-mail")
def check_mail(slug):
    return render_template("petitions/check_mail.html", drive=drive_or_404(slug))


class ActionForm(FlaskForm):
    """A button: links in mail only show a page, so a link scanner's GET changes nothing."""


def signature_action(token, purpose, perform):
    signature_id = tokens.read(token, purpose)
    form = ActionForm()
    if signature_id is None:
        return render_template("petitions/action.html", purpose=purpose, outcome="invalid"), 404
    if not form.validate_on_submit():
        return render_template("petitions/action.html", purpose=purpose, outcome="ask", form=form)
    outcome, drive = perform(signature_id)
    db.session.commit()
    status = 409 if outcome == "closed" else 200
    return render_template("petitions/action.html", purpose=purpose, outcome=outcome, drive=drive), status


@bp.route("/<lang:lang_code>/signatures/confirm/<token>", methods=["GET", "POST"])
def confirm(token):
    return signature_action(token, tokens.CONFIRM, services.confirm)


@bp.route("/<lang:lang_code>/signatures/withdraw/<token>", methods=["GET", "POST"])
def withdraw(token):
    return signature_action(token, tokens.WITHDRAW, lambda i: ("done" if services.withdraw(i) else "unknown", None))


@bp.route("/<lang:lang_code>/signatures/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token):
    return signature_action(token, tokens.UNSUBSCRIBE, lambda i: (services.unsubscribe(i) or "done", None))


@bp.route("/<lang:lang_code>/privacy")
def privacy():
    return render_template("petitions/privacy.html", retention=current_app.config["RETENTION_MONTHS"])
