"""Country lists and choices sort as a reader of each language expects (ICU's collation)."""

import re

import pytest

from app import collation


def listed_names(client, tag):
    """The country names of the index page, in the order the page gives them."""
    html = client.get(f"/{tag}/countries/").get_data(as_text=True)
    return re.findall(r'<a href="/[a-z-]+/countries/[a-z]{2}">([^<]+)</a>', html)


# Each case: names that str.casefold or code points put in the wrong place, and where they belong.
ORDERS = {
    "de": ["Ägypten", "Albanien", "Österreich", "Zypern"],
    "tr": ["Cezayir", "Çad", "Sırbistan", "Şili", "Tanzanya"],
    "pl": ["Litwa", "Luksemburg", "Łotwa", "Madagaskar"],
    "cs": ["Chorvatsko", "Indie", "Řecko", "Španělsko", "Švédsko"],
    "sv": ["Zambia", "Åland", "Österrike"],
    "zh-hans": ["阿尔巴尼亚", "巴西", "泰国", "中非共和国"],  # pinyin: a, ba, tai, zhong
    "zh-hant": ["中非共和國", "巴西", "阿爾巴尼亞", "泰國"],  # strokes: 4, 4, 8, 10
}


@pytest.mark.parametrize("tag", ORDERS)
def test_the_country_index_sorts_in_the_languages_order(client, tag):
    names = listed_names(client, tag)
    positions = [names.index(name) for name in ORDERS[tag]]
    assert positions == sorted(positions), [names[p] for p in sorted(positions)]


def test_the_residence_choices_sort_in_the_languages_order(petition_app):
    from app.petitions.forms import residence_choices

    names = [name for _, name in residence_choices("tr")]
    assert names.index("Cezayir") < names.index("Çin") < names.index("Dominika")
    names = [name for _, name in residence_choices("pl")]
    assert names.index("Luksemburg") < names.index("Łotwa") < names.index("Madagaskar")


def test_the_collator_orders_what_casefold_gets_wrong():
    assert collation.by_name(["Zypern", "Österreich", "Ägypten"], "de") == ["Ägypten", "Österreich", "Zypern"]
    assert sorted(["Zypern", "Österreich", "Ägypten"], key=str.casefold) != ["Ägypten", "Österreich", "Zypern"]
