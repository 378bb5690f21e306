from flask import current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_wtf.csrf import CSRFError, generate_csrf
from markupsafe import Markup
from sqlalchemy import select

from app import tokens
from app.caching import seen_revision
from app.extensions import cache, csrf, db, limiter
from app.http import or_404
from app.i18n import current_tag
from app.letters import proofs
from app.letters import services as letters
from app.outbox.services import deliver_inline
from app.petitions import bp, services
from app.petitions.forms import ActionForm, SignatureForm
from app.petitions.models import Drive
from app.records import today
from app.revisions import read_one
from app.updates import services as updates

# Where the cached drive page takes, on each view, the visitor's own form token and the live
# counts. Page text is escaped, so no "<" from a drive's texts can look like one of these.
TOKEN_SLOT, PROGRESS_SLOT, LETTERS_SLOT = "<!--csrf-token-->", "<!--progress-->", "<!--letters-->"


def sign_limit():
    return current_app.config["SIGN_RATE_LIMIT"]


def drive_or_404(slug):
    return or_404(services.visible_drive(slug))


def render_drive(drive, form, status=200, expired=False, slots=None):
    """The drive page; with `slots`, the live parts are left to fill in (see cached_drive_page)."""
    return render_template(
        "petitions/drive.html", drive=drive, text=drive.text(current_tag()), form=form,
        signable=drive.signable_on(today()), expired=expired, can_write=letters.offers_letters(drive),
        updates=updates.published(drive.id), slots=slots, **({} if slots else letter_counts(drive, letters.has_letter(drive))),
    ), status


def letter_counts(drive, has_letter):
    """Letters sent, in all and per legislator. Shown while the drive has a letter, even with no
    one left to write to; a drive that never had one spares every view the queries."""
    sent, by_legislator = letters.sent_counts(drive) if has_letter else (0, {})
    return {"letters_sent": sent, "letters_by_legislator": letters.with_legislators(by_legislator)}


def cached_drive_page(slug):
    """The drive page for a GET: rendered once per data revision, day and language, then filled in.

    The counts change with every confirmation and letter, without a revision: they are read and
    rendered for each view (one query by primary key, two for a drive with a letter), as is the
    visitor's own CSRF token. Everything else comes from the cache.
    """
    key = f"drive:{seen_revision()}:{today()}:{request.host}{request.path}"
    shell = cache.get(key)
    if shell is None:
        drive = drive_or_404(slug)
        slots = {"progress": Markup(PROGRESS_SLOT), "letters": Markup(LETTERS_SLOT)}
        html = render_drive(drive, SignatureForm().fill_choices(get_locale()), slots=slots)[0]
        shell = {"drive_id": drive.id, "can_write": letters.offers_letters(drive),
                 "has_letter": letters.has_letter(drive), "html": html.replace(generate_csrf(), TOKEN_SLOT)}
        cache.set(key, shell)
    else:  # the live parts need no more than this, and no session: one connection per view
        drive = or_404(read_one(select(Drive.id, Drive.slug, Drive.goal, Drive.confirmed_count)
                                .where(Drive.id == shell["drive_id"])))  # None: deleted since it was cached
    counts = current_app.jinja_env.get_template("petitions/_drive_counts.html").module
    live = letter_counts(drive, shell["has_letter"])
    return (shell["html"].replace(TOKEN_SLOT, generate_csrf())
            .replace(PROGRESS_SLOT, str(counts.progress(drive)))
            .replace(LETTERS_SLOT, str(counts.letters(drive, shell["can_write"], **live))))


@bp.errorhandler(CSRFError)
def expired_form(error):
    """A form that sat open too long: show it again, as filled in, with a fresh token."""
    if request.endpoint == "petitions.sign":
        form = SignatureForm().fill_choices(get_locale())
        return render_drive(drive_or_404(request.view_args["slug"]), form, 400, expired=True)
    purpose = request.endpoint.removeprefix("petitions.")
    return render_template("petitions/action.html", purpose=purpose, outcome="ask",
                           form=ActionForm(), expired=True), 400


@bp.route("/<lang:lang_code>/drives/<slug>")
def drive(slug):
    return cached_drive_page(slug)


@bp.post("/<lang:lang_code>/drives/<slug>")
@limiter.limit(sign_limit)
def sign(slug):
    drive = or_404(services.signing_drive(slug))
    form = SignatureForm().fill_choices(get_locale())
    if not drive.signable_on(today()):
        return render_drive(drive_or_404(slug), form, 409)
    if not form.validate():
        return render_drive(drive_or_404(slug), form, 400)
    if not form.is_bot():
        store_signature(drive.id, form.data)
    # The same answer whether the address is new, known, or a bot's: never reveal who signed.
    return redirect(url_for("petitions.check_mail", slug=slug), 303)


def store_signature(drive_id, data):
    services.sign(drive_id, data, current_tag())
    db.session.commit()
    deliver_inline()


@bp.route("/<lang:lang_code>/drives/<slug>/check-your-mail")
def check_mail(slug):
    return render_template("petitions/check_mail.html", drive=drive_or_404(slug))


def signature_action(token, purpose, perform):
    """Show a button for the link from the mail; on pressing it, do what the link is for."""
    token_data = tokens.read(token, purpose)
    if token_data is None:
        return render_template("petitions/action.html", purpose=purpose, outcome="invalid"), 404
    form = ActionForm()
    if not form.validate_on_submit():
        return render_template("petitions/action.html", purpose=purpose, outcome="ask", form=form)
    signature = services.signature_for(token_data)
    outcome, drive = perform(signature) if signature else (services.SignatureOutcome.UNKNOWN, None)
    if purpose == tokens.CONFIRM and outcome in {services.SignatureOutcome.CONFIRMED, services.SignatureOutcome.ALREADY}:
        # Whoever pressed this button reads the address: their letters need no further confirmation.
        proofs.remember_proof(signature.email_key)
    # Read before the commit, which expires the drive: after it, each attribute is a query.
    can_write, slug = (letters.offers_letters(drive), drive.slug) if drive is not None else (False, None)
    db.session.commit()
    status = 409 if outcome == services.SignatureOutcome.CLOSED else 200
    return render_template("petitions/action.html", purpose=purpose, outcome=outcome, drive_slug=slug,
                           can_write=can_write), status


@bp.route("/<lang:lang_code>/signatures/confirm/<token>", methods=["GET", "POST"])
def confirm(token):
    return signature_action(token, tokens.CONFIRM, services.confirm)


@bp.route("/<lang:lang_code>/signatures/withdraw/<token>", methods=["GET", "POST"])
def withdraw(token):
    return signature_action(token, tokens.WITHDRAW, services.withdraw)


@bp.route("/<lang:lang_code>/signatures/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # a mail client's one-click POST (RFC 8058) carries no token; the button's form checks its own
def unsubscribe(token):
    if request.method == "POST" and request.form.get("List-Unsubscribe") == "One-Click":
        return one_click_unsubscribe(token)
    return signature_action(token, tokens.UNSUBSCRIBE, services.unsubscribe)


def one_click_unsubscribe(token):
    """What a mail client's "unsubscribe" does: stop campaign updates, no page to read, nothing else."""
    token_data = tokens.read(token, tokens.UNSUBSCRIBE)
    signature = or_404(services.signature_for(token_data) if token_data else None)
    services.unsubscribe(signature)
    db.session.commit()
    return "", 204


@bp.route("/<lang:lang_code>/privacy")
def privacy():
    return render_template("petitions/privacy.html", retention=current_app.config["RETENTION_MONTHS"])
