from datetime import date

import pytest

from app.treaties.dates import PartialDate, Precision


@pytest.mark.parametrize("text, precision, end", [
    ("2014", Precision.YEAR, date(2014, 12, 31)),
    ("2018-10", Precision.MONTH, date(2018, 10, 31)),
    ("2020-02", Precision.MONTH, date(2020, 2, 29)),
    ("1995-06-26", Precision.DAY, date(1995, 6, 26)),
])
def test_a_date_is_only_as_precise_as_written(text, precision, end):
    parsed = PartialDate.parse(text)
    assert (parsed.precision, parsed.end, parsed.isoformat()) == (precision, end, text)


def test_a_year_is_not_the_first_of_january():
    year = PartialDate.parse("2014")
    assert not year.certainly_by(date(2014, 1, 1))
    assert not year.certainly_by(date(2014, 12, 30))
    assert year.certainly_by(date(2014, 12, 31))


@pytest.mark.parametrize("text", ["2019-13", "2019-02-30", "19-01-01", "2019/01/01", "2019-1", "soon", ""])
def test_malformed_dates_are_refused_with_a_reason(text):
    with pytest.raises(ValueError, match="is not a date"):
        PartialDate.parse(text)


@pytest.mark.parametrize("locale, text, shown", [
    ("en", "2014", "2014"),
    ("en", "2018-10", "October 2018"),
    ("zh_Hans", "2018-10", "2018年10月"),
    ("zh_Hans", "1995-06-26", "1995年6月26日"),
])
def test_dates_are_written_as_the_reader_expects(locale, text, shown):
    assert PartialDate.parse(text).format(locale) == shown
