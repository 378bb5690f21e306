"""Campaigners launch drives: settings, texts per language, preview, publish, close, archive."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from app.extensions import db
from app.i18n import language_name
from app.letters import services as letters
from app.letters import templates as letter_templates
from app.petitions import drivefile
from app.petitions.drivefile import SLUG
from app.petitions.forms import SignatureForm, residence_choices
from app.petitions.models import Drive, DriveState, DriveText
from app.petitions.states import StateChange, change_state
from app.records import today
from app.staff import audit
from app.staff.auth import roles_required
from app.staff.models import Role
from app.staff.routes import bp

# What each button may do, from which states.
TRANSITIONS = {
    "publish": ({DriveState.DRAFT, DriveState.CLOSED}, DriveState.OPEN),
    "close": ({DriveState.OPEN}, DriveState.CLOSED),
    "archive": ({DriveState.CLOSED}, DriveState.ARCHIVED),
}


def one_line(form, field):
    if field.data and not drivefile.single_line(field.data):
        raise ValidationError(_l("Please keep this to one line."))


def template_field(form, field):
    if field.data:
        try:
            letter_templates.check(field.data)
        except letter_templates.LetterTemplateError as error:
            raise ValidationError(_l("This template cannot be used: %(reason)s", reason=str(error))) from None


def stripped(text):
    return text.strip() if isinstance(text, str) else text


class DriveForm(FlaskForm):
    country = SelectField(_l("Country"), validators=[InputRequired(_l("Please choose a country."))])
    slug = StringField(_l("Address (slug)"), filters=[stripped], validators=[
        DataRequired(_l("Please give the drive an address.")), Length(max=80)])
    goal = IntegerField(_l("Goal (signatures)"), validators=[
        InputRequired(_l("Please give a whole number of signatures.")),
        NumberRange(min=1, max=100_000_000, message=_l("Please give a whole number of signatures."))])
    opens_on = DateField(_l("Opens on (optional)"), validators=[Optional()])
    closes_on = DateField(_l("Closes on (optional)"), validators=[Optional()])
    main_locale = SelectField(_l("Main language"))
    target_kind = SelectField(_l("Letters go to"), choices=[
        ("all", _l("All the country's active legislators")), ("chamber", _l("One chamber or committee")),
        ("legislators", _l("A list of legislators"))])
    target_value = TextAreaField(_l("Chamber name, or legislator ids (one per line)"), filters=[stripped])

    def fill_choices(self):
        self.country.choices = [("", _l("Choose…")), *residence_choices(str(get_locale()))]
        self.main_locale.choices = [(tag, language_name(tag, get_locale())) for tag in current_app.config["LANGUAGES"]]
        return self

    def validate_slug(self, field):
        if field.data and not SLUG.fullmatch(field.data):
            raise ValidationError(_l("Lowercase letters, digits and hyphens only, e.g. sweden-2026."))

    def validate_closes_on(self, field):
        if field.data and self.opens_on.data and field.data < self.opens_on.data:
            raise ValidationError(_l("The drive cannot close before it opens."))

    def validate_target_value(self, field):
        if self.target_kind.data != "all" and not field.data:
            raise ValidationError(_l("Please name the chamber or list the legislators."))

    def targets(self):
        if self.target_kind.data == "chamber":
            return {"chamber": self.target_value.data}
        if self.target_kind.data == "legislators":
            return {"legislators": [line.strip() for line in self.target_value.data.splitlines() if line.strip()]}
        return {"all": True}


class TextForm(FlaskForm):
    title = StringField(_l("Title"), filters=[stripped], validators=[
        DataRequired(_l("Please give a title.")), Length(max=200), one_line])
    summary = TextAreaField(_l("Summary"), filters=[stripped], validators=[DataRequired(_l("Please give a summary."))])
    petition = TextAreaField(_l("Petition text"), filters=[stripped], validators=[
        DataRequired(_l("Please give the petition text."))])
    letter_subject = StringField(_l("Letter subject (optional)"), filters=[stripped], validators=[
        Optional(), Length(max=300), one_line, template_field])
    letter_body = TextAreaField(_l("Letter body (optional)"), filters=[stripped], validators=[
        Optional(), template_field])

    def validate_letter_body(self, field):
        if bool(field.data) != bool(self.letter_subject.data):
            raise ValidationError(_l("Give both the letter's subject and its body, or neither."))


def settings(drive):
    return {"slug": drive.slug, "iso2": drive.iso2, "goal": drive.goal, "opens_on": drive.opens_on,
            "closes_on": drive.closes_on, "main_locale": drive.main_locale, "targets": drive.targets,
            "state": drive.state}


def apply_settings(drive, form):
    drive.slug, drive.iso2, drive.goal = form.slug.data, form.country.data, form.goal.data
    drive.opens_on, drive.closes_on, drive.main_locale = form.opens_on.data, form.closes_on.data, form.main_locale.data
    drive.targets = form.targets()


def slug_taken(slug, drive_id=None):
    return db.session.scalar(select(Drive.id).where(Drive.slug == slug, Drive.id != (drive_id or 0))) is not None


@bp.route("/drives/new", methods=["GET", "POST"])
@roles_required(Role.CAMPAIGNER)
def drive_new():
    form = DriveForm(main_locale=current_app.config["DEFAULT_LANGUAGE"]).fill_choices()
    if form.validate_on_submit():
        if slug_taken(form.slug.data):
            form.slug.errors.append(_("Another drive already has this address."))
        else:
            drive = Drive(state=DriveState.DRAFT)
            apply_settings(drive, form)
            db.session.add(drive)
            db.session.flush()
            audit.record("drive.create", f"drive:{drive.slug}", after=settings(drive))
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
                           transitions={name: drive.state in sources for name, (sources, _t) in TRANSITIONS.items()},
                           recipients=len(letters.recipients(drive)))


@bp.route("/drives/<int:drive_id>/settings", methods=["GET", "POST"])
@roles_required(Role.CAMPAIGNER)
def drive_settings(drive_id):
    drive = db.get_or_404(Drive, drive_id)
    kind = next(iter(drive.targets))
    value = drive.targets.get("chamber") or "\n".join(drive.targets.get("legislators", []))
    form = DriveForm(obj=drive, country=drive.iso2, target_kind=kind, target_value=value).fill_choices()
    if form.validate_on_submit():
        if slug_taken(form.slug.data, drive.id):
            form.slug.errors.append(_("Another drive already has this address."))
        elif drive.state != DriveState.DRAFT and form.main_locale.data not in {t.locale for t in drive.texts}:
            form.main_locale.errors.append(_("A published drive needs its texts in its main language."))
        else:
            before = settings(drive)
            apply_settings(drive, form)
            audit.record("drive.update", f"drive:{drive.slug}", *audit.changes(audit.plain(before),
                                                                                 audit.plain(settings(drive))))
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
    text = next((t for t in drive.texts if t.locale == tag), None)
    form = TextForm(obj=text)
    if form.validate_on_submit():
        before = text_values(text) if text else None
        if text is None:
            text = DriveText(locale=tag)
            drive.texts.append(text)
        form.populate_obj(text)
        text.letter_subject, text.letter_body = text.letter_subject or None, text.letter_body or None
        after = text_values(text)
        audit.record("drive.text", f"drive:{drive.slug}/{tag}",
                     *(audit.changes(before, after) if before else (None, after)))
        db.session.commit()
        flash(_("Texts saved."))
        return redirect(url_for("staff.drive_show", drive_id=drive.id), 303)
    return render_template("staff/drive_text.html", form=form, drive=drive, tag=tag,
                           merge_fields=", ".join(letter_templates.MERGE_FIELDS)), \
        400 if form.is_submitted() else 200


def text_values(text):
    return {k: getattr(text, k) for k in ("title", "summary", "petition", "letter_subject", "letter_body")}


@bp.post("/drives/<int:drive_id>/state")
@roles_required(Role.CAMPAIGNER)
def drive_state(drive_id):
    drive = db.get_or_404(Drive, drive_id)
    action = request.form.get("action")
    form = FlaskForm()
    if action not in TRANSITIONS or not form.validate_on_submit():
        abort(400)
    sources, target = TRANSITIONS[action]
    if drive.state not in sources:
        flash(_("This drive cannot do that from its current state."))
        return redirect(url_for("staff.drive_show", drive_id=drive.id), 303)
    before = drive.state
    if change_state(drive, target, today()) == StateChange.NEEDS_MAIN_TEXT:
        flash(_("A drive cannot be published before its title, summary and petition exist in its main language."))
        return redirect(url_for("staff.drive_show", drive_id=drive.id), 303)
    audit.record("drive.state", f"drive:{drive.slug}", {"state": str(before)}, {"state": str(target)})
    db.session.commit()
    flash(DONE[action]())
    return redirect(url_for("staff.drive_show", drive_id=drive.id), 303)


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
    from app.i18n import current_tag
    drive = db.get_or_404(Drive, drive_id)
    if drive.text(current_tag()) is None:
        flash(_("This drive has no texts yet."))
        return redirect(url_for("staff.drive_show", drive_id=drive.id), 303)
    can_write = letters.writable(drive)
    return render_template(
        "petitions/drive.html", drive=drive, text=drive.text(current_tag()),
        form=SignatureForm().fill_choices(get_locale()), signable=drive.signable_on(today()) or
        drive.state == DriveState.DRAFT, expired=False, can_write=can_write, letters_sent=0,
        letters_by_legislator=[], preview=True)
