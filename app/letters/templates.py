"""Letter templates campaigners write: Jinja in its sandbox, with a fixed set of merge fields."""

from functools import lru_cache

from jinja2 import StrictUndefined, TemplateSyntaxError, meta
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

MERGE_FIELDS = ("signer_name", "signer_region", "legislator_name", "legislator_title", "country", "drive_title",
                "personal_paragraph")
SAMPLE = {field: f"[{field}]" for field in MERGE_FIELDS}

# Letters are plain text: no HTML escaping, and nothing but the merge fields to reach.
environment = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
environment.globals.clear()  # no range(), cycler, lipsum...: the merge fields are all there is


class LetterTemplateError(ValueError):
    """A template that cannot be used; the message says why, in words a campaigner can act on."""


def check(source):
    """Refuse a template now, when it is saved, rather than when a letter is sent."""
    try:
        parsed = environment.parse(source)
    except TemplateSyntaxError as error:
        raise LetterTemplateError(f"line {error.lineno}: {error.message}") from None
    unknown = sorted(meta.find_undeclared_variables(parsed) - set(MERGE_FIELDS))
    if unknown:
        raise LetterTemplateError(
            f"unknown field {', '.join(unknown)}; the fields are {', '.join(MERGE_FIELDS)}"
        )
    try:
        render(source, SAMPLE)
    except (SecurityError, UndefinedError) as error:
        raise LetterTemplateError(f"not allowed in a letter template: {error}") from None


@lru_cache(maxsize=256)
def compiled(source):
    return environment.from_string(source)


@lru_cache(maxsize=256)
def fields_of(source):
    """The merge fields a template uses."""
    return frozenset(meta.find_undeclared_variables(environment.parse(source)))


def render(source, fields):
    """The letter text for one signer and one legislator; field values are text, never template."""
    return compiled(source).render(**fields)
