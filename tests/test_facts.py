"""What the pages publish: public text only, verdicts that fit, the data in every language."""

import html
import json
import re
from datetime import date

import pytest
from babel.messages.catalog import Catalog
from sqlalchemy import select

from app.countries import labels
from app.extensions import cache, db
from app.treaties import texts
from app.treaties.dates import PartialDate
from app.treaties.loader import SPECS
from app.treaties.models import Case, LegalBasis, Measure, Treaty
from app.treaties.status import Verdict, standing


def research_notes(app):
    """Every research note in the data, long enough to recognise anywhere."""
    with app.app_context():
        notes = [row.research_note for model in (Treaty, Measure, Case, LegalBasis)
                 for row in db.session.scalars(select(model)) if len(row.research_note) > 30]
    assert len(notes) > 50, "the data keeps its researchers' notes"
    return notes


def countries_with_data(app):
    with app.app_context():
        return sorted({row.iso2 for model in (Treaty, Measure, Case, LegalBasis) for row in db.session.scalars(select(model))})


def public_answers(app, client):
    """The text of every public page type, API answer and export that shows the data."""
    codes = countries_with_data(app)
    paths = ["/en/", "/en/countries/", "/en/methodology", "/zh-hans/", "/ar/countries/hk"]
    paths += [f"/en/countries/{code.lower()}" for code in codes]
    paths += [f"/api/v1/countries/{code.lower()}" for code in codes]
    paths += ["/api/v1/countries", "/api/v1/countries.csv", "/api/v1/openapi.json"]
    paths += [f"/api/v1/{name.removesuffix('.csv')}.csv" for name in SPECS]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        yield path, response.get_data(as_text=True)


def readable(path, text):
    """The text a reader of the answer gets: HTML entities and JSON escapes undone."""
    if path.startswith("/api/") and not path.endswith(".csv"):
        return json.dumps(json.loads(text), ensure_ascii=False)
    return html.unescape(text)


def test_no_page_api_answer_or_export_shows_a_research_note(app, client):
    notes = research_notes(app)
    for path, text in public_answers(app, client):
        text = readable(path, text)
        for note in notes:
            assert note[:60] not in text and note[-60:] not in text, (path, note[:60])


def test_loading_the_public_download_keeps_the_research_notes(app, client, empty_app, tmp_path):
    for name in SPECS:
        (tmp_path / name).write_bytes(client.get(f"/api/v1/{name.removesuffix('.csv')}.csv").data)
    runner = empty_app.test_cli_runner()
    assert runner.invoke(args=["data", "load"]).exit_code == 0  # data/, with its research notes
    assert runner.invoke(args=["data", "load", "--dir", str(tmp_path)]).exit_code == 0  # the download, without
    assert research_notes(empty_app) == research_notes(app)


def test_no_public_text_speaks_of_memory_or_conjecture(app):
    with app.app_context():
        public = [getattr(row, column) for name, spec in SPECS.items() for column in spec.texts
                  for row in db.session.scalars(select(spec.model))]
    assert len(public) > 150
    for text in public:
        assert not re.search(r"\bmemory\b|conjecture|\bSD\b|\bEIF\b|\bNPCSC\b|\bverify\b|\?\)", text), text


@pytest.mark.parametrize("code, label, sentence", [
    ("hk", "Its own arrangements with the mainland", "A special administrative region of the People"),
    ("mo", "Its own arrangements with the mainland", "Law 6/2006"),
    ("tw", "Its own arrangements with the mainland", "Returns across the Taiwan Strait run under a cross-strait agreement"),
    ("us", "No extradition treaty", "Its law allows extradition only under a treaty."),
    ("nl", "No extradition treaty", "Its law allows extradition only under a treaty."),
    ("se", "No extradition treaty", "Its law allows extradition without a treaty, case by case."),
    ("sk", "No extradition treaty", "Whether its law allows extradition without a treaty has not been established here."),
    ("bo", "No extradition treaty", "Whether its law allows extradition without a treaty has not been established here."),
])
def test_every_country_gets_the_verdict_that_fits_it(client, code, label, sentence):
    html = client.get(f"/en/countries/{code}").get_data(as_text=True)
    verdict = re.search(r'<section class="verdict.*?</section>', html, re.DOTALL).group(0)
    assert f'<p class="verdict-label">{label}</p>' in verdict
    assert sentence.replace("'", "&#39;") in verdict
    assert "extradition still possible" not in verdict


def test_the_territories_pages_cite_their_arrangements(client):
    hong_kong = client.get("/en/countries/hk").get_data(as_text=True)
    taiwan = client.get("/en/countries/tw").get_data(as_text=True)
    assert "Fugitive Offenders Ordinance" in hong_kong and "withdrawn" in hong_kong
    assert "26 April 2009" in taiwan and "Mainland Affairs Council" in taiwan


def test_every_country_with_any_measure_is_in_the_home_table(app, client):
    with app.app_context():
        codes = {m.iso2 for m in db.session.scalars(select(Measure))}
    table = re.search(r"<table>.*?</table>", client.get("/en/").get_data(as_text=True), re.DOTALL).group(0)
    for code in codes | {"HK", "MO", "TW"}:
        assert f'href="/en/countries/{code.lower()}"' in table, code


def measure(kind, taken, ends=None):
    return Measure(key=kind, iso2="XX", kind=kind, taken_on=PartialDate.parse(taken),
                   ends_on=ends and PartialDate.parse(ends), instrument="", sources=[])


def treaty(**dates):
    values = {"signed_on": None, "signed_by": None, "in_force_on": None, "in_force_by": None,
              "dispute": None, "disputed_since": None}
    values.update({k: PartialDate.parse(v) if k != "dispute" else v for k, v in dates.items()})
    return Treaty(iso2="XX", sources=[], **values)


def test_a_lifted_measure_stops_counting_the_day_it_is_lifted():
    in_force = treaty(signed_on="2001", in_force_on="2003")
    suspended = measure("treaty_suspended", "2020-07-01", "2022-03-31")
    assert standing(in_force, [suspended], date(2020, 6, 30)).verdict == Verdict.IN_FORCE
    assert standing(in_force, [suspended], date(2021, 1, 1)).verdict == Verdict.MORATORIUM
    assert standing(in_force, [suspended], date(2022, 3, 31)).verdict == Verdict.IN_FORCE


def test_a_suspension_says_what_it_stops_and_what_it_does_not(app):
    suspended = standing(treaty(in_force_on="2003"), [measure("treaty_suspended", "2020-07-01")], date(2021, 1, 1))
    hong_kong = labels.MEASURE_SCOPES["hk_suspended"]
    with app.test_request_context("/en/"):
        [sentence] = labels.reason(suspended, str)
        assert "no one is extradited under it while the suspension lasts" in sentence
        assert "does not cover deportations" in sentence
        assert str(hong_kong) == "This concerns surrenders to Hong Kong. It does not stop extraditions to mainland China."


def test_a_dispute_counts_only_from_when_the_conflicting_claim_appeared():
    disputed = treaty(signed_on="2003", in_force_on="2008-01", dispute="in_force", disputed_since="2020-12-24")
    assert standing(disputed, [], date(2020, 12, 23)).verdict == Verdict.IN_FORCE
    assert standing(disputed, [], date(2020, 12, 24)).verdict == Verdict.DISPUTED
    signed_only = treaty(signed_on="2018", dispute="in_force", disputed_since="2021-07")
    assert standing(signed_only, [], date(2021, 6, 30)).verdict == Verdict.SIGNED
    assert standing(signed_only, [], date(2021, 7, 31)).verdict == Verdict.DISPUTED


# --- the data's texts in every language --------------------------------------------------------

DATA_PAGES = ["/", "/countries/", "/methodology"]


def data_page_paths(app):
    return DATA_PAGES + [f"/countries/{code.lower()}" for code in countries_with_data(app)]


@pytest.mark.parametrize("locale", ["zh-hans", "ar"])
def test_no_public_page_shows_untranslated_data_text(app, client, locale):
    for path in data_page_paths(app):
        html = client.get(f"/{locale}{path}").get_data(as_text=True)
        main = re.search(r"<main.*?</main>", html, re.DOTALL).group(0)
        assert 'lang="en"' not in main, (path, re.findall(r'lang="en">([^<]{0,80})', main))


def test_untranslated_data_text_shows_in_english_marked_as_such(app, client):
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.key == "se-2019-qiao-jianjun"))
    catalogs = app.extensions["data_catalogs"]
    saved = catalogs.get("zh_Hans")
    catalogs["zh_Hans"] = Catalog(locale="zh_Hans")  # as if no translator had reached it yet
    try:
        with app.app_context():
            cache.clear()  # the page as rendered before
        html = client.get("/zh-hans/countries/se").get_data(as_text=True)
    finally:
        catalogs["zh_Hans"] = saved
        with app.app_context():
            cache.clear()
    assert f'<bdi lang="en">{case.summary.replace(chr(39), "&#39;")}</bdi>' in html


def test_a_changed_english_keeps_its_old_translation_marked_fuzzy():
    template, old = Catalog(locale=None, domain="data"), Catalog(locale="de", domain="data")
    old.add("Refused in 2019.", "Abgelehnt 2019.", context="cases.csv:x:summary")
    old.add("Kept.", "Behalten.", context="cases.csv:y:summary")
    template.add("Refused on 9 July 2019.", context="cases.csv:x:summary")
    template.add("Kept.", context="cases.csv:y:summary")
    template.add("New.", context="cases.csv:z:summary")
    merged = texts.merged(template, old)
    assert not merged.fuzzy, "a catalog marked fuzzy as a whole would not be compiled"
    changed = merged.get("Refused on 9 July 2019.", context="cases.csv:x:summary")
    assert (changed.string, changed.fuzzy, changed.previous_id) == ("Abgelehnt 2019.", True, ["Refused in 2019."])
    kept = merged.get("Kept.", context="cases.csv:y:summary")
    assert (kept.string, kept.fuzzy) == ("Behalten.", False)
    assert merged.get("New.", context="cases.csv:z:summary").string == ""


def test_the_extractor_gives_every_public_cell_its_own_context(data_dir):
    with open(data_dir / "cases.csv", "rb") as handle:
        found = list(texts.extract(handle, {}, [], {}))
    contexts = [messages[0] for _line, _function, messages, _comments in found]
    assert "cases.csv:se-2019-qiao-jianjun:summary" in contexts
    assert len(contexts) == len(set(contexts))
    assert not any(context.endswith(":research_note") for context in contexts)


def test_a_lifting_decided_for_later_is_not_shown_as_history(app, client):
    with app.app_context():
        measure = db.session.scalar(select(Measure).where(Measure.key == "ca-2020-hk-suspended"))
        measure.ends_on = PartialDate.parse("2099-01-01")
        db.session.commit()
    try:
        page = client.get("/en/countries/ca").get_data(as_text=True)
        home = client.get("/en/").get_data(as_text=True)
    finally:
        with app.app_context():
            db.session.scalar(select(Measure).where(Measure.key == "ca-2020-hk-suspended")).ends_on = None
            db.session.commit()
    assert "Lifted" not in page and "2099" not in page
    assert "2099" not in home


def test_a_source_no_publisher_covers_any_more_shows_as_plain_text_not_a_500(app, client):
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.key == "se-2019-qiao-jianjun"))
        saved = case.sources
        case.sources = [*saved, "[Old bare link](https://unregistered.example/a)"]  # as if written by hand in SQL
        db.session.commit()
    try:
        page = client.get("/en/countries/se")
        api = client.get("/api/v1/countries/se")
    finally:
        with app.app_context():
            db.session.scalar(select(Case).where(Case.key == "se-2019-qiao-jianjun")).sources = saved
            db.session.commit()
    assert page.status_code == 200 and api.status_code == 200
    assert '<li class="source-unregistered"><bdi>[Old bare link](https://unregistered.example/a)</bdi></li>' in page.get_data(as_text=True)
    assert 'href="https://unregistered.example' not in page.get_data(as_text=True)
    assert {"publisher": None, "publisher_kind": None, "title": "[Old bare link](https://unregistered.example/a)",
            "url": None, "read_on": None} in api.get_json()["cases"][0]["sources"]
