"""Campaigners launch drives: settings, texts per language, preview, publish, close, archive."""

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from app import audit
from app.extensions import db
from app.i18n import current_tag
from app.letters import services as letters
from app.letters import templates as letter_templates
from app.petitions import drives
from app.petitions.drives import DriveChange
from app.petitions.forms import SignatureForm
from app.petitions.models import Drive, DriveState
from app.records import today
from app.staff.auth import roles_required
from app.staff.forms import DriveForm, DriveStateForm, TextForm
from app.staff.models import Role
from app.staff.routes import bp
from app.staff.sharing import embed_snippet
from app.updates import services as updates


def form_settings(form):
    """The form's settings as the values drives.save_settings takes."""
    return {"slug": form.slug.data, "iso2": form.country.data, "goal": form.goal.data,
            "opens_on": form.opens_on.data, "closes_on": form.closes_on.data,
            "main_locale": form.main_locale.data, "targets": form.targets()}


@bp.route("/drives/new", methods=["GET", "POST"])
@roles_required(Role.CAMPAIGNER)
def drive_new():
    form = DriveForm(main_locale=current_app.config["DEFAULT_LANGUAGE"]).fill_choices()
    if form.validate_on_submit():
        drive = Drive(state=DriveState.DRAFT)
        if drives.save_settings(drive, form_settings(form)) == DriveChange.SLUG_TAKEN:
            form.slug.errors.append(_("Another drive already has this address."))
        else:
            audit.record("drive.create", f"drive:{drive.slug}", after=drives.settings(drive))
            db.session.commit()
            flash(_("Drive created as a draft. Now write its texts."))
            return redirect(url_for("staff.drive_text", drive_id=drive.id, tag=drive.main_locale), 303)
    return render_template("staff/drive_form.html", form=form, drive=None), 400 if form.is_submitted() else 200


@bp.route("/drives/<int:drive_id>")
@roles_required(Role.CAMPAIGNER)
def drive_show(drive_id):
    drive = db.get_or_404(Drive, drive_id)
    by_tag = {t.locale: t for t in drive.texts}
    return render_template("staff/drive.html", drive=drive, by_tag=by_tag,
                           missing=[tag for tag in current_app.config["LANGUAGES"] if tag not in by_tag],
                           transitions={name: drive.state in sources for name, (sources, _t) in drives.TRANSITIONS.items()},
                           recipients=len(letters.recipients(drive)),
                           embeds=[(tag, embed_snippet(drive, by_tag[tag])) for tag in current_app.config["LANGUAGES"]
                                   if tag in by_tag])


@bp.route("/drives/<int:drive_id>/settings", methods=["GET", "POST"])
@roles_required(Role.CAMPAIGNER)
def drive_settings(drive_id):
    drive = db.get_or_404(Drive, drive_id)
    kind = next(iter(drive.targets))
    value = drive.targets.get("chamber") or "\n".join(drive.targets.get("legislators", []))
    form = DriveForm(obj=drive, country=drive.iso2, target_kind=kind, target_value=value).fill_choices()
    if form.validate_on_submit():
        before = drives.settings(drive)
        outcome = drives.save_settings(drive, form_settings(form))
        if outcome == DriveChange.SLUG_TAKEN:
            form.slug.errors.append(_("Another drive already has this address."))
        elif outcome == DriveChange.NEEDS_MAIN_TEXT:
            form.main_locale.errors.append(_("A published drive needs its texts in its main language."))
        else:
            audit.record("drive.update", f"drive:{drive.slug}", *audit.changes(audit.plain(before),
                                                                                 audit.plain(drives.settings(drive))))
            db.session.commit()
            flash(_("Drive saved."))
            return redirect(url_for("staff.drive_show", drive_id=drive.id), 303)
    return render_template("staff/drive_form.html", form=form, drive=drive), 400 if form.is_submitted() else 200


@bp.route("/drives/<int:drive_id>/texts/<tag>", methods=["GET", "POST"])
@roles_required(Role.CAMPAIGNER)
def drive_text(drive_id, tag):
    drive = db.get_or_404(Drive, drive_id)
    if tag not in current_app.config["LANGUAGES"]:
        abort(404)
    text = drives.text_in(drive, tag)
    form = TextForm(obj=text)
    if form.validate_on_submit():
        before = drives.text_values(text) if text else None
        drives.save_text(drive, tag, form.data)
        after = drives.text_values(drives.text_in(drive, tag))
        audit.record("drive.text", f"drive:{drive.slug}/{tag}",
                     *(audit.changes(before, after) if before else (None, after)))
        db.session.commit()
        flash(_("Texts saved."))
        return redirect(url_for("staff.drive_show", drive_id=drive.id), 303)
    return render_template("staff/drive_text.html", form=form, drive=drive, tag=tag,
                           merge_fields=", ".join(letter_templates.MERGE_FIELDS)), \
        400 if form.is_submitted() else 200


@bp.post("/drives/<int:drive_id>/state")
@roles_required(Role.CAMPAIGNER)
def drive_state(drive_id):
    drive = db.get_or_404(Drive, drive_id)
    form = DriveStateForm()
    if not form.validate_on_submit():
        abort(400)
    action, before = form.action.data, drive.state
    outcome = drives.press(drive, action, today())
    if outcome != DriveChange.CHANGED:
        flash(REFUSED[outcome]())
        return redirect(url_for("staff.drive_show", drive_id=drive.id), 303)
    audit.record("drive.state", f"drive:{drive.slug}", {"state": str(before)}, {"state": str(drive.state)})
    db.session.commit()
    flash(DONE[action]())
    return redirect(url_for("staff.drive_show", drive_id=drive.id), 303)


REFUSED = {
    DriveChange.NOT_FROM_HERE: lambda: _("This drive cannot do that from its current state."),
    DriveChange.UNCHANGED: lambda: _("This drive cannot do that from its current state."),
    DriveChange.NEEDS_MAIN_TEXT: lambda: _(
        "A drive cannot be published before its title, summary and petition exist in its main language."),
}
# Whole sentences: a state label dropped into one sentence would not agree in every language.
DONE = {
    "publish": lambda: _("The drive is published: it is open for signatures."),
    "close": lambda: _("The drive is closed: it takes no more signatures."),
    "archive": lambda: _("The drive is archived."),
}


@bp.route("/drives/<int:drive_id>/preview")
@roles_required(Role.CAMPAIGNER, Role.ORGANISER)
def drive_preview(drive_id):
    """The public drive page in the language of the URL, whatever the drive's state."""
    drive = db.get_or_404(Drive, drive_id)
    if drive.text(current_tag()) is None:
        flash(_("This drive has no texts yet."))
        return redirect(url_for("staff.drive_show", drive_id=drive.id), 303)
    can_write = letters.writable(drive)
    return render_template(
        "petitions/drive.html", drive=drive, text=drive.text(current_tag()),
        form=SignatureForm().fill_choices(get_locale()), signable=drive.signable_on(today()) or
        drive.state == DriveState.DRAFT, expired=False, can_write=can_write, letters_sent=0,
        letters_by_legislator=[], updates=updates.published(drive.id), preview=True)
