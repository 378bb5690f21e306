"""Letter templates: merge fields and simple conditions on them, nothing else, refused when saved."""

import re
import time

import pytest

from app.letters.templates import RENDERED_MAX, LetterTemplateError, check, render
from tests.staff import TEXTS, client_as, launch, post_form

FIELDS = {"signer_name": "Anna Berg", "signer_region": "Skåne", "legislator_name": "Björn Berg",
          "legislator_title": "Ledamot", "country": "Sweden", "drive_title": "Stop extraditions"}


def test_a_template_renders_with_the_merge_fields():
    source = "Dear {{ legislator_title }} {{ legislator_name }},\n\nI live in {{ signer_region }}.\n{{ signer_name }}"
    check(source)
    assert render(source, FIELDS) == "Dear Ledamot Björn Berg,\n\nI live in Skåne.\nAnna Berg"


def test_letters_are_plain_text_not_escaped_html():
    assert render("{{ signer_name }}", {**FIELDS, "signer_name": "Anna <Berg> & Co"}) == "Anna <Berg> & Co"


CONDITIONS = (
    "{% if signer_region %}I live in {{ signer_region }}.{% elif not signer_name %}Anonymous.{% else %}"
    "I live here.{% endif %}"
    '{% if legislator_title == "Dr" and (country != "Sweden" or not signer_region) %} Doctor.{% endif %}'
    '{% if "Dr" != legislator_title %} Not a doctor.{% endif %}'
    "{%- raw %} {{ kept as text }}{% endraw %}{# a note for campaigners #}"
)


@pytest.mark.parametrize("fields, letter", [
    (FIELDS, "I live in Skåne. Not a doctor. {{ kept as text }}"),
    ({**FIELDS, "signer_region": "", "legislator_title": "Dr", "country": "Norway"},
     "I live here. Doctor. {{ kept as text }}"),
    ({**FIELDS, "signer_region": "", "signer_name": ""}, "Anonymous. Not a doctor. {{ kept as text }}"),
])
def test_merge_fields_and_simple_conditions_are_the_grammar(fields, letter):
    check(CONDITIONS)
    assert render(CONDITIONS, fields) == letter


@pytest.mark.parametrize("source, reason", [
    # What a security review did with the old sandbox: exhaust the server, 500 on save or on view,
    # print a function's memory address.
    ("{% if signer_name %}{{ signer_name * 100000000 }}{% endif %}", "line 1: arithmetic cannot be used"),
    ("{% for a in signer_name * 9 %}{% for b in signer_name * 9 %}x{% endfor %}{% endfor %}", "a loop"),
    ("{% if signer_region %}{{ signer_name.nope }}{% endif %}", "attribute access"),
    ('{% include "base.html" %}', "{% include %} cannot be used"),
    ('{% extends "base.html" %}', "{% extends %} cannot be used"),
    ('{% import "_forms.html" as forms %}', "{% import %} cannot be used"),
    ('{% from "_forms.html" import field_row %}', "{% from ... import %} cannot be used"),
    ("{% if signer_name %}" * 21 + "x" + "{% endif %}" * 21, "nested more than 20 levels deep"),
    ("{% if signer_name %}" * 500 + "x" + "{% endif %}" * 500, "nested too deeply"),
    ("{{ " + "(" * 3000 + "signer_name" + ")" * 3000 + " }}", "nested too deeply"),
    ("{% block letter %}{{ self.letter() }}{% endblock %}", "a block cannot be used"),
    ("{{ self }}", "unknown field self"),
    ("{{ signer_name.format_map }}", "attribute access"),
    # And everything else that is not a merge field or a simple condition.
    ("{{ password }}", "unknown field password; the fields are signer_name,"),
    ("{% if password %}x{% endif %}", "unknown field password"),
    ("{% for i in range(10**9) %}x{% endfor %}", "a loop"),
    ("{{ signer_name.__class__.__mro__ }}", "attribute access"),
    ("{{ signer_name|attr('__class__') }}", "a filter"),
    ("{{ signer_name|upper }}", "a filter"),
    ("{{ lipsum() }}", "a call"),
    ("{{ signer_name[0] }}", "item access"),
    ("{{ signer_name ~ country }}", "joining"),
    ('{{ "text" }}', "a value other than a merge field"),
    ("{{ signer_name if country }}", "an inline if"),
    ("{% set signer_name = 'x' %}", "{% set %}"),
    ("{% macro m() %}x{% endmacro %}", "a macro"),
    ("{% if signer_name is defined %}x{% endif %}", "a test (is)"),
    ("{% if signer_name == country %}x{% endif %}", "not of a merge field with a text in quotes"),
    ('{% if signer_name < "M" %}x{% endif %}', "other than one == or !="),
    ('{% if signer_name == "a" == "b" %}x{% endif %}', "other than one == or !="),
    ("{{ signer_name and country }}", "a condition outside {% if %}"),
    ("{% if " + " and ".join(["signer_name"] * 25) + " %}x{% endif %}", "nested more than 20 levels deep"),
    ("x" * (RENDERED_MAX + 1), "longer than 20,000 characters"),
    ("Dear {{ legislator_name }", "line 1:"),
    ("{% if %}", "line 1:"),
])
def test_anything_but_the_grammar_is_refused_with_the_reason(source, reason):
    with pytest.raises(LetterTemplateError, match=re.escape(reason)):
        check(source)


def test_a_stored_template_that_breaks_the_rules_never_runs():
    """One saved before these rules (or written into the database) is checked before it renders."""
    started = time.perf_counter()
    with pytest.raises(LetterTemplateError, match="arithmetic"):
        render("{% if signer_name %}{{ signer_name * 100000000 }}{% endif %}", FIELDS)
    assert time.perf_counter() - started < 1


@pytest.mark.parametrize("source, fields, reason", [
    ("{{ drive_title }}" * 200, {**FIELDS, "drive_title": "x" * 200}, "longer than 20,000 characters"),
    ("{{ personal_paragraph }}", FIELDS, "cannot be rendered"),  # a field missing: any error is caught
])
def test_a_letter_that_cannot_be_rendered_is_refused(source, fields, reason):
    check(source)
    with pytest.raises(LetterTemplateError, match=reason):
        render(source, fields)


LETTER_DRIVE = """
slug: letters
country: SE
goal: 10
texts:
  en:
    title: T
    summary: S
    petition: P
    letter_subject: '{subject}'
    letter_body: '{body}'
"""


@pytest.mark.parametrize("subject, body, message", [
    ("A letter from {{ signer_name }}", 'Dear {{ legislator_name }}{% if signer_region != "" %}, {% endif %}', None),
    ("Hi", "{{ signer_name.__init__.__globals__ }}", "texts.en.letter_body: This template cannot be used: line 1: attribute access"),
    ("Hi {{ nobody }}", "Body", "texts.en.letter_subject: This template cannot be used: line 1: unknown field nobody"),
    ("Hi", "{% if signer_name %}{{ signer_name * 100000000 }}{% endif %}", "texts.en.letter_body: This template cannot be used: line 1: arithmetic"),
    ("Hi", '{% include "base.html" %}', "texts.en.letter_body: This template cannot be used: line 1: {% include %} cannot be used"),
    ("Hi", "{% if signer_name %}" * 500 + "{% endif %}" * 500, "texts.en.letter_body: This template cannot be used: nested too deeply"),
    ("{{ self }}", "Body", "texts.en.letter_subject: This template cannot be used: line 1: unknown field self"),
    ("Hi", "", "must not be empty"),
])
def test_the_drive_file_checks_its_letter_templates_when_loaded(empty_app, tmp_path, subject, body, message):
    path = tmp_path / "drive.yaml"
    path.write_text(LETTER_DRIVE.format(subject=subject, body=body), encoding="utf-8")
    result = empty_app.test_cli_runner().invoke(args=["drives", "create", "--file", str(path)])
    if message is None:
        assert result.exit_code == 0, result.output
    else:
        assert result.exit_code != 0 and message in result.output


@pytest.mark.parametrize("body, reason", [
    ("{% if signer_name %}{{ signer_name * 100000000 }}{% endif %}", "arithmetic cannot be used"),
    ("{% for a in signer_name %}{% for b in signer_name %}x{% endfor %}{% endfor %}", "a loop"),
    ("{% if signer_name %}{{ signer_name.nope }}{% endif %}", "attribute access"),
    ('{% extends "base.html" %}', "{% extends %} cannot be used"),
    ("{% if signer_name %}" * 500 + "x" + "{% endif %}" * 500, "nested too deeply"),
    ("{% block b %}{{ self.b() }}{% endblock %}", "a block cannot be used"),
    ("{{ signer_name.format_map }}", "attribute access"),
])
def test_the_back_office_refuses_a_template_with_the_reason(staff_app, body, reason):
    client = client_as(staff_app, "campaigner")
    drive_id = launch(client)
    response = post_form(client, f"/en/staff/drives/{drive_id}/texts/en", {
        **TEXTS, "letter_subject": "A letter from {{ signer_name }}", "letter_body": body})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "This template cannot be used" in page
    assert reason.replace('"', "&#34;") in page


def test_the_back_office_saves_merge_fields_and_conditions(staff_app):
    client = client_as(staff_app, "campaigner")
    drive_id = launch(client)
    response = post_form(client, f"/en/staff/drives/{drive_id}/texts/en", {
        **TEXTS, "letter_subject": "A letter from {{ signer_name }}", "letter_body": CONDITIONS})
    assert response.status_code == 303
