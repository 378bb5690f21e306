"""Letter templates: Jinja's sandbox, the merge fields and nothing else, refused when saved."""

import pytest

from app.letters.templates import LetterTemplateError, check, render

FIELDS = {"signer_name": "Anna Berg", "signer_region": "Skåne", "legislator_name": "Björn Berg",
          "legislator_title": "Ledamot", "country": "Sweden", "drive_title": "Stop extraditions"}


def test_a_template_renders_with_the_merge_fields():
    source = "Dear {{ legislator_title }} {{ legislator_name }},\n\nI live in {{ signer_region }}.\n{{ signer_name }}"
    check(source)
    assert render(source, FIELDS) == "Dear Ledamot Björn Berg,\n\nI live in Skåne.\nAnna Berg"


def test_letters_are_plain_text_not_escaped_html():
    assert render("{{ signer_name }}", {**FIELDS, "signer_name": "Anna <Berg> & Co"}) == "Anna <Berg> & Co"


@pytest.mark.parametrize("source, reason", [
    ("{{ password }}", "unknown field password"),
    ("{% for i in range(10**9) %}x{% endfor %}", "unknown field range"),
    ("{{ signer_name.__class__.__mro__ }}", "not allowed in a letter template"),
    ("{{ signer_name|attr('__class__') }}", "not allowed in a letter template"),
    ("{{ lipsum() }}", "unknown field lipsum"),
    ("Dear {{ legislator_name }", "line 1:"),
    ("{% if %}", "line 1:"),
])
def test_anything_but_the_merge_fields_is_refused(source, reason):
    with pytest.raises(LetterTemplateError, match=reason.replace("(", r"\(")):
        check(source)


LETTER_DRIVE = """
slug: letters
country: SE
goal: 10
texts:
  en:
    title: T
    summary: S
    petition: P
    letter_subject: "{subject}"
    letter_body: "{body}"
"""


@pytest.mark.parametrize("subject, body, message", [
    ("A letter from {{ signer_name }}", "Dear {{ legislator_name }}", None),
    ("Hi", "{{ signer_name.__init__.__globals__ }}", "texts.en.letter_body: not allowed in a letter template"),
    ("Hi {{ nobody }}", "Body", "texts.en.letter_subject: unknown field nobody"),
    ("Hi", "", "must not be empty"),
])
def test_the_drive_file_checks_its_letter_templates_when_saved(empty_app, tmp_path, subject, body, message):
    path = tmp_path / "drive.yaml"
    path.write_text(LETTER_DRIVE.format(subject=subject, body=body), encoding="utf-8")
    result = empty_app.test_cli_runner().invoke(args=["drives", "create", "--file", str(path)])
    if message is None:
        assert result.exit_code == 0, result.output
    else:
        assert result.exit_code != 0 and message in result.output
