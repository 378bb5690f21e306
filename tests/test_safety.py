"""The page that tells a worried visitor what happens to their name, linked from every form that takes it."""

import re

import pytest

from app.extensions import cache


@pytest.mark.parametrize("tag", ["en", "ar", "ug", "zh-hans", "zh-hant", "tr"])
def test_signing_safely_is_there_in_every_language(app, tag):
    response = app.test_client().get(f"/{tag}/signing-safely")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("<h2>") == 7
    heading = re.search(r"<h1>(.*?)</h1>", html).group(1)
    assert (heading == "Signing safely") == (tag == "en")  # translated, not English, in every other language


def test_it_says_what_the_settings_are(app):
    app.config.update(MIN_PUBLIC_COUNT=7, RETENTION_MONTHS=3, CORRECTIONS_EMAIL="privacy@moratorium.example")
    with app.app_context():
        cache.clear()  # the page is cached per data revision, and settings change only with a restart
    html = app.test_client().get("/en/signing-safely").get_data(as_text=True)
    assert "smaller than 7 are shown only as “fewer than 7”" in html
    assert "3 months after the petition closes" in html
    assert "privacy@moratorium.example" in html
    # The exact words of the choice on the signing form, so a reader recognises it.
    assert "Count my signature but leave my name off the list handed to parliament." in html


def test_every_form_that_takes_a_name_links_to_it(letters_app):
    client = letters_app.test_client()
    for path in ("/sv/drives/sweden-2026", "/sv/drives/sweden-2026/letter"):
        html = client.get(path).get_data(as_text=True)
        form = html[html.index("<form"):html.index("</form>")]
        assert re.search(r'<a href="/sv/signing-safely">', form), path
    assert '<a href="/sv/signing-safely">' in client.get("/sv/").get_data(as_text=True)  # and the footer
