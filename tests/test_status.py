"""Statuses derived from the dates reproduce the published counts."""

from datetime import date

import pytest

from app.countries import services
from app.treaties.status import Verdict


def figures_at(app, day):
    with app.app_context():
        return services.world(day).figures


def test_31_january_2022_gives_the_2022_report_counts(app):
    figures = figures_at(app, date(2022, 1, 31))
    assert (figures.in_force, figures.signed) == (43, 14)


def test_end_of_october_2018_gives_the_guangdong_list_count(app):
    assert figures_at(app, date(2018, 10, 31)).in_force == 37


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
    ("NP", date(2026, 1, 1), Verdict.DISPUTED),
    ("ZW", date(2022, 1, 31), Verdict.SIGNED),
    ("ZW", date(2026, 1, 1), Verdict.DISPUTED),
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
