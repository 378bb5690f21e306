"""Languages in URLs: /<tag>/..., negotiated from Accept-Language at /."""

import re
from urllib.parse import unquote, urlsplit

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from flask import current_app, g, redirect, request, url_for
from flask_babel import Domain, format_decimal
from jinja2 import pass_context
from werkzeug.routing import BaseConverter, ValidationError

from app.extensions import babel

# The site's name is a proper name, the same in every language and script, like an organisation's:
# the share picture, the mail sender and the press all write it so (README, "The site's name").
SITE_NAME = "Moratorium"


def languages():
    """URL tag -> Babel locale identifier, for every shipped language."""
    return current_app.config["LANGUAGES"]


class LanguageConverter(BaseConverter):
    """Matches only the shipped language tags, so /xx/ is a plain 404."""

    def __init__(self, url_map):
        super().__init__(url_map)
        self.regex = "[a-z]{2,3}(?:-[a-z]{4})?"

    def to_python(self, value):
        if value not in languages():
            raise ValidationError()
        return value


def tag_from_path():
    """The language tag a path starts with, if it is a shipped one."""
    first = request.path.strip("/").split("/", 1)[0]
    return first if first in languages() else None


def current_tag():
    """The language of this request: from its URL, else negotiated."""
    return g.get("lang_code") or (tag_from_path() if request else None) or negotiate()


def select_locale():
    """Flask-Babel's locale selector."""
    return languages()[current_tag()]


# Chinese languages that CLDR does not fold into zh: their readers read the zh-Hans or zh-Hant pages.
# Cantonese (yue) is known to CLDR, with its own likely script (yue-HK: Hant); the others are not.
CHINESE = {"cmn", "wuu", "nan", "hak", "gan", "hsn"}


def maximized(identifier):
    """(language, script) of a locale, filling in the script CLDR expects (zh-TW -> Hant, yue-HK -> zh Hant)."""
    first, separator, rest = identifier.replace("_", "-").partition("-")
    if first.lower() in CHINESE:
        identifier = f"zh{separator}{rest}"
    try:
        locale = Locale.parse(identifier, sep="-" if "-" in identifier else "_")
    except (ValueError, UnknownLocaleError):
        return None
    language = "zh" if locale.language == "yue" else locale.language
    if locale.script:
        return language, locale.script
    likely = get_global("likely_subtags")
    for key in (f"{locale.language}_{locale.territory}", locale.language):
        if key in likely:
            return language, Locale.parse(likely[key]).script
    return language, None


# Facebook, whose crawler reads og:locale most, knows Arabic only under a territory of its own.
OPEN_GRAPH_LOCALES = {"ar": "ar_AR"}


def open_graph_locale(tag):
    """A shipped language as Open Graph writes a locale, language_TERRITORY (sv_SE, zh_TW, ug_CN):
    the territory CLDR's likely subtags give, when the language names none."""
    if tag in OPEN_GRAPH_LOCALES:
        return OPEN_GRAPH_LOCALES[tag]
    locale = Locale.parse(languages()[tag])
    likely = get_global("likely_subtags")
    territory = locale.territory or Locale.parse(likely.get(str(locale)) or likely[locale.language]).territory
    return f"{locale.language}_{territory}"


COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600


def negotiate():
    """The visitor's remembered language, else the best shipped tag for Accept-Language, else the default."""
    remembered = request.cookies.get(COOKIE) if request else None
    if remembered in languages():
        return remembered
    shipped = {maximized(identifier): tag for tag, identifier in languages().items()}
    by_language = {language: tag for (language, _), tag in reversed(list(shipped.items()))}
    for wanted, _quality in request.accept_languages if request else ():
        found = maximized(wanted.replace("_", "-"))
        if found in shipped:
            return shipped[found]
        if found and found[0] in by_language:
            return by_language[found[0]]
    return current_app.config["DEFAULT_LANGUAGE"]


def html_lang(tag):
    """The BCP 47 form for <html lang>: zh-hans -> zh-Hans."""
    return str(Locale.parse(languages()[tag])).replace("_", "-")


def choose(tag):
    """The language switcher's link: remember the visitor's choice, then show the page they were on in it.

    The cookie is set here only, when a visitor picks a language, never for merely viewing a page.
    """
    wanted = request.args.get("next", "")
    parts = urlsplit(wanted)
    # A path of this site, printable (no header injection), without dot segments that would leave the language.
    local = (not parts.scheme and not parts.netloc and "\\" not in wanted and wanted.isprintable()
             and not {".", ".."} & set(unquote(parts.path).split("/")))
    target = wanted if local and wanted.startswith(f"{request.script_root}/{tag}/") else url_for(
        "countries.home", lang_code=tag)
    response = redirect(target, 303)
    response.set_cookie(COOKIE, tag, max_age=COOKIE_MAX_AGE, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def discoverable():
    """Whether this page is for search engines and shared links: a public page in a language, not the
    back office, not a page whose address holds a token (confirming, withdrawing...)."""
    rule = request.url_rule
    return (rule is not None and request.method == "GET" and "lang_code" in rule.arguments
            and request.blueprint != "staff" and "token" not in (request.view_args or {}))


def default_url(links):
    """hreflang="x-default": the address that picks a language for the visitor (/) for the home page,
    else the page in the default language."""
    if request.endpoint == "countries.home":
        return url_for("countries.root")
    default = current_app.config["DEFAULT_LANGUAGE"]
    return next(url for tag, _, _, url in links if tag == default)


def init_app(app):
    app.url_map.converters["lang"] = LanguageConverter
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["ngettext"] = counting(app.jinja_env.globals["ngettext"])
    app.add_url_rule("/language/<lang:tag>", "choose_language", choose)


# A run of Latin-script words, with the spaces, digits and punctuation between them; it ends on a
# letter or digit, so that brackets and a sentence's last stop stay with the sentence around it.
LATIN = "A-Za-z\u00C0-\u024F\u1E00-\u1EFF"
LATIN_RUN = re.compile(f"[{LATIN}](?:[{LATIN}0-9\\s.,;:'’&/\\-–]*[{LATIN}0-9])?")
# What a translation may contain that is not prose: tags, placeholders, entities.
NOT_PROSE = re.compile(r"(<[^>]*>|%\(\w+\)[sd]|&#?\w+;)")
FSI, PDI = "\u2068", "\u2069"  # Unicode's first-strong and pop directional isolates


def isolating(text):
    """A translation with each Latin run isolated, on a right-to-left page: its punctuation stays put.

    Unicode isolates rather than <bdi>, because a translation may end up in an attribute.
    """
    if not text or not request or text_direction(current_tag()) != "rtl":
        return text
    return "".join(part if NOT_PROSE.fullmatch(part) else LATIN_RUN.sub(lambda m: f"{FSI}{m.group(0)}{PDI}", part)
                   for part in NOT_PROSE.split(text))


class IsolatingTranslations:
    """Translations whose every lookup comes back with its Latin runs isolated (see `isolating`)."""

    def __init__(self, translations):
        self.translations = translations

    def __getattr__(self, name):
        found = getattr(self.translations, name)
        if name in {"gettext", "ugettext", "ngettext", "ungettext", "pgettext", "upgettext", "npgettext", "unpgettext"}:
            return lambda *args: isolating(found(*args))
        return found


class IsolatingDomain(Domain):
    """Flask-Babel's domain, isolating Latin runs on right-to-left pages, in templates and in Python alike,
    and writing the number of a plural message as CLDR writes it in the language (12,000, 12.000, 12 000)."""

    def get_translations(self):
        return IsolatingTranslations(super().get_translations())

    def ngettext(self, singular, plural, number, **variables):
        # Flask-Babel's own takes the count as `num`, so a caller could not give a written num too.
        variables.setdefault("num", format_decimal(number))
        return self.get_translations().ungettext(singular, plural, number) % variables


def counting(ngettext):
    """Jinja's ngettext, with %(num)s written as CLDR writes it in the page's language (as IsolatingDomain's)."""
    @pass_context
    def counted(context, singular, plural, number, /, **variables):
        variables.setdefault("num", format_decimal(number))
        return ngettext(context, singular, plural, number, **variables)
    return counted


def language_links(request):
    """(tag, BCP 47 tag, native name, URL of this page in that language), for every language."""
    # Query arguments starting with _ are url_for's own (_external, _method...): never pass them on.
    args = {k: v for k, v in request.args.items() if not k.startswith("_")}
    endpoint = request.endpoint if request.url_rule and "lang_code" in request.url_rule.arguments else None
    if endpoint is None:
        return [(*named, url_for("countries.home", lang_code=named[0])) for named in named_languages()]
    # Every localized URL starts with its tag (tag_from_path relies on it too), so the others
    # differ from this one in that first segment only: one url_for, not fourteen.
    here = url_for(endpoint, **{**args, **request.view_args})
    rest = here.removeprefix(f"{request.script_root}/{g.lang_code}")
    return [(*named, f"{request.script_root}/{named[0]}{rest}") for named in named_languages()]


def named_languages():
    """(tag, BCP 47 tag, native name) for every shipped language, worked out once per app."""
    found = current_app.extensions.get("named_languages")
    if found is None:
        found = [(tag, html_lang(tag), Locale.parse(identifier).display_name)
                 for tag, identifier in languages().items()]
        current_app.extensions["named_languages"] = found
    return found


def language_name(tag, locale):
    """A shipped language's name as `locale` writes it (Swedish, 瑞典文...)."""
    return Locale.parse(languages()[tag]).get_display_name(locale)


def text_direction(tag):
    """ltr or rtl for a shipped language tag."""
    return Locale.parse(languages()[tag]).text_direction
