"""Campaigners import and edit the legislators letters go to."""

import tempfile
from pathlib import Path

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from sqlalchemy import select
from wtforms import BooleanField, EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from app.extensions import db
from app.letters.importer import LegislatorImportError, import_file, language_problems
from app.letters.models import Legislator
from app.petitions.forms import residence_choices
from app.staff import audit
from app.staff.auth import roles_required
from app.staff.models import Role
from app.staff.routes import bp

FIELDS = ("name", "title", "chamber", "party", "region", "email", "language", "active")


class ImportForm(FlaskForm):
    file = FileField(_l("CSV or Popolo JSON file"), validators=[
        FileRequired(_l("Please choose a file.")),
        FileAllowed(["csv", "json"], _l("Please choose a .csv or .json file."))])
    country = SelectField(_l("Country (for files that do not name it)"), validators=[Optional()])
    language = StringField(_l("Language (for files that do not give one, e.g. sv)"), validators=[
        Optional(), Length(max=20)])


class LegislatorForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Please give a name.")), Length(max=200)])
    title = StringField(_l("Title, e.g. Dr (optional)"), validators=[Length(max=100)])
    chamber = StringField(_l("Chamber"), validators=[Length(max=200)])
    party = StringField(_l("Party"), validators=[Length(max=200)])
    region = StringField(_l("Region"), validators=[Length(max=200)])
    email = EmailField(_l("E-mail address"), validators=[
        DataRequired(_l("Please give an e-mail address.")), Length(max=254),
        Email(_l("This does not look like an e-mail address."), check_deliverability=False)])
    language = StringField(_l("Language, e.g. sv"), validators=[DataRequired(_l("Please give a language.")),
                                                                Length(max=20)])
    active = BooleanField(_l("Receives letters"))

    def validate_language(self, field):
        if field.data and any(language_problems({"language": field.data})):
            raise ValidationError(_l("This is not a language code (e.g. sv, en, zh-hans)."))


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
                        created=result.created, updated=result.updated, unchanged=result.unchanged))
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
