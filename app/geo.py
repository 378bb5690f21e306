"""Which countries exist, what they are called and where they are: ISO 3166 and CLDR."""

import csv
from functools import cache
from pathlib import Path

import pycountry
from babel import Locale
from werkzeug.routing import BaseConverter, ValidationError

REQUESTING_STATE = "CN"  # the People's Republic of China: every page is about extradition to it
REGIONS = ("002", "019", "142", "150", "009")  # UN M49: Africa, Americas, Asia, Europe, Oceania
REGIONS_FILE = Path(__file__).resolve().parents[1] / "data" / "regions.csv"


@cache
def codes():
    """Every ISO 3166-1 alpha-2 code."""
    return tuple(sorted(c.alpha_2 for c in pycountry.countries))


def counterparts():
    """Every ISO code but the requesting state's: the countries a status is derived for."""
    return tuple(c for c in codes() if c != REQUESTING_STATE)


def exists(code):
    return code in _code_set()


@cache
def _code_set():
    return frozenset(codes())


@cache
def regions():
    """ISO code -> UN M49 region code, from data/regions.csv."""
    with open(REGIONS_FILE, newline="", encoding="utf-8") as handle:
        return {row["iso2"]: row["region"] for row in csv.DictReader(handle)}


def region(code):
    return regions().get(code) or None


# Names that differ from CLDR's where CLDR follows Beijing's usage and the campaign's readers do not.
# Uyghur as the diaspora press writes it, Radio Free Asia's Uyghur service: China is خىتاي ("xitay
# hökümiti", rfa.org/uyghur/xewerler/kishilik-hoquq/zorawanliq-qarshi-05302013141920.html), Hong Kong
# خوڭكوڭ ("хоңкоң", rfa.org/uyghur/qisqa_xewer/xongkong-namayish-10282014153059.html), not CLDR's جۇڭگو
# (Zhongguo) and شياڭگاڭ (Xianggang). The catalogs' sentences use the same names.
NAMES = {"ug": {"CN": "خىتاي", "HK": "خوڭكوڭ"}}


def name(code, locale):
    """The country's (or region's) name in `locale`: CLDR's, unless NAMES gives the campaign's readers' own."""
    locale = Locale.parse(locale)
    return (NAMES.get(str(locale), {}).get(code) or locale.territories.get(code)
            or pycountry.countries.get(alpha_2=code).name)



class CountryConverter(BaseConverter):
    """Matches an ISO 3166-1 alpha-2 code in either case; anything else is a plain 404."""

    regex = "[A-Za-z]{2}"

    def to_python(self, value):
        if not exists(value.upper()):
            raise ValidationError()
        return value
