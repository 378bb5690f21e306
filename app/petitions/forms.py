import unicodedata
from functools import cache

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import Select

from app import collation, geo

NAME_MAX, EMAIL_MAX, REGION_MAX = 200, 254, 100


def normalised(text):
    """Trimmed, in Unicode NFC, so that the same name typed twice is stored the same way."""
    return unicodedata.normalize("NFC", text.strip()) if isinstance(text, str) else text


class CountrySelect(Select):
    """Renders the untouched 250-country list once per language; a chosen value renders afresh."""

    def __init__(self):
        super().__init__()
        self.rendered = {}

    def __call__(self, field, **kwargs):
        if field.data or field.errors:
            return super().__call__(field, **kwargs)
        key = (str(get_locale()), field.id, field.name, tuple(sorted(kwargs.items())))
        if key not in self.rendered:
            self.rendered[key] = super().__call__(field, **kwargs)
        return self.rendered[key]


@cache
def residence_choices(locale):
    """Every country as (code, name), sorted by name in `locale`; the same for every visitor."""
    names = [(code, geo.name(code, locale)) for code in geo.codes()]
    return tuple(collation.by_name(names, locale, name=lambda choice: choice[1]))


def no_control_characters(form, field):
    if field.data and any(unicodedata.category(c) in {"Cc", "Cf", "Co", "Cs"} for c in field.data):
        raise ValidationError(_l("Please remove the invisible control characters."))


class PersonForm(FlaskForm):
    """Who is signing or writing: a name and an address to confirm, and a trap for bots."""

    name = StringField(_l("Full name"), filters=[normalised], validators=[
        DataRequired(_l("Please give your name.")),
        Length(max=NAME_MAX, message=_l("Please keep your name to %(max)d characters or fewer.")),
        no_control_characters,
    ])
    email = EmailField(_l("E-mail address"), filters=[normalised], validators=[
        DataRequired(_l("Please give your e-mail address: we send you a link to confirm it.")),
        Length(max=EMAIL_MAX, message=_l("This e-mail address is too long.")),
        no_control_characters,
        Email(_l("This does not look like an e-mail address."), check_deliverability=False,
              allow_smtputf8=False),
    ])
    # Hidden from people by CSS; a bot that fills every field fills this one too.
    website = StringField(_l("Leave this field empty"))

    def validate_email(self, field):
        # Case-folding can lengthen an address (ß -> ss); the stored key must still fit.
        if field.data and len(field.data.casefold()) > EMAIL_MAX:
            raise ValidationError(_l("This e-mail address is too long."))

    def is_bot(self):
        return bool(self.website.data)


class SignatureForm(PersonForm):
    """The petition form; the view fills the residence choices in the visitor's language."""

    # The choices are checked by validate_residence: WTForms' own check walks all 250 on every post.
    residence = SelectField(_l("Country of residence"), validate_choice=False, widget=CountrySelect(), validators=[
        InputRequired(_l("Please choose your country of residence.")),
    ])
    region = StringField(_l("Region or postcode (optional)"), filters=[normalised], validators=[
        Optional(),
        Length(max=REGION_MAX, message=_l("Please keep this to %(max)d characters or fewer.")),
        no_control_characters,
    ])
    consent_updates = BooleanField(_l("Send me updates about this campaign"), default=False)
    unnamed = BooleanField(_l("Count my signature but leave my name off the list handed to parliament."),
                           default=False)
    accept_privacy = BooleanField(_l("I have read the privacy notice"), validators=[
        InputRequired(_l("Please accept the privacy notice to sign.")),
    ])

    def fill_choices(self, locale):
        self.residence.choices = [("", _l("Choose…")), *residence_choices(str(locale))]
        return self

    def validate_residence(self, field):
        if field.data and not geo.exists(field.data):
            raise ValidationError(_l("Please choose a country from the list."))


class ActionForm(FlaskForm):
    """A button: links in mail only show a page, so a link scanner's GET changes nothing."""
