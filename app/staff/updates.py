"""Campaigners write a drive's updates, preview them, mail themselves a test, publish and mail them once."""

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from app import audit
from app.extensions import db
from app.http import or_404
from app.i18n import current_tag
from app.petitions.models import Drive
from app.records import utcnow
from app.staff.auth import roles_required
from app.staff.forms import (
    OUTCOME_LABELS,
    UPDATE_KIND_LABELS,
    UpdateForm,
    UpdatePublishForm,
    UpdateTestForm,
    UpdateTextForm,
)
from app.staff.models import Role
from app.staff.routes import bp
from app.updates import (
    mail,  # noqa: F401  (the outbox's writer of update mail)
    publishing,
)
from app.updates.models import Update
from app.updates.publishing import Published


def drive_update(drive_id, update_id):
    """The drive and its update; a 404 if the update belongs to another drive."""
    drive = db.get_or_404(Drive, drive_id)
    update = or_404(db.session.scalar(select(Update).where(Update.id == update_id, Update.drive_id == drive.id)))
    return drive, update


def target(drive, update):
    return f"drive:{drive.slug}/update:{update.id}"


def to_update(drive, update):
    return redirect(url_for("staff.update_show", drive_id=drive.id, update_id=update.id), 303)


@bp.route("/drives/<int:drive_id>/updates")
@roles_required(Role.CAMPAIGNER, Role.ORGANISER)
def updates(drive_id):
    drive = db.get_or_404(Drive, drive_id)
    found = db.session.scalars(publishing.of_drive(drive.id)).all()
    return render_template("staff/updates.html", drive=drive, updates=found, kinds=UPDATE_KIND_LABELS,
                           counts=publishing.counts([u.id for u in found]))


@bp.route("/drives/<int:drive_id>/updates/new", methods=["GET", "POST"])
@roles_required(Role.CAMPAIGNER)
def update_new(drive_id):
    drive = db.get_or_404(Drive, drive_id)
    form = UpdateForm()
    if form.validate_on_submit():
        update = Update(drive_id=drive.id)
        publishing.save_facts(update, form.kind.data, form.facts())
        audit.record("update.create", target(drive, update), after=publishing.facts(update))
        db.session.commit()
        flash(_("Update saved as a draft. Now write it in the drive's main language."))
        return redirect(url_for("staff.update_text", drive_id=drive.id, update_id=update.id, tag=drive.main_locale), 303)
    return render_template("staff/update_form.html", form=form, drive=drive, update=None), \
        400 if form.is_submitted() else 200


@bp.route("/drives/<int:drive_id>/updates/<int:update_id>/edit", methods=["GET", "POST"])
@roles_required(Role.CAMPAIGNER)
def update_edit(drive_id, update_id):
    drive, update = drive_update(drive_id, update_id)
    form = UpdateForm(obj=update)
    if form.validate_on_submit():
        before = publishing.facts(update)
        publishing.save_facts(update, form.kind.data, form.facts())
        audit.record("update.edit", target(drive, update), *audit.changes(audit.plain(before),
                                                                           audit.plain(publishing.facts(update))))
        db.session.commit()
        flash(_("Update saved."))
        return to_update(drive, update)
    return render_template("staff/update_form.html", form=form, drive=drive, update=update), \
        400 if form.is_submitted() else 200


@bp.route("/drives/<int:drive_id>/updates/<int:update_id>/texts/<tag>", methods=["GET", "POST"])
@roles_required(Role.CAMPAIGNER)
def update_text(drive_id, update_id, tag):
    drive, update = drive_update(drive_id, update_id)
    if tag not in current_app.config["LANGUAGES"]:
        abort(404)
    text = publishing.text_in(update, tag)
    form = UpdateTextForm(obj=text)
    if form.validate_on_submit():
        before = {"title": text.title, "body": text.body} if text else None
        publishing.save_text(update, tag, form.title.data, form.body.data)
        after = {"title": form.title.data, "body": form.body.data}
        audit.record("update.text", f"{target(drive, update)}/{tag}",
                     *(audit.changes(before, after) if before else (None, after)))
        db.session.commit()
        flash(_("Texts saved."))
        return to_update(drive, update)
    return render_template("staff/update_text.html", form=form, drive=drive, update=update, tag=tag), \
        400 if form.is_submitted() else 200


@bp.route("/drives/<int:drive_id>/updates/<int:update_id>")
@roles_required(Role.CAMPAIGNER, Role.ORGANISER)
def update_show(drive_id, update_id):
    drive, update = drive_update(drive_id, update_id)
    return render_template(
        "staff/update.html", drive=drive, update=update, kinds=UPDATE_KIND_LABELS, outcomes=OUTCOME_LABELS,
        by_tag={t.locale: t for t in update.texts}, counts=publishing.counts([update.id])[update.id],
        fallbacks=publishing.fallbacks(update, current_app.config["LANGUAGES"], drive.main_locale),
        test_form=UpdateTestForm(locale=drive.main_locale).fill_choices(), publish_form=UpdatePublishForm())


@bp.route("/drives/<int:drive_id>/updates/<int:update_id>/preview")
@roles_required(Role.CAMPAIGNER, Role.ORGANISER)
def update_preview(drive_id, update_id):
    """The update as the public reads it in the language of the URL (the main one's text where it has none)."""
    drive, update = drive_update(drive_id, update_id)
    text = update.text(current_tag(), drive.main_locale)
    if text is None:
        flash(_("Write the update in the drive's main language first."))
        return to_update(drive, update)
    return render_template(
        "staff/update_preview.html", drive=drive, update=update, text=text,
        written=sorted(t.locale for t in update.texts),
        fallbacks=publishing.fallbacks(update, current_app.config["LANGUAGES"], drive.main_locale))


@bp.post("/drives/<int:drive_id>/updates/<int:update_id>/test")
@roles_required(Role.CAMPAIGNER)
def update_test(drive_id, update_id):
    drive, update = drive_update(drive_id, update_id)
    form = UpdateTestForm().fill_choices()
    if not form.validate_on_submit():
        abort(400)
    if publishing.text_in(update, drive.main_locale) is None:
        flash(_("Write the update in the drive's main language first."))
        return to_update(drive, update)
    publishing.send_test(update, form.locale.data, current_user.email)
    db.session.commit()
    flash(_("A test is on its way to %(address)s.", address=current_user.email))
    return to_update(drive, update)


@bp.post("/drives/<int:drive_id>/updates/<int:update_id>/publish")
@roles_required(Role.CAMPAIGNER)
def update_publish(drive_id, update_id):
    drive, update = drive_update(drive_id, update_id)
    form = UpdatePublishForm()
    if not form.validate_on_submit():
        abort(400)
    done = publishing.publish(update, drive.main_locale, form.mail_it.data, utcnow(),
                              current_app.config["UPDATE_SEND_RATE"])
    if done.outcome == Published.NEEDS_MAIN_TEXT:
        flash(_("An update cannot be published before it is written in the drive's main language."))
        return to_update(drive, update)
    title = publishing.text_in(update, drive.main_locale).title
    if done.outcome == Published.PUBLISHED:
        audit.record("update.publish", target(drive, update), after={"title": title, **publishing.facts(update)})
    if done.mailed is not None:
        audit.record("update.mail", target(drive, update), after={"title": title, "recipients": done.mailed})
    db.session.commit()
    flash(message(done, form.mail_it.data))
    return to_update(drive, update)


def message(done, mail_it):
    """What pressing "publish" did, as one sentence."""
    if done.mailed is not None and done.outcome == Published.PUBLISHED:
        return ngettext("The update is published and queued for %(num)s supporter.",
                        "The update is published and queued for %(num)s supporters.", done.mailed)
    if done.mailed is not None:
        return ngettext("The update is queued for %(num)s supporter.", "The update is queued for %(num)s supporters.",
                        done.mailed)
    if mail_it:
        return _("This update was mailed before: it is never mailed twice.")
    return _("The update is published.") if done.outcome == Published.PUBLISHED else _("The update was already published.")
