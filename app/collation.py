"""Names sorted as a reader of the language expects: ICU's collation for the locale.

German puts Ägypten among the A's, Turkish Çin after Cezayir, Polish Łotwa after Litwa;
Simplified Chinese sorts by pinyin and Traditional Chinese by stroke count, as ICU's default
collations for zh_Hans and zh_Hant do.
"""

import threading

import icu

_local = threading.local()


def collator(locale):
    """ICU's collator for a Babel locale (zh_Hant, pt, ug...), one per thread and locale."""
    cached = getattr(_local, "collators", None)
    if cached is None:
        cached = _local.collators = {}
    name = str(locale)
    if name not in cached:
        cached[name] = icu.Collator.createInstance(icu.Locale(name))
    return cached[name]


def sort_key(locale):
    """A key function that orders strings as `locale` does."""
    return collator(locale).getSortKey


def by_name(items, locale, name=lambda item: item):
    """`items` sorted by their name in `locale`'s order."""
    key = sort_key(locale)
    return sorted(items, key=lambda item: key(name(item)))
