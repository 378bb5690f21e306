"""A drive's published updates and milestones: its timeline, the country page, the API and the Atom feed."""

import re
from datetime import UTC, date, datetime

import feedparser
import pytest
from sqlalchemy import event, select

from app.extensions import db
from app.petitions.models import Drive
from app.staff.auth import new_user
from app.updates.models import Update, UpdateText
from app.updates.services import published
from tests.helpers import AXE, axe_violations, serve, set_drive, unavailable
from tests.staff import PASSWORD, client_as

DRIVE_PAGE = "/{lang}/drives/sweden-2026"
FEED = "/{lang}/drives/sweden-2026/updates.atom"


def add_update(app, texts, published_at=datetime(2026, 3, 1, 9, tzinfo=UTC), **facts):
    """An update of the example drive, written as the back office would; `published_at=None` is a draft."""
    with app.app_context():
        drive_id = db.session.scalar(select(Drive.id).where(Drive.slug == "sweden-2026"))
        update = Update(drive_id=drive_id, published_at=published_at, **facts,
                        texts=[UpdateText(locale=tag, title=title, body=body) for tag, (title, body) in texts.items()])
        db.session.add(update)
        db.session.commit()
        return update.id


def publish(app, update_id):
    with app.app_context():
        db.session.get(Update, update_id).published_at = datetime.now(UTC)
        db.session.commit()


@pytest.fixture
def story(petition_app):
    """News in two languages, a later handing over in English only, and a draft: their ids."""
    news = add_update(petition_app, {"en": ("We passed 500 signatures", "Thank you all."),
                                     "zh-hans": ("签名超过五百", "谢谢大家。")})
    handed = add_update(petition_app, {"en": ("Handed to the Riksdag", "We handed the petition over.")},
                        published_at=datetime(2026, 4, 2, 9, tzinfo=UTC), kind="handed_over",
                        happened_on=date(2026, 3, 30), handed_to="Riksdagen's justice committee",
                        signatures_handed=12345)
    draft = add_update(petition_app, {"en": ("Secret draft", "Not yet.")}, published_at=None)
    return {"news": news, "handed": handed, "draft": draft}


def page(app, lang="en", path=DRIVE_PAGE):
    response = app.test_client().get(path.format(lang=lang))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_timeline_shows_published_updates_newest_first_never_drafts(petition_app, story):
    html = page(petition_app)
    assert html.index("Handed to the Riksdag") < html.index("We passed 500 signatures")
    assert f'id="update-{story["handed"]}"' in html and f'id="update-{story["news"]}"' in html
    assert "Secret draft" not in html and f'update-{story["draft"]}' not in html
    assert '<h2 id="updates-title">Updates</h2>' in html


def test_milestone_facts_are_shown_with_the_numbers_of_the_pages_language(petition_app, story):
    english = page(petition_app)
    assert "Petition handed over" in english and "Riksdagen&#39;s justice committee" in english
    assert "12,345" in english and '<time datetime="2026-03-30">March 30, 2026</time>' in english
    german = page(petition_app, "de")
    assert "12.345" in german and "30. März 2026" in german


def test_an_update_missing_in_the_pages_language_is_shown_in_the_main_one_marked(petition_app, story):
    html = page(petition_app, "zh-hans")
    assert "签名超过五百" in html and "We passed 500 signatures" not in html
    assert '<h3 lang="en" dir="ltr">Handed to the Riksdag</h3>' in html
    assert html.count('class="caveat"') == 1  # the handing over only: the news is in Chinese
    arabic = page(petition_app, "ar")
    assert '<h3 lang="en" dir="ltr">We passed 500 signatures</h3>' in arabic


def test_html_in_an_update_is_shown_as_text(petition_app):
    add_update(petition_app, {"en": ("<b>Bold</b> claim", '<script>alert(1)</script>\n\nSee https://example.org/a.')})
    html = page(petition_app)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;Bold&lt;/b&gt; claim" in html
    assert '<a href="https://example.org/a" rel="nofollow noopener">https://example.org/a</a>.' in html


def test_a_drive_without_updates_has_no_timeline(petition_app):
    add_update(petition_app, {"en": ("Secret draft", "Not yet.")}, published_at=None)
    html = page(petition_app)
    assert 'id="updates"' not in html and "Secret draft" not in html


def test_a_published_update_shows_on_the_cached_page_at_once(petition_app):
    draft = add_update(petition_app, {"en": ("Debate on Thursday", "Watch it.")}, published_at=None,
                       kind="debate", happened_on=date(2026, 5, 7), link="https://riksdagen.se/debate")
    for lang in ("en", "sv"):
        assert "Debate on Thursday" not in page(petition_app, lang)  # the pages are cached now
    publish(petition_app, draft)
    for lang in ("en", "sv"):
        html = page(petition_app, lang)
        assert "Debate on Thursday" in html and 'href="https://riksdagen.se/debate"' in html


def test_an_outcome_and_a_response_read_as_such(petition_app):
    add_update(petition_app, {"en": ("The government answered", "It said no.")}, kind="response",
               link="https://regeringen.se/answer")
    add_update(petition_app, {"en": ("We won", "A moratorium.")}, kind="outcome", outcome="partly_won",
               published_at=datetime(2026, 6, 1, tzinfo=UTC))
    html = page(petition_app)
    assert '<a href="https://regeringen.se/answer" rel="nofollow noopener">Read the government\'s response</a>' in html
    assert "Outcome: Partly won" in html and "Government response" in html


def test_a_link_that_is_not_a_web_address_is_not_made_a_link(petition_app):
    add_update(petition_app, {"en": ("Answer", "No.")}, kind="response", link="javascript:alert(1)")
    assert "javascript:" not in page(petition_app)


def test_the_staff_preview_shows_the_timeline(petition_app, story):
    petition_app.config.update(RATELIMIT_ENABLED=False)
    with petition_app.app_context():
        db.session.add(new_user("organiser@staff.example", PASSWORD, "organiser"))
        drive_id = db.session.scalar(select(Drive.id).where(Drive.slug == "sweden-2026"))
        db.session.commit()
    html = client_as(petition_app, "organiser").get(f"/en/staff/drives/{drive_id}/preview").get_data(as_text=True)
    assert "Handed to the Riksdag" in html and "Secret draft" not in html


# --- the country page -------------------------------------------------------------------------------

def test_the_country_page_shows_the_latest_published_milestone(petition_app, story):
    add_update(petition_app, {"en": ("Later news", "Not a milestone.")}, published_at=datetime(2026, 5, 1, tzinfo=UTC))
    add_update(petition_app, {"en": ("Draft outcome", "Not yet.")}, published_at=None, kind="outcome", outcome="won")
    html = page(petition_app, path="/{lang}/countries/se")
    assert "Latest milestone" in html and "Handed to the Riksdag" in html and "12,345" in html
    assert "Later news" not in html and "Draft outcome" not in html
    assert 'href="/en/drives/sweden-2026#updates"' in html


def test_a_closed_drives_milestone_stays_on_the_country_page_a_draft_drives_never(petition_app, story, tmp_path):
    set_drive(petition_app, tmp_path, "closed", "update")
    assert "Handed to the Riksdag" in page(petition_app, path="/{lang}/countries/se")
    with petition_app.app_context():
        db.session.get(Drive, db.session.scalar(select(Drive.id))).state = "draft"
        db.session.commit()
    assert "Handed to the Riksdag" not in page(petition_app, path="/{lang}/countries/se")


# --- the API --------------------------------------------------------------------------------------

def test_the_api_lists_published_updates_with_their_facts(petition_app, story):
    answer = petition_app.test_client().get("/api/v1/drives/sweden-2026").get_json()
    assert [u["id"] for u in answer["updates"]] == [story["handed"], story["news"]]
    handed = answer["updates"][0]
    assert handed == {
        "id": story["handed"], "kind": "handed_over", "published_at": "2026-04-02T09:00:00+00:00",
        "happened_on": "2026-03-30", "handed_to": "Riksdagen's justice committee", "signatures_handed": 12345,
        "link": None, "outcome": None, "language": "en", "title": "Handed to the Riksdag",
        "body": "We handed the petition over.",
        "url": f"http://moratorium.test/en/drives/sweden-2026#update-{story['handed']}"}
    assert "mailed_count" not in str(answer) and "Secret draft" not in str(answer)


def test_the_api_gives_update_texts_in_the_language_asked_for(petition_app, story):
    updates = petition_app.test_client().get("/api/v1/drives/sweden-2026?lang=zh-hans").get_json()["updates"]
    assert [(u["language"], u["title"]) for u in updates] == [("en", "Handed to the Riksdag"), ("zh-hans", "签名超过五百")]


@pytest.mark.parametrize("lang", ["xx", "ZH-HANS", "", "en;"])
def test_the_api_refuses_a_language_it_does_not_publish(petition_app, lang):
    response = petition_app.test_client().get(f"/api/v1/drives/sweden-2026?lang={lang}")
    assert response.status_code == 400 and "lang must be one of" in response.get_json()["error"]


# --- the feed -------------------------------------------------------------------------------------

def feed(app, lang="en"):
    response = app.test_client().get(FEED.format(lang=lang))
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    parsed = feedparser.parse(response.get_data())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def test_the_feed_is_valid_atom_with_the_published_updates(petition_app, story):
    parsed = feed(petition_app)
    assert [e.title for e in parsed.entries] == ["Handed to the Riksdag", "We passed 500 signatures"]
    handed = parsed.entries[0]
    assert handed.link == f"http://moratorium.test/en/drives/sweden-2026#update-{story['handed']}"
    assert handed.id == f"tag:moratorium.test,2026:updates/{story['handed']}"
    assert handed.summary == "We handed the petition over." or handed.content[0].value == "We handed the petition over."
    assert handed.published_parsed[:3] == (2026, 4, 2)
    assert parsed.feed.language == "en" and parsed.feed.title == "Updates: Sweden, declare a moratorium"
    assert "Secret draft" not in str(parsed)


def test_the_feed_is_in_the_language_of_its_address(petition_app, story):
    parsed = feed(petition_app, "zh-hans")
    assert parsed.feed.language == "zh-Hans"
    assert [e.title for e in parsed.entries] == ["Handed to the Riksdag", "签名超过五百"]
    assert parsed.feed.id != feed(petition_app, "en").feed.id


def test_a_drive_without_updates_has_an_empty_valid_feed(petition_app):
    assert feed(petition_app).entries == []


@pytest.mark.parametrize("path", ["/en/drives/no-such-drive/updates.atom", "/xx/drives/sweden-2026/updates.atom"])
def test_no_feed_for_an_unknown_drive(petition_app, path):
    assert petition_app.test_client().get(path).status_code == 404


def test_no_feed_for_a_draft_drive(petition_app, story):
    with petition_app.app_context():
        db.session.get(Drive, db.session.scalar(select(Drive.id))).state = "draft"
        db.session.commit()
    assert petition_app.test_client().get(FEED.format(lang="en")).status_code == 404


def test_a_new_update_shows_in_the_cached_feed(petition_app):
    assert feed(petition_app).entries == []
    add_update(petition_app, {"en": ("Fresh", "News.")})
    assert [e.title for e in feed(petition_app).entries] == ["Fresh"]


def test_the_drive_page_links_its_feed_in_its_head(petition_app):
    html = page(petition_app, "sv")
    head = html[:html.index("</head>")]
    links = [link for link in re.findall(r'<link rel="alternate" type="application/atom\+xml"[^>]*>', head)
             if "updates.atom" in link]
    assert len(links) == 1, head
    href = re.search(r'href="([^"]+)"', links[0]).group(1)
    assert re.search(r'title="[^"]+"', links[0])
    assert href == "http://moratorium.test/sv/drives/sweden-2026/updates.atom"
    assert petition_app.test_client().get(href.removeprefix("http://moratorium.test")).status_code == 200


@pytest.mark.browser
def test_the_timeline_and_the_latest_milestone_pass_axe_in_each_direction(petition_app, story, browser):
    if not AXE.exists():
        unavailable("axe-core is not installed (npm ci)")
    petition_app.config["SERVER_NAME"] = None
    with serve(petition_app) as url:
        context = browser.new_context()
        page_ = context.new_page()
        for path in ("/en/drives/sweden-2026", "/ar/drives/sweden-2026", "/zh-hans/countries/se"):
            page_.goto(f"{url}{path}")
            assert page_.locator(".update").count() >= 1, path
            assert axe_violations(page_) == [], path
        context.close()


def test_the_published_updates_and_their_texts_are_read_in_one_query(petition_app, story):
    with petition_app.app_context():
        drive_id = db.session.scalar(select(Drive.id))
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            found = published(drive_id)
            titles = [u.text("zh-hans", "en").title for u in found]
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
    assert titles == ["Handed to the Riksdag", "签名超过五百"] and len(statements) == 1
