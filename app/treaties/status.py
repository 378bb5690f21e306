"""A country's standing at any date, derived from the dates: never stored."""

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

from app.treaties.dates import happened_by
from app.treaties.models import ENDING, HALTING, REFUSALS, Dispute


class Verdict(StrEnum):
    """The moratorium status shown to the public, most protective first."""

    MORATORIUM = "moratorium"
    NO_TREATY = "no_treaty"
    DISPUTED = "disputed"
    SIGNED = "signed"
    IN_FORCE = "in_force"


@dataclass(frozen=True)
class Standing:
    """A verdict and the fact it rests on (a treaty, a measure, or nothing)."""

    verdict: Verdict
    treaty: object = None
    measure: object = None


def standing(treaty, measures, day):
    """The verdict for one country at `day`, from its treaty (or None) and its measures."""
    in_effect = sorted((m for m in measures if m.in_effect(day)), key=lambda m: m.taken_on)
    halting = [m for m in in_effect if m.kind in HALTING]
    if halting:
        return Standing(Verdict.MORATORIUM, treaty, halting[-1])
    ending = [m for m in in_effect if m.kind in ENDING]
    if treaty is None or ending:
        return Standing(Verdict.NO_TREATY, treaty, ending[-1] if ending else None)
    return Standing(treaty_verdict(treaty, day), treaty)


def treaty_verdict(treaty, day):
    """The verdict a treaty alone gives at `day`."""
    if treaty.dispute == Dispute.EXISTENCE:
        return Verdict.DISPUTED
    if treaty.in_force_as_of(day):
        return Verdict.DISPUTED if treaty.dispute == Dispute.IN_FORCE else Verdict.IN_FORCE
    if treaty.signed_as_of(day):
        return Verdict.SIGNED
    return Verdict.NO_TREATY


def standings(treaties, measures, day, codes):
    """Standing for every code in `codes`, from all treaties and measures."""
    by_country = {t.iso2: t for t in treaties}
    measures_by_country = {}
    for measure in measures:
        measures_by_country.setdefault(measure.iso2, []).append(measure)
    return {
        code: standing(by_country.get(code), measures_by_country.get(code, []), day)
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
