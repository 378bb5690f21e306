"""Small numbers never single anyone out: counts by region withheld below MIN_PUBLIC_COUNT, and no
other figure on the page lets them be worked back out."""

import itertools
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app import config
from app.disclosure import shown
from app.extensions import db
from app.letters.models import Legislator, Letter, LetterDelivery, LetterState
from app.outbox.models import MessageState, OutboxMessage
from app.petitions.models import Drive, DriveState, DriveText, Signature, SignatureState
from tests.staff import client_as

FEWER = "fewer than 5"


def values(table):
    return {key: cell.value for key, cell in table.items()}


# --- the function ----------------------------------------------------------------------------

def test_a_single_small_cell_is_withheld_with_the_next_smallest(app):
    with app.app_context():
        table = shown({"Uppsala": 3, "Malmö": 8, "Stockholm": 40}, total_shown=False)
    assert values(table) == {"Uppsala": None, "Malmö": None, "Stockholm": 40}
    assert table["Uppsala"].small and not table["Malmö"].small


def test_with_a_total_the_withheld_cells_add_up_to_the_threshold(app):
    with app.app_context():
        table = shown({"A": 1, "B": 2, "C": 10, "D": 12}, total_shown=True)
    # 1 + 2 = 3 could be worked out as the total less C and D: C goes too, D (the largest) stays.
    assert values(table) == {"A": None, "B": None, "C": None, "D": 12}


@pytest.mark.parametrize("counts", [{"A": 1, "B": 2, "C": 10}, {"A": 4, "B": 4, "C": 1, "D": 30},
                                    {"A": 1, "B": 1, "C": 1, "D": 1, "E": 1, "F": 9}, {"A": 1, "B": 5, "C": 5, "D": 50},
                                    {"A": 2, "B": 4, "C": 6, "D": 7, "E": 100}])
def test_no_withheld_small_cell_can_be_worked_out_from_the_total(app, counts):
    """Every table of counts a reader could hold true, given the shown cells, the total and the
    labels, leaves each small cell free to be anything from 1 to 4."""
    with app.app_context():
        table = shown(counts, total_shown=True)
    total = sum(counts.values())
    hidden = [key for key, cell in table.items() if cell.withheld]
    left = total - sum(cell.value for cell in table.values() if not cell.withheld)
    ranges = [range(1, 5) if table[key].small else range(5, left + 1) for key in hidden]
    possible = [combo for combo in itertools.product(*ranges) if sum(combo) == left]
    for n, key in enumerate(hidden):
        if table[key].small:
            assert {combo[n] for combo in possible} == {1, 2, 3, 4}, (key, possible)


def test_big_counts_and_zeros_are_shown_as_they_are(app):
    with app.app_context():
        table = shown({"A": 5, "B": 0, "C": 1234})
    assert values(table) == {"A": 5, "B": 0, "C": 1234}


def test_the_cells_say_what_they_hide_in_the_page_language(app):
    with app.test_request_context("/en/"):
        table = shown({"A": 2, "B": 7, "C": 1500})
        assert [str(cell) for cell in table.values()] == [FEWER, "withheld", "1,500"]


def test_the_threshold_comes_from_the_configuration(app):
    assert config.load({"APP_ENV": "testing"})["MIN_PUBLIC_COUNT"] == 5
    assert config.load({"APP_ENV": "testing", "MIN_PUBLIC_COUNT": "10"})["MIN_PUBLIC_COUNT"] == 10
    for bad in ("0", "-1", "five"):
        with pytest.raises(config.ConfigError, match="MIN_PUBLIC_COUNT"):
            config.load({"APP_ENV": "testing", "MIN_PUBLIC_COUNT": bad})
    with app.app_context():
        assert values(shown({"A": 7, "B": 20}, threshold=10)) == {"A": None, "B": None}
        app.config["MIN_PUBLIC_COUNT"] = 2
        try:
            assert values(shown({"A": 1, "B": 3, "C": 4})) == {"A": None, "B": None, "C": 4}
        finally:
            app.config["MIN_PUBLIC_COUNT"] = 5


# --- the pack ----------------------------------------------------------------------------------

REGIONS = {"Kiruna": 1, "Visby": 2, "Uppsala": 10, "Stockholm": 12}


@pytest.fixture
def pack_app(staff_app):
    """A drive whose confirmed signers live in regions of 1, 2, 10 and 12; Kiruna's in Norway."""
    with staff_app.app_context():
        drive = Drive(slug="sweden-2026", iso2="SE", state=DriveState.OPEN, goal=100, main_locale="en",
                      confirmed_count=sum(REGIONS.values()))
        drive.texts = [DriveText(locale="en", title="Sweden", summary="Now.", petition="Stop.")]
        db.session.add(drive)
        db.session.flush()
        signers = [(region, n) for region, count in REGIONS.items() for n in range(count)]
        db.session.add_all([Signature(drive_id=drive.id, name=f"{region} {n}", email=f"{region}{n}@mail.example",
                                      email_key=f"{region}{n}@mail.example", region=region, locale="en",
                                      residence="NO" if region == "Kiruna" else "SE",
                                      state=SignatureState.CONFIRMED, confirmed_at=datetime(2026, 3, 1, tzinfo=UTC))
                            for region, n in signers])
        db.session.commit()
        staff_app.drive_id = drive.id
    return staff_app


def region_cells(page):
    return dict(re.findall(r'<th scope="row">([^<]+)</th><td>([^<]+)</td>', page))


def test_the_pack_withholds_small_regions_and_enough_others(pack_app):
    page = client_as(pack_app, "organiser").get(f"/en/staff/drives/{pack_app.drive_id}/pack").get_data(as_text=True)
    assert "<strong>25</strong> confirmed signatures" in page
    # The total less Stockholm's 12 is 13: Kiruna, Visby and Uppsala together, none of them alone.
    assert region_cells(page) == {"Stockholm": "12", "Kiruna": FEWER, "Visby": FEWER, "Uppsala": "withheld"}
    assert "a count below 5 is shown as “fewer than 5”" in page


def test_the_organisers_progress_page_keeps_exact_figures(pack_app):
    page = client_as(pack_app, "organiser").get(f"/en/staff/drives/{pack_app.drive_id}/progress").get_data(
        as_text=True)
    assert '<th scope="row">Norway</th><td>1</td>' in page and '<th scope="row">Sweden</th><td>24</td>' in page
    assert FEWER not in page and "withheld" not in page


# --- letters per legislator: the drive page, the letter page and the API -------------------

def send_letters(app, counts):
    """Letters the mail server accepted, {legislator source id: how many}, each from another writer."""
    with app.app_context():
        drive = db.session.scalar(select(Drive))
        for source_id, count in counts.items():
            legislator = db.session.scalar(select(Legislator).where(Legislator.source_id == source_id))
            for n in range(count):
                key = f"{source_id}-{n}@mail.example"
                letter = Letter(drive_id=drive.id, name="Writer", email=key, email_key=key, locale="en",
                                state=LetterState.RELEASED)
                outbox = OutboxMessage(kind="letter", recipient=legislator.email, subject="s", text="t",
                                       state=MessageState.SENT)
                letter.deliveries = [LetterDelivery(drive_id=drive.id, email_key=key, legislator_id=legislator.id,
                                                    outbox=outbox)]
                db.session.add(letter)
        db.session.commit()


def test_letters_per_legislator_withhold_small_counts_everywhere(letters_app):
    send_letters(letters_app, {"mp-1": 1, "mp-2": 2, "mp-3": 10})
    client = letters_app.test_client()
    page = client.get("/en/drives/sweden-2026").get_data(as_text=True)
    assert "13 letters sent to legislators so far." in page
    rows = dict(re.findall(r'<tr><th scope="row">([^<]+)</th><td>[^<]*</td><td>([^<]+)</td></tr>', page))
    # 13 less the shown counts must not give the small ones: with only three, all three go.
    assert rows == {"Anna Andersson": FEWER, "Li Wei": FEWER, "Cecilia Carlsson": "withheld"}
    assert "a count below 5 is shown as “fewer than 5”" in page
    # Withheld rows come last, whatever their hidden values: no order to read them from.
    letter_page = client.get("/en/drives/sweden-2026/letter").get_data(as_text=True)
    assert "<td>Stockholm</td><td>fewer than 5</td>" in letter_page and "<td>Skåne</td><td>withheld</td>" in letter_page
    api = client.get("/api/v1/drives/sweden-2026").get_json()
    assert api["letters_sent"] == 13 and api["min_public_count"] == 5
    assert {p["id"]: p["letters_sent"] for p in api["legislators"]} == {"mp-1": None, "mp-2": None, "mp-3": None}


def test_big_letter_counts_are_shown_exactly(letters_app):
    send_letters(letters_app, {"mp-1": 6, "mp-2": 7, "mp-3": 10})
    client = letters_app.test_client()
    api = client.get("/api/v1/drives/sweden-2026").get_json()
    assert {p["id"]: p["letters_sent"] for p in api["legislators"]} == {"mp-1": 6, "mp-2": 7, "mp-3": 10}
    page = client.get("/en/drives/sweden-2026").get_data(as_text=True)
    assert FEWER not in page and '<td>S</td><td>6</td></tr>' in page
