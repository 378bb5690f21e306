from flask import current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_wtf.csrf import CSRFError, generate_csrf

from app import i18n, tokens
from app.caching import Shell, cached_page, slot
from app.extensions import FRAMEABLE_POLICY, csrf, db, limiter, talisman
from app.http import cookieless, or_404
from app.i18n import current_tag, html_lang, text_direction
from app.letters import proofs
from app.letters import services as letters
from app.observability import metrics
from app.outbox.services import deliver_inline
from app.petitions import bp, services
from app.petitions.forms import ActionForm, SignatureForm
from app.records import today
from app.updates import services as updates


def sign_limit():
    return current_app.config["SIGN_RATE_LIMIT"]


def drive_or_404(slug):
    return or_404(services.visible_drive(slug))


def render_drive(drive, form, status=200, expired=False, slots=None):
    """The drive page; with `slots`, the live parts are left to fill in (see drive_live_parts)."""
    return render_template(
        "petitions/drive.html", drive=drive, text=drive.text(current_tag()), form=form,
        signable=drive.signable_on(today()), expired=expired, can_write=letters.offers_letters(drive),
        updates=updates.published(drive.id), slots=slots, **({} if slots else letter_counts(drive, letters.has_letter(drive))),
    ), status


def letter_counts(drive, has_letter):
    """Letters sent, in all and per legislator. Shown while the drive has a letter, even with no
    one left to write to; a drive that never had one spares every view the queries."""
    sent, by_legislator = letters.public_sent_counts(drive) if has_letter else (0, {})
    return {"letters_sent": sent, "letters_by_legislator": letters.with_legislators(by_legislator)}


def drive_shell(slug):
    """The drive page for a GET, with slots for the parts that change without a new revision."""
    drive = drive_or_404(slug)
    slots = {"progress": slot("progress"), "letters": slot("letters")}
    html = render_drive(drive, SignatureForm().fill_choices(get_locale()), slots=slots)[0]
    facts = {"drive_id": drive.id, "can_write": letters.offers_letters(drive), "has_letter": letters.has_letter(drive)}
    return Shell(html.replace(generate_csrf(), slot("csrf-token")), facts)


def drive_live_parts(facts):
    """On each view of the cached drive page: the visitor's own CSRF token and the counts (one
    query by primary key, two for a drive with a letter), and no session."""
    drive = live_drive(facts)
    counts, live = live_counts(), letter_counts(drive, facts["has_letter"])
    return {"csrf-token": generate_csrf(), "progress": counts.progress(drive),
            "letters": counts.letters(drive, facts["can_write"], **live)}


def live_drive(facts):
    """What the live parts show of the cached page's drive, read fresh; 404 if deleted since cached."""
    return or_404(services.live_drives([facts["drive_id"]]).get(facts["drive_id"]))


def live_counts():
    """The macros that render the counts of a cached page on each view."""
    return current_app.jinja_env.get_template("petitions/_drive_counts.html").module


def embed_shell(slug):
    """The embed's page with a slot for its count.

    Rendered without the context processors: Flask-Login's loads the staff member of a session
    cookie, which may rewrite that cookie, and the embed sets none.
    """
    drive, tag = drive_or_404(slug), current_tag()
    html = current_app.jinja_env.get_template("petitions/embed.html").render(
        drive=drive, text=drive.text(tag), signable=drive.signable_on(today()), progress=slot("progress"),
        lang_tag=tag, html_lang=html_lang(tag), text_direction=text_direction(tag))
    return Shell(html, {"drive_id": drive.id})


def embed_live_parts(facts):
    """On each view of the cached embed: its count, and nothing that touches the session."""
    return {"progress": live_counts().progress(live_drive(facts))}


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
@cached_page(live=drive_live_parts)
def drive(slug):
    return drive_shell(slug)


@bp.route("/<lang:lang_code>/drives/<slug>/embed")
@talisman(frame_options=None, content_security_policy=FRAMEABLE_POLICY)
@cookieless
@cached_page(live=embed_live_parts)
def embed(slug):
    """The drive's title, live count and a link to sign, for partner sites to frame: no script, no cookie."""
    return embed_shell(slug)


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
    metrics.SIGNED.inc()
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
        # The naming page says which way the button goes: it reads the signature to show its current state.
        current = services.signature_for(token_data) if purpose == tokens.NAMING else None
        return render_template("petitions/action.html", purpose=purpose, outcome="ask", form=form, signature=current)
    signature = services.signature_for(token_data)
    outcome, drive = perform(signature) if signature else (services.SignatureOutcome.UNKNOWN, None)
    if purpose == tokens.CONFIRM and outcome in {services.SignatureOutcome.CONFIRMED, services.SignatureOutcome.ALREADY}:
        # Whoever pressed this button reads the address: their letters need no further confirmation.
        proofs.remember_proof(signature.email_key)
    # Read before the commit, which expires the drive: after it, each attribute is a query.
    can_write, slug = (letters.offers_letters(drive), drive.slug) if drive is not None else (False, None)
    db.session.commit()
    if outcome == services.SignatureOutcome.CONFIRMED:
        metrics.CONFIRMED.inc()
    status = 409 if outcome == services.SignatureOutcome.CLOSED else 200
    return render_template("petitions/action.html", purpose=purpose, outcome=outcome, drive_slug=slug,
                           can_write=can_write), status


@bp.route("/<lang:lang_code>/signatures/confirm/<token>", methods=["GET", "POST"])
def confirm(token):
    return signature_action(token, tokens.CONFIRM, services.confirm)


@bp.route("/<lang:lang_code>/signatures/withdraw/<token>", methods=["GET", "POST"])
def withdraw(token):
    return signature_action(token, tokens.WITHDRAW, services.withdraw)


@bp.route("/<lang:lang_code>/signatures/naming/<token>", methods=["GET", "POST"])
def naming(token):
    """Leave the signer's name off the list handed to parliament, or put it back."""
    return signature_action(token, tokens.NAMING, services.toggle_unnamed)


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


@bp.route("/<lang:lang_code>/signing-safely")
@cached_page()
def safety():
    """What happens to a signer's name, and how to take part with family in the PRC's reach."""
    return render_template("petitions/safety.html", retention=current_app.config["RETENTION_MONTHS"],
                           min_count=current_app.config["MIN_PUBLIC_COUNT"])


@bp.route("/<lang:lang_code>/privacy")
def privacy():
    return render_template("petitions/privacy.html", retention=current_app.config["RETENTION_MONTHS"],
                           language_cookie=i18n.COOKIE)
