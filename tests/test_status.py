"""Statuses derived from the dates reproduce the published counts."""

from datetime import date

import pytest

from app.countries import services
from app.treaties.status import Verdict


def figures_at(app, day):
    with app.app_context():
        return services.world(day).figures


def test_31_january_2022_gives_the_2022_report_counts_with_the_disputed_treaties(app):
    with app.app_context():
        report = services.reconciliation(date(2022, 1, 31))
    assert (report.in_force_by_dates, report.signed_by_dates) == (43, 14)
    # Pakistan and Afghanistan: the Global Times said in December 2020 that their treaties had not taken effect.
    assert report.disputed_in_force == ["AF", "PK"]
    assert report.disputed_signed == ["ZW"]


def test_end_of_october_2018_gives_the_guangdong_list_count(app):
    with app.app_context():
        listed = services.reconciliation(date(2018, 10, 31))
    assert (listed.figures.in_force, listed.in_force_by_dates) == (37, 37)


def test_the_methodology_page_gives_the_counts_and_names_the_disputed(client):
    html = client.get("/en/methodology").get_data(as_text=True)
    assert "the data gives 41 treaties in force and 13 awaiting ratification, where the 2022 report counts 43 and 14" in html
    assert "By their dates, the treaties with Afghanistan and Pakistan were in force." in html
    assert "By its dates, the treaty with Zimbabwe was signed." in html
    assert "With them, the dates give 43 and 14." in html


def test_counts_only_grow_with_time_before_any_withdrawal(app):
    early, late = figures_at(app, date(2000, 1, 1)), figures_at(app, date(2010, 1, 1))
    assert 0 < early.in_force < late.in_force


@pytest.mark.parametrize("code, day, verdict", [
    ("ES", date(2026, 1, 1), Verdict.IN_FORCE),
    ("ES", date(2007, 4, 3), Verdict.SIGNED),
    ("ES", date(2007, 4, 4), Verdict.IN_FORCE),
    ("ES", date(2005, 1, 1), Verdict.NO_TREATY),
    ("AU", date(2010, 1, 1), Verdict.SIGNED),
    ("AU", date(2017, 3, 28), Verdict.NO_TREATY),
    ("SE", date(2026, 1, 1), Verdict.NO_TREATY),
    ("AR", date(2026, 1, 1), Verdict.SIGNED),
    # A dispute counts from the day the conflicting claim appeared.
    ("NP", date(2019, 12, 31), Verdict.NO_TREATY),
    ("NP", date(2026, 1, 1), Verdict.DISPUTED),
    ("AT", date(2022, 1, 31), Verdict.NO_TREATY),
    ("AT", date(2026, 1, 1), Verdict.DISPUTED),
    ("ZW", date(2021, 1, 1), Verdict.SIGNED),
    ("ZW", date(2022, 1, 31), Verdict.DISPUTED),
    ("PK", date(2020, 12, 23), Verdict.IN_FORCE),
    ("PK", date(2020, 12, 24), Verdict.DISPUTED),
    # Hong Kong, Macau and Taiwan are not treaty partners: their own arrangements.
    ("HK", date(2026, 1, 1), Verdict.TERRITORY),
    ("MO", date(2026, 1, 1), Verdict.TERRITORY),
    ("TW", date(2026, 1, 1), Verdict.TERRITORY),
    # Brazil's entry into force is known only to the year 2014.
    ("BR", date(2014, 6, 30), Verdict.SIGNED),
    ("BR", date(2014, 12, 31), Verdict.IN_FORCE),
    # Angola: in force "no later than October 2018", day unknown.
    ("AO", date(2018, 10, 30), Verdict.SIGNED),
    ("AO", date(2018, 10, 31), Verdict.IN_FORCE),
])
def test_verdict_follows_the_dates(app, code, day, verdict):
    with app.app_context():
        assert services.country(code, day).standing.verdict == verdict


def test_australias_withdrawal_is_the_reason_it_has_no_treaty(app):
    with app.app_context():
        standing = services.country("AU", date(2026, 1, 1)).standing
    assert standing.measure.kind == "ratification_withdrawn"
    assert str(standing.measure.taken_on) == "2017-03-28"
