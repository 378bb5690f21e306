import unicodedata

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from app.petitions.forms import PersonForm

PERSONAL_MAX = 2000
# Line breaks and tabs belong in a paragraph; the joiners are needed to write Persian, Uyghur
# and emoji, the direction marks to mix right-to-left and left-to-right text, the soft hyphen
# and tag characters for words and flags (🏴 of Scotland). Every other control or format
# character is refused (NUL, escape sequences, bidi overrides...).
ALLOWED_CONTROLS = frozenset("\n\t\u200c\u200d\u200e\u200f\u061c\u00ad") | frozenset(map(chr, range(0xE0020, 0xE0080)))


def paragraph(text):
    """Trimmed, NFC, with the browser's CRLF line ends made plain newlines."""
    if not isinstance(text, str):
        return text
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def plain_text(form, field):
    if field.data and any(unicodedata.category(c) in {"Cc", "Cf", "Co", "Cs"} and c not in ALLOWED_CONTROLS
                          for c in field.data):
        raise ValidationError(_l("Please remove the invisible control characters."))


class LetterForm(PersonForm):
    """The letter to legislators: whom (by region), who writes, and their own words."""

    region = SelectField(_l("Your region"), validate_choice=False)
    personal = TextAreaField(_l("Your own words (optional)"), filters=[paragraph], validators=[
        Optional(),
        Length(max=PERSONAL_MAX, message=_l("Please keep this to %(max)d characters or fewer.")),
        plain_text,
    ])
    accept_privacy = BooleanField(_l("I have read the privacy notice"), validators=[
        InputRequired(_l("Please accept the privacy notice to send your letter.")),
    ])

    def fill_choices(self, regions):
        self.region.choices = [("", _l("All the legislators this campaign writes to")),
                               *((region, region) for region in regions)]
        self.known_regions = frozenset(regions)
        return self

    def validate_region(self, field):
        if field.data and field.data not in self.known_regions:
            raise ValidationError(_l("Please choose a region from the list."))

    def preview_is_valid(self):
        """What a preview needs: a known region and a paragraph within bounds; the rest may wait."""
        fields = [self.region, self.personal] + ([self.name] if self.name.data else [])
        return all([field.validate(self, inline_validators(self, field)) for field in fields])


def inline_validators(form, field):
    """The form's validate_<field> method, which Form.validate would add (Field.validate alone does not)."""
    inline = getattr(type(form), f"validate_{field.name}", None)
    return [inline] if inline else []
