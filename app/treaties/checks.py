"""What a row of data/ must satisfy beyond its cells: each check yields (column, reason)."""

from app.treaties import sources as sourcing
from app.treaties.models import ENDING, HALTING, LegalBasisKind


def treaty_checks(values):
    """(column, reason) for what a treaty row says that cannot be right."""
    if not values["dispute"] and not any(
        values[c] for c in ("signed_on", "signed_by", "in_force_on", "in_force_by")
    ):
        yield "signed_on", "a treaty needs a date (signed_on, signed_by, in_force_on, in_force_by) or a dispute"
    for event in ("signed", "in_force"):
        # The flag speaks for the day, or for the bound where the day is unknown.
        if (values[f"{event}_on"] or values[f"{event}_by"]) and values[f"{event}_verified"] is None:
            yield f"{event}_verified", "write yes or no: was this date read in a source?"
        if values[f"{event}_verified"] is None:
            values[f"{event}_verified"] = True  # no date of its own: nothing to verify
    if values["disputed_since"] and not values["dispute"]:
        yield "disputed_since", "a date the dispute began needs a dispute"


def measure_checks(values):
    if values["kind"] in HALTING | ENDING and values["taken_on"] is None:
        yield "taken_on", "a measure that halts or ends extradition needs its date"
    if values["ends_on"] and (values["taken_on"] is None or values["ends_on"] < values["taken_on"]):
        yield "ends_on", "a measure is lifted after it was taken: it needs a taken_on before this date"


# The places each territorial basis belongs to: a typo must not take a treaty state out of the counts.
TERRITORIES = {LegalBasisKind.SAR: {"HK", "MO"}, LegalBasisKind.CROSS_STRAIT: {"TW"}}


def legal_basis_checks(values):
    if values["basis"] != LegalBasisKind.UNKNOWN and not values["sources"]:
        yield "sources", "every row needs at least one source (only an unknown basis may have none)"
    places = TERRITORIES.get(values["basis"])
    if places and values["iso2"] not in places:
        yield "basis", f"{values['basis']} is for {' and '.join(sorted(places))} only"


def verified_dates(values):
    """The _verified columns of the dates a row says were read in a source."""
    return [f"{event}_verified" for event in ("signed", "in_force")
            if (values.get(f"{event}_on") or values.get(f"{event}_by")) and values.get(f"{event}_verified")]


def registry_checks(spec, values, registry):
    """(column, reason): every source resolves to a registered publisher, verified dates to a non-secondary one."""
    if "sources" in spec.columns:
        yield from sourcing.problems(registry, values["sources"], verified_dates(values))
