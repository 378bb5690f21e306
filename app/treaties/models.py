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
    HK_NOT_SUSPENDED = "hk_not_suspended"


# Measures that stop extraditions to the PRC while they last.
HALTING = frozenset({MeasureKind.MORATORIUM_DECLARED, MeasureKind.TREATY_SUSPENDED})
# Measures after which there is no PRC treaty at all.
ENDING = frozenset({MeasureKind.TREATY_TERMINATED, MeasureKind.RATIFICATION_WITHDRAWN})


class CaseKind(StrEnum):
    COURT_DECISION = "court_decision"
    EXTRADITION = "extradition"
    DEPORTATION = "deportation"
    EXTRADITION_REQUEST = "extradition_request"
    RED_NOTICE = "red_notice"


class Outcome(StrEnum):
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
REFUSALS = frozenset({Outcome.REFUSED, Outcome.VIOLATION_FOUND})



class Sourced(PublicData):
    """Columns every fact carries: its sources and when it last changed."""

    sources: Mapped[list[str]] = mapped_column(JSON)
    notes: Mapped[str] = mapped_column(Text, default="")
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
    basis: Mapped[Basis] = mapped_column(String(20), default=Basis.SOURCED)

    def signed_as_of(self, day):
        """True when the treaty was surely signed by `day`."""
        return happened_by(day, self.signed_on, self.signed_by)

    def in_force_as_of(self, day):
        """True when the treaty was surely in force by `day`."""
        return happened_by(day, self.in_force_on, self.in_force_by)


class Measure(Sourced, db.Model):
    """A government's act against extradition: a moratorium, suspension, withdrawal."""

    __tablename__ = "measures"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    iso2: Mapped[str] = mapped_column(String(2), index=True)
    kind: Mapped[MeasureKind] = mapped_column(String(30))
    taken_on: Mapped[PartialDate | None] = mapped_column(PartialDateType)
    actor: Mapped[str] = mapped_column(String(200), default="")
    instrument: Mapped[str] = mapped_column(String(300))

    def in_effect(self, day):
        """True when the measure had surely been taken by `day`."""
        return happened_by(day, self.taken_on)


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
    outcome: Mapped[Outcome] = mapped_column(String(30))
    summary: Mapped[str] = mapped_column(Text)
