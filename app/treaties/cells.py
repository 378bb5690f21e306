"""Reading and writing the cells of the data/ CSV files; each parser raises ValueError with a reason."""

import pycountry

from app.treaties.dates import PartialDate


def iso2(text):
    if text != text.upper():
        raise ValueError(f"{text!r}: write country codes in capitals")
    if not pycountry.countries.get(alpha_2=text):
        raise ValueError(f"{text!r} is not an ISO 3166-1 alpha-2 country code")
    return text


def partial_date(text):
    return PartialDate.parse(text) if text else None


def yes_no(text):
    """yes, no, or None when blank (the row check decides whether blank is allowed)."""
    if text not in {"", "yes", "no"}:
        raise ValueError(f"{text!r} is neither yes nor no")
    return None if not text else text == "yes"


def choice(enum, optional=False):
    def parse(text):
        if optional and not text:
            return None
        try:
            return enum(text)
        except ValueError:
            allowed = ", ".join(e.value for e in enum)
            raise ValueError(f"{text!r} is not one of: {allowed}") from None
    return parse


def required(text):
    if not text:
        raise ValueError("is empty")
    return text


def optional(text):
    return text


def items(text):
    return [s.strip() for s in text.split(" | ") if s.strip()]


def sources(text, optional=False):
    """Sources separated by ` | `; at least one. Whose they are is checked against the publishers."""
    found = items(text)
    if not found and not optional:
        raise ValueError("every row needs at least one source")
    return found


def identifiers(text):
    """Hosts (with an optional path) or citation prefixes that identify a publisher; at least one."""
    found = items(text)
    if not found:
        raise ValueError("name at least one host or citation prefix")
    for item in found:
        if item.startswith(("http:", "https:")):
            raise ValueError(f"{item!r}: write the host (and path), without http:// or https://")
    return found


def written(value):
    """A model value written back as the CSV files write it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return " | ".join(value)
    return str(value)
