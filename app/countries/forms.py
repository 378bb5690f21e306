from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField

from app import collation, geo
from app.countries.labels import VERDICTS


class CountryFilter(FlaskForm):
    """The country index's filters: a GET form, so every filtered list has a link."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), default="")
    region = SelectField(_l("Region"), default="")

    def fill_choices(self, locale):
        self.status.choices = [("", _l("All statuses"))] + list(VERDICTS.items())
        self.region.choices = [("", _l("All regions"))] + collation.by_name(
            [(code, geo.name(code, locale)) for code in geo.REGIONS], locale, name=lambda choice: choice[1])
        return self
