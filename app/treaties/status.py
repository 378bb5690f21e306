"""A country's standing at any date, derived from the dates: never stored."""

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

from app.treaties.dates import happened_by
from app.treaties.models import ENDING, HALTING, REFUSALS, TERRITORIES, Dispute


class Verdict(StrEnum):
    """The moratorium status shown to the public, most protective first."""

    MORATORIUM = "moratorium"
    TERRITORY = "territory"  # Hong Kong, Macau, Taiwan: their own arrangements with the mainland
    NO_TREATY = "no_treaty"
    DISPUTED = "disputed"
    SIGNED = "signed"
    IN_FORCE = "in_force"


@dataclass(frozen=True)
class Standing:
    """A verdict and the facts it rests on: a treaty, a measure, the state's own law, or nothing."""

    verdict: Verdict
    treaty: object = None
    measure: object = None
    basis: object = None  # the LegalBasis row, if the data has one
    listed: bool = False  # the country has a treaty or any measure: the home page's table lists it


def standing(treaty, measures, day, basis=None):
    """The verdict for one country at `day`, from its treaty (or None), its measures and its law."""
    in_effect = sorted((m for m in measures if m.in_effect(day)), key=lambda m: m.taken_on)
    taken = [m for m in measures if m.taken_on is None or happened_by(day, m.taken_on)]
    territory = basis is not None and basis.basis in TERRITORIES
    context = {"treaty": treaty, "basis": basis, "listed": bool(treaty or taken or territory)}
    halting = [m for m in in_effect if m.kind in HALTING]
    if halting:
        return Standing(Verdict.MORATORIUM, measure=halting[-1], **context)
    if territory:
        return Standing(Verdict.TERRITORY, **context)
    ending = [m for m in in_effect if m.kind in ENDING]
    if treaty is None or ending:
        return Standing(Verdict.NO_TREATY, measure=ending[-1] if ending else None, **context)
    return Standing(treaty_verdict(treaty, day), **context)


def treaty_verdict(treaty, day):
    """The verdict a treaty alone gives at `day`; a dispute counts from when it arose."""
    dispute = treaty.disputed_as_of(day)
    if dispute == Dispute.EXISTENCE:
        return Verdict.DISPUTED
    if treaty.in_force_as_of(day):
        return Verdict.DISPUTED if dispute == Dispute.IN_FORCE else Verdict.IN_FORCE
    if treaty.signed_as_of(day):
        # Signed, and sources disagree whether it has entered into force.
        return Verdict.DISPUTED if dispute == Dispute.IN_FORCE else Verdict.SIGNED
    return Verdict.NO_TREATY


def standings(treaties, measures, day, codes, bases=()):
    """Standing for every code in `codes`, from all treaties, measures and legal bases."""
    by_country = {t.iso2: t for t in treaties}
    basis_by_country = {b.iso2: b for b in bases}
    measures_by_country = {}
    for measure in measures:
        measures_by_country.setdefault(measure.iso2, []).append(measure)
    return {
        code: standing(by_country.get(code), measures_by_country.get(code, []), day, basis_by_country.get(code))
        for code in codes
    }


@dataclass(frozen=True)
class Figures:
    """The headline numbers at a date."""

    in_force: int
    signed: int
    disputed: int
    moratoria: int
    refusals: int


def figures(all_standings, cases, day):
    """Count verdicts and refusals as they stood at `day`."""
    verdicts = Counter(s.verdict for s in all_standings.values())
    refusals = sum(1 for c in cases if c.outcome in REFUSALS and happened_by(day, c.decided_on))
    return Figures(
        in_force=verdicts[Verdict.IN_FORCE],
        signed=verdicts[Verdict.SIGNED],
        disputed=verdicts[Verdict.DISPUTED],
        moratoria=verdicts[Verdict.MORATORIUM],
        refusals=refusals,
    )
