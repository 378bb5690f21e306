"""Treaties, moratorium measures and cases, each row with its sources."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.records import utcnow
from app.revisions import PublicData
from app.treaties.dates import PartialDate, PartialDateType, happened_by


class Dispute(StrEnum):
    """What the sources disagree on, when they do."""

    EXISTENCE = "existence"
    IN_FORCE = "in_force"


class Basis(StrEnum):
    SOURCED = "sourced"
    INFERRED = "inferred"


class MeasureKind(StrEnum):
    """What a government did to stop or limit extraditions."""

    MORATORIUM_DECLARED = "moratorium_declared"
    TREATY_SUSPENDED = "treaty_suspended"
    TREATY_TERMINATED = "treaty_terminated"
    RATIFICATION_WITHDRAWN = "ratification_withdrawn"
    HK_SUSPENDED = "hk_suspended"
    HK_SUSPENDED_BY_HKSAR = "hk_suspended_by_hksar"
    HK_FROZEN = "hk_frozen"
    HK_FROZEN_BY_HKSAR = "hk_frozen_by_hksar"
    HK_NOT_SUSPENDED = "hk_not_suspended"


# Measures that stop extraditions to the PRC while they last.
HALTING = frozenset({MeasureKind.MORATORIUM_DECLARED, MeasureKind.TREATY_SUSPENDED})
# Measures after which there is no PRC treaty at all.
ENDING = frozenset({MeasureKind.TREATY_TERMINATED, MeasureKind.RATIFICATION_WITHDRAWN})
# Measures about the Hong Kong surrender agreements: they do not touch extradition to the mainland.
HONG_KONG = frozenset(k for k in MeasureKind if k.startswith("hk_"))


class CaseKind(StrEnum):
    COURT_DECISION = "court_decision"
    EXTRADITION = "extradition"
    DEPORTATION = "deportation"
    EXTRADITION_REQUEST = "extradition_request"
    RED_NOTICE = "red_notice"


class CaseOutcome(StrEnum):
    REFUSED = "refused"
    VIOLATION_FOUND = "violation_found"
    APPROVED = "approved"
    EXTRADITED = "extradited"
    CONSENTED = "consented"
    REVERSED = "reversed"
    EXECUTED = "executed"
    DIED_IN_CUSTODY = "died_in_custody"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"


# Outcomes counted as refusals in the headline figures.
REFUSALS = frozenset({CaseOutcome.REFUSED, CaseOutcome.VIOLATION_FOUND})



class LegalBasisKind(StrEnum):
    """Whether a state's own law lets it extradite to the PRC without a treaty."""

    TREATY_REQUIRED = "treaty_required"
    CASE_BY_CASE = "case_by_case"
    UNKNOWN = "unknown"
    SAR = "sar"  # a special administrative region of the PRC (Hong Kong, Macau)
    CROSS_STRAIT = "cross_strait"  # Taiwan: returns under a cross-strait agreement


# Places whose relation to the mainland is not that of a state to a treaty partner.
TERRITORIES = frozenset({LegalBasisKind.SAR, LegalBasisKind.CROSS_STRAIT})


class PublisherKind(StrEnum):
    """What kind of publisher a source comes from; `secondary` cannot verify a date alone."""

    OFFICIAL = "official"
    COURT = "court"
    INTERGOVERNMENTAL = "intergovernmental"
    PRESS = "press"
    NGO = "ngo"
    REPORT = "report"
    ACADEMIC = "academic"
    SECONDARY = "secondary"


class Publisher(PublicData, db.Model):
    """A registered publisher: every source in data/ must resolve to one."""

    __tablename__ = "publishers"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[PublisherKind] = mapped_column(String(20))
    identifies: Mapped[list[str]] = mapped_column(JSON)


class Sourced(PublicData):
    """Columns every fact carries: its sources, a note for researchers only, when it last changed."""

    sources: Mapped[list[str]] = mapped_column(JSON)
    # Never shown on a page, in the API or in an export: what was tried, doubts, leads.
    research_note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class Treaty(Sourced, db.Model):
    """A bilateral extradition treaty between the PRC and one state; its status is derived."""

    __tablename__ = "treaties"

    id: Mapped[int] = mapped_column(primary_key=True)
    iso2: Mapped[str] = mapped_column(String(2), unique=True)
    signed_on: Mapped[PartialDate | None] = mapped_column(PartialDateType)
    signed_verified: Mapped[bool] = mapped_column(default=True)
    signed_by: Mapped[PartialDate | None] = mapped_column(PartialDateType)
    in_force_on: Mapped[PartialDate | None] = mapped_column(PartialDateType)
    in_force_verified: Mapped[bool] = mapped_column(default=True)
    in_force_by: Mapped[PartialDate | None] = mapped_column(PartialDateType)
    dispute: Mapped[Dispute | None] = mapped_column(String(20))
    disputed_since: Mapped[PartialDate | None] = mapped_column(PartialDateType)
    basis: Mapped[Basis] = mapped_column(String(20), default=Basis.SOURCED)
    public_note: Mapped[str] = mapped_column(Text, default="")

    def signed_as_of(self, day):
        """True when the treaty was surely signed by `day`."""
        return happened_by(day, self.signed_on, self.signed_by)

    def in_force_as_of(self, day):
        """True when the treaty was surely in force by `day`."""
        return happened_by(day, self.in_force_on, self.in_force_by)

    def disputed_as_of(self, day):
        """The dispute, once the conflicting claim had appeared by `day` (always, if undated)."""
        if self.dispute and (self.disputed_since is None or happened_by(day, self.disputed_since)):
            return self.dispute
        return None


class Measure(Sourced, db.Model):
    """A government's act against extradition: a moratorium, suspension, withdrawal."""

    __tablename__ = "measures"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    iso2: Mapped[str] = mapped_column(String(2), index=True)
    kind: Mapped[MeasureKind] = mapped_column(String(30))
    taken_on: Mapped[PartialDate | None] = mapped_column(PartialDateType)
    ends_on: Mapped[PartialDate | None] = mapped_column(PartialDateType)  # lifted
    actor: Mapped[str] = mapped_column(String(200), default="")
    instrument: Mapped[str] = mapped_column(String(300))
    public_note: Mapped[str] = mapped_column(Text, default="")

    def in_effect(self, day):
        """True when the measure had surely been taken by `day` and not surely lifted."""
        return happened_by(day, self.taken_on) and not happened_by(day, self.ends_on)


class Case(Sourced, db.Model):
    """An extradition, deportation or court case involving the PRC."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    iso2: Mapped[str] = mapped_column(String(2), index=True)
    decided_on: Mapped[PartialDate | None] = mapped_column(PartialDateType)
    kind: Mapped[CaseKind] = mapped_column(String(30))
    person: Mapped[str] = mapped_column(String(300))
    forum: Mapped[str] = mapped_column(String(300))
    outcome: Mapped[CaseOutcome] = mapped_column(String(30))
    summary: Mapped[str] = mapped_column(Text)


class LegalBasis(Sourced, db.Model):
    """What a state's own law says about extradition without a treaty (or a territory's arrangements)."""

    __tablename__ = "legal_bases"

    id: Mapped[int] = mapped_column(primary_key=True)
    iso2: Mapped[str] = mapped_column(String(2), unique=True)
    basis: Mapped[LegalBasisKind] = mapped_column(String(20))
    public_note: Mapped[str] = mapped_column(Text, default="")
