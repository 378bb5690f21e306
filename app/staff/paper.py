"""Signatures gathered on paper: campaigners record them as named rows (CSV) or as a count with
an attestation, and remove them a batch at a time."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from app import audit
from app.extensions import csrf, db
from app.http import or_404
from app.petitions import paper
from app.petitions.models import Drive, PaperBatch
from app.staff.auth import roles_required
from app.staff.forms import PaperCountForm, PaperRemoveForm, PaperRowsForm
from app.staff.models import Role
from app.staff.routes import bp

PROBLEMS_SHOWN = 20  # an upload's problems listed; the rest are counted


def paper_page(drive, rows_form=None, count_form=None, remove_form=None, problems=(), status=200):
    """The drive's paper batches and the forms that add them; a refused form comes back with its errors."""
    batches = db.session.scalars(select(PaperBatch).where(PaperBatch.drive_id == drive.id)
                                 .order_by(PaperBatch.id.desc())).all()
    return render_template(
        "staff/paper.html", drive=drive, batches=batches, rows_form=rows_form or PaperRowsForm(prefix="rows"),
        count_form=count_form or PaperCountForm(prefix="count"), remove_form=remove_form,
        problems=problems[:PROBLEMS_SHOWN], more=max(len(problems) - PROBLEMS_SHOWN, 0)), status


@bp.route("/drives/<int:drive_id>/paper")
@roles_required(Role.CAMPAIGNER)
def paper_batches(drive_id):
    return paper_page(db.get_or_404(Drive, drive_id))


@bp.post("/drives/<int:drive_id>/paper/rows")
@csrf.exempt  # the form checks its own token: the global check would read the body before the limit is raised
@roles_required(Role.CAMPAIGNER)
def paper_rows(drive_id):
    """Names from an uploaded CSV file, refused whole, line by line, if any is wrong."""
    request.max_content_length = paper.MAX_BYTES + current_app.config["MAX_CONTENT_LENGTH"]
    drive = db.get_or_404(Drive, drive_id)
    try:
        request.files  # read the body now, under the upload's own limit
    except RequestEntityTooLarge:
        form = PaperRowsForm(formdata=None, prefix="rows")  # the forms must not read the body again
        form.file.errors = [paper.TOO_LARGE]
        return paper_page(drive, rows_form=form, count_form=PaperCountForm(formdata=None, prefix="count"), status=413)
    form = PaperRowsForm(prefix="rows")
    if not form.validate_on_submit():
        if form.csrf_token.errors:  # checked here, not by the site-wide check: say so beside the file
            form.file.errors = [*form.file.errors, _("The form was open too long: please choose the file and send it again.")]
        return paper_page(drive, rows_form=form, status=400)
    sheet = paper.read_sheet(form.file.data.read(paper.MAX_BYTES + 1))
    if sheet.problems:
        form.file.errors = [_("Nothing was recorded. Fix these lines and upload the file again:")]
        return paper_page(drive, rows_form=form, problems=sheet.problems, status=400)
    return paper_added(drive, paper.add_rows(drive, sheet.rows, form.attestation(), current_user.email))


@bp.post("/drives/<int:drive_id>/paper/count")
@roles_required(Role.CAMPAIGNER)
def paper_count(drive_id):
    """A number of signatures on sheets someone keeps."""
    drive = db.get_or_404(Drive, drive_id)
    form = PaperCountForm(prefix="count")
    if not form.validate_on_submit():
        return paper_page(drive, count_form=form, status=400)
    return paper_added(drive, paper.add_count(drive, form.count.data, form.attestation(), current_user.email))


def paper_added(drive, batch):
    audit.record("paper.add", f"drive:{drive.slug}", after=paper.described(batch))
    db.session.commit()
    flash(ngettext("%(num)s signature on paper recorded.", "%(num)s signatures on paper recorded.", batch.count))
    return redirect(url_for("staff.paper_batches", drive_id=drive.id), 303)


@bp.post("/drives/<int:drive_id>/paper/remove")
@roles_required(Role.CAMPAIGNER)
def paper_remove(drive_id):
    """Remove one batch, once the box saying so is ticked."""
    drive = db.get_or_404(Drive, drive_id)
    form = PaperRemoveForm()
    if not form.validate_on_submit():
        return paper_page(drive, remove_form=form, status=400)
    batch = or_404(db.session.scalar(select(PaperBatch).where(PaperBatch.id == form.batch.data,
                                                               PaperBatch.drive_id == drive.id)))
    removed = paper.described(batch)
    if not paper.remove(batch):
        db.session.rollback()
        flash(_("This batch was already removed."))
        return redirect(url_for("staff.paper_batches", drive_id=drive.id), 303)
    audit.record("paper.remove", f"drive:{drive.slug}", before=removed)
    db.session.commit()
    flash(ngettext("%(num)s signature on paper removed.", "%(num)s signatures on paper removed.", removed["count"]))
    return redirect(url_for("staff.paper_batches", drive_id=drive.id), 303)
