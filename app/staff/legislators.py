"""Campaigners import and edit the legislators letters go to."""

import tempfile
from pathlib import Path

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import audit
from app.extensions import db
from app.letters.importer import LegislatorImportError, import_file
from app.letters.models import Legislator
from app.petitions.forms import residence_choices
from app.staff.auth import roles_required
from app.staff.forms import ImportForm, LegislatorForm
from app.staff.models import Role
from app.staff.routes import bp

FIELDS = ("name", "title", "chamber", "party", "region", "email", "language", "active")


@bp.route("/legislators/", methods=["GET", "POST"])
@roles_required(Role.CAMPAIGNER)
def legislators():
    form = ImportForm()
    form.country.choices = [("", _l("Choose…")), *residence_choices(str(get_locale()))]
    problems, status = [], 200
    if form.validate_on_submit():
        upload = form.file.data
        suffix = Path(upload.filename).suffix.lower()
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"upload{suffix}"
            upload.save(path)
            try:
                result = import_file(path, form.country.data or None, form.language.data or None)
            except LegislatorImportError as error:
                db.session.rollback()
                problems, status = [p.replace("upload" + suffix, upload.filename) for p in error.problems], 400
            else:
                audit.record("legislators.import", f"file:{upload.filename}", after={
                    "created": result.created, "updated": result.updated, "unchanged": result.unchanged})
                db.session.commit()
                flash(_("%(created)s created, %(updated)s updated, %(unchanged)s unchanged.",
                        created=format_decimal(result.created), updated=format_decimal(result.updated),
                        unchanged=format_decimal(result.unchanged)))
                return redirect(url_for("staff.legislators", country=form.country.data or None), 303)
    elif form.is_submitted():
        status = 400
    country = request.args.get("country", "").upper()
    query = select(Legislator).order_by(Legislator.iso2, Legislator.name)
    if country:
        query = query.where(Legislator.iso2 == country)
    people = db.session.scalars(query.limit(2000)).all()
    countries = db.session.scalars(select(Legislator.iso2).distinct().order_by(Legislator.iso2)).all()
    return render_template("staff/legislators.html", form=form, problems=problems, people=people,
                           countries=countries, country=country), status


@bp.route("/legislators/<int:legislator_id>", methods=["GET", "POST"])
@roles_required(Role.CAMPAIGNER)
def legislator_edit(legislator_id):
    person = db.get_or_404(Legislator, legislator_id)
    form = LegislatorForm(obj=person)
    if form.validate_on_submit():
        before = {f: getattr(person, f) for f in FIELDS}
        form.populate_obj(person)
        audit.record("legislator.update", f"legislator:{person.iso2}/{person.source_id}",
                     *audit.changes(before, {f: getattr(person, f) for f in FIELDS}))
        db.session.commit()
        flash(_("Legislator saved."))
        return redirect(url_for("staff.legislators", country=person.iso2), 303)
    return render_template("staff/legislator_form.html", form=form, person=person), \
        400 if form.is_submitted() else 200
