"""Translated words for the data's named values, and the sentence behind each verdict."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.treaties.models import CaseKind, MeasureKind, Outcome
from app.treaties.status import Verdict

VERDICTS = {
    Verdict.MORATORIUM: _l("Moratorium declared or treaty suspended"),
    Verdict.NO_TREATY: _l("No treaty, but extradition still possible"),
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
    MeasureKind.HK_NOT_SUSPENDED: _l("Hong Kong surrender agreement still in operation"),
}

CASE_KINDS = {
    CaseKind.COURT_DECISION: _l("Court decision"),
    CaseKind.EXTRADITION: _l("Extradition"),
    CaseKind.DEPORTATION: _l("Deportation"),
    CaseKind.EXTRADITION_REQUEST: _l("Extradition request"),
    CaseKind.RED_NOTICE: _l("INTERPOL Red Notice"),
}

OUTCOMES = {
    Outcome.REFUSED: _l("Refused"),
    Outcome.VIOLATION_FOUND: _l("Violation found"),
    Outcome.APPROVED: _l("Approved"),
    Outcome.EXTRADITED: _l("Extradited"),
    Outcome.CONSENTED: _l("Consented"),
    Outcome.REVERSED: _l("Refusal reversed"),
    Outcome.EXECUTED: _l("Executed after return"),
    Outcome.DIED_IN_CUSTODY: _l("Died in custody"),
    Outcome.RETURNED: _l("Returned"),
    Outcome.WITHDRAWN: _l("Withdrawn"),
}


def reason(standing, when):
    """One sentence saying why the verdict is what it is; `when` formats a PartialDate."""
    treaty, measure = standing.treaty, standing.measure
    match standing.verdict:
        case Verdict.MORATORIUM:
            return _("Extraditions to China have been halted since %(date)s.", date=when(measure.taken_on))
        case Verdict.NO_TREATY if measure is not None and measure.kind == MeasureKind.TREATY_TERMINATED:
            return _("The treaty was terminated on %(date)s. Without a treaty, extradition case by "
                     "case or deportation to China is still possible.", date=when(measure.taken_on))
        case Verdict.NO_TREATY if measure is not None:
            return _("The ratification of the treaty was withdrawn on %(date)s. Without a treaty, "
                     "extradition case by case or deportation to China is still possible.",
                     date=when(measure.taken_on))
        case Verdict.NO_TREATY:
            return _("There is no extradition treaty with China, but extradition case by case "
                     "or deportation to China is still possible.")
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
        case Verdict.IN_FORCE:
            return _("An extradition treaty with China has been in force since %(date)s, and no "
                     "moratorium has been declared.", date=when(treaty.in_force_on))
