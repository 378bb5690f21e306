"""Translated words for the data's named values, and the sentence behind each verdict."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.treaties.models import (
    CaseKind,
    CaseOutcome,
    LegalBasisKind,
    MeasureKind,
    PublisherKind,
)
from app.treaties.status import Verdict

VERDICTS = {
    Verdict.MORATORIUM: _l("Moratorium declared or treaty suspended"),
    Verdict.TERRITORY: _l("Its own arrangements with the mainland"),
    Verdict.NO_TREATY: _l("No extradition treaty"),
    Verdict.DISPUTED: _l("Disputed: sources disagree"),
    Verdict.SIGNED: _l("Treaty signed, awaiting ratification"),
    Verdict.IN_FORCE: _l("Treaty in force, no moratorium"),
}

MEASURES = {
    MeasureKind.MORATORIUM_DECLARED: _l("Moratorium on extraditions to China declared"),
    MeasureKind.TREATY_SUSPENDED: _l("Extradition treaty with China suspended"),
    MeasureKind.TREATY_TERMINATED: _l("Extradition treaty with China terminated"),
    MeasureKind.RATIFICATION_WITHDRAWN: _l("Ratification of the treaty withdrawn"),
    MeasureKind.HK_SUSPENDED: _l("Hong Kong surrender agreement suspended"),
    MeasureKind.HK_SUSPENDED_BY_HKSAR: _l("Hong Kong suspended the agreement in retaliation"),
    MeasureKind.HK_FROZEN: _l("Hong Kong surrender agreement frozen before it took effect"),
    MeasureKind.HK_FROZEN_BY_HKSAR: _l("Hong Kong shelved the agreement in retaliation"),
    MeasureKind.HK_NOT_SUSPENDED: _l("Hong Kong surrender agreement still in operation"),
}

_HONG_KONG_ONLY = _l("This concerns surrenders to Hong Kong. It does not stop extraditions to mainland China.")

# What each kind of measure stops, and what it does not.
MEASURE_SCOPES = {
    MeasureKind.MORATORIUM_DECLARED: _l("Extraditions to China are halted while the moratorium lasts."),
    MeasureKind.TREATY_SUSPENDED: _l("No one is extradited under the treaty while the suspension lasts. "
                                     "The suspension does not cover deportations."),
    MeasureKind.TREATY_TERMINATED: _l("The treaty no longer applies."),
    MeasureKind.RATIFICATION_WITHDRAWN: _l("Without ratification the treaty cannot enter into force."),
    MeasureKind.HK_SUSPENDED: _HONG_KONG_ONLY,
    MeasureKind.HK_SUSPENDED_BY_HKSAR: _HONG_KONG_ONLY,
    MeasureKind.HK_FROZEN: _HONG_KONG_ONLY,
    MeasureKind.HK_FROZEN_BY_HKSAR: _HONG_KONG_ONLY,
    MeasureKind.HK_NOT_SUSPENDED: _l("Surrenders to Hong Kong under this agreement remain possible. "
                                     "It does not concern extraditions to mainland China."),
}

PUBLISHER_KINDS = {
    PublisherKind.OFFICIAL: _l("official"),
    PublisherKind.COURT: _l("court"),
    PublisherKind.INTERGOVERNMENTAL: _l("intergovernmental"),
    PublisherKind.PRESS: _l("press"),
    PublisherKind.NGO: _l("NGO"),
    PublisherKind.REPORT: _l("report"),
    PublisherKind.ACADEMIC: _l("academic"),
    PublisherKind.SECONDARY: _l("secondary source"),
}

# What a state's own law says about extradition without a treaty, for a state that has none.
LAWS = {
    LegalBasisKind.TREATY_REQUIRED: _l("Its law allows extradition only under a treaty."),
    LegalBasisKind.CASE_BY_CASE: _l("Its law allows extradition without a treaty, case by case."),
    LegalBasisKind.UNKNOWN: _l("Whether its law allows extradition without a treaty has not been established here."),
}

TERRITORY_REASONS = {
    LegalBasisKind.SAR: _l("A special administrative region of the People's Republic of China, with its own "
                           "law on surrendering fugitive offenders. What that law provides for the mainland is "
                           "set out below."),
    LegalBasisKind.CROSS_STRAIT: _l("Returns across the Taiwan Strait run under a cross-strait agreement, "
                                    "set out below."),
}

CASE_KINDS = {
    CaseKind.COURT_DECISION: _l("Court decision"),
    CaseKind.EXTRADITION: _l("Extradition"),
    CaseKind.DEPORTATION: _l("Deportation"),
    CaseKind.EXTRADITION_REQUEST: _l("Extradition request"),
    CaseKind.RED_NOTICE: _l("INTERPOL Red Notice"),
}

OUTCOMES = {
    CaseOutcome.REFUSED: _l("Refused"),
    CaseOutcome.VIOLATION_FOUND: _l("Violation found"),
    CaseOutcome.APPROVED: _l("Approved"),
    CaseOutcome.EXTRADITED: _l("Extradited"),
    CaseOutcome.CONSENTED: _l("Consented"),
    CaseOutcome.REVERSED: _l("Refusal reversed"),
    CaseOutcome.EXECUTED: _l("Executed after return"),
    CaseOutcome.DIED_IN_CUSTODY: _l("Died in custody"),
    CaseOutcome.RETURNED: _l("Returned"),
    CaseOutcome.WITHDRAWN: _l("Withdrawn"),
}


def reason(standing, when):
    """The sentences saying why the verdict is what it is; `when` formats a PartialDate."""
    match standing.verdict:
        case Verdict.MORATORIUM:
            return [halted(standing.measure, when)]
        case Verdict.TERRITORY:
            return [str(TERRITORY_REASONS[standing.basis.basis])]
        case Verdict.NO_TREATY:
            return [no_treaty(standing.measure, when), str(LAWS[law(standing.basis)])]
        case _:
            return [treaty_reason(standing.verdict, standing.treaty, when)]


def law(basis):
    return basis.basis if basis is not None and basis.basis in LAWS else LegalBasisKind.UNKNOWN


def halted(measure, when):
    if measure.kind == MeasureKind.TREATY_SUSPENDED:
        return _("The extradition treaty with China has been suspended since %(date)s: no one is extradited "
                 "under it while the suspension lasts. The suspension does not cover deportations.",
                 date=when(measure.taken_on))
    return _("A moratorium on extraditions to China has been in effect since %(date)s.", date=when(measure.taken_on))


def no_treaty(measure, when):
    if measure is not None and measure.kind == MeasureKind.TREATY_TERMINATED:
        return _("The extradition treaty with China was terminated on %(date)s.", date=when(measure.taken_on))
    if measure is not None:
        return _("The ratification of the extradition treaty with China was withdrawn on %(date)s.",
                 date=when(measure.taken_on))
    return _("There is no extradition treaty with China.")


def treaty_reason(verdict, treaty, when):
    """The sentence for a verdict that rests on the treaty's own dates."""
    match verdict:
        case Verdict.DISPUTED if treaty.dispute == "in_force":
            return _("A treaty was signed; sources disagree whether it is in force.")
        case Verdict.DISPUTED:
            return _("Sources disagree whether an extradition treaty with China exists.")
        case Verdict.SIGNED if treaty.signed_on is None:
            return _("A treaty was signed no later than %(date)s and awaits ratification. No "
                     "moratorium has been declared.", date=when(treaty.signed_by))
        case Verdict.SIGNED:
            return _("A treaty was signed (%(date)s) and awaits ratification. No moratorium has "
                     "been declared.", date=when(treaty.signed_on))
        case Verdict.IN_FORCE if treaty.in_force_on is None:
            return _("An extradition treaty with China entered into force no later than %(date)s, "
                     "and no moratorium has been declared.", date=when(treaty.in_force_by))
        case _:
            return _("An extradition treaty with China has been in force since %(date)s, and no "
                     "moratorium has been declared.", date=when(treaty.in_force_on))
