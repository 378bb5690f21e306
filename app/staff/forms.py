"""The back office's forms: each validates its fields; the views call the services with the data."""

from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from app.i18n import language_name
from app.letters.importer import language_problems
from app.petitions import drives, paper
from app.petitions.forms import residence_choices
from app.records import today
from app.staff import exports
from app.staff.auth import PASSWORD_MIN
from app.staff.models import Role
from app.updates import labels as update_labels
from app.updates import publishing
from app.updates.models import UpdateKind

ROLE_LABELS = {
    Role.ADMIN: _l("Admin: accounts and everything"),
    Role.CAMPAIGNER: _l("Campaigner: drives, legislators and data"),
    Role.ORGANISER: _l("Organiser: progress and exports"),
}


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(_l("Please give your e-mail address.")),
                                                          Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Please give your password.")),
                                                         Length(max=1000)])
    next = HiddenField()


def password_validators(required):
    first = DataRequired(_l("Please choose a password.")) if required else Optional()
    return [first, Length(min=PASSWORD_MIN, max=1000,
                          message=_l("Passwords have at least %(min)d characters."))]


class UserForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[
        DataRequired(_l("Please give an e-mail address.")), Length(max=254),
        Email(_l("This does not look like an e-mail address."), check_deliverability=False)])
    role = SelectField(_l("Role"), choices=[(r.value, label) for r, label in ROLE_LABELS.items()])
    password = PasswordField(_l("Password"), validators=password_validators(required=True))
    active = BooleanField(_l("Can log in"), default=True)


class UserEditForm(UserForm):
    password = PasswordField(_l("New password (leave empty to keep it)"), validators=password_validators(False))


class ExportForm(FlaskForm):
    profile = RadioField(_l("Export type"), default="delivery", choices=[
        ("delivery", _l("Delivery, for a parliament: name, region, country, date confirmed; no e-mail addresses")),
        ("supporters", _l("Supporters, for a CRM: people who agreed to updates, with e-mail address and language"))])
    format = RadioField(_l("Format"), default="csv", choices=[
        ("csv", _l("CSV (spreadsheets)")), ("ndjson", _l("NDJSON (one JSON object per line)"))])
    since = DateField(_l("Signed from (optional)"), validators=[Optional()])
    until = DateField(_l("Signed until (optional)"), validators=[Optional()])
    confirmed_only = BooleanField(_l("Confirmed signatures only"), default=True)

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The end cannot come before the start."))

    def export(self, drive):
        return exports.Export(drive, self.profile.data, self.format.data, self.since.data, self.until.data,
                              self.confirmed_only.data)


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


def rule(problem):
    """A WTForms validator from one of the drive rules (app.petitions.drives)."""
    def validate(form, field):
        if field.data not in (None, "") and (message := problem(field.data)):
            raise ValidationError(message)
    return validate


def one_line(longest):
    return rule(lambda value: drives.line_problem(value, longest))


def stripped(text):
    return text.strip() if isinstance(text, str) else text


class DriveForm(FlaskForm):
    country = SelectField(_l("Country"), validators=[InputRequired(_l("Please choose a country."))])
    slug = StringField(_l("Address (slug)"), filters=[stripped], validators=[
        DataRequired(_l("Please give the drive an address.")), rule(drives.slug_problem)])
    goal = IntegerField(_l("Goal (signatures)"), validators=[
        InputRequired(_l("Please give a whole number of signatures.")),
        rule(drives.goal_problem)])
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

    def validate_closes_on(self, field):
        if message := drives.dates_problem(self.opens_on.data, field.data):
            raise ValidationError(message)

    def validate_target_value(self, field):
        if self.target_kind.data != "all" and not field.data:
            raise ValidationError(_l("Please name the chamber or list the legislators."))

    def targets(self):
        if self.target_kind.data == "chamber":
            return {"chamber": self.target_value.data}
        if self.target_kind.data == "legislators":
            return {"legislators": [line.strip() for line in self.target_value.data.splitlines() if line.strip()]}
        return {"all": True}


class DriveStateForm(FlaskForm):
    """One of the drive page's buttons: publish, close or archive."""

    action = SelectField(choices=[(action, action) for action in drives.TRANSITIONS])


class TextForm(FlaskForm):
    title = StringField(_l("Title"), filters=[stripped], validators=[
        DataRequired(_l("Please give a title.")), one_line(drives.TITLE_MAX)])
    summary = TextAreaField(_l("Summary"), filters=[stripped], validators=[DataRequired(_l("Please give a summary."))])
    petition = TextAreaField(_l("Petition text"), filters=[stripped], validators=[
        DataRequired(_l("Please give the petition text."))])
    letter_subject = StringField(_l("Letter subject (optional)"), filters=[stripped], validators=[
        Optional(), one_line(drives.SUBJECT_MAX), rule(drives.template_problem)])
    letter_body = TextAreaField(_l("Letter body (optional)"), filters=[stripped], validators=[
        Optional(), rule(drives.template_problem)])

    def validate_letter_body(self, field):
        if message := drives.letter_problem(self.letter_subject.data, field.data):
            raise ValidationError(message)


class PaperForm(FlaskForm):
    """The attestation every batch of paper signatures carries: when, where, and who keeps the sheets."""

    gathered_on = DateField(_l("Gathered on"), validators=[
        InputRequired(_l("Please give the day the signatures were gathered.")), rule(paper.day_problem)])
    event = StringField(_l("Event"), filters=[stripped], validators=[
        DataRequired(_l("Please name the event where they were gathered.")), Length(max=paper.TEXT_MAX),
        rule(paper.text_problem)])
    held_by = StringField(_l("Who keeps the sheets"), filters=[stripped], validators=[
        DataRequired(_l("Please say who keeps the paper sheets.")), Length(max=paper.TEXT_MAX),
        rule(paper.text_problem)])

    def attestation(self):
        return {"gathered_on": self.gathered_on.data, "event": self.event.data, "held_by": self.held_by.data}


class PaperRowsForm(PaperForm):
    file = FileField(_l("CSV file"), validators=[
        FileRequired(_l("Please choose a file.")), FileAllowed(["csv"], _l("Please choose a .csv file."))])


class PaperCountForm(PaperForm):
    count = IntegerField(_l("Number of signatures"), validators=[
        InputRequired(_l("Please give a whole number of signatures, at least 1.")), rule(paper.count_problem)])


class PaperRemoveForm(FlaskForm):
    batch = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    confirm = BooleanField(_l("Yes, remove this batch and its signatures"), validators=[
        DataRequired(_l("Please tick the box to confirm."))])


UPDATE_KIND_LABELS = {UpdateKind.NEWS: _l("News"), **update_labels.KINDS}  # the timeline labels milestones only
OUTCOME_LABELS = update_labels.OUTCOMES
# What a milestone is missing, said next to the field.
FACT_REQUIRED = {
    "happened_on": _l("Please give the date."),
    "handed_to": _l("Please say to whom the signatures were handed."),
    "signatures_handed": _l("Please say how many signatures were handed over."),
    "link": _l("Please give the web address."),
    "outcome": _l("Please choose the outcome."),
}


class UpdateForm(FlaskForm):
    """An update's kind and, for a milestone, its facts: each kind requires its own."""

    kind = SelectField(_l("Kind"), choices=[(kind.value, label) for kind, label in UPDATE_KIND_LABELS.items()])
    happened_on = DateField(_l("Date (handed over, debate)"), validators=[Optional()])
    handed_to = StringField(_l("Handed to (handed over)"), filters=[stripped], validators=[Length(max=300)])
    signatures_handed = IntegerField(_l("How many signatures (handed over)"), validators=[
        Optional(), NumberRange(min=1, max=1_000_000_000, message=_l("Please give a number above zero."))])
    link = StringField(_l("Web address (government response, debate)"), filters=[stripped], validators=[
        Length(max=publishing.LINK_MAX), rule(publishing.link_problem)])
    outcome = SelectField(_l("Outcome"), choices=[("", _l("Choose…")),
                                                   *((o.value, label) for o, label in OUTCOME_LABELS.items())])

    def validate_happened_on(self, field):
        if field.data and (message := publishing.date_problem(field.data, today())):
            raise ValidationError(message)

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.kind.errors:
            return False
        for name in publishing.FACTS[UpdateKind(self.kind.data)]:
            given = self[name].raw_data and self[name].raw_data[0].strip()
            if not given:  # left empty (or not sent): say what is missing, whatever else WTForms said
                self[name].errors = [FACT_REQUIRED[name]]
                valid = False
        return valid

    def facts(self):
        return {name: self[name].data or None for name in publishing.ALL_FACTS}


class UpdateTextForm(FlaskForm):
    title = StringField(_l("Title"), filters=[stripped], validators=[
        DataRequired(_l("Please give a title.")), one_line(publishing.TITLE_MAX)])
    body = TextAreaField(_l("Text"), filters=[stripped], validators=[
        DataRequired(_l("Please write the update.")),
        Length(max=publishing.BODY_MAX, message=_l("At most %(max)d characters, please.")),
        rule(publishing.html_problem)])


class UpdateTestForm(FlaskForm):
    """Send me a test, written as the signers of one language get it."""

    locale = SelectField(_l("Language"))

    def fill_choices(self):
        self.locale.choices = [(tag, language_name(tag, get_locale())) for tag in current_app.config["LANGUAGES"]]
        return self


class UpdatePublishForm(FlaskForm):
    mail_it = BooleanField(_l("Mail it to every confirmed supporter who agreed to updates (once only)"))
