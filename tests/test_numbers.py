"""Every count and share on a page or in a message is written as CLDR writes numbers in its language."""

import re

import pytest
from flask import render_template_string
from flask_babel import ngettext
from sqlalchemy import update

from app.extensions import db
from app.petitions.models import Drive


@pytest.mark.parametrize("tag, written", [("de", "12.000"), ("fr", "12\u202f000"), ("en", "12,000")])
def test_a_plural_messages_number_is_grouped_as_the_language_groups_it(app, tag, written):
    with app.test_request_context(f"/{tag}/"):
        app.preprocess_request()
        in_python = ngettext("%(num)s country", "%(num)s countries", 12000)
        in_a_template = render_template_string("{{ ngettext('%(num)s country', '%(num)s countries', 12000) }}")
    assert written in in_python and written in in_a_template


def test_a_number_given_by_the_caller_is_kept(app):
    with app.test_request_context("/de/"):
        app.preprocess_request()
        assert ngettext("%(num)s country", "%(num)s countries", 2, num="zwei") == "zwei Länder"
        assert render_template_string("{{ ngettext('%(num)s country', '%(num)s countries', 2, num='zwei') }}") \
            == "zwei Länder"


@pytest.mark.parametrize("tag, share", [("tr", "%45"), ("de", "45\u00a0%"), ("en", "45%")])
def test_the_progress_bars_text_is_a_percentage_as_the_language_writes_it(petition_app, tmp_path, tag, share):
    with petition_app.app_context():
        db.session.execute(update(Drive).values(confirmed_count=450))
        db.session.commit()
    html = petition_app.test_client().get(f"/{tag}/drives/sweden-2026").get_data(as_text=True)
    assert re.search(r"<progress [^>]*>([^<]*)</progress>", html).group(1) == share
